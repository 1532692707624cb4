"""A generated Python client against a live psweb: the API contract as an integrator meets it.

    .venv/bin/python tests/api_contract/generated_client.py [--database-url postgres://…/postgres] [--reuse]

1. The OpenAPI schema is written with `manage.py spectacular --file`.
2. `openapi-python-client` (pinned in requirements-apiclient.txt, installed in a venv of its own,
   var/ci/apiclient-venv, so that it cannot change the app's dependencies) generates a client
   from it. A warning while generating fails the check: it means an operation was left out.
3. Every generated module is imported (an `Unset` used before it is imported, a model named
   twice, … fail here), and a short workflow runs through the client
   (tests/api_contract/client_workflow.py): a nurse reports an incident with an
   `Idempotency-Key` and retries it, the unit's coordinator takes it, classifies it, assesses
   the risk, adds an action, writes the feedback and closes it; the indicator editor upserts
   measurements.

psweb runs as in production (DEBUG off, gunicorn) on a free loopback port, against a throwaway
database `psweb_apiclient` on the PostgreSQL server of `--database-url` (default: the
DATABASE_URL environment variable), migrated and filled with `seed_demo --force`. The client is
a test artefact under var/ci/apiclient/, never committed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.lighthouse.run import free_port, start_server  # noqa: E402  (run as a script)

PYTHON = ROOT / ".venv" / "bin" / "python"
TOOL_VENV = ROOT / "var" / "ci" / "apiclient-venv"
TOOL_REQUIREMENTS = ROOT / "requirements-apiclient.txt"
OUT = ROOT / "var" / "ci" / "apiclient"
DATABASE_NAME = "psweb_apiclient"
# The demo users the workflow acts as (devdata/demo/accounts.py).
USERS = ["sjukskoterska", "samordnare.med", "matansvarig"]


def say(text: str) -> None:
    print(f"api-client: {text}", flush=True)


def database_url(server_url: str, name: str) -> str:
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))


def django_env(db_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"CELERY_BROKER_URL", "DATABASE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="psweb.settings",
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        DATABASE_URL=db_url,
        SECRET_KEY="psweb-api-client-check-not-secret-" + "x" * 32,
        PYTHONPATH=str(ROOT),
        EMAIL_URL="dummymail://",
    )
    return env


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [str(PYTHON), "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        text=True,
    )
    return result.stdout or ""


def prepare_database(server_url: str, env: dict[str, str], *, name: str, reuse: bool) -> None:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reuse:
            say(f"reusing the database {name}")
            manage(env, "migrate", "--no-input")
            return
        if exists:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    started = time.monotonic()
    manage(env, "migrate", "--no-input")
    manage(env, "seed_demo", "--force", "--incidents", "0")
    say(f"database {name} migrated and seeded in {time.monotonic() - started:.0f} s")


def tool_venv() -> Path:
    """The generator's own venv, installed from its pinned requirements when they changed."""
    stamp = TOOL_VENV / "requirements.txt"
    wanted = TOOL_REQUIREMENTS.read_text()
    if not (stamp.exists() and stamp.read_text() == wanted):
        shutil.rmtree(TOOL_VENV, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(TOOL_VENV)], check=True)
        subprocess.run([str(TOOL_VENV / "bin" / "pip"), "install", "--quiet", "-r", str(TOOL_REQUIREMENTS)], check=True)
        stamp.write_text(wanted)
    return TOOL_VENV / "bin"


def generate_client(env: dict[str, str], bin_dir: Path) -> Path:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    schema = OUT / "schema.yaml"
    manage(env, "spectacular", "--file", str(schema), "--fail-on-warn")
    # The generator formats its output with ruff from its own venv (PATH), never the app's.
    generator_env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(schema),
            "--meta",
            "none",
            "--output-path",
            str(OUT / "psweb_client"),
        ],
        cwd=OUT,
        env=generator_env,
        capture_output=True,
        text=True,
    )
    output = result.stdout + result.stderr
    if result.returncode != 0 or "Warning" in output:
        print(output, file=sys.stderr)
        raise SystemExit("api-client: openapi-python-client did not generate a complete client (see above)")
    say(f"client generated from {schema.relative_to(ROOT)}")
    return OUT


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument(
        "--database-name", default=DATABASE_NAME, help=f"the throwaway database (default {DATABASE_NAME})"
    )
    parser.add_argument("--reuse", action="store_true", help="keep an existing, seeded database")
    args = parser.parse_args()
    if not args.database_url:
        raise SystemExit("api-client: give --database-url or DATABASE_URL (a PostgreSQL server)")

    started = time.monotonic()
    bin_dir = tool_venv()
    env = django_env(database_url(args.database_url, args.database_name))
    prepare_database(args.database_url, env, name=args.database_name, reuse=args.reuse)
    client_dir = generate_client(env, bin_dir)
    tokens = {
        user: manage(env, "create_api_token", user, "--name", "api-client check", "--days", "1", capture=True)
        .strip()
        .splitlines()[-1]
        for user in USERS
    }

    port = free_port()
    server = start_server(env, port, name="api-client")
    try:
        result = subprocess.run(
            [
                str(bin_dir / "python"),
                str(ROOT / "tests" / "api_contract" / "client_workflow.py"),
                "--client-dir",
                str(client_dir),
                "--base-url",
                f"http://127.0.0.1:{port}",
                "--tokens",
                json.dumps(tokens),
            ],
            cwd=OUT,
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    say(f"{'passed' if result.returncode == 0 else 'FAILED'} in {time.monotonic() - started:.0f} s")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
