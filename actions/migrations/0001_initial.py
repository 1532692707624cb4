"""The action register takes over `incidents.Action` (tables, ids, history, cause links kept)."""

import django.db.models.deletion
import django.utils.timezone
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('incidents', '0007_queue_count_indexes'),
        ('pghistory', '0007_auto_20250421_0444'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The model moved here from incidents (DESIGN §4, the action register): its tables,
        # constraint and rows stay as they are; only Django's state moves. The history
        # triggers are installed again under this app's names (incidents 0008 drops the old).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Action',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('description', models.TextField(verbose_name='action')),
                        ('due_date', models.DateField(verbose_name='due date')),
                        ('state', models.CharField(choices=[('planned', 'Planned'), ('in_progress', 'In progress'), ('done', 'Done'), ('cancelled', 'Cancelled')], default='planned', max_length=20, verbose_name='status')),
                        ('effect_class', models.CharField(blank=True, choices=[('very_effective', 'Very effective'), ('effective', 'Effective'), ('limited', 'Limited effect')], max_length=20, verbose_name='expected effect')),
                        ('version', models.PositiveIntegerField(default=1)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('done_at', models.DateTimeField(blank=True, null=True)),
                        ('causes', models.ManyToManyField(blank=True, related_name='actions', to='incidents.cause', verbose_name='causes it addresses')),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('incident', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='actions', to='incidents.incident')),
                        ('responsible', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='responsible_actions', to=settings.AUTH_USER_MODEL, verbose_name='responsible person')),
                    ],
                    options={
                        'verbose_name': 'action',
                        'verbose_name_plural': 'actions',
                        'db_table': 'incidents_action',
                        'ordering': ['due_date', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='ActionEvent',
                    fields=[
                        ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                        ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                        ('pgh_label', models.TextField(help_text='The event label.')),
                        ('id', models.BigIntegerField()),
                        ('description', models.TextField(verbose_name='action')),
                        ('due_date', models.DateField(verbose_name='due date')),
                        ('state', models.CharField(choices=[('planned', 'Planned'), ('in_progress', 'In progress'), ('done', 'Done'), ('cancelled', 'Cancelled')], default='planned', max_length=20, verbose_name='status')),
                        ('effect_class', models.CharField(blank=True, choices=[('very_effective', 'Very effective'), ('effective', 'Effective'), ('limited', 'Limited effect')], max_length=20, verbose_name='expected effect')),
                        ('version', models.PositiveIntegerField(default=1)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('done_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL)),
                        ('incident', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='incidents.incident')),
                        ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                        ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='actions.action')),
                        ('responsible', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='responsible person')),
                    ],
                    options={
                        'db_table': 'incidents_actionevent',
                        'abstract': False,
                    },
                ),
                migrations.AddConstraint(
                    model_name='action',
                    constraint=models.CheckConstraint(condition=models.Q(('state__in', ['planned', 'in_progress', 'done', 'cancelled'])), name='action_state_known'),
                ),
            ],
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='action',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "incidents_actionevent" ("created_at", "created_by_id", "description", "done_at", "due_date", "effect_class", "id", "incident_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "responsible_id", "state", "version") VALUES (NEW."created_at", NEW."created_by_id", NEW."description", NEW."done_at", NEW."due_date", NEW."effect_class", NEW."id", NEW."incident_id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."responsible_id", NEW."state", NEW."version"); RETURN NULL;', hash='6950ceaecff4f3f1a8645dae74a917426bed9e6a', operation='INSERT', pgid='pgtrigger_insert_insert_bc7f0', table='incidents_action', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='action',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "incidents_actionevent" ("created_at", "created_by_id", "description", "done_at", "due_date", "effect_class", "id", "incident_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "responsible_id", "state", "version") VALUES (NEW."created_at", NEW."created_by_id", NEW."description", NEW."done_at", NEW."due_date", NEW."effect_class", NEW."id", NEW."incident_id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."responsible_id", NEW."state", NEW."version"); RETURN NULL;', hash='b1ca87723d203fba38e4c73aca46399ff127f98e', operation='UPDATE', pgid='pgtrigger_update_update_1d90e', table='incidents_action', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='actionevent',
            trigger=pgtrigger.compiler.Trigger(name='append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='74e0d725739e64df40103b5377011398cb132924', operation='UPDATE OR DELETE', pgid='pgtrigger_append_only_21079', table='incidents_actionevent', when='BEFORE')),
        ),
    ]
