"""`python manage.py db_roles [ROLE] [--apply]`: the grants of psweb's runtime database role.

Production runs with two roles (docs/deployment.md, "Database roles"): the owner of the
tables, which migrates, and the runtime role of DATABASE_URL, which may read and write the
ordinary tables but only INSERT and SELECT the append-only ones (the access log, the history
tables, the case timelines), and cannot TRUNCATE or ALTER anything. Without --apply the
statements are printed (to review, or to run by hand with psql); with --apply they are run,
connected as the owner (DATABASE_MIGRATION_URL). `migrate` applies them too, every time.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from psweb import audit


class Command(BaseCommand):
    help = "Print (or with --apply, run) the GRANT statements for psweb's runtime database role."

    def add_arguments(self, parser):
        parser.add_argument(
            "role",
            nargs="?",
            default="",
            help="The runtime role. Default: the user of DATABASE_URL when DATABASE_MIGRATION_URL is set.",
        )
        parser.add_argument("--apply", action="store_true", help="Run the statements (as the owner of the tables).")

    def handle(self, *args, role: str, apply: bool, **options):
        role = role or settings.DATABASE_RUNTIME_ROLE
        if not role:
            raise CommandError("Name the runtime role, or set DATABASE_MIGRATION_URL beside DATABASE_URL.")
        connection = connections[DEFAULT_DB_ALIAS]
        if role == connection.settings_dict["USER"]:
            raise CommandError(
                f"{role!r} is the role this command connects as, the owner of the tables. The runtime role "
                "must be another role: set DATABASE_MIGRATION_URL to the owner's URL."
            )
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone() is None:
                raise CommandError(f"There is no database role {role!r}. Create it first: CREATE ROLE … LOGIN.")
        if not apply:
            for statement in audit.runtime_grants(connection, role):
                self.stdout.write(f"{statement};")
            return
        statements = audit.runtime_grants_apply(connection, role)
        added = audit.truncate_guards_install(connection)
        self.stderr.write(
            f"Granted {role!r} the runtime privileges ({len(statements)} statements); "
            f"TRUNCATE trigger added to {len(added)} tables."
        )
