"""`manage.py seed_demo`: the demo organisation, one user per role, demo incidents and the
investigations of some of them, idempotently.

It lives in the project package because it fills every app (accounts, incidents, ...),
and the apps themselves only depend downwards.

Running it again creates nothing new and changes nothing: units are found by parent and
name, users by username, memberships by user, unit and role (a valid one is enough). A demo
user's password is set only when the user is created (or with `--reset-passwords`), so a
second `make run` stays fast.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import override_settings

from accounts import services
from accounts.models import Membership, OrgUnit, OrgUnitKind, User
from accounts.roles import Role
from devdata.demo import accounts as demo
from devdata.demo import complaints as complaint_demo
from devdata.demo.actions import seed_actions
from devdata.demo.audits import seed_audits
from devdata.demo.deciders import seed_deciders
from devdata.demo.incidents import seed_incidents
from devdata.demo.indicators import seed_measurements
from devdata.demo.investigations import seed_investigations
from devdata.demo.lexmaria import seed_lex_maria
from devdata.demo.oversight import seed_oversight


class Command(BaseCommand):
    help = (
        "Load the demo organisation (Region Västmanland, Västerås stad, Capio Vallby), one demo user per role "
        "and the vårdval unit's oversight agreement with Capio Vallby."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off. Demo users have published passwords: never on a production system.",
        )
        parser.add_argument(
            "--incidents",
            type=int,
            default=320,
            help="How many demo incidents to create over the last two years, some of them investigated "
            "(default 320; 0 for no incidents and no investigations).",
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Set every demo user's password back to the one listed in the README.",
        )

    def handle(self, *args, force: bool = False, reset_passwords: bool = False, incidents: int = 320, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off: the demo users' passwords are published in the README "
                "and must never exist on a production system. Run it with DEBUG=true on a development machine, "
                "or pass --force if this really is a throwaway test system."
            )
        # The services notify as they would in use; the ~400 demo e-mails go to a mailbox in
        # memory (and are counted) instead of flooding the terminal before the user table.
        before = len(getattr(mail, "outbox", []))
        quiet = [logging.getLogger(name) for name in ("celery.app.trace", "kombu.connection")]
        levels = [logger.level for logger in quiet]
        try:
            for logger in quiet:  # one "Task outbox.deliver succeeded" line per demo e-mail otherwise
                logger.setLevel(logging.ERROR)
            with (
                override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
                transaction.atomic(),
            ):
                created = self._seed(incidents, reset_passwords)
        finally:
            for logger, level in zip(quiet, levels, strict=True):
                logger.setLevel(level)
        mails = len(getattr(mail, "outbox", [])) - before
        units, units_created, users_created, memberships_created, *counts = created
        incidents_created, investigations_created, cases_created, actions_created, *counts = counts
        measurements_created, complaints_created, audits_created = counts
        self.stdout.write(
            f"Demo data: {len(units)} units ({units_created} new), {len(demo.USERS)} users ({users_created} new), "
            f"{memberships_created} new memberships, {incidents_created} new incidents, "
            f"{investigations_created} new investigations, {cases_created} new Lex Maria cases, "
            f"{actions_created} new actions in the register, {complaints_created} new complaints, "
            f"{audits_created} new self-audit rounds, "
            f"{measurements_created} new measurements; {mails} demo e-mails delivered to memory, not shown."
        )
        self._print_table()

    def _seed(self, incidents: int, reset_passwords: bool) -> tuple:
        units, units_created = self._seed_units()
        users_created, memberships_created = self._seed_users(units, reset_passwords=reset_passwords)
        incidents_created = investigations_created = cases_created = actions_created = complaints_created = 0
        audits_created = 0
        measurements_created = seed_measurements()
        seed_oversight()  # the vårdval unit's agreement with Capio Vårdcentral Vallby
        seed_deciders()  # the region's designated chefläkare and her deputy in July
        if incidents > 0:
            incidents_created = seed_incidents(count=incidents)
            investigations_created = seed_investigations()
            cases_created = seed_lex_maria()
            actions_created = seed_actions()
            complaints_created = complaint_demo.seed_complaints()  # links to the demo incidents
            # Egenkontroll; after the measurements, whose BHK its hygiene rounds then feed.
            audits_created = seed_audits()
        return (
            units,
            units_created,
            users_created,
            memberships_created,
            incidents_created,
            investigations_created,
            cases_created,
            actions_created,
            measurements_created,
            complaints_created,
            audits_created,
        )

    def _seed_units(self) -> tuple[dict[tuple[str, ...], OrgUnit], int]:
        kinds = {kind.code: kind for kind in OrgUnitKind.objects.all()}
        units: dict[tuple[str, ...], OrgUnit] = {}
        created = 0
        for path, kind_code in demo.iter_units():
            parent = units[path[:-1]] if len(path) > 1 else None
            if kind_code not in kinds:
                raise CommandError(f"Org unit kind {kind_code!r} is missing; run `manage.py migrate` first.")
            unit = OrgUnit.objects.filter(parent=parent, name=path[-1]).order_by("pk").first()
            if unit is None:
                unit = services.orgunit_create(name=path[-1], kind=kinds[kind_code], parent=parent)
                created += 1
            units[path] = unit
        return units, created

    def _seed_users(self, units: dict[tuple[str, ...], OrgUnit], *, reset_passwords: bool) -> tuple[int, int]:
        users_created = memberships_created = 0
        for spec in demo.USERS:
            user, created = User.objects.get_or_create(
                username=spec.username,
                defaults={
                    "first_name": spec.first_name,
                    "last_name": spec.last_name,
                    "email": spec.email,
                    "title": spec.title,
                    "is_staff": spec.is_staff,
                    "is_superuser": spec.is_superuser,
                },
            )
            if created or reset_passwords:
                validate_password(spec.password, user)
                user.set_password(spec.password)
                user.save(update_fields=["password"])
                users_created += created
            unit = units[spec.unit]
            has_membership = Membership.objects.valid_on().filter(user=user, unit=unit, role=spec.role).exists()
            if not has_membership:
                services.membership_grant(
                    user=user, unit=unit, role=spec.role, actor=None, valid_from=demo.MEMBERSHIPS_VALID_FROM
                )
                memberships_created += 1
        return users_created, memberships_created

    def _print_table(self) -> None:
        rows = [("Username", "Role", "Unit", "Password")]
        rows += [(u.username, str(Role(u.role).label), u.unit[-1], u.password) for u in demo.USERS]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        self.stdout.write("")
        for number, row in enumerate(rows):
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
            if number == 0:
                self.stdout.write("  ".join("-" * width for width in widths))
        self.stdout.write("")
        self.stdout.write(f"Sign in at {settings.PSWEB_BASE_URL}/ with one of the users above.")
