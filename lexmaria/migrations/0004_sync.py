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
        ('investigations', '0005_sync'),
        ('lexmaria', '0003_action_timeline_kinds'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name='lexmariacase',
            name='update_update',
        ),
        migrations.AddField(
            model_name='lexmariacase',
            name='sync_xid',
            field=models.BigIntegerField(db_default=0, editable=False),
        ),
        migrations.AddIndex(
            model_name='lexmariacase',
            index=models.Index(fields=['sync_xid', 'id'], name='lexmaria_sync'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='lexmariacase',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."closed_at" IS DISTINCT FROM (NEW."closed_at") OR OLD."created_at" IS DISTINCT FROM (NEW."created_at") OR OLD."created_by_id" IS DISTINCT FROM (NEW."created_by_id") OR OLD."decided_at" IS DISTINCT FROM (NEW."decided_at") OR OLD."decided_by_id" IS DISTINCT FROM (NEW."decided_by_id") OR OLD."decision" IS DISTINCT FROM (NEW."decision") OR OLD."decision_due_on" IS DISTINCT FROM (NEW."decision_due_on") OR OLD."event_occurred_at" IS DISTINCT FROM (NEW."event_occurred_at") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."investigation_id" IS DISTINCT FROM (NEW."investigation_id") OR OLD."ivo_decided_on" IS DISTINCT FROM (NEW."ivo_decided_on") OR OLD."ivo_decision" IS DISTINCT FROM (NEW."ivo_decision") OR OLD."ivo_decision_text" IS DISTINCT FROM (NEW."ivo_decision_text") OR OLD."ivo_reference" IS DISTINCT FROM (NEW."ivo_reference") OR OLD."motivation" IS DISTINCT FROM (NEW."motivation") OR OLD."owner_id" IS DISTINCT FROM (NEW."owner_id") OR OLD."reference" IS DISTINCT FROM (NEW."reference") OR OLD."report_due_on" IS DISTINCT FROM (NEW."report_due_on") OR OLD."reported_by_id" IS DISTINCT FROM (NEW."reported_by_id") OR OLD."request_reason" IS DISTINCT FROM (NEW."request_reason") OR OLD."requested_at" IS DISTINCT FROM (NEW."requested_at") OR OLD."requested_by_id" IS DISTINCT FROM (NEW."requested_by_id") OR OLD."sent_on" IS DISTINCT FROM (NEW."sent_on") OR OLD."status" IS DISTINCT FROM (NEW."status") OR OLD."unit_id" IS DISTINCT FROM (NEW."unit_id") OR OLD."updated_at" IS DISTINCT FROM (NEW."updated_at") OR OLD."version" IS DISTINCT FROM (NEW."version"))', func='INSERT INTO "lexmaria_lexmariacaseevent" ("closed_at", "created_at", "created_by_id", "decided_at", "decided_by_id", "decision", "decision_due_on", "event_occurred_at", "id", "investigation_id", "ivo_decided_on", "ivo_decision", "ivo_decision_text", "ivo_reference", "motivation", "owner_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reference", "report_due_on", "reported_by_id", "request_reason", "requested_at", "requested_by_id", "sent_on", "status", "unit_id", "updated_at", "version") VALUES (NEW."closed_at", NEW."created_at", NEW."created_by_id", NEW."decided_at", NEW."decided_by_id", NEW."decision", NEW."decision_due_on", NEW."event_occurred_at", NEW."id", NEW."investigation_id", NEW."ivo_decided_on", NEW."ivo_decision", NEW."ivo_decision_text", NEW."ivo_reference", NEW."motivation", NEW."owner_id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."reference", NEW."report_due_on", NEW."reported_by_id", NEW."request_reason", NEW."requested_at", NEW."requested_by_id", NEW."sent_on", NEW."status", NEW."unit_id", NEW."updated_at", NEW."version"); RETURN NULL;', hash='343d8bc869af560b9282d15bf5c8a90401296b83', operation='UPDATE', pgid='pgtrigger_update_update_421c0', table='lexmaria_lexmariacase', when='AFTER')),
        ),
        migrations.RunSQL(STAMP_FUNCTION, DROP_STAMP_FUNCTION),
        migrations.RunSQL(stamp_trigger("lexmaria_lexmariacase"), drop_stamp_trigger("lexmaria_lexmariacase")),
    ]
