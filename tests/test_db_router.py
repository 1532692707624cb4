"""The read replica's router (psweb.db_router, docs/deployment.md): which reads may go to the
replica, which never do, and what happens when the replica is down or behind.

Without DATABASE_REPLICA_URL nothing changes: one database, no router. A real streaming
replica (paused, lagging, stopped) is in tests/integration/test_replica.py; here the "replica"
is a second connection to the test database (a primary, so the health check refuses it unless
a test says it was found healthy a moment ago), or an address where nothing listens.
"""

from __future__ import annotations

import logging
import time

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db import router as django_router
from django.db.backends.postgresql.base import DatabaseWrapper
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership, OrgUnit, User
from apitokens.models import ApiToken
from incident_stats.models import IncidentCube
from incidents.models import Incident
from indicators.models import IndicatorDefinition, Measurement
from psweb import db_router
from psweb.db_router import REPLICA, ReplicaHealth, ReplicaRouter, judge, replica_reads
from tests.incidents.conftest import report
from tests.test_settings import loaded_settings, manage

REPLICA_URL = "postgres://psweb_read@replica.example.invalid:5433/psweb"
STATISTICS_MODELS = (Incident, IncidentCube, IndicatorDefinition, Measurement)
WHO_MAY_MODELS = (User, Membership, OrgUnit, Session, ApiToken)


@pytest.fixture
def health(monkeypatch) -> ReplicaHealth:
    """A fresh answer to "may the replica serve?" for each test (the process keeps one)."""
    fresh = ReplicaHealth()
    monkeypatch.setattr(db_router, "health", fresh)
    return fresh


def found_healthy(health: ReplicaHealth) -> None:
    health.note("")


@pytest.fixture(scope="module")
def replica_alias(django_db_setup):
    """The alias `replica` as DATABASE_REPLICA_URL would make it, here a second connection to
    the test database; added before a test's database access is set up, removed after the module."""
    default = connections[DEFAULT_DB_ALIAS].settings_dict
    connections.settings[REPLICA] = {
        **default,
        "OPTIONS": {**default["OPTIONS"], "connect_timeout": 2},
        "TEST": {**default["TEST"], "MIRROR": DEFAULT_DB_ALIAS},
    }
    yield REPLICA
    connections[REPLICA].close()
    del connections.settings[REPLICA]
    if hasattr(connections._connections, REPLICA):
        delattr(connections._connections, REPLICA)


@pytest.fixture
def routed(replica_alias, settings, health):
    """psweb as with DATABASE_REPLICA_URL: the alias and the router."""
    settings.DATABASE_ROUTERS = ["psweb.db_router.ReplicaRouter"]
    return connections[REPLICA]


with_replica = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])


# --- Settings ---------------------------------------------------------------------------------------


def test_without_a_replica_url_there_is_one_database_and_no_router():
    values = loaded_settings("DATABASES", "DATABASE_ROUTERS")

    assert list(values["DATABASES"]) == ["default"]
    assert values["DATABASE_ROUTERS"] == []
    # And in this very test run, which sets no DATABASE_REPLICA_URL either:
    assert django_settings.DATABASE_ROUTERS == []
    assert django_router.routers == []


def test_a_replica_url_adds_the_replica_and_the_router_and_leaves_the_primary_alone():
    without = loaded_settings("DATABASES")["DATABASES"]
    values = loaded_settings(
        "DATABASES", "DATABASE_ROUTERS", "DATABASE_REPLICA_MAX_LAG", DATABASE_REPLICA_URL=REPLICA_URL
    )

    replica = values["DATABASES"]["replica"]
    assert (replica["HOST"], replica["PORT"], replica["NAME"], replica["USER"]) == (
        "replica.example.invalid",
        5433,
        "psweb",
        "psweb_read",
    )
    assert replica["OPTIONS"]["connect_timeout"] == 2
    assert "-c jit=off" in replica["OPTIONS"]["options"]
    assert replica["TEST"]["MIRROR"] == "default"
    assert replica["CONN_HEALTH_CHECKS"] is True
    assert values["DATABASE_ROUTERS"] == ["psweb.db_router.ReplicaRouter"]
    assert values["DATABASE_REPLICA_MAX_LAG"] == 30
    assert values["DATABASES"]["default"] == without["default"]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"DATABASE_REPLICA_URL": "mysql://psweb@127.0.0.1:9/psweb"}, "DATABASE_REPLICA_URL must point at PostgreSQL"),
        ({"DATABASE_REPLICA_MAX_LAG": "soon"}, "are numbers of seconds"),
        ({"DATABASE_REPLICA_MAX_LAG": "-1"}, "DATABASE_REPLICA_MAX_LAG must be 0 or more"),
        ({"DATABASE_REPLICA_CHECK_SECONDS": "0"}, "DATABASE_REPLICA_CHECK_SECONDS more than 0"),
        ({"DATABASE_POOLER": "pgpool"}, "DATABASE_POOLER must be empty or 'pgbouncer'"),
    ],
)
def test_a_bad_database_setting_stops_psweb_naming_the_variable(variables, message):
    result = manage("check", **variables)

    assert result.returncode != 0
    assert message in result.stderr


