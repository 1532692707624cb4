"""The audit trail: append-only tables, and who is recorded as acting (request, task, command)."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
from urllib.parse import quote

import pghistory
import pghistory.models
import pytest
from celery import shared_task
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from accounts import services
from accounts.models import AccessLog, MembershipEvent, OrgUnit, OrgUnitEvent

pytestmark = pytest.mark.django_db

REFUSED = "Cannot update or delete"


@pytest.fixture
def log_row(cast, tree) -> AccessLog:
    return AccessLog.objects.create(
        user=cast.handler,
        action=AccessLog.Action.VIEW_PATIENT,
        object_type="incidents.incident",
        object_id="1",
        unit=tree.medicin_ward,
        patient_identifier="191212121212",
    )


def _refused(operation) -> str:
    """Run `operation` in a savepoint, expect the database to refuse it; return the message."""
    with pytest.raises(DatabaseError) as error, transaction.atomic():
        operation()
    return str(error.value)


# --- AccessLog is append-only ---------------------------------------------------------------


def test_the_database_refuses_to_update_an_access_log_row(log_row):
    assert REFUSED in _refused(lambda: AccessLog.objects.filter(pk=log_row.pk).update(action="export"))

    log_row.patient_identifier = "197010632391"
    assert REFUSED in _refused(log_row.save)

    def raw_update():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE accounts_accesslog SET patient_identifier = '' WHERE id = %s", [log_row.pk])

    assert REFUSED in _refused(raw_update)
    assert AccessLog.objects.get(pk=log_row.pk).patient_identifier == "191212121212"


def test_the_database_refuses_to_delete_an_access_log_row(log_row):
    assert REFUSED in _refused(lambda: AccessLog.objects.filter(pk=log_row.pk).delete())
    assert REFUSED in _refused(log_row.delete)

    def raw_delete():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM accounts_accesslog WHERE id = %s", [log_row.pk])

    assert REFUSED in _refused(raw_delete)
    assert AccessLog.objects.filter(pk=log_row.pk).exists()


# --- pghistory events are append-only -------------------------------------------------------


@pytest.mark.parametrize("event_model", [OrgUnitEvent, MembershipEvent])
def test_the_database_refuses_to_change_or_delete_a_history_event(cast, event_model):
    event = event_model.objects.order_by("pgh_id").first()
    assert event is not None, "the cast fixture creates units and memberships, so events exist"
    table = event_model._meta.db_table

    assert REFUSED in _refused(lambda: event_model.objects.filter(pk=event.pk).update(pgh_label="forged"))
    assert REFUSED in _refused(lambda: event_model.objects.filter(pk=event.pk).delete())

    def raw(sql):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(sql.format(table=table), [event.pk])

        return run

    assert REFUSED in _refused(raw("UPDATE {table} SET pgh_label = 'forged' WHERE pgh_id = %s"))
    assert REFUSED in _refused(raw("DELETE FROM {table} WHERE pgh_id = %s"))
    assert event_model.objects.get(pk=event.pk).pgh_label == event.pgh_label


def _event_models() -> list[type]:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event) and model._meta.managed and not model._meta.proxy
    ]


# pg_trigger.tgtype bits (PostgreSQL's pg_trigger.h)
_ROW, _BEFORE, _DELETE, _UPDATE = 1, 2, 8, 16


def _refusing_trigger_ops(table: str) -> set[str]:
    """The operations that an enabled BEFORE ROW trigger raising an exception blocks on `table`."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.tgtype, p.prosrc
            FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
            WHERE t.tgrelid = %s::regclass AND NOT t.tgisinternal AND t.tgenabled <> 'D'
            """,
            [table],
        )
        rows = cursor.fetchall()
    blocked = set()
    for tgtype, source in rows:
        if tgtype & _ROW and tgtype & _BEFORE and "RAISE EXCEPTION" in source.upper():
            if tgtype & _UPDATE:
                blocked.add("UPDATE")
            if tgtype & _DELETE:
                blocked.add("DELETE")
    return blocked


def test_every_history_event_table_is_append_only(db):
    models = _event_models()
    # The test must be able to fail: it looks at the tables we know of, and any added later.
    assert {OrgUnitEvent, MembershipEvent} <= set(models)
    unprotected = {
        model._meta.label: sorted({"UPDATE", "DELETE"} - _refusing_trigger_ops(model._meta.db_table))
        for model in models
    }
    unprotected = {label: missing for label, missing in unprotected.items() if missing}
    assert unprotected == {}, f"Event tables that can be rewritten (set PGHISTORY_APPEND_ONLY): {unprotected}"


def test_the_access_log_table_is_append_only_by_trigger(db):
    assert _refusing_trigger_ops(AccessLog._meta.db_table) == {"UPDATE", "DELETE"}


# --- Who acted: a request, a task, a command ------------------------------------------------


def _latest_update_of(unit: OrgUnit) -> OrgUnitEvent:
    return OrgUnitEvent.objects.filter(pgh_obj=unit, pgh_label="update").select_related("pgh_context").latest("pgh_id")


def test_an_admin_edit_records_the_admin_and_the_admin_page(cast, tree, login):
    client = login(cast.admin)
    url = reverse("admin:accounts_orgunit_change", args=[tree.orto.pk])

    response = client.post(
        url,
        {
            "name": "Ortopedi och handkirurgi",
            "kind": tree.orto.kind_id,
            "parent": tree.akut.pk,
            "hsa_id": "",
            "is_active": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    event = _latest_update_of(tree.orto)
    assert event.name == "Ortopedi och handkirurgi"
    assert event.pgh_context.metadata["user"] == cast.admin.pk
    assert event.pgh_context.metadata["url"] == url


@shared_task(name="tests.audit.rename_unit")
def rename_unit(unit_id: int, name: str) -> None:
    unit = OrgUnit.objects.get(pk=unit_id)
    services.orgunit_update(
        unit=unit, name=name, kind=unit.kind, parent=unit.parent, hsa_id=unit.hsa_id, is_active=unit.is_active
    )


def test_a_change_made_in_a_celery_task_records_the_user_and_the_task(cast, tree):
    # given: a user's action that hands work to a task (eager: run in this process, no broker)
    # when
    with pghistory.context(user=cast.admin.pk, url="/some/page/"):
        rename_unit.apply(args=[tree.orto.pk, "Ortopedkliniken Västerås"]).get()

    # then
    event = _latest_update_of(tree.orto)
    assert event.name == "Ortopedkliniken Västerås"
    assert event.pgh_context.metadata["user"] == cast.admin.pk
    assert event.pgh_context.metadata["celery_task"] == "tests.audit.rename_unit"
    assert event.pgh_context.metadata["celery_task_id"]


def test_a_task_run_without_a_user_records_only_the_task(tree):
    rename_unit.apply(args=[tree.orto.pk, "Ortopedkliniken (natt)"]).get()

    metadata = _latest_update_of(tree.orto).pgh_context.metadata
    assert metadata["celery_task"] == "tests.audit.rename_unit"
    assert metadata.get("user") is None


def _url_of(db: dict) -> str:
    """DATABASE_URL for the database this test uses (the embedded server's socket directory, or a host)."""
    credentials = quote(db["USER"], safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
    if db["HOST"].startswith("/"):
        return f"postgres://{credentials}@/{quote(db['HOST'], safe='')}/{db['NAME']}"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{db['HOST']}{port}/{db['NAME']}"


def test_a_change_made_by_a_management_command_records_the_command_and_os_user(db):
    # given: manage.py run as its own process against this test database. Its change is
    # rolled back before it exits (after it has printed the audit context), so nothing
    # is left behind for other tests.
    database_url = _url_of(connection.settings_dict)
    code = "\n".join(
        [
            "import json",
            "from django.db import transaction",
            "from accounts import services",
            "from accounts.models import OrgUnitEvent, OrgUnitKind",
            "with transaction.atomic():",
            "    kind = OrgUnitKind.objects.get(code='vardgivare')",
            "    unit = services.orgunit_create(name='Kommandoenheten', kind=kind)",
            "    event = OrgUnitEvent.objects.filter(pgh_obj=unit).latest('pgh_id')",
            "    print(json.dumps(event.pgh_context.metadata))",
            "    transaction.set_rollback(True)",
        ]
    )
    env = {**os.environ, "DEBUG": "true", "DATABASE_URL": database_url}
    env.pop("CELERY_BROKER_URL", None)

    # when
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    # then
    assert result.returncode == 0, result.stderr
    metadata = json.loads(result.stdout.strip().splitlines()[-1])
    assert metadata["command"] == "shell"
    assert metadata["os_user"] == getpass.getuser()
    assert not OrgUnit.objects.filter(name="Kommandoenheten").exists()
