"""Two database roles (issue 15, item 12; docs/deployment.md, "Database roles"): the role psweb
runs as cannot erase the audit trail, and psweb still works as that role.

On the system PostgreSQL (DATABASE_URL, as postgres) the test makes an owner role, a runtime
role and a database owned by the first. `manage.py migrate` runs with DATABASE_URL on the
runtime role and DATABASE_MIGRATION_URL on the owner, as in production; then, as the runtime
role, TRUNCATE, DELETE, UPDATE and ALTER TABLE … DISABLE TRIGGER on the access log and on
history tables all fail; the owner's TRUNCATE meets the BEFORE TRUNCATE trigger; and psweb,
connected as the runtime role, takes a report and logs who read the patient's identity.
`check --deploy` is quiet as the runtime role and warns as the owner. Roles and database are
removed at the end whatever happened. About a minute, most of it the migrations.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from urllib.parse import urlsplit

import psycopg
import pytest

from tests.integration.conftest import BASE_DIR, unavailable

pytestmark = pytest.mark.integration

HISTORY_TABLES = ("accounts_orgunitevent", "incidents_incidentevent", "incidents_timelineentry")
AUDIT_TABLES = ("accounts_accesslog", *HISTORY_TABLES)
PERSONNUMMER = "191212121212"

APP_AT_WORK = """
import datetime as dt, json, uuid
from django.test import Client
from django.utils import timezone
from accounts import services as accounts
from accounts.models import AccessLog, OrgUnitKind, User
from accounts.roles import Role
from incidents.models import CaseType, ReportedKind
from incidents.services import incident_report

region = accounts.orgunit_create(name="Region Prov", kind=OrgUnitKind.objects.get(code="vardgivare"))
ward = accounts.orgunit_create(name="Avdelning 1", kind=OrgUnitKind.objects.get(code="enhet"), parent=region)
reporter = User.objects.create_user("rapportor", email="r@example.invalid")
handler = User.objects.create_user("handlaggare", email="h@example.invalid")
accounts.membership_grant(user=reporter, unit=ward, role=Role.REPORTER, actor=None)
accounts.membership_grant(user=handler, unit=ward, role=Role.HANDLER, actor=None)
incident, created = incident_report(
    actor=reporter,
    client_key=uuid.uuid4(),
    fields={
        "unit": ward.pk,
        "occurred_at": timezone.now() - dt.timedelta(hours=1),
        "description": "Patienten fick fel dos.",
        "case_type": CaseType.CARE,
        "reported_kind": ReportedKind.HAPPENED,
        "patient_identifier": "PERSONNUMMER",
    },
)
client = Client()
client.force_login(handler)
page = client.post(f"/avvikelser/{incident.pk}/personnummer/")
print(json.dumps({
    "created": created,
    "status": incident.status,
    "page": page.status_code,
    "logged": AccessLog.objects.filter(user=handler, patient_identifier="PERSONNUMMER").count(),
}))
""".replace("PERSONNUMMER", PERSONNUMMER)


def _url(base: str, *, user: str, database: str) -> str:
    parts = urlsplit(base)
    return f"postgres://{user}@{parts.hostname or '127.0.0.1'}:{parts.port or 5432}/{database}"


def _manage(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _refused(connection: psycopg.Connection, statement: str) -> str:
    """Run `statement`, expect PostgreSQL to refuse it; the error's message."""
    with pytest.raises(psycopg.Error) as error:
        connection.execute(statement)
    return str(error.value)


@pytest.fixture(scope="module")
def two_roles():
    """An owner role, a runtime role, a database of the owner's, migrated as in production."""
    # The maintenance database of the server DATABASE_URL names, as its (super)user.
    admin_url = urlsplit(os.environ.get("DATABASE_URL", ""))._replace(path="/postgres").geturl()
    suffix = uuid.uuid4().hex[:8]
    owner, runtime, database = f"psweb_audit_owner_{suffix}", f"psweb_audit_app_{suffix}", f"psweb_audit_roles_{suffix}"
    try:
        admin = psycopg.connect(admin_url, autocommit=True)
    except psycopg.Error as error:
        unavailable(f"cannot connect to PostgreSQL as DATABASE_URL: {error}")
    password = uuid.uuid4().hex
    try:
        admin.execute(f"CREATE ROLE {owner} LOGIN PASSWORD '{password}'")
        admin.execute(f"CREATE ROLE {runtime} LOGIN PASSWORD '{password}'")
        admin.execute(f"CREATE DATABASE {database} OWNER {owner}")
        urls = {
            "owner": _url(admin_url, user=f"{owner}:{password}", database=database),
            "runtime": _url(admin_url, user=f"{runtime}:{password}", database=database),
            "admin": urlsplit(admin_url)._replace(path=f"/{database}").geturl(),
        }
        env = {
            **os.environ,
            "DEBUG": "true",
            "ALLOWED_HOSTS": "testserver",
            "DATABASE_URL": urls["runtime"],
            "DATABASE_MIGRATION_URL": urls["owner"],
            "DATABASE_CONN_MAX_AGE": "0",
        }
        env.pop("CELERY_BROKER_URL", None)
        env.pop("PYTEST_CURRENT_TEST", None)
        migrated = _manage("migrate", "--no-input", env=env)
        assert migrated.returncode == 0, migrated.stdout[-3000:] + migrated.stderr[-3000:]
        yield {"env": env, "urls": urls, "owner": owner, "runtime": runtime}
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        admin.execute(f"DROP ROLE IF EXISTS {runtime}")
        admin.execute(f"DROP ROLE IF EXISTS {owner}")
        admin.close()


