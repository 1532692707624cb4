"""The default kinds of org units. Administrators can add and rename kinds in the admin."""

from django.db import migrations

KINDS = [
    ("vardgivare", "Vårdgivare", 0),
    ("forvaltning", "Förvaltning", 1),
    ("omrade", "Område", 2),
    ("verksamhet", "Verksamhet", 3),
    ("enhet", "Enhet", 4),
]


def add_kinds(apps, schema_editor):
    OrgUnitKind = apps.get_model("accounts", "OrgUnitKind")
    for code, name, rank in KINDS:
        OrgUnitKind.objects.get_or_create(code=code, defaults={"name": name, "rank": rank})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(add_kinds, migrations.RunPython.noop)]
