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
        ('incidents', '0014_sync'),
        ('investigations', '0004_action_timeline_kinds'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name='investigation',
            name='update_update',
        ),
        migrations.AddField(
            model_name='investigation',
            name='sync_xid',
            field=models.BigIntegerField(db_default=0, editable=False),
        ),
        migrations.AddIndex(
            model_name='investigation',
            index=models.Index(fields=['sync_xid', 'id'], name='investigation_sync'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='investigation',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."avoidable" IS DISTINCT FROM (NEW."avoidable") OR OLD."care_injury" IS DISTINCT FROM (NEW."care_injury") OR OLD."closed_at" IS DISTINCT FROM (NEW."closed_at") OR OLD."conclusions" IS DISTINCT FROM (NEW."conclusions") OR OLD."cost_per_care_day" IS DISTINCT FROM (NEW."cost_per_care_day") OR OLD."created_at" IS DISTINCT FROM (NEW."created_at") OR OLD."created_by_id" IS DISTINCT FROM (NEW."created_by_id") OR OLD."extra_care_days" IS DISTINCT FROM (NEW."extra_care_days") OR OLD."follow_up_on" IS DISTINCT FROM (NEW."follow_up_on") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."leader_id" IS DISTINCT FROM (NEW."leader_id") OR OLD."method" IS DISTINCT FROM (NEW."method") OR OLD."method_decided_at" IS DISTINCT FROM (NEW."method_decided_at") OR OLD."method_decided_by_id" IS DISTINCT FROM (NEW."method_decided_by_id") OR OLD."method_reason" IS DISTINCT FROM (NEW."method_reason") OR OLD."other_costs" IS DISTINCT FROM (NEW."other_costs") OR OLD."patient_account" IS DISTINCT FROM (NEW."patient_account") OR OLD."patient_invited" IS DISTINCT FROM (NEW."patient_invited") OR OLD."patient_invited_on" IS DISTINCT FROM (NEW."patient_invited_on") OR OLD."patient_not_invited_reason" IS DISTINCT FROM (NEW."patient_not_invited_reason") OR OLD."reference" IS DISTINCT FROM (NEW."reference") OR OLD."report_ready_at" IS DISTINCT FROM (NEW."report_ready_at") OR OLD."serious_death" IS DISTINCT FROM (NEW."serious_death") OR OLD."serious_increased_care" IS DISTINCT FROM (NEW."serious_increased_care") OR OLD."serious_permanent" IS DISTINCT FROM (NEW."serious_permanent") OR OLD."status" IS DISTINCT FROM (NEW."status") OR OLD."title" IS DISTINCT FROM (NEW."title") OR OLD."unit_id" IS DISTINCT FROM (NEW."unit_id") OR OLD."updated_at" IS DISTINCT FROM (NEW."updated_at") OR OLD."version" IS DISTINCT FROM (NEW."version"))', func='INSERT INTO "investigations_investigationevent" ("avoidable", "care_injury", "closed_at", "conclusions", "cost_per_care_day", "created_at", "created_by_id", "extra_care_days", "follow_up_on", "id", "leader_id", "method", "method_decided_at", "method_decided_by_id", "method_reason", "other_costs", "patient_account", "patient_invited", "patient_invited_on", "patient_not_invited_reason", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reference", "report_ready_at", "serious_death", "serious_increased_care", "serious_permanent", "status", "title", "unit_id", "updated_at", "version") VALUES (NEW."avoidable", NEW."care_injury", NEW."closed_at", NEW."conclusions", NEW."cost_per_care_day", NEW."created_at", NEW."created_by_id", NEW."extra_care_days", NEW."follow_up_on", NEW."id", NEW."leader_id", NEW."method", NEW."method_decided_at", NEW."method_decided_by_id", NEW."method_reason", NEW."other_costs", NEW."patient_account", NEW."patient_invited", NEW."patient_invited_on", NEW."patient_not_invited_reason", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."reference", NEW."report_ready_at", NEW."serious_death", NEW."serious_increased_care", NEW."serious_permanent", NEW."status", NEW."title", NEW."unit_id", NEW."updated_at", NEW."version"); RETURN NULL;', hash='b039e5a5205a1c3483f125de022d731e618e58ea', operation='UPDATE', pgid='pgtrigger_update_update_94da7', table='investigations_investigation', when='AFTER')),
        ),
        migrations.RunSQL(STAMP_FUNCTION, DROP_STAMP_FUNCTION),
        migrations.RunSQL(stamp_trigger("investigations_investigation"), drop_stamp_trigger("investigations_investigation")),
    ]
