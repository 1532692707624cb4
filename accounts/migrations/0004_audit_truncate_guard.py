"""A second wall around the audit trail: a BEFORE TRUNCATE trigger (issue 15, item 12).

Row triggers refuse UPDATE and DELETE on the append-only tables, but TRUNCATE fires no row
trigger. The function below refuses TRUNCATE for every role except a superuser (who could
drop the trigger anyway; the test suite's flush between transactional tests runs as one).
This migration guards the accounts app's own tables; after every migrate,
`accounts.apps` puts the same trigger on every other append-only table
(`psweb.audit.truncate_guards_install`), so tables added later are guarded too.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION psweb_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'Cannot truncate %: the table is append-only (audit trail)', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""

TABLES = [
    "accounts_accesslog",
    "accounts_membershipevent",
    "accounts_orgunitevent",
    "accounts_orgunitkindevent",
    "accounts_userevent",
]


def _create(table: str) -> str:
    return (
        f'CREATE OR REPLACE TRIGGER psweb_no_truncate BEFORE TRUNCATE ON "{table}" '
        "FOR EACH STATEMENT EXECUTE FUNCTION psweb_refuse_truncate();"
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_user_sessions")]

    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS psweb_refuse_truncate() CASCADE;"),
        *(
            migrations.RunSQL(_create(table), f'DROP TRIGGER IF EXISTS psweb_no_truncate ON "{table}";')
            for table in TABLES
        ),
    ]
