"""The incident-statistics models, taken over from `indicators` (its 0006 lets them go).

The tables, their indexes and constraints were created by indicators 0003 and the triggers
that fill them by indicators 0004, on every database that reaches this migration: so the
models are created in Django's state only, under the tables' old names. Changes to the
tables or the triggers from here on are migrations of this app (see `incident_stats.models`).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("indicators", "0006_stats_cubes_to_incident_stats"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IncidentCube",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("anc", models.BigIntegerField()),
                        ("month", models.DateField()),
                        ("category_id", models.BigIntegerField()),
                        ("event_class", models.CharField(max_length=20)),
                        ("case_type", models.CharField(max_length=20)),
                        ("status", models.CharField(max_length=20)),
                        ("n", models.IntegerField()),
                        ("late", models.IntegerField()),
                    ],
                    options={
                        "db_table": "indicators_incidentcube",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("anc", "month", "category_id", "event_class", "case_type", "status"),
                                name="incident_cube_key",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="IncidentCubeDelta",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("anc", models.BigIntegerField()),
                        ("month", models.DateField()),
                        ("category_id", models.BigIntegerField()),
                        ("event_class", models.CharField(max_length=20)),
                        ("case_type", models.CharField(max_length=20)),
                        ("status", models.CharField(max_length=20)),
                        ("n", models.IntegerField()),
                        ("late", models.IntegerField()),
                    ],
                    options={
                        "db_table": "indicators_incidentcubedelta",
                        "indexes": [models.Index(fields=["anc", "month"], name="incident_cube_delta_anc")],
                    },
                ),
                migrations.CreateModel(
                    name="SideCube",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("anc", models.BigIntegerField()),
                        ("kind", models.CharField(max_length=10)),
                        ("day", models.DateField()),
                        ("key", models.IntegerField()),
                        ("n", models.IntegerField()),
                    ],
                    options={
                        "db_table": "indicators_sidecube",
                        "constraints": [
                            models.UniqueConstraint(fields=("anc", "kind", "day", "key"), name="side_cube_key")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="SideCubeDelta",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("anc", models.BigIntegerField()),
                        ("kind", models.CharField(max_length=10)),
                        ("day", models.DateField()),
                        ("key", models.IntegerField()),
                        ("n", models.IntegerField()),
                    ],
                    options={
                        "db_table": "indicators_sidecubedelta",
                        "indexes": [models.Index(fields=["anc", "kind"], name="side_cube_delta_anc")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
