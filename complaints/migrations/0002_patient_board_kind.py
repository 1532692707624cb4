"""The kind of org unit a patientnämnd is (lag 2017:372): a unit of the region's tree (the
nämnd is the region's, though it works independently) whose members hold the role
`patient_board`. A complaint's responsible unit is never one; its `board_unit` always is."""

from django.db import migrations

BOARD_KIND = ("patientnamnd", "Patientnämnd", 1)


def add_kind(apps, schema_editor):
    OrgUnitKind = apps.get_model("accounts", "OrgUnitKind")
    code, name, rank = BOARD_KIND
    OrgUnitKind.objects.get_or_create(code=code, defaults={"name": name, "rank": rank})


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial"), ("accounts", "0006_complaint_roles")]

    operations = [migrations.RunPython(add_kind, migrations.RunPython.noop)]
