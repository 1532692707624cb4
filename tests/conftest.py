"""The named cast every test can use.

Two care providers: Region Västmanland (a region) and Västerås stad (a municipality).
In the region, two clinics under Akutsjukvård: Medicinkliniken and Ortopedkliniken, each
with a ward. One user per role and scope:

    reporter          reporter  Avdelning 5 (Medicinkliniken)
    handler / manager handler, manager  Medicinkliniken
    handler_orto / manager_orto         Ortopedkliniken
    chief_physician, safety_officer, viewer, admin   Region Västmanland (whole provider)
    indicator_editor  Medicinkliniken
    mas               chief_physician of Västerås stad (medicinskt ansvarig sjuksköterska)
    municipal_handler handler, Hemsjukvården (Västerås stad)
    outsider          no membership at all
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import pytest

from accounts.models import OrgUnit, User
from accounts.roles import Role
from tests.factories import DEFAULT_PASSWORD, MembershipFactory, UserFactory, make_unit


@dataclass
class Tree:
    region: OrgUnit
    forvaltning: OrgUnit
    akut: OrgUnit
    medicin: OrgUnit
    medicin_ward: OrgUnit
    orto: OrgUnit
    orto_ward: OrgUnit
    municipality: OrgUnit
    hemsjukvard: OrgUnit


# Rows that data migrations create. Transactional tests (browser, threads, live server) end
# by emptying every table; these are put back so that later tests find them.
MIGRATION_DATA = [
    ("accounts.migrations.0002_orgunit_kinds", "add_kinds"),
    ("incidents.migrations.0002_taxonomies", "seed"),
    ("indicators.migrations.0002_catalogue", "seed"),
    ("complaints.migrations.0002_patient_board_kind", "add_kind"),
    ("audits.migrations.0002_example_templates", "seed"),
]


# --- The identity-leak check of the whole suite (tests/leaks.py) ---------------------------------


def pytest_sessionstart(session):
    from tests import leaks

    if not hasattr(session.config, "workerinput"):  # the controlling process (or a run without xdist)
        leaks.reset()


@pytest.fixture(scope="session", autouse=True)
def _leak_recorder(django_db_setup):
    from tests import leaks

    recorder = leaks.LeakRecorder(leaks.process_name())
    recorder.start()
    yield recorder
    recorder.stop()


@pytest.fixture(autouse=True)
def _record_mail(_leak_recorder):
    yield
    from django.core import mail

    _leak_recorder.mail(getattr(mail, "outbox", []))


def pytest_sessionfinish(session, exitstatus):
    from tests import leaks

    if hasattr(session.config, "workerinput"):
        return
    found = leaks.findings()
    if found:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = ["", "IDENTITY NUMBERS FOUND in URLs, log lines or e-mails of the test run:", *found[:50]]
        if reporter:
            reporter.write_line("\n".join(lines), red=True)
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _default_language():
    # A request through the locale middleware leaves its language active in the thread;
    # each test starts from the default (Swedish) like a fresh process.
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(
        {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
        or (marker is not None and marker.kwargs.get("transaction"))
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    # After every fixture is torn down, so after pytest-django's flush (an autouse fixture
    # would run its teardown before the flush and its rows would be emptied with the rest).
    result = yield
    # With no next test the session's database is already gone.
    if nextitem is not None and _is_transactional(item):
        from django.apps import apps as django_apps
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            for module, function in MIGRATION_DATA:
                getattr(importlib.import_module(module), function)(django_apps, None)
    return result


@pytest.fixture
def tree(db) -> Tree:
    region = make_unit("Region Västmanland")
    forvaltning = make_unit("Västmanlands sjukhus Västerås", region, "forvaltning")
    akut = make_unit("Akutsjukvård", forvaltning, "omrade")
    medicin = make_unit("Medicinkliniken", akut, "verksamhet")
    medicin_ward = make_unit("Avdelning 5, medicin", medicin, "enhet")
    orto = make_unit("Ortopedkliniken", akut, "verksamhet")
    orto_ward = make_unit("Avdelning 12, ortopedi", orto, "enhet")
    municipality = make_unit("Västerås stad")
    hemsjukvard = make_unit("Hemsjukvården", municipality, "enhet")
    return Tree(region, forvaltning, akut, medicin, medicin_ward, orto, orto_ward, municipality, hemsjukvard)


@dataclass
class Cast:
    reporter: User
    handler: User
    manager: User
    handler_orto: User
    manager_orto: User
    chief_physician: User
    safety_officer: User
    indicator_editor: User
    viewer: User
    admin: User
    mas: User
    municipal_handler: User
    outsider: User

    def names(self) -> list[str]:
        return list(self.__dataclass_fields__)


def _member(username: str, unit: OrgUnit, role: str, **user_kwargs) -> User:
    user = UserFactory(username=username, **user_kwargs)
    MembershipFactory(user=user, unit=unit, role=role)
    return user


@pytest.fixture
def cast(tree: Tree) -> Cast:
    return Cast(
        reporter=_member("reporter", tree.medicin_ward, Role.REPORTER),
        handler=_member("handler", tree.medicin, Role.HANDLER),
        manager=_member("manager", tree.medicin, Role.MANAGER),
        handler_orto=_member("handler_orto", tree.orto, Role.HANDLER),
        manager_orto=_member("manager_orto", tree.orto, Role.MANAGER),
        chief_physician=_member("chief_physician", tree.region, Role.CHIEF_PHYSICIAN),
        safety_officer=_member("safety_officer", tree.region, Role.SAFETY_OFFICER),
        indicator_editor=_member("indicator_editor", tree.medicin, Role.INDICATOR_EDITOR),
        viewer=_member("viewer", tree.region, Role.VIEWER),
        admin=_member("admin", tree.region, Role.ADMIN, is_staff=True, is_superuser=True),
        mas=_member("mas", tree.municipality, Role.CHIEF_PHYSICIAN),
        municipal_handler=_member("municipal_handler", tree.hemsjukvard, Role.HANDLER),
        outsider=UserFactory(username="outsider"),
    )


@pytest.fixture
def password() -> str:
    return DEFAULT_PASSWORD


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def api(api_client):
    """api(user): the API client signed in as `user`, asking for English messages."""

    def _as(user):
        api_client.force_login(user)
        api_client.credentials(HTTP_ACCEPT_LANGUAGE="en")
        return api_client

    return _as


@pytest.fixture
def login(client):
    """login(user) signs `user` in on the Django test client and returns the client."""

    def _login(user: User):
        client.force_login(user)
        return client

    return _login


# --- The API's answers against its schema -------------------------------------------------------


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


@pytest.fixture
def conforms(schema):
    """conforms(response, "Component"): the body validates against the schema's component."""
    from openapi_schema_validator import OAS30Validator

    def check(response, component: str):
        body = response.json()
        validator = OAS30Validator({"$ref": f"#/components/schemas/{component}", "components": schema["components"]})
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
        assert errors == [], body
        return body

    return check
