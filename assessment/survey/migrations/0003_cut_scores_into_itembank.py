"""Copy the survey's cut-score versions into the item bank's cut-score sets.

The roll-up used the latest survey version of a domain before the item bank's levels,
so that version becomes the active one; earlier versions are kept, approved but
inactive. Versions follow the bank's own (version 1 migrated from its levels).
"""

from django.db import migrations


def forwards(apps, schema_editor):
    Old = apps.get_model("survey", "CutScoreSet")
    New = apps.get_model("itembank", "CutScoreSet")
    Domain = apps.get_model("itembank", "Domain")
    from django.utils import timezone

    now = timezone.now()
    for domain_code in Old.objects.values_list("domain_code", flat=True).distinct():
        domain = Domain.objects.filter(code=domain_code).first()
        if domain is None:
            continue  # a cut for a domain the bank does not know: nothing can use it
        rows = list(Old.objects.filter(domain_code=domain_code).order_by("version"))
        last = New.objects.filter(domain=domain).order_by("-version").first()
        version = last.version if last else 0
        made = None
        for row in rows:
            version += 1
            labels, cuts = list(row.labels), list(row.cuts)
            made = New.objects.create(
                domain=domain, version=version,
                levels=[{"code": code, "min_theta": None if k == 0 else float(cuts[k - 1]),
                         "attained": code == row.attained} for k, code in enumerate(labels)],
                scale="survey reporting scale (theta)", method="survey cut scores",
                set_by="migrated from the survey's cut scores (version %d)" % row.version,
                set_on=row.created_at.date(), note=row.note, created_by=row.created_by,
                status="approved", reviewed_at=now,
            )
        if made is not None:
            New.objects.filter(domain=domain, is_active=True).update(is_active=False)
            New.objects.filter(pk=made.pk).update(is_active=True, activated_at=now)


class Migration(migrations.Migration):
    dependencies = [
        ("survey", "0002_rollupcell_linking_error"),
        ("itembank", "0005_levels_into_cut_score_sets"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
