"""How long `sync_hsa` takes for a region: 300 units and 20 000 people (issue 16: at most 60 s).

    .venv/bin/python bench/hsa.py --write docs/benchmarks.md

On a database of its own (--database-url; default `psweb_bench_hsa` on the local PostgreSQL,
dropped and created again), migrated, with a generated export (devdata/hsa_export.py):

1. the first sync, which creates the whole tree, every person and a reporter membership per
   person and unit (rolled back after each timing, so each run starts empty);
2. the same file again, once the first sync is committed: nothing to change, the cost of
   reading the file and comparing;
3. a month later, a changed file: a klinik renamed, another moved under a new förvaltning,
   an avdelning closed, 5 % of the people leaving a commission and 400 new people (rolled
   back after each timing).

Each is timed --repeat times (default 3) through the command's own service; the median is
reported, with the dry run of the changed file beside it.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scale import _bench_env, _prepare_database, machine  # noqa: E402

GOAL_SECONDS = 60


class _RollbackError(Exception):
    pass


def timed(call, *, repeat: int, rollback: bool) -> list[float]:
    from django.db import transaction

    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            with transaction.atomic():
                call()
                seconds.append(time.perf_counter() - started)
                if rollback:
                    raise _RollbackError
        except _RollbackError:
            pass
    return seconds


def changed_export(entries: dict, people: int) -> dict:
    from devdata.hsa_export import PREFIX, unit_id

    rng = random.Random(4)  # noqa: S311 (reproducible, not secret)
    changed = copy.deepcopy(entries)
    changed[unit_id(7)]["ou"] = "Medicinkliniken Västerås"
    new_forv = unit_id(9000)
    items = list(changed.items())
    changed = dict(items[:7])
    changed[new_forv] = {
        "objectClass": "organizationalUnit",
        "hsaIdentity": new_forv,
        "ou": "Förvaltning Ny",
        "parent": unit_id(0),
        "kind": "forvaltning",
    }
    changed.update(items[7:])
    changed[unit_id(8)]["parent"] = new_forv
    changed[unit_id(100)]["endDate"] = "2026-01-01"
    commissions = [e for e in changed.values() if "hsaCommission" in e["objectClass"]]
    for commission in commissions:
        members = commission["hsaCommissionMember"]
        commission["hsaCommissionMember"] = [m for m in members if rng.random() >= 0.05]
    for n in range(people + 1, people + 401):
        hsa = f"{PREFIX}-P{n:05d}"
        changed[hsa] = {"objectClass": "person", "hsaIdentity": hsa, "givenName": "Ny", "sn": f"Person {n}"}
        rng.choice(commissions)["hsaCommissionMember"].append(hsa)
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/psweb_bench_hsa")
    parser.add_argument("--write", metavar="PATH", help="write the results as Markdown to PATH")
    args = parser.parse_args()

    os.environ.update(_bench_env(args.database_url))
    _prepare_database(args.database_url, fresh=True)

    import django

    django.setup()
    from django.core.management import call_command

    from devdata.hsa_export import region_export, write_export
    from hsa.services import sync_hsa

    call_command("migrate", verbosity=0)
    entries = region_export(units=args.units, people=args.people)
    today = dt.date(2026, 12, 7)
    later = today + dt.timedelta(days=30)
    with tempfile.TemporaryDirectory() as folder:
        first = write_export(entries, Path(folder) / "hsa.jsonl")
        second = write_export(changed_export(entries, args.people), Path(folder) / "hsa-changed.jsonl")
        size = first.stat().st_size

        def run(path, *, dry_run=False, day=today):
            return lambda: sync_hsa(path=path, dry_run=dry_run, today=day)

        created = timed(run(first), repeat=args.repeat, rollback=True)
        _, plan = sync_hsa(path=first, dry_run=False, today=today)
        counts_first = {name: count for name, count in plan.counts.items() if count}
        unchanged = timed(run(first), repeat=args.repeat, rollback=False)
        dry = timed(run(second, dry_run=True, day=later), repeat=args.repeat, rollback=True)
        changed = timed(run(second, day=later), repeat=args.repeat, rollback=True)
        _, plan = sync_hsa(path=second, dry_run=True, today=later)
        counts_changed = {name: count for name, count in plan.counts.items() if count}

    def line(label: str, seconds: list[float]) -> str:
        median = statistics.median(seconds)
        verdict = "met" if median <= GOAL_SECONDS else "MISSED"
        runs = ", ".join(f"{s:.1f}" for s in seconds)
        return f"| {label} | {median:.1f} s | {runs} | {verdict} |"

    lines = [
        f"`sync_hsa` on an export of {args.units} units and {args.people:,} people ({size / 1e6:.1f} MB, "
        f"generated by devdata/hsa_export.py), median of {args.repeat}; goal ≤ {GOAL_SECONDS} s.",
        "",
        "| Run | Median | Runs (s) | Goal |",
        "|---|---|---|---|",
        line("first sync: everything created", created),
        line("same file again: nothing to change", unchanged),
        line("a month later, changed file, dry run", dry),
        line("a month later, changed file, applied", changed),
        "",
        f"First sync: {', '.join(f'{k} {v}' for k, v in counts_first.items())}.",
        "",
        f"Changed file: {', '.join(f'{k} {v}' for k, v in counts_changed.items())}.",
    ]
    print("\n".join(lines))
    if args.write:
        write_report(Path(args.write), lines)


def write_report(path: Path, lines: list[str]) -> None:
    """Replace this benchmark's part of the document (between its markers), keep the rest."""
    begin, end = "<!-- bench/hsa.py: begin -->", "<!-- bench/hsa.py: end -->"
    command = "  .venv/bin/python bench/hsa.py " + " ".join(sys.argv[1:])
    body = [begin, "", f"Run {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} on {machine()}.", ""]
    body += ["```", command.rstrip(), "```", "", *lines, "", end]
    text = path.read_text()
    if begin not in text:
        text = text.rstrip("\n") + f"\n\n## HSA provisioning (`sync_hsa`, issue 16)\n\n{begin}\n{end}\n"
    head, _, rest = text.partition(begin)
    _, _, tail = rest.partition(end)
    path.write_text(head + "\n".join(body) + tail)
    print(f"\nWritten to {path}.")


if __name__ == "__main__":
    main()