def test_the_owner_owns_the_tables_and_the_runtime_role_holds_only_insert_and_select(two_roles):
    with psycopg.connect(two_roles["urls"]["admin"]) as admin:
        owners = {
            row[0]
            for row in admin.execute("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'").fetchall()
        }
        privileges = {
            table: {
                row[0]
                for row in admin.execute(
                    "SELECT privilege_type FROM information_schema.role_table_grants "
                    "WHERE table_name = %s AND grantee = %s",
                    [table, two_roles["runtime"]],
                ).fetchall()
            }
            for table in AUDIT_TABLES
        }

    assert owners == {two_roles["owner"]}
    assert privileges == {table: {"INSERT", "SELECT"} for table in AUDIT_TABLES}


def test_the_runtime_role_cannot_erase_or_rewrite_the_audit_trail(two_roles):
    with psycopg.connect(two_roles["urls"]["runtime"], autocommit=True) as runtime:
        for table in AUDIT_TABLES:
            key = "pgh_id" if table.endswith("event") else "id"
            assert "permission denied" in _refused(runtime, f"TRUNCATE {table}"), table
            assert "permission denied" in _refused(runtime, f"DELETE FROM {table}")  # noqa: S608, table
            assert "permission denied" in _refused(runtime, f"UPDATE {table} SET {key} = {key}")  # noqa: S608, table
            assert "must be owner" in _refused(runtime, f"ALTER TABLE {table} DISABLE TRIGGER ALL"), table
            assert "must be owner" in _refused(runtime, f"DROP TABLE {table}"), table
            # Nor a trigger of its own that would swallow new rows.
            assert "permission denied" in _refused(
                runtime,
                f"CREATE TRIGGER swallow BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION psweb_refuse_truncate()",
            ), table


def test_the_truncate_trigger_stops_even_the_owner(two_roles):
    with psycopg.connect(two_roles["urls"]["owner"], autocommit=True) as owner:
        for table in AUDIT_TABLES:
            message = _refused(owner, f"TRUNCATE {table}")
            assert "append-only (audit trail)" in message, table


def test_psweb_works_as_the_runtime_role(two_roles):
    env = {**two_roles["env"]}
    env.pop("DATABASE_MIGRATION_URL")

    done = _manage("shell", "--no-imports", "-c", APP_AT_WORK, env=env, timeout=120)

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"created": True, "status": "submitted", "page": 200, "logged": 1}
    with psycopg.connect(two_roles["urls"]["admin"]) as admin:
        # The history triggers wrote their rows as the runtime role too.
        events = admin.execute("SELECT count(*) FROM incidents_incidentevent").fetchone()[0]
        log_rows = admin.execute(
            "SELECT count(*) FROM accounts_accesslog WHERE patient_identifier = %s", [PERSONNUMMER]
        ).fetchone()[0]
    assert events >= 2
    assert log_rows == 1


def test_check_deploy_says_nothing_of_the_runtime_role_and_warns_of_the_owner(two_roles):
    env = {**two_roles["env"], "DEBUG": "false", "SECRET_KEY": uuid.uuid4().hex * 2}
    env.pop("DATABASE_MIGRATION_URL")
    env |= {"ALLOWED_HOSTS": "psweb.example.invalid", "BEHIND_TLS_PROXY": "true"}

    as_runtime = _manage("check", "--deploy", "--fail-level", "WARNING", env=env, timeout=120)
    as_owner = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={**env, "DATABASE_URL": two_roles["urls"]["owner"]},
        timeout=120,
    )

    # Other checks are other tests' business (tests/test_settings.py): only the audit's here.
    assert "accounts.W00" not in as_runtime.stdout + as_runtime.stderr
    assert "Traceback" not in as_runtime.stderr
    assert as_owner.returncode != 0
    assert "accounts.W001" in as_owner.stderr
    assert "accounts.W002" not in as_owner.stderr


def test_db_roles_prints_the_grants_it_applies(two_roles):
    done = _manage("db_roles", env=two_roles["env"], timeout=120)

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    runtime = two_roles["runtime"]
    assert f'REVOKE UPDATE, DELETE ON "accounts_accesslog" FROM "{runtime}";' in lines
    assert f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "public" TO "{runtime}";' in lines
    assert not any("TRUNCATE" in line for line in lines)
