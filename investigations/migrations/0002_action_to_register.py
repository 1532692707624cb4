"""Actions now belong to the action register (`actions.Action`); the foreign key keeps its column."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('actions', '0001_initial'),
        ('investigations', '0001_initial'),
    ]

    operations = [
        # The same table under its new owner: state only (DESIGN §4, the action register).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='investigationaction',
                    name='action',
                    field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='investigation_link', to='actions.action'),
                ),
                migrations.AlterField(
                    model_name='investigationactionevent',
                    name='action',
                    field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='actions.action'),
                ),
            ],
        ),
    ]
