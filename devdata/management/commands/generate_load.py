"""`manage.py generate_load --incidents N`: synthetic data at scale for benchmarks (devdata.load).

`--national` builds the whole country instead of one region: 21 regions, the municipalities
and the private vårdcentraler (devdata.national), by default the national decade of
5 000 000 incidents over ten years with 100 000 staff.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from devdata import load

# (one region, the national shape): the defaults of the options that differ by shape.
DEFAULTS = {"incidents": (100_000, 5_000_000), "users": (2000, 100_000), "years": (5, 10)}


class Command(BaseCommand):
    help = "Add synthetic incidents and measurements in bulk (COPY) for benchmarks. Never on production."

    def add_arguments(self, parser):
        parser.add_argument(
            "--incidents", type=int, help="How many incidents (default 100 000; with --national 5 000 000)."
        )
        parser.add_argument("--measurements", type=int, default=0, help="About how many monthly measurements.")
        parser.add_argument("--complaints", type=int, default=0, help="How many complaints (klagomål).")
        parser.add_argument(
            "--units", type=int, default=300, help="Grow the organisation to this many units (not with --national)."
        )
        parser.add_argument(
            "--users", type=int, help="How many synthetic staff members (default 2 000; with --national 100 000)."
        )
        parser.add_argument(
            "--years", type=float, help="Spread the incidents over this many years (default 5; with --national 10)."
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed (the same seed gives the same data).")
        parser.add_argument(
            "--national",
            action="store_true",
            help="The whole country: 21 regions, their municipalities and private vårdcentraler as care providers.",
        )
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (a throwaway database).")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "generate_load refuses to run with DEBUG off: it fills the database with synthetic cases. "
                "Use a throwaway database and pass --force."
            )
        national = options["national"]
        for name, defaults in DEFAULTS.items():
            if options[name] is None:
                options[name] = defaults[national]
        for name in ("incidents", "measurements", "complaints", "units", "users"):
            if options[name] < 0:
                raise CommandError(f"--{name} cannot be negative.")
        if options["years"] <= 0:
            raise CommandError("--years must be more than 0.")
        call_command("seed_demo", incidents=0, force=True, stdout=io.StringIO())
        reports = load.generate(
            incident_count=options["incidents"],
            measurement_count=options["measurements"],
            complaint_count=options["complaints"],
            units=options["units"],
            users=options["users"],
            years=options["years"],
            seed=options["seed"],
            national=national,
        )
        vacuum = load.analyze()
        for report in reports:
            timing = f"{report.seconds:7.1f} s" if report.seconds else ""
            rows = "" if report.rows is None else f"{report.rows:,}".replace(",", " ")
            self.stdout.write(f"{report.what:<14} {rows:>10} {timing}".rstrip())
        self.stdout.write(f"{'vacuum analyze':<14} {'':>10} {vacuum:7.1f} s")
