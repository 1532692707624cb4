"""`python manage.py sync_hsa FILE [--dry-run] [--json]`: make psweb's organisation and its
staff's reporter memberships match an HSA-katalogen export (docs/hsa.md).

With --dry-run the diff is printed and nothing changes; without, the same diff is applied in
one transaction. A broken file changes nothing and the error names its line.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hsa.describe import describe
from hsa.export import ExportError
from hsa.services import sync_hsa


class Command(BaseCommand):
    help = "Make the organisation and the staff's reporter memberships match an HSA export (JSON Lines)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The export: one HSA entry per line (docs/hsa.md).")
        parser.add_argument("--dry-run", action="store_true", help="Print what would change; change nothing.")
        parser.add_argument("--json", action="store_true", help="Print the diff as JSON.")

    def handle(self, *args, file: str, dry_run: bool, json: bool, **options):
        path = Path(file)
        try:
            run, plan = sync_hsa(path=path, dry_run=dry_run)
        except ExportError as error:
            raise CommandError(f"{path.name}: {error}") from None
        if json:
            self.stdout.write(_json(plan.diff))
            return
        if options["verbosity"] >= 1:
            for line in describe(plan.diff):
                self.stdout.write(line)
        counts = ", ".join(f"{name} {count}" for name, count in run.counts.items() if count) or "nothing to change"
        verb = "Would change" if dry_run else "Changed"
        self.stdout.write(f"{verb}: {counts}.")


def _json(diff: dict) -> str:
    return json.dumps(diff, ensure_ascii=False, indent=1)