def test_behind_pgbouncer_no_server_side_cursors_and_no_startup_options():
    values = loaded_settings("DATABASES", DATABASE_POOLER="pgbouncer", DATABASE_REPLICA_URL=REPLICA_URL)

    for alias in ("default", "replica"):
        database = values["DATABASES"][alias]
        assert database["DISABLE_SERVER_SIDE_CURSORS"] is True, alias
        assert "options" not in database["OPTIONS"], alias


def test_without_pgbouncer_server_side_cursors_stay_on():
    database = loaded_settings("DATABASES")["DATABASES"]["default"]

    assert database.get("DISABLE_SERVER_SIDE_CURSORS", False) is False
    assert "-c jit=off -c cursor_tuple_fraction=1" in database["OPTIONS"]["options"]


# --- Which reads go where ---------------------------------------------------------------------------


def test_outside_replica_safe_code_everything_reads_from_the_primary(health):
    found_healthy(health)

    for model in (*STATISTICS_MODELS, *WHO_MAY_MODELS):
        assert ReplicaRouter().db_for_read(model) is None, model


def test_in_replica_safe_code_statistics_come_from_a_healthy_replica_and_who_may_from_the_primary(health):
    found_healthy(health)

    with replica_reads():
        for model in STATISTICS_MODELS:
            assert ReplicaRouter().db_for_read(model) == REPLICA, model
        for model in WHO_MAY_MODELS:
            assert ReplicaRouter().db_for_read(model) == DEFAULT_DB_ALIAS, model


def test_after_a_write_the_block_reads_its_own_write_from_the_primary(health):
    found_healthy(health)
    router = ReplicaRouter()

    with replica_reads():
        assert router.db_for_read(Incident) == REPLICA
        assert router.db_for_write(Incident) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Incident) == DEFAULT_DB_ALIAS
        assert router.db_for_read(IncidentCube) == DEFAULT_DB_ALIAS


def test_every_write_goes_to_the_primary_and_only_the_primary_is_migrated(health):
    found_healthy(health)
    router = ReplicaRouter()

    assert router.db_for_write(Incident) == DEFAULT_DB_ALIAS
    with replica_reads():
        assert router.db_for_write(IncidentCube) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "incidents") is True
    assert router.allow_migrate(REPLICA, "incidents") is False
    on_primary, on_replica = Incident(), Incident()
    on_primary._state.db, on_replica._state.db = DEFAULT_DB_ALIAS, REPLICA
    assert router.allow_relation(on_primary, on_replica) is True


def test_inside_a_transaction_reads_stay_with_its_writes_on_the_primary(db, health):
    found_healthy(health)

    with replica_reads(), transaction.atomic():
        assert ReplicaRouter().db_for_read(Incident) == DEFAULT_DB_ALIAS


@pytest.mark.parametrize(
    ("problem", "reason"),
    [("lagging", "it is 45.0 s behind the primary (limit 30 s)"), ("unreachable", "it cannot be reached (refused)")],
)
def test_a_replica_lagging_or_down_is_not_read(health, problem, reason):
    health.note(problem, reason)

    with replica_reads():
        assert ReplicaRouter().db_for_read(IncidentCube) == DEFAULT_DB_ALIAS


# --- Is the replica fit to serve? -------------------------------------------------------------------


def test_the_lag_decides_within_the_bound_and_not_beyond_it():
    assert judge(in_recovery=True, lag=0, max_lag=30) == ("", "")
    assert judge(in_recovery=True, lag=30, max_lag=30) == ("", "")
    assert judge(in_recovery=True, lag=30.5, max_lag=30)[0] == "lagging"
    # Never replayed anything: no timestamp to measure from.
    assert judge(in_recovery=True, lag=None, max_lag=30)[0] == "lagging"
    assert judge(in_recovery=False, lag=0, max_lag=30)[0] == "not-standby"


