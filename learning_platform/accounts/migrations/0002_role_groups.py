"""Create one group per role. Permissions are attached after migrate by ``roles_sync``."""

from django.db import migrations

ROLES = [
    "citizen",
    "item_author",
    "item_reviewer",
    "researcher",
    "district_officer",
    "district_statistician",
    "district_liaison",
    "district_head",
    "institution",
    "administrator",
]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
