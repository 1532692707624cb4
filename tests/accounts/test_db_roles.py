"""The audit tables against the database role psweb runs as (issue 15, item 12): the TRUNCATE
trigger on every append-only table, the grants `manage.py db_roles` gives, and the deploy
check. The two real roles are in tests/integration/test_audit_roles.py."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from accounts.checks import check_audit_tables_protected
from accounts.models import AccessLog, OrgUnitEvent
from psweb import audit

pytestmark = pytest.mark.django_db


def test_every_append_only_table_has_the_truncate_trigger():
    tables = audit.append_only_tables()
    # The test must be able to fail: the tables we know of are among those found.
    assert {"accounts_accesslog", "accounts_orgunitevent", "incidents_timelineentry"} <= set(tables)

    risks = audit.audit_table_risks(connection)

    assert risks["unguarded"] == []
    assert len(tables) >= 30


@pytest.fixture
def limited_role():
    """A role of this test's own, in this test's transaction (rolled back with it), that was
    wrongly granted everything on the access log; the test acts as it with SET LOCAL ROLE."""
    role = f"psweb_test_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role}")
        cursor.execute(f"GRANT ALL ON {AccessLog._meta.db_table}, {OrgUnitEvent._meta.db_table} TO {role}")
    return role


def test_the_truncate_trigger_refuses_a_role_that_holds_truncate(cast, limited_role):
    for table in (AccessLog._meta.db_table, OrgUnitEvent._meta.db_table):
        with pytest.raises(DatabaseError) as error, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {limited_role}")
            cursor.execute(f"TRUNCATE {table}")
        assert "append-only (audit trail)" in str(error.value)
    assert OrgUnitEvent.objects.exists()


def test_the_grants_leave_only_insert_and_select_on_the_audit_tables(cast, tree, limited_role):
    # given the runtime grants for the role
    audit.runtime_grants_apply(connection, limited_role)

    # then, acting as it, the access log takes a row and refuses the rest
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {limited_role}")
        AccessLog.objects.create(
            user=cast.handler, action="view", object_type="incidents.incident", object_id="1", unit=tree.medicin
        )
        assert AccessLog.objects.count() == 1
        cursor.execute("RESET ROLE")
    for statement in (
        "TRUNCATE accounts_accesslog",
        "DELETE FROM accounts_accesslog",
        "UPDATE accounts_accesslog SET id = id",
    ):
        with pytest.raises(DatabaseError) as error, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {limited_role}")
            cursor.execute(statement)
        assert "permission denied" in str(error.value), statement


def test_the_deploy_check_warns_when_psweb_runs_as_a_superuser_or_the_owner():
    # The test database is used as a superuser, as development is.
    warnings = {warning.id: warning for warning in check_audit_tables_protected()}

    assert set(warnings) == {"accounts.W001"}
    assert "accounts_accesslog" in warnings["accounts.W001"].msg


def test_the_deploy_check_warns_of_an_unguarded_table(db):
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER {audit.TRUNCATE_TRIGGER} ON accounts_accesslog")
        warnings = {warning.id: warning for warning in check_audit_tables_protected()}
        transaction.set_rollback(True)

    assert "accounts_accesslog" in warnings["accounts.W003"].msg


def test_db_roles_prints_the_statements(limited_role):
    out = io.StringIO()

    call_command("db_roles", limited_role, stdout=out)

    lines = out.getvalue().splitlines()
    assert f'REVOKE ALL ON ALL TABLES IN SCHEMA "public" FROM "{limited_role}";' in lines
    assert f'REVOKE UPDATE, DELETE ON "incidents_incidentevent" FROM "{limited_role}";' in lines
    assert not any("TRUNCATE" in line or "TRIGGER" in line for line in lines)


def test_db_roles_refuses_an_unknown_role_and_the_owner_itself(db):
    with pytest.raises(CommandError, match="There is no database role"):
        call_command("db_roles", "psweb_no_such_role")
    with pytest.raises(CommandError, match="must be another role"):
        call_command("db_roles", connection.settings_dict["USER"])
    with pytest.raises(CommandError, match="Name the runtime role"):
        call_command("db_roles")


def test_the_runtime_role_is_the_user_of_database_url_when_a_migration_url_is_set():
    from tests.test_settings import loaded_settings

    values = loaded_settings(
        "DATABASE_RUNTIME_ROLE",
        "DATABASES",
        DATABASE_URL="postgres://psweb_app@127.0.0.1:9/psweb",
        DATABASE_MIGRATION_URL="postgres://psweb_owner@127.0.0.1:9/psweb",
    )

    # Any process but `manage.py migrate` and `manage.py db_roles` runs as the runtime role.
    assert values["DATABASE_RUNTIME_ROLE"] == "psweb_app"
    assert values["DATABASES"]["default"]["USER"] == "psweb_app"
    assert loaded_settings("DATABASE_RUNTIME_ROLE")["DATABASE_RUNTIME_ROLE"] == ""


def test_a_migration_url_that_is_not_postgresql_is_refused():
    from tests.test_settings import manage

    result = manage("check", DATABASE_MIGRATION_URL="mysql://owner@127.0.0.1:9/psweb")

    assert result.returncode != 0
    assert "DATABASE_MIGRATION_URL must point at PostgreSQL" in result.stderr
