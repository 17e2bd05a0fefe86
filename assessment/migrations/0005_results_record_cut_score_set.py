"""Past results record the cut-score version that gave their level (version 1, migrated)."""

from django.db import migrations


def forwards(apps, schema_editor):
    Result = apps.get_model("assessment", "Result")
    Domain = apps.get_model("itembank", "Domain")
    CutScoreSet = apps.get_model("itembank", "CutScoreSet")
    parents = dict(Domain.objects.values_list("code", "parent__code"))
    active = {code: pk for pk, code in CutScoreSet.objects.filter(is_active=True)
              .values_list("pk", "domain__code")}
    for code in Result.objects.exclude(level_code="").values_list("domain_code", flat=True) \
            .distinct():
        node, seen = code, set()
        while node and node not in active and node not in seen:
            seen.add(node)
            node = parents.get(node)
        if node in active:
            Result.objects.filter(domain_code=code, cut_score_set__isnull=True) \
                .exclude(level_code="").update(cut_score_set_id=active[node])


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0004_result_cut_score_set"),
        ("itembank", "0005_levels_into_cut_score_sets"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
