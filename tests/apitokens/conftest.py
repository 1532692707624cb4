"""Fixtures for API credentials and rate limits."""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import time

import pytest
import redis
import time_machine
from django.conf import settings
from django.core.cache import caches
from django.test import override_settings
from django.utils import translation


@pytest.fixture(autouse=True)
def _english(client):
    """Messages in English: of commands and services, and of pages on the `client` fixture."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def limits():
    """limits(user=..., address=..., auth_failure=...): low rates for one test, on fresh counters,
    at a frozen moment in the middle of a minute (a window never ends during the test)."""
    stack = []

    def _set(**rates):
        caches[settings.API_RATE_LIMIT_CACHE].clear()
        travel = time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, 20, tzinfo=dt.UTC), tick=False)
        travel.start()
        stack.append(travel)
        override = override_settings(
            REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates},
        )
        override.enable()
        stack.append(override)

    yield _set
    for item in reversed(stack):
        item.stop() if hasattr(item, "stop") else item.disable()
    caches[settings.API_RATE_LIMIT_CACHE].clear()


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A throwaway redis-server of our own on a free loopback port (no persistence)."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(timeout=10)
