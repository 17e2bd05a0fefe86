"""Move the proficiency levels' cut scores into version 1 of each domain's cut-score set.

Until now a citizen's level came from ``ProficiencyLevel.min_theta``. Those cuts become
version 1 (approved and active) of the domain's cut-score set, the one source of levels
from here on. Parameter sets already active, demonstration sets and sets someone
approved count as approved; every other set stays in review.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    Domain = apps.get_model("itembank", "Domain")
    ProficiencyLevel = apps.get_model("itembank", "ProficiencyLevel")
    CutScoreSet = apps.get_model("itembank", "CutScoreSet")
    ItemParameterSet = apps.get_model("itembank", "ItemParameterSet")
    from django.utils import timezone

    today = timezone.localdate()
    for domain in Domain.objects.all():
        levels = list(ProficiencyLevel.objects.filter(domain=domain).order_by("order"))
        if len(levels) < 2 or CutScoreSet.objects.filter(domain=domain).exists():
            continue
        cuts = [lv.min_theta for lv in levels[1:]]
        if any(c is None for c in cuts) or any(b <= a for a, b in zip(cuts, cuts[1:])):
            continue  # not a valid standard setting: left for a researcher to set
        attained = [lv.attained for lv in levels]
        if sum(attained) != 1 or attained[0]:
            continue
        CutScoreSet.objects.create(
            domain=domain, version=1,
            levels=[{"code": lv.code, "min_theta": None if k == 0 else lv.min_theta,
                     "attained": lv.attained} for k, lv in enumerate(levels)],
            scale="θ of the item bank's active parameter set (migrated)",
            method="proficiency levels of the item bank", set_by="migrated from the item bank",
            set_on=today, note="Migrated from ProficiencyLevel.min_theta.",
            status="approved", reviewed_at=timezone.now(), is_active=True,
            activated_at=timezone.now(),
        )
    ItemParameterSet.objects.filter(is_active=True).update(status="approved")
    ItemParameterSet.objects.filter(is_demo=True).update(status="approved")
    ItemParameterSet.objects.filter(approved_by__isnull=False).update(status="approved")


class Migration(migrations.Migration):
    dependencies = [("itembank", "0004_cut_score_sets_and_parameter_review")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