def test_a_primary_given_as_the_replica_is_refused_once_logged_and_asked_again_only_later(db, settings, caplog):
    health = ReplicaHealth(connection=lambda: connections[DEFAULT_DB_ALIAS])
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0.2
    caplog.set_level(logging.INFO, logger="psweb.db_router")

    assert health.is_usable() is False
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as asked:
        assert health.is_usable() is False
    time.sleep(0.25)
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as asked_later:
        assert health.is_usable() is False

    assert health.problem == "not-standby"
    assert len(asked) == 0  # within the interval the answer costs nothing
    assert len(asked_later) == 1
    warnings = [r for r in caplog.records if r.name == "psweb.db_router" and r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "Read replica not used, statistics are read from the primary: it is not a standby "
        "(pg_is_in_recovery() is false)."
    ]


def test_an_unreachable_replica_is_found_within_its_connect_timeout_and_logged_once(db, caplog):
    settings_dict = {
        **connections[DEFAULT_DB_ALIAS].settings_dict,
        "HOST": "127.0.0.1",
        "PORT": 9,  # nothing listens: connection refused
        "OPTIONS": {"connect_timeout": 2},
    }
    unreachable = DatabaseWrapper(settings_dict, alias=REPLICA)
    health = ReplicaHealth(connection=lambda: unreachable)
    caplog.set_level(logging.INFO, logger="psweb.db_router")

    started = time.monotonic()
    assert health.is_usable() is False
    assert health.is_usable(force=True) is False
    took = time.monotonic() - started
    health.note("")  # found again

    assert took < 5
    assert health.problem == "" and health.usable
    messages = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "psweb.db_router"]
    assert len(messages) == 2, messages
    assert messages[0][0] == "WARNING" and "it cannot be reached (" in messages[0][1]
    assert messages[1] == ("INFO", "Read replica in use again for statistics.")


# --- Requests -------------------------------------------------------------------------------------


def _tables(queries) -> str:
    return " ".join(query["sql"] for query in queries)


@with_replica
def test_a_statistics_request_reads_its_figures_from_the_replica_and_who_may_from_the_primary(
    routed, health, api, cast, tree
):
    report(cast.reporter, tree.medicin_ward)
    replica = routed
    found_healthy(health)

    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        response = api(cast.safety_officer).get("/api/v1/stats/incidents/summary/", {"unit": tree.medicin.pk})

    assert response.status_code == 200
    assert response.json()["reported"] == 1
    assert "indicators_incidentcube" in _tables(on_replica)
    assert "indicators_incidentcube" not in _tables(on_primary)
    assert "django_session" in _tables(on_primary) and "accounts_membership" in _tables(on_primary)
    assert "django_session" not in _tables(on_replica) and "accounts_membership" not in _tables(on_replica)


@with_replica
def test_other_requests_and_statistics_sent_by_post_never_read_the_replica(routed, health, api, cast):
    replica = routed
    found_healthy(health)
    client = api(cast.safety_officer)

    with CaptureQueriesContext(replica) as on_replica:
        listed = client.get("/api/v1/incidents/")
        posted = client.post("/api/v1/stats/incidents/summary/", {})

    assert listed.status_code == 200
    assert posted.status_code == 405
    assert len(on_replica) == 0


@with_replica
def test_a_replica_that_fails_under_a_request_is_left_and_the_primary_answers(
    routed, health, api, cast, tree, caplog, monkeypatch
):
    report(cast.reporter, tree.medicin_ward)
    routed.close()  # it went down after it was last found healthy: nothing listens there now
    monkeypatch.setitem(routed.settings_dict, "HOST", "127.0.0.1")
    monkeypatch.setitem(routed.settings_dict, "PORT", 9)
    found_healthy(health)
    caplog.set_level(logging.WARNING, logger="psweb.db_router")

    response = api(cast.safety_officer).get("/api/v1/stats/incidents/summary/", {"unit": tree.medicin.pk})

    assert response.status_code == 200
    assert response.json()["reported"] == 1
    assert health.problem == "unreachable"
    assert [r.getMessage().split(":")[0] for r in caplog.records if r.name == "psweb.db_router"] == [
        "Read replica not used, statistics are read from the primary"
    ]
