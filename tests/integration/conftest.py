"""The integration tier: the system PostgreSQL, a real Redis broker, a real Celery worker and beat.

Run with `make test-integration` (never part of `make test`). The Redis server is our own,
started on a free loopback port so a test can stop and restart it without touching the
machine's Redis. The worker and beat are subprocesses that use the very database pytest-django
created (`test_…`), so tests use `transactional_db`: the worker only sees committed data.

In CI (`CI=true`) a missing prerequisite fails the run with a clear message; locally the
tests are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() in {"true", "1", "yes"}
SWEEP_SECONDS = 2
START_TIMEOUT = 30


def unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"The integration tier cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


def wait_for(
    condition: Callable[[], object],
    *,
    timeout: float,
    what: str,
    details: Callable[[], str] | None = None,
    interval: float = 0.2,
):
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds,
    with `details()` (the processes' logs, say) in the message."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            extra = f"\n{details()}" if details else ""
            pytest.fail(f"Timed out after {timeout:g} s waiting for {what}.{extra}", pytrace=False)
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def can_connect(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=3):
            return True
    except OSError:
        return False


def stop_process(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@pytest.fixture(scope="session", autouse=True)
def integration_prerequisites():
    """PostgreSQL from DATABASE_URL and a redis-server binary; checked before any database is created."""
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url:
        unavailable("DATABASE_URL is not set; run `make test-integration` (it points at the system PostgreSQL).")
    parts = urlsplit(database_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5432
    if not can_connect(host, port):
        unavailable(f"PostgreSQL is not reachable at {host}:{port} (DATABASE_URL).")
    if not (shutil.which("redis-server") or Path("/usr/bin/redis-server").exists()):
        unavailable("redis-server is not installed (Debian package redis-server).")


class RedisServer:
    """Our own throwaway Redis: no persistence, loopback only, stoppable at will."""

    def __init__(self, workdir: Path):
        self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.port = free_port()
        self.workdir = workdir
        self.log = workdir / "redis.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while not self.ping():
            if self.process.poll() is not None or time.monotonic() > deadline:
                unavailable(f"redis-server did not start on port {self.port}:\n{log_tail(self.log)}")
            time.sleep(0.1)

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@dataclass
class CeleryStack:
    redis: RedisServer
    maildir: Path
    worker_log: Path
    beat_log: Path
    env: dict | None = None
    worker: subprocess.Popen | None = None

    def emails_to(self, address: str) -> int:
        """How many e-mails the worker has written for `address` (file-based e-mail backend)."""
        needle = f"To: {address}".encode()
        return sum(path.read_bytes().count(needle) for path in self.maildir.glob("*.log"))

    def mail_text(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in sorted(self.maildir.glob("*.log")))

    def logs(self) -> str:
        return f"--- worker ---\n{log_tail(self.worker_log)}\n--- beat ---\n{log_tail(self.beat_log)}"

    def start_worker(self) -> subprocess.Popen:
        """Start a worker and wait until it is ready for tasks."""
        started_at = self.worker_log.stat().st_size if self.worker_log.exists() else 0
        with self.worker_log.open("ab") as log:
            self.worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "psweb",
                    "worker",
                    "--pool=solo",
                    "--concurrency=1",
                    "-Q",
                    "celery",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel=INFO",
                    f"--hostname=integration-{self.redis.port}-{time.monotonic_ns()}@%h",
                ],
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = self.worker

        def ready() -> bool:
            if worker.poll() is not None:
                pytest.fail(f"The Celery worker exited at start-up:\n{self.logs()}", pytrace=False)
            return b" ready." in self.worker_log.read_bytes()[started_at:]

        wait_for(ready, timeout=START_TIMEOUT, what="the Celery worker to start", details=self.logs)
        return worker

    def kill_worker(self) -> None:
        """SIGKILL: no clean shutdown, no chance to finish or hand back the task."""
        import signal

        if self.worker is not None and self.worker.poll() is None:
            os.killpg(self.worker.pid, signal.SIGKILL)
            self.worker.wait(timeout=10)


def _worker_database_url() -> str:
    """The database pytest-django created, as a URL for the worker's settings."""
    from django.db import connection

    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"


def _use_broker(url: str | None) -> None:
    """Point this process's Celery app at `url` (None: back to eager) and forget old connections."""
    from psweb.celery import app

    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = url or ""
    app.conf.task_always_eager = url is None


def build_celery_stack(tmp_path_factory, *, settings_module: str | None = None):
    """Redis, a Celery worker and Celery beat (sweeping every SWEEP_SECONDS), as a generator
    for a fixture: every subprocess is stopped on teardown, whatever happened.

    This test process publishes to the same Redis, so the on-commit dispatch really goes
    through the broker. `settings_module` runs the worker and beat with other settings (a
    slow e-mail backend, say).
    """
    workdir = tmp_path_factory.mktemp("celery")
    maildir = workdir / "mail"
    maildir.mkdir()
    redis = RedisServer(workdir)
    stack = CeleryStack(redis=redis, maildir=maildir, worker_log=workdir / "worker.log", beat_log=workdir / "beat.log")
    stack.env = {
        **os.environ,
        "DATABASE_URL": _worker_database_url(),
        "CELERY_BROKER_URL": redis.url,
        # Four slashes: django-environ drops the first one of the path.
        "EMAIL_URL": f"filemail:///{maildir}",
        "SECRET_KEY": "integration-tests-only-not-secret",
        "DEBUG": "false",
        "OUTBOX_SWEEP_SECONDS": str(SWEEP_SECONDS),
        "DATABASE_CONN_MAX_AGE": "0",
    }
    if settings_module:
        stack.env["DJANGO_SETTINGS_MODULE"] = settings_module
    beat = None
    try:
        redis.start()
        stack.start_worker()
        with stack.beat_log.open("ab") as log:
            beat = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "psweb",
                    "beat",
                    "--loglevel=INFO",
                    f"--schedule={workdir / 'beat-schedule'}",
                ],
                cwd=BASE_DIR,
                env=stack.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _use_broker(redis.url)
        yield stack
    finally:
        _use_broker(None)
        stop_process(beat)
        stop_process(stack.worker)
        redis.stop()


@pytest.fixture(scope="module")
def celery_stack(django_db_setup, tmp_path_factory) -> CeleryStack:
    yield from build_celery_stack(tmp_path_factory)
