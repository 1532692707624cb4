"""A real streaming replica (issue 14, item 9; docs/deployment.md): psweb served by gunicorn with
DATABASE_URL on a primary and DATABASE_REPLICA_URL on a standby made from it by pg_basebackup.

- The statistics are read from the replica: with its replay paused, a report just sent is
  not yet counted, while its sender reads it back at once (from the primary).
- A replica more than DATABASE_REPLICA_MAX_LAG seconds behind is left: the primary answers,
  and one warning says why; once it has caught up it is used again.
- A replica that is stopped is left the same way: statistics are still served.

Both clusters are Debian's PostgreSQL, run as the `postgres` user in a temporary directory on
free loopback ports, and removed at the end whatever happened. Bounded: about a minute and a
half, most of it psweb's migrations and demo data.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.integration.conftest import BASE_DIR, free_port, log_tail, stop_process, unavailable, wait_for

pytestmark = pytest.mark.integration

PG_BIN = Path("/usr/lib/postgresql/15/bin")
MAX_LAG = 10  # seconds: DATABASE_REPLICA_MAX_LAG of the psweb under test
CHECK_SECONDS = 0.5  # DATABASE_REPLICA_CHECK_SECONDS
REPLICA_NOT_USED = "Read replica not used, statistics are read from the primary"


def _as_postgres(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


class Cluster:
    """One PostgreSQL cluster of the test's own: a data directory, a port, a log."""

    def __init__(self, home: Path, name: str):
        self.dir = home / name
        self.log = home / f"{name}.log"
        self.port = free_port()

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c wal_level=replica "
            "-c fsync=off -c max_wal_senders=4"
        )
        done = _as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.dir), "-o", options, "-l", str(self.log), "-w", "-t", "60", "start"
        )
        assert done.returncode == 0, done.stderr + log_tail(self.log)

    def stop(self, mode: str = "fast") -> None:
        if (self.dir / "postmaster.pid").exists():
            _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.dir), "-m", mode, "-w", "stop")

    def sql(self, query: str, database: str = "postgres") -> str:
        done = subprocess.run(
            [PG_BIN / "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database, "-Atc", query],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/psweb"


class Replication:
    """A primary and its streaming standby."""

    def __init__(self):
        if os.geteuid() != 0 or not (PG_BIN / "pg_basebackup").exists() or not shutil.which("runuser"):
            unavailable("a private primary and replica need root, runuser and Debian's PostgreSQL 15 binaries")
        # Not below pytest's temporary directory: that one is private to root.
        self.home = Path(tempfile.mkdtemp(prefix="psweb-replica-"))
        self.home.chmod(0o755)
        shutil.chown(self.home, "postgres", "postgres")
        self.primary = Cluster(self.home, "primary")
        self.replica = Cluster(self.home, "replica")

    def init_primary(self) -> None:
        initdb = _as_postgres(
            str(PG_BIN / "initdb"), "-D", str(self.primary.dir), "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )
        assert initdb.returncode == 0, initdb.stderr
        # initdb's pg_hba.conf already trusts replication connections from 127.0.0.1.
        self.primary.start()
        self.primary.sql("CREATE TABLE replica_probe (at timestamptz)")

    def make_replica(self) -> None:
        backup = _as_postgres(
            str(PG_BIN / "pg_basebackup"),
            *("-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres"),
            *("-D", str(self.replica.dir), "-R", "-X", "stream", "-c", "fast"),
        )
        assert backup.returncode == 0, backup.stderr
        self.replica.start()
        wait_for(
            lambda: self.primary.sql("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") == "1",
            timeout=30,
            what="the replica to stream from the primary",
            details=lambda: log_tail(self.replica.log),
        )

    def caught_up(self) -> None:
        """Commit on the primary and wait until the replica has replayed it: its last replayed
        transaction is now, so its lag is measured from now."""
        self.primary.sql("INSERT INTO replica_probe VALUES (now())")
        lsn = self.primary.sql("SELECT pg_current_wal_lsn()")
        wait_for(
            lambda: self.replica.sql(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn") == "t",
            timeout=30,
            what="the replica to replay the primary's last commit",
            details=lambda: log_tail(self.replica.log),
        )

    def pause(self) -> None:
        self.replica.sql("SELECT pg_wal_replay_pause()")
        assert self.replica.sql("SELECT pg_get_wal_replay_pause_state()") in {"pause requested", "paused"}

    def resume(self) -> None:
        self.replica.sql("SELECT pg_wal_replay_resume()")
        self.caught_up()

    def remove(self) -> None:
        self.replica.stop("immediate")
        self.primary.stop("immediate")
        shutil.rmtree(self.home, ignore_errors=True)


def _manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _call(base: str, token: str, method: str, path: str, payload: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 (loopback, our own server)
        f"{base}{path}",
        data=json.dumps(payload).encode() if payload is not None else None,
        method=method,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json", "Accept-Language": "en"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


# One care provider with a ward, a nurse who reports and a viewer of the statistics, written
# through psweb's services; their API tokens printed.
SETUP = """
from accounts import services
from accounts.models import OrgUnitKind, User
from accounts.roles import Role
from apitokens.services import api_token_create
kinds = {kind.code: kind for kind in OrgUnitKind.objects.all()}
region = services.orgunit_create(name="Region Västmanland", kind=kinds["vardgivare"])
ward = services.orgunit_create(name="Avdelning 5, medicin", kind=kinds["enhet"], parent=region)
tokens = []
for username, unit, role in (("sjukskoterska", ward, Role.REPORTER), ("ledning", region, Role.VIEWER)):
    user = User.objects.create_user(username=username)
    services.membership_grant(user=user, unit=unit, role=role, actor=None)
    tokens.append(api_token_create(user=user, name="replica test")[1])
print(*tokens)
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """psweb migrated on the primary and served by one gunicorn process (one process: one
    answer to "may the replica serve?") reading its statistics from the replica."""
    workdir = tmp_path_factory.mktemp("replica")
    replication = Replication()
    server = migrate = None
    try:
        started = time.monotonic()
        primary, replica = replication.primary, replication.replica
        replication.init_primary()
        primary.sql("CREATE DATABASE psweb")
        env = {
            **os.environ,
            "DATABASE_URL": primary.url,
            "DEBUG": "false",
            "SECRET_KEY": "integration-tests-only-not-secret",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "EMAIL_URL": "dummymail://",
            "DATABASE_CONN_MAX_AGE": "60",
            "LOG_LEVEL": "INFO",
        }
        env.pop("CELERY_BROKER_URL", None)
        env.pop("DATABASE_REPLICA_URL", None)
        # The migrations run while the replica is made: it receives them by streaming.
        migrate = subprocess.Popen(
            [sys.executable, "manage.py", "migrate", "--no-input"],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        replication.make_replica()
        _, errors = migrate.communicate(timeout=300)
        assert migrate.returncode == 0, errors[-3000:]
        printed = _manage(env, "shell", "-c", SETUP).splitlines()[-1]
        tokens = dict(zip(("sjukskoterska", "ledning"), printed.split(), strict=True))
        prepared = time.monotonic() - started
        port = free_port()
        log = workdir / "gunicorn.log"
        env |= {
            "DATABASE_REPLICA_URL": replica.url,
            "DATABASE_REPLICA_MAX_LAG": str(MAX_LAG),
            "DATABASE_REPLICA_CHECK_SECONDS": str(CHECK_SECONDS),
        }
        with log.open("ab") as out:
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "psweb.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"],
                cwd=BASE_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        base = f"http://127.0.0.1:{port}"

        def up() -> bool:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:  # noqa: S310 (loopback)
                    return response.status == 200
            except OSError:
                return False

        wait_for(up, timeout=30, what="gunicorn", details=lambda: log_tail(log))
        print(f"primary, replica and psweb's migrations: {prepared:.0f} s")
        yield {"base": base, "tokens": tokens, "replication": replication, "log": log}
    finally:
        stop_process(server)
        stop_process(migrate)
        replication.remove()


def test_statistics_come_from_the_replica_while_it_keeps_up_and_from_the_primary_when_not(served):
    base, log = served["base"], served["log"]
    replication: Replication = served["replication"]
    reporter, viewer = served["tokens"]["sjukskoterska"], served["tokens"]["ledning"]

    def reported() -> int:
        status, body = _call(base, viewer, "GET", "/api/v1/stats/incidents/summary/")
        assert status == 200, body
        return body["reported"]

    def send(marker: str) -> dict:
        status, body = _call(base, reporter, "GET", "/api/v1/me/")
        assert status == 200, body
        status, body = _call(
            base,
            reporter,
            "POST",
            "/api/v1/incidents/",
            {
                "unit": body["memberships"][0]["unit"],
                "occurred_at": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat(),
                "description": f"Patienten föll vid toalettbesök. {marker}",
                "case_type": "care",
                "reported_kind": "happened",
                "patient_involved": False,
            },
        )
        assert status == 201, body
        return body

    def warnings() -> list[str]:
        return [line for line in log.read_text(errors="replace").splitlines() if REPLICA_NOT_USED in line]

    # given: the replica has replayed everything, then stops replaying
    replication.caught_up()
    before = reported()
    replication.caught_up()
    caught_up_at = time.monotonic()
    replication.pause()

    # when: a report is sent
    sent = send(f"replik-{uuid.uuid4().hex[:8]}")

    # then: its sender reads it back at once (the primary), the statistics do not count it yet (the replica)
    status, own = _call(base, reporter, "GET", f"/api/v1/incidents/{sent['id']}/")
    assert status == 200 and own["reference"] == sent["reference"], own
    counted = reported()
    assert time.monotonic() - caught_up_at < MAX_LAG, "too slow: the replica was past its lag bound already"
    assert counted == before
    assert primary_counts(replication) == replica_counts(replication) + 1
    assert warnings() == []

    # when: the paused replica falls further behind than DATABASE_REPLICA_MAX_LAG
    time.sleep(max(0.0, caught_up_at + MAX_LAG + 2 * CHECK_SECONDS - time.monotonic()))

    # then: the primary answers, and one warning says why
    assert reported() == before + 1
    assert reported() == before + 1
    lagging = warnings()
    assert len(lagging) == 1 and "s behind the primary (limit 10 s)" in lagging[0], lagging

    # when: it has caught up again, it serves again (a second paused report is not counted)
    replication.resume()
    time.sleep(2 * CHECK_SECONDS)
    assert reported() == before + 1
    assert "Read replica in use again for statistics." in log.read_text(errors="replace")
    replication.caught_up()
    caught_up_at = time.monotonic()
    replication.pause()
    send(f"replik-{uuid.uuid4().hex[:8]}")
    counted = reported()
    assert time.monotonic() - caught_up_at < MAX_LAG, "too slow: the replica was past its lag bound already"
    assert counted == before + 1
    replication.resume()
    time.sleep(2 * CHECK_SECONDS)
    assert reported() == before + 2

    # when: the replica stops
    replication.replica.stop("immediate")

    # then: the statistics are still served, from the primary, and a warning says why
    assert reported() == before + 2
    time.sleep(2 * CHECK_SECONDS)
    assert reported() == before + 2
    down = warnings()[1:]
    assert len(down) == 1 and "it cannot be reached (" in down[0], warnings()
    assert not any(name in line for line in warnings() for name in ("sjukskoterska", "ledning", "Patienten"))


def _counted(cluster: Cluster) -> int:
    return int(
        cluster.sql(
            "SELECT coalesce(sum(n), 0) FROM (SELECT n FROM indicators_incidentcube WHERE anc IN"
            " (SELECT id FROM accounts_orgunit WHERE parent_id IS NULL)"
            " UNION ALL SELECT n FROM indicators_incidentcubedelta WHERE anc IN"
            " (SELECT id FROM accounts_orgunit WHERE parent_id IS NULL)) AS rows",
            database="psweb",
        )
    )


def primary_counts(replication: Replication) -> int:
    return _counted(replication.primary)


def replica_counts(replication: Replication) -> int:
    return _counted(replication.replica)
