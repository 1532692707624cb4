"""`sync_xid` and the trigger `psweb_sync_stamp` that sets it (psweb/sync.py): every
migration of the five synced tables creates the function with CREATE OR REPLACE, so that
none depends on another app's; the last trigger to go drops it. Existing rows get 0
(written before any sync)."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models

from psweb.sync import DROP_STAMP_FUNCTION, STAMP_FUNCTION, drop_stamp_trigger, stamp_trigger


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_audit_truncate_guard'),
        ('indicators', '0006_stats_cubes_to_incident_stats'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name='measurement',
            name='update_update',
        ),
        migrations.AddField(
            model_name='measurement',
            name='sync_xid',
            field=models.BigIntegerField(db_default=0, editable=False),
        ),
        migrations.AddIndex(
            model_name='measurement',
            index=models.Index(fields=['sync_xid', 'id'], name='measurement_sync'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='measurement',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "indicators_measurementevent" ("batch_id", "comment", "denominator", "entered_at", "entered_by_id", "id", "indicator_id", "invalid_reason", "is_valid", "method", "numerator", "period_end", "period_kind", "period_start", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "source", "unit_id", "updated_at", "value") SELECT new_values."batch_id", new_values."comment", new_values."denominator", new_values."entered_at", new_values."entered_by_id", new_values."id", new_values."indicator_id", new_values."invalid_reason", new_values."is_valid", new_values."method", new_values."numerator", new_values."period_end", new_values."period_kind", new_values."period_start", _pgh_attached_context.value, NOW(), \'update\', new_values."id", new_values."source", new_values."unit_id", new_values."updated_at", new_values."value" FROM ( SELECT new_values.* FROM old_values JOIN new_values ON (old_values."id") = (new_values."id") WHERE (old_values."batch_id" IS DISTINCT FROM (new_values."batch_id") OR old_values."comment" IS DISTINCT FROM (new_values."comment") OR old_values."denominator" IS DISTINCT FROM (new_values."denominator") OR old_values."entered_at" IS DISTINCT FROM (new_values."entered_at") OR old_values."entered_by_id" IS DISTINCT FROM (new_values."entered_by_id") OR old_values."id" IS DISTINCT FROM (new_values."id") OR old_values."indicator_id" IS DISTINCT FROM (new_values."indicator_id") OR old_values."invalid_reason" IS DISTINCT FROM (new_values."invalid_reason") OR old_values."is_valid" IS DISTINCT FROM (new_values."is_valid") OR old_values."method" IS DISTINCT FROM (new_values."method") OR old_values."numerator" IS DISTINCT FROM (new_values."numerator") OR old_values."period_end" IS DISTINCT FROM (new_values."period_end") OR old_values."period_kind" IS DISTINCT FROM (new_values."period_kind") OR old_values."period_start" IS DISTINCT FROM (new_values."period_start") OR old_values."source" IS DISTINCT FROM (new_values."source") OR old_values."unit_id" IS DISTINCT FROM (new_values."unit_id") OR old_values."updated_at" IS DISTINCT FROM (new_values."updated_at") OR old_values."value" IS DISTINCT FROM (new_values."value")) ) AS new_values, _pgh_attached_context; RETURN NULL;', hash='cdc488bc9f79124450c14befc3be35207c1b0c98', level='STATEMENT', operation='UPDATE', pgid='pgtrigger_update_update_e8425', referencing='REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ', table='indicators_measurement', when='AFTER')),
        ),
        migrations.RunSQL(STAMP_FUNCTION, DROP_STAMP_FUNCTION),
        migrations.RunSQL(stamp_trigger("indicators_measurement"), drop_stamp_trigger("indicators_measurement")),
    ]
