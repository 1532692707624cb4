"""Who is acting right now, as the audit trail sees it.

pghistory keeps the context of the current request, task or command (user, url, request
id, task name); this module reads it so the actor can travel with Celery tasks.
"""

from __future__ import annotations


def current_context() -> dict:
    from pghistory.runtime import _tracker

    value = getattr(_tracker, "value", None)
    return dict(value.metadata) if value is not None else {}


def current_actor_id():
    return current_context().get("user")


# --- The append-only tables and the database roles (docs/deployment.md, "Database roles") ---
#
# Triggers refuse UPDATE and DELETE on the access log, the history tables and the case
# timelines (pgtrigger's `append_only`). A trigger does not stop the table's owner: it may
# TRUNCATE, or ALTER TABLE … DISABLE TRIGGER and then rewrite. So production runs psweb as a
# role that owns nothing, holds only INSERT and SELECT on these tables, and cannot TRUNCATE
# them; a BEFORE TRUNCATE trigger refuses even a role that was granted TRUNCATE by mistake.
# PDL 4 kap. 3 § asks that access to patient data is logged and checked; HSLF-FS 2016:40
# 4 kap. 9 § that the logs show the user and the patient and are kept at least five years: a
# log the application itself can empty proves neither.

TRUNCATE_TRIGGER = "psweb_no_truncate"
TRUNCATE_FUNCTION = "psweb_refuse_truncate"


def append_only_tables() -> list[str]:
    """Every table whose rows the database refuses to change: the models that carry
    pgtrigger's `append_only` trigger (PGHISTORY_APPEND_ONLY gives it to every history table)."""
    from django.apps import apps

    return sorted(
        {
            model._meta.db_table
            for model in apps.get_models()
            if model._meta.managed
            and not model._meta.proxy
            and any(trigger.name == "append_only" for trigger in getattr(model._meta, "triggers", ()))
        }
    )


def truncate_guards_install(connection) -> list[str]:
    """Put the BEFORE TRUNCATE trigger on every append-only table that lacks it (after every
    migrate, so tables added later get it too); the tables it was added to."""
    tables = append_only_tables()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT name FROM unnest(%s::text[]) AS name
            WHERE to_regclass(name) IS NOT NULL
              AND to_regproc(%s) IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = to_regclass(name) AND t.tgname = %s)
            """,
            [tables, TRUNCATE_FUNCTION, TRUNCATE_TRIGGER],
        )
        missing = [row[0] for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        for table in missing:
            cursor.execute(
                f"CREATE TRIGGER {TRUNCATE_TRIGGER} BEFORE TRUNCATE ON {quote(table)} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {TRUNCATE_FUNCTION}()"
            )
    return missing


def runtime_grants(connection, role: str) -> list[str]:
    """The statements that give `role` what psweb needs at run time, and no more: read and
    write the ordinary tables, only INSERT and SELECT on the append-only ones, use the
    sequences; no TRUNCATE, no TRIGGER, no REFERENCES, and (not being the owner) no ALTER."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = quote(cursor.fetchone()[0])
        cursor.execute(
            "SELECT name FROM unnest(%s::text[]) AS name WHERE to_regclass(name) IS NOT NULL", [append_only_tables()]
        )
        protected = [row[0] for row in cursor.fetchall()]
    grantee = quote(role)
    statements = [
        f"GRANT USAGE ON SCHEMA {schema} TO {grantee}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {grantee}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {grantee}",
    ]
    statements += [f"REVOKE UPDATE, DELETE ON {quote(table)} FROM {grantee}" for table in protected]
    statements.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {grantee}")
    return statements


def runtime_grants_apply(connection, role: str) -> list[str]:
    """Run `runtime_grants` in one transaction, as the role that owns the tables."""
    from django.db import transaction

    statements = runtime_grants(connection, role)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return statements


def audit_table_risks(connection) -> dict[str, list[str]]:
    """What the connected role could do to the append-only tables that it should not:
    {"owner": [tables it owns or may act as the owner of, or all when it is a superuser],
    "privileges": ["table: TRUNCATE, UPDATE", …], "unguarded": [tables without the TRUNCATE trigger]}.
    Tables not (yet) in the database are left out."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT name,
                   pg_has_role(current_user, c.relowner, 'USAGE'),
                   array_remove(ARRAY[
                       CASE WHEN has_table_privilege(c.oid, 'TRUNCATE') THEN 'TRUNCATE' END,
                       CASE WHEN has_table_privilege(c.oid, 'UPDATE') THEN 'UPDATE' END,
                       CASE WHEN has_table_privilege(c.oid, 'DELETE') THEN 'DELETE' END,
                       CASE WHEN has_table_privilege(c.oid, 'TRIGGER') THEN 'TRIGGER' END
                   ], NULL),
                   EXISTS (SELECT 1 FROM pg_trigger t
                           WHERE t.tgrelid = c.oid AND t.tgname = %s AND t.tgenabled <> 'D')
            FROM unnest(%s::text[]) AS name JOIN pg_class c ON c.oid = to_regclass(name)
            ORDER BY name
            """,
            [TRUNCATE_TRIGGER, append_only_tables()],
        )
        rows = cursor.fetchall()
    return {
        "owner": [name for name, owns, _privileges, _guarded in rows if owns],
        "privileges": [
            f"{name}: {', '.join(privileges)}" for name, owns, privileges, _guarded in rows if privileges and not owns
        ],
        "unguarded": [name for name, _owns, _privileges, guarded in rows if not guarded],
    }
