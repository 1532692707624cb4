"""Django REST framework's plain tokens (the table `authtoken_token`, when psweb ran with
`rest_framework.authtoken`) become hashed API tokens that keep working: the same secret is
accepted, looked up by its SHA-256 digest. Each gets the name "migrated plain token" and an
expiry a year from the migration; its plain row is deleted, so no secret stays readable in the
database. The empty table is left for the administrator to drop (docs/api.md)."""

import datetime as dt
import hashlib

from django.db import migrations
from django.utils import timezone

MIGRATED_VALID_DAYS = 365


def hash_plain_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("apitokens", "ApiToken")
    expires_at = timezone.now() + dt.timedelta(days=MIGRATED_VALID_DAYS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, user_id, created FROM authtoken_token")
        rows = cursor.fetchall()
    ApiToken.objects.bulk_create(
        ApiToken(
            user_id=user_id,
            name="migrated plain token",
            prefix=key[:8],
            digest=hashlib.sha256(key.encode()).hexdigest(),
            created_at=created,
            expires_at=expires_at,
        )
        for key, user_id, created in rows
    )
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM authtoken_token")


class Migration(migrations.Migration):
    dependencies = [("apitokens", "0001_initial")]

    operations = [migrations.RunPython(hash_plain_tokens, migrations.RunPython.noop, elidable=False)]
