"""`manage.py check --deploy`: can the role psweb runs as erase the audit trail?

PDL 4 kap. 3 § and HSLF-FS 2016:40 4 kap. 9 § ask for a log of who read which patient's data,
kept at least five years and checked. Triggers refuse UPDATE and DELETE, but the owner of a table may
TRUNCATE it or disable its triggers, so the role of DATABASE_URL must not own the append-only
tables, nor hold TRUNCATE, UPDATE, DELETE or TRIGGER on them (docs/deployment.md, "Database
roles"; `manage.py db_roles` prints and applies the grants).

The check connects to the database. When it cannot (no database at build time), or psweb's
tables are not there yet, there is nothing to judge and it says nothing.
"""

from __future__ import annotations

from django.core.checks import Tags, Warning, register
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from psweb import audit

HINT = "Run psweb as a role that owns no tables; see docs/deployment.md, 'Database roles', and `manage.py db_roles`."


@register(Tags.security, deploy=True)
def check_audit_tables_protected(app_configs=None, databases=None, **kwargs):
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        risks = audit.audit_table_risks(connection)
    except DatabaseError:
        return []
    role = connection.settings_dict["USER"]
    problems = []
    if risks["owner"]:
        problems.append(
            Warning(
                f"The database role psweb runs as ({role}) owns the audit tables, or is a superuser: it can "
                f"TRUNCATE them or disable their triggers ({_some(risks['owner'])}).",
                hint=HINT,
                id="accounts.W001",
            )
        )
    if risks["privileges"]:
        problems.append(
            Warning(
                f"The database role psweb runs as ({role}) holds more than INSERT and SELECT on audit tables "
                f"({_some(risks['privileges'])}).",
                hint=HINT,
                id="accounts.W002",
            )
        )
    if risks["unguarded"]:
        problems.append(
            Warning(
                f"Audit tables without the BEFORE TRUNCATE trigger ({_some(risks['unguarded'])}).",
                hint="Run `manage.py migrate`: it puts the trigger on every append-only table.",
                id="accounts.W003",
            )
        )
    return problems


def _some(items: list[str], shown: int = 3) -> str:
    more = len(items) - shown
    return "; ".join(items[:shown]) + (f"; and {more} more" if more > 0 else "")


@register(Tags.security, deploy=True)
def check_local_login(app_configs=None, **kwargs):
    """Local accounts are break-glass accounts in production (accounts.local_login)."""
    from django.conf import settings

    problems = []
    if settings.LOCAL_LOGIN == "all":
        problems.append(
            Warning(
                "LOCAL_LOGIN=all: every account may sign in with a user name and password.",
                hint="Use LOCAL_LOGIN=admins (or off) and single sign-on; README, 'Break-glass accounts'.",
                id="accounts.W004",
            )
        )
    if settings.LOCAL_LOGIN != "off" and not settings.LOCAL_LOGIN_OTP:
        problems.append(
            Warning(
                "LOCAL_LOGIN_OTP is off: a password alone signs in, and opens the admin.",
                hint="Set LOCAL_LOGIN_OTP=true and give each break-glass account an app with `manage.py totp_device`.",
                id="accounts.W005",
            )
        )
    return problems
