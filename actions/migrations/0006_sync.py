"""`sync_xid` and the trigger `psweb_sync_stamp` that sets it (psweb/sync.py): every
migration of the five synced tables creates the function with CREATE OR REPLACE, so that
none depends on another app's; the last trigger to go drops it. Existing rows get 0
(written before any sync). `updated_at` is new here: existing actions get the time of the migration."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models

from psweb.sync import DROP_STAMP_FUNCTION, STAMP_FUNCTION, drop_stamp_trigger, stamp_trigger


class Migration(migrations.Migration):

    dependencies = [
        ('actions', '0005_shown_to_reporter'),
        ('incidents', '0013_drop_description_trigram_index'),
        ('investigations', '0004_action_timeline_kinds'),
        ('lexmaria', '0003_action_timeline_kinds'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name='action',
            name='update_update',
        ),
        migrations.AddField(
            model_name='action',
            name='sync_xid',
            field=models.BigIntegerField(db_default=0, editable=False),
        ),
        migrations.AddField(
            model_name='action',
            name='updated_at',
            field=models.DateTimeField(auto_now=True),
        ),
        migrations.AddIndex(
            model_name='action',
            index=models.Index(fields=['sync_xid', 'id'], name='action_sync'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='action',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."created_at" IS DISTINCT FROM (NEW."created_at") OR OLD."created_by_id" IS DISTINCT FROM (NEW."created_by_id") OR OLD."description" IS DISTINCT FROM (NEW."description") OR OLD."done_at" IS DISTINCT FROM (NEW."done_at") OR OLD."due_date" IS DISTINCT FROM (NEW."due_date") OR OLD."effect_class" IS DISTINCT FROM (NEW."effect_class") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."incident_id" IS DISTINCT FROM (NEW."incident_id") OR OLD."investigation_id" IS DISTINCT FROM (NEW."investigation_id") OR OLD."lexmaria_case_id" IS DISTINCT FROM (NEW."lexmaria_case_id") OR OLD."progress_note" IS DISTINCT FROM (NEW."progress_note") OR OLD."responsible_id" IS DISTINCT FROM (NEW."responsible_id") OR OLD."shown_to_reporter" IS DISTINCT FROM (NEW."shown_to_reporter") OR OLD."started_at" IS DISTINCT FROM (NEW."started_at") OR OLD."state" IS DISTINCT FROM (NEW."state") OR OLD."version" IS DISTINCT FROM (NEW."version"))', func='INSERT INTO "incidents_actionevent" ("created_at", "created_by_id", "description", "done_at", "due_date", "effect_class", "id", "incident_id", "investigation_id", "lexmaria_case_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "progress_note", "responsible_id", "shown_to_reporter", "started_at", "state", "version") VALUES (NEW."created_at", NEW."created_by_id", NEW."description", NEW."done_at", NEW."due_date", NEW."effect_class", NEW."id", NEW."incident_id", NEW."investigation_id", NEW."lexmaria_case_id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."progress_note", NEW."responsible_id", NEW."shown_to_reporter", NEW."started_at", NEW."state", NEW."version"); RETURN NULL;', hash='a529a41c8d3e229adf48cab8fd1f7a21c6b1a482', operation='UPDATE', pgid='pgtrigger_update_update_1d90e', table='incidents_action', when='AFTER')),
        ),
        migrations.RunSQL(STAMP_FUNCTION, DROP_STAMP_FUNCTION),
        migrations.RunSQL(stamp_trigger("incidents_action"), drop_stamp_trigger("incidents_action")),
    ]
