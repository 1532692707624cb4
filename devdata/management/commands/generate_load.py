"""`manage.py generate_load --incidents N`: synthetic data at scale for benchmarks (devdata.load)."""

from __future__ import annotations

import io

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from devdata import load


class Command(BaseCommand):
    help = "Add synthetic incidents and measurements in bulk (COPY) for benchmarks. Never on production."

    def add_arguments(self, parser):
        parser.add_argument("--incidents", type=int, default=100_000, help="How many incidents (default 100 000).")
        parser.add_argument("--measurements", type=int, default=0, help="About how many monthly measurements.")
        parser.add_argument("--units", type=int, default=300, help="Grow the organisation to this many units.")
        parser.add_argument("--users", type=int, default=2000, help="How many synthetic staff members.")
        parser.add_argument("--years", type=float, default=5, help="Spread the incidents over this many years.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (the same seed gives the same data).")
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (a throwaway database).")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "generate_load refuses to run with DEBUG off: it fills the database with synthetic cases. "
                "Use a throwaway database and pass --force."
            )
        for name in ("incidents", "measurements", "units", "users"):
            if options[name] < 0:
                raise CommandError(f"--{name} cannot be negative.")
        call_command("seed_demo", incidents=0, force=True, stdout=io.StringIO())
        reports = load.generate(
            incident_count=options["incidents"],
            measurement_count=options["measurements"],
            units=options["units"],
            users=options["users"],
            years=options["years"],
            seed=options["seed"],
        )
        vacuum = load.analyze()
        for report in reports:
            timing = f"{report.seconds:7.1f} s" if report.seconds else ""
            self.stdout.write(f"{report.what:<14} {report.rows:>10,} {timing}".replace(",", " "))
        self.stdout.write(f"{'vacuum analyze':<14} {'':>10} {vacuum:7.1f} s")
