"""The seeded indicator catalogue (DOMAIN.md). Only adds indicators missing by code."""

from django.db import migrations


def seed(apps, schema_editor):
    from indicators.catalogue import DEFINITIONS, seed_definitions

    seed_definitions(
        DEFINITIONS, apps.get_model("indicators", "IndicatorDefinition"), apps.get_model("indicators", "MethodVersion")
    )


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
