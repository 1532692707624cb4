"""The embedded PostgreSQL (psweb.embedded_db): shared by concurrent processes, stopped by
the last one, and usable again after a process holding it was killed.

Each "holder" is a real Python process that calls `database_settings` exactly as settings.py
does, reports the server it joined, and exits normally (running its exit hooks) when its
standard input is closed. The data directory lies inside var/, which the `embedded_postgres`
system user (used when running as root) can traverse.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from psweb.embedded_db import pid_of

BASE_DIR = Path(__file__).resolve().parent.parent

HOLDER = """
import json, sys
from pathlib import Path
import psycopg
from psweb.embedded_db import database_settings, pid_of

pgdata = Path(sys.argv[1])
db = database_settings(pgdata, name="psweb_embedded_test")
with psycopg.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"], autocommit=True) as conn:
    answer = conn.execute("SELECT 1").fetchone()[0]
print(json.dumps({"postmaster": pid_of(pgdata), "answer": answer}), flush=True)
sys.stdin.read()
"""


class Holder:
    def __init__(self, pgdata: Path):
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(pgdata)],
            cwd=BASE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def ready(self, timeout: float = 60) -> dict:
        """Wait until the holder has joined the server; return what it reported."""
        line = _readline(self.process, timeout)
        if not line:
            self.process.kill()
            raise AssertionError(f"holder failed: {self.process.communicate()[1]}")
        report = json.loads(line)
        assert report["answer"] == 1
        return report

    def exit(self) -> None:
        """Exit normally: close stdin, the script ends and its exit hooks run."""
        _, err = self.process.communicate(timeout=60)
        assert self.process.returncode == 0, err

    def crash(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            stream.close()


def _readline(process: subprocess.Popen, timeout: float) -> str:
    import selectors

    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            process.kill()
            raise AssertionError(f"holder did not start within {timeout} s")
    return process.stdout.readline()


def postgres_processes(pgdata: Path) -> list[psutil.Process]:
    """Server processes started on `pgdata` (the postmaster has `-D <pgdata>` on its command line)."""
    found = []
    for proc in psutil.process_iter(attrs=["name", "cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if proc.info["name"] == "postgres" and str(pgdata) in cmdline:
            found.append(proc)
    return found


def assert_server_stopped(pgdata: Path, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while postgres_processes(pgdata) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert postgres_processes(pgdata) == []
    assert pid_of(pgdata) is None


def registered_pids(pgdata: Path) -> list[int]:
    handles = pgdata / ".handle_pids.json"
    return json.loads(handles.read_text() or "[]") if handles.exists() else []


@pytest.fixture(scope="module")
def pgdata():
    var = BASE_DIR / "var"
    var.mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="embedded-db-test-", dir=var))
    path = workdir / "pgdata"
    yield path
    for proc in postgres_processes(path):
        proc.kill()
    shutil.rmtree(workdir, ignore_errors=True)


def test_two_processes_share_one_server_and_the_last_one_stops_it(pgdata):
    # given two processes starting at the same moment on a data directory that does not exist yet
    first, second = Holder(pgdata), Holder(pgdata)

    # when
    one, two = first.ready(), second.ready()

    # then they share one server
    assert one["postmaster"] == two["postmaster"]
    assert psutil.pid_exists(one["postmaster"])
    assert sorted(registered_pids(pgdata)) == sorted([first.process.pid, second.process.pid])

    # when the first exits, the server keeps running for the second
    first.exit()
    assert pid_of(pgdata) == one["postmaster"]
    assert psutil.pid_exists(one["postmaster"])

    # when the last exits, the server stops and leaves no process behind
    second.exit()
    assert pid_of(pgdata) is None
    assert postgres_processes(pgdata) == []
    assert registered_pids(pgdata) == []


def test_a_start_after_a_crash_works_and_the_server_still_stops(pgdata):
    # given a process holding the server is killed: its exit hooks never run
    victim = Holder(pgdata)
    crashed = victim.ready()
    victim.crash()
    assert victim.process.pid in registered_pids(pgdata)
    assert psutil.pid_exists(crashed["postmaster"]), "the server outlives a killed holder"

    # when a new process starts
    survivor = Holder(pgdata)
    report = survivor.ready()

    # then it joins the running server, and the dead process is forgotten
    assert report["postmaster"] == crashed["postmaster"]
    assert registered_pids(pgdata) == [survivor.process.pid]

    # when it exits, it is the last one: the server stops
    survivor.exit()
    assert_server_stopped(pgdata)


def test_a_crashed_companion_does_not_keep_the_server_alive(pgdata):
    # given two processes share the server, and one is killed without its exit hooks
    # (Django's autoreloader SIGKILLs its child process when it is itself stopped)
    parent, child = Holder(pgdata), Holder(pgdata)
    parent.ready()
    child.ready()
    child.crash()

    # when the survivor exits normally
    parent.exit()

    # then it was the last live user: the server stops
    assert_server_stopped(pgdata)


def test_a_terminated_process_stops_the_server_it_was_the_last_to_use(pgdata):
    # given one process holding the server
    holder = Holder(pgdata)
    holder.ready()

    # when it is stopped with `kill` (SIGTERM), as a process manager or a developer would
    holder.process.send_signal(signal.SIGTERM)
    holder.process.communicate(timeout=30)

    # then it exited through its exit hooks, and the server is gone
    assert holder.process.returncode == 128 + signal.SIGTERM
    assert_server_stopped(pgdata)


def test_a_stale_postmaster_pid_from_before_a_reboot_does_not_block_a_start(pgdata):
    # given a postmaster.pid left behind by a server that no longer exists, naming a pid
    # that now belongs to an unrelated process (pids are reused after a reboot)
    assert pid_of(pgdata) is None
    unrelated = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lines = ["0", str(pgdata), "0", "5432", str(pgdata), "", "0 0", "ready"]
        lines[0] = str(unrelated.pid)
        (pgdata / "postmaster.pid").write_text("\n".join(lines) + "\n")

        # when
        holder = Holder(pgdata)
        report = holder.ready()

        # then a real server was started
        assert report["postmaster"] != unrelated.pid
        assert psutil.Process(report["postmaster"]).name() == "postgres"
        holder.exit()
        assert postgres_processes(pgdata) == []
    finally:
        unrelated.kill()
        unrelated.wait()
