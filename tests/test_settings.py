"""Settings as production sees them: loud failures on bad values, `check --deploy` clean.

Each case starts a fresh Python process with only the variables it names (settings are read
once per process). DATABASE_URL always points at PostgreSQL on a port where nothing listens:
with it set, psweb starts no embedded server, and these checks pass without a connection.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
UNREACHABLE_POSTGRES = "postgres://psweb@127.0.0.1:9/psweb"


def production_env(**overrides: str | None) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "psweb.region.example.invalid",
        "CSRF_TRUSTED_ORIGINS": "https://psweb.region.example.invalid",
        "DATABASE_URL": UNREACHABLE_POSTGRES,
        "CELERY_BROKER_URL": "redis://127.0.0.1:9/0",
        "EMAIL_URL": "smtp://mail.example.invalid:25",
        "BEHIND_TLS_PROXY": "true",
    }
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def manage(*args: str, **overrides: str | None) -> subprocess.CompletedProcess:
    return run(["manage.py", *args], production_env(**overrides))


def loaded_settings(*names: str, **overrides: str | None) -> dict:
    code = (
        "import json, os, django\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'psweb.settings'\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))\n"
    )
    result = run(["-c", code], production_env(**overrides))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_passes_with_production_like_environment():
    result = manage("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_when_a_security_setting_is_weakened():
    result = manage("check", "--deploy", "--fail-level", "WARNING", SECURE_SSL_REDIRECT="false")

    assert result.returncode != 0
    assert "security.W008" in result.stderr


def test_a_missing_secret_key_with_debug_off_fails_loudly():
    result = manage("check", SECRET_KEY=None)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is not set" in result.stderr


def test_a_missing_secret_key_is_allowed_in_development():
    result = manage("check", SECRET_KEY=None, DEBUG="true")

    assert result.returncode == 0, result.stderr


def test_a_database_url_that_is_not_postgresql_is_refused():
    for url in ("sqlite:////tmp/psweb.sqlite3", "mysql://psweb@127.0.0.1:9/psweb"):
        result = manage("check", DATABASE_URL=url)

        assert result.returncode != 0, url
        assert "DATABASE_URL must point at PostgreSQL" in result.stderr


def test_production_defaults_are_the_secure_ones():
    values = loaded_settings(
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_PROXY_SSL_HEADER",
        "CELERY_TASK_ALWAYS_EAGER",
        "EMBEDDED_PGDATA",
        "STORAGES",
    )

    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["CELERY_TASK_ALWAYS_EAGER"] is False
    assert values["EMBEDDED_PGDATA"] is None
    assert "whitenoise" in values["STORAGES"]["staticfiles"]["BACKEND"]


def env_example() -> dict[str, str]:
    values = {}
    for line in (BASE_DIR / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def test_env_example_documents_every_variable_settings_read():
    source = (BASE_DIR / "psweb" / "settings.py").read_text()
    read = set(re.findall(r"""env\.\w+\(\s*["']([A-Z0-9_]+)["']""", source))

    assert read, "no env.<type>(NAME) calls found: has settings.py changed how it reads variables?"
    assert read - set(env_example()) == set()


def test_the_examples_in_env_example_pass_check_deploy():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(**env_example()))

    assert result.returncode == 0, result.stdout + result.stderr
