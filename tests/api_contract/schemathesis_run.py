"""schemathesis with every check against a live psweb: the API as a fuzzer meets it.

    .venv/bin/python tests/api_contract/schemathesis_run.py [--database-url postgres://…/postgres] [--reuse]

psweb runs as in production (DEBUG off, gunicorn) on a free loopback port, against a throwaway
database `psweb_schemathesis` on the PostgreSQL server of `--database-url` (default: the
DATABASE_URL environment variable), migrated and filled with `seed_demo --force` — the same
server start as the api-client step (tests/api_contract/generated_client.py,
tests/lighthouse/run.py). The schemathesis CLI (pinned in requirements-dev.txt) then runs every
check against every operation of `/api/schema/`, as the demo chief physician
(`chefslakare`, an API token), with a bounded number of examples per operation and a fixed seed,
so that a run is repeatable and takes a few minutes on two cores.

What a check may not hold for is configured, per operation, in
tests/api_contract/schemathesis.toml, each entry with the business rule that makes it so and
where docs/api.md documents it, and one known gap marked as such (JSON types in request bodies,
docs/api.md, "Fuzzing"); nothing else is excluded. A table of the checks (how often
each ran and failed) is printed and written to var/ci/schemathesis.txt; the JUnit report and
schemathesis' own run report go to var/ci/schemathesis/. Any failure fails the step.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.api_contract.generated_client import database_url, django_env, manage, prepare_database  # noqa: E402
from tests.lighthouse.run import free_port, start_server  # noqa: E402  (run as a script)

ST = ROOT / ".venv" / "bin" / "st"
CONFIG = Path(__file__).with_name("schemathesis.toml")
OUT = ROOT / "var" / "ci" / "schemathesis"
TABLE = ROOT / "var" / "ci" / "schemathesis.txt"
DATABASE_NAME = "psweb_schemathesis"
# The chief physician of the demo region (devdata/demo/accounts.py, README's user table): sees
# and may do the most, so the most operations reach their business logic.
USER = "chefslakare"
# Small enough for about three minutes on two slow cores; the seed makes every run the same.
MAX_EXAMPLES = 5
SEED = 20261207


def say(text: str) -> None:
    print(f"schemathesis: {text}", flush=True)


def server_env(db_url: str) -> dict[str, str]:
    env = django_env(db_url)
    # The rate limits (docs/api.md, "Rate limits") would answer the fuzzer 429 after a minute;
    # the limiter has its own tests (tests/apitokens/test_rate_limits.py). `ignored_auth` sends
    # bad credentials on purpose: with 20 a minute the good token would be refused as well.
    env.update(API_RATE_USER="100000/minute", API_RATE_ADDRESS="100000/minute", API_RATE_AUTH_FAILURES="100000/minute")
    return env


def run_schemathesis(base_url: str, token: str) -> int:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    command = [
        str(ST),
        "--config-file",
        str(CONFIG),
        "--no-color",
        "run",
        f"{base_url}/api/schema/",
        "--url",
        base_url,
        "--header",
        f"Authorization: Token {token}",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-database",
        "none",
        "--workers",
        "2",
        "--report",
        "junit,ndjson",
        "--report-dir",
        str(OUT),
        "--report-junit-path",
        str(OUT / "junit.xml"),
        "--report-ndjson-path",
        str(OUT / "events.ndjson"),
        "--output-sanitize",
        "true",
    ]
    # PYTHONPATH: the config's hooks module (tests/api_contract/schemathesis_hooks.py).
    return subprocess.run(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}).returncode


def check_counts(events: Path) -> dict[str, Counter]:
    """Per check: how often it passed and failed, from schemathesis' own event stream."""
    counts: dict[str, Counter] = {}
    if not events.exists():  # schemathesis did not start (its error is above)
        return counts
    for line in events.read_text().splitlines():
        event = json.loads(line)
        for body in event.values():
            if not isinstance(body, dict) or "recorder" not in body:
                continue
            for checks in (body["recorder"].get("checks") or {}).values():
                for check in checks:
                    counts.setdefault(check["name"], Counter())[check["status"]] += 1
    return counts


def write_table(counts: dict[str, Counter], *, status: int, took: float) -> None:
    statuses = sorted({status for counter in counts.values() for status in counter})
    lines = [f"{'check':32}" + "".join(f"{status:>10}" for status in statuses)]
    for name in sorted(counts):
        lines.append(f"{name:32}" + "".join(f"{counts[name][status]:>10}" for status in statuses))
    lines.append("")
    lines.append(f"{'passed' if status == 0 else 'FAILED'} in {took:.0f} s (max {MAX_EXAMPLES} examples, seed {SEED})")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    TABLE.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument(
        "--database-name", default=DATABASE_NAME, help=f"the throwaway database (default {DATABASE_NAME})"
    )
    parser.add_argument("--reuse", action="store_true", help="keep an existing, seeded database")
    args = parser.parse_args()
    if not args.database_url:
        raise SystemExit("schemathesis: give --database-url or DATABASE_URL (a PostgreSQL server)")

    started = time.monotonic()
    env = server_env(database_url(args.database_url, args.database_name))
    prepare_database(args.database_url, env, name=args.database_name, reuse=args.reuse)
    token = manage(env, "create_api_token", USER, "--name", "schemathesis check", "--days", "1", capture=True)
    token = token.strip().splitlines()[-1]

    port = free_port()
    server = start_server(env, port, name="schemathesis")
    try:
        status = run_schemathesis(f"http://127.0.0.1:{port}", token)
    finally:
        server.terminate()
        server.wait(timeout=10)
    TABLE.parent.mkdir(parents=True, exist_ok=True)
    write_table(check_counts(OUT / "events.ndjson"), status=status, took=time.monotonic() - started)
    return status


if __name__ == "__main__":
    sys.exit(main())
