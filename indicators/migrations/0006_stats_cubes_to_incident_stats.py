"""The incident-statistics tables now belong to `incident_stats` (its migration 0001 takes them
over). Only Django's idea of the models goes: the tables, their rows and the triggers of 0004
stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0005_measurement_history_per_statement"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="IncidentCube"),
                migrations.DeleteModel(name="IncidentCubeDelta"),
                migrations.DeleteModel(name="SideCube"),
                migrations.DeleteModel(name="SideCubeDelta"),
            ],
            database_operations=[],
        ),
    ]
