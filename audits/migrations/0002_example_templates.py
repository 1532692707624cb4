"""The example templates psweb ships (audits.examples), version 1 of each, published."""

from django.db import migrations
from django.utils import timezone


def seed(apps, schema_editor):
    from audits.examples import TEMPLATES

    Template = apps.get_model("audits", "Template")
    Version = apps.get_model("audits", "TemplateVersion")
    Area = apps.get_model("audits", "Area")
    Statement = apps.get_model("audits", "Statement")
    for spec in TEMPLATES:
        if Template.objects.filter(code=spec["code"]).exists():
            continue
        template = Template.objects.create(
            code=spec["code"], title=spec["title"], kind=spec["kind"], description=spec["description"]
        )
        version = Version.objects.create(template=template, number=1, published_at=timezone.now())
        position = 0
        for area_position, (title, statements) in enumerate(spec["areas"], start=1):
            area = Area.objects.create(version=version, position=area_position, title=title)
            for statement in statements:
                position += 1
                Statement.objects.create(version=version, area=area, position=position, **statement)


class Migration(migrations.Migration):
    dependencies = [("audits", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
