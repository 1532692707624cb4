"""`make run PORT=8080` serves on that port and the e-mails' links follow (issue 13, item 20)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def planned(*args: str, env: dict | None = None) -> list[str]:
    """The commands `make run` would run (make -n), with PSWEB_BASE_URL expanded by the shell."""
    out = subprocess.run(
        ["make", "-s", "-n", "run", *args], cwd=ROOT, capture_output=True, text=True, check=True, env=env
    ).stdout
    return [line for line in out.splitlines() if "manage.py" in line]


def expanded(line: str, env: dict) -> str:
    return subprocess.run(["sh", "-c", f"echo {line}"], capture_output=True, text=True, env=env, check=True).stdout


def test_the_port_reaches_the_server_and_the_links():
    env = {"PATH": "/usr/bin:/bin"}

    lines = planned("PORT=8080", env=env)

    assert lines[-1].endswith("runserver 127.0.0.1:8080")
    assert all("PSWEB_BASE_URL=${PSWEB_BASE_URL:-http://127.0.0.1:8080}" in line for line in lines)
    assert "PSWEB_BASE_URL=http://127.0.0.1:8080 " in expanded(lines[1], env)


def test_an_explicit_base_url_wins():
    env = {"PATH": "/usr/bin:/bin", "PSWEB_BASE_URL": "https://psweb.example.invalid"}

    line = planned("PORT=8080", env=env)[1]

    assert "PSWEB_BASE_URL=https://psweb.example.invalid " in expanded(line, env)


def test_the_default_is_unchanged():
    lines = planned(env={"PATH": "/usr/bin:/bin"})
    assert lines[-1].endswith("runserver 127.0.0.1:8000")
