"""`sync_xid` and the trigger `psweb_sync_stamp` that sets it (psweb/sync.py): every
migration of the five synced tables creates the function with CREATE OR REPLACE, so that
none depends on another app's; the last trigger to go drops it. Existing rows get 0
(written before any sync)."""

from django.conf import settings
from django.db import migrations, models

from psweb.sync import DROP_STAMP_FUNCTION, STAMP_FUNCTION, drop_stamp_trigger, stamp_trigger


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_audit_truncate_guard'),
        ('incidents', '0013_drop_description_trigram_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='incident',
            name='sync_xid',
            field=models.BigIntegerField(db_default=0, editable=False),
        ),
        migrations.AddIndex(
            model_name='incident',
            index=models.Index(fields=['sync_xid', 'id'], name='incident_sync'),
        ),
        migrations.RunSQL(STAMP_FUNCTION, DROP_STAMP_FUNCTION),
        migrations.RunSQL(stamp_trigger("incidents_incident"), drop_stamp_trigger("incidents_incident")),
    ]
