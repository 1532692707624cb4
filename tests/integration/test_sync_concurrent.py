"""Sync under concurrent writes (issue 15, item 5): writer threads change incidents and actions
in real transactions that commit in scrambled order — the first to write is the last to
commit — while a reader pages through `psweb.sync.sync_page` from its last cursor, again and
again. At the end the reader has seen every row's last committed change, and never the same
(row, version) twice. A reader with a naive `updated_at` cursor, in the same run, loses
changes: a transaction that wrote early and committed late stamps its rows with a time the
naive cursor has already passed.

On the system PostgreSQL (DATABASE_URL), with real connections per writer (psycopg), so that
the transactions really overlap.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import psycopg
import pytest
from django.db import connection
from django.db.models import Q

from actions.models import Action
from incidents.models import Incident
from psweb.sync import sync_page
from tests.incidents.conftest import report
from tests.lexmaria.conftest import add_action

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WRITERS = 4
ROUNDS = 4
ROWS_PER_WRITER = 2  # of each table
PAGE = 3
DEADLINE_SECONDS = 25


def _dsn() -> str:
    db = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        dbname=db["NAME"],
        user=db["USER"] or "",
        password=db["PASSWORD"] or "",
        host=db["HOST"] or "127.0.0.1",
        port=str(db["PORT"] or 5432),
    )


def _writer(number: int, rows: dict[str, list[int]], committed: list, errors: list, start: threading.Barrier):
    """Round after round: one transaction that bumps the version of this writer's rows, held
    open the longer the earlier it began (writer 0 writes first and commits last)."""
    try:
        with psycopg.connect(_dsn()) as conn:
            start.wait()
            for round_ in range(ROUNDS):
                time.sleep(0.03 * number)  # write in the order of the writers' numbers
                changes = []
                with conn.transaction():
                    for table, ids in rows.items():
                        for pk in ids:
                            (version,) = conn.execute(
                                f"UPDATE {table} SET version = version + 1 WHERE id = %s RETURNING version",  # noqa: S608
                                [pk],
                            ).fetchone()
                            changes.append((table, pk, version))
                    time.sleep(0.05 * (WRITERS - number) + 0.01 * round_)  # …and commit in reverse
                committed.extend(changes)
    except Exception as error:  # noqa: BLE001 - reported by the test
        errors.append(error)


class SyncReader:
    """A client of `psweb.sync`: pages from its last cursor."""

    def __init__(self, model):
        self.model, self.after, self.seen = model, None, []

    def poll(self) -> bool:
        """One page; whether there is more right now."""
        since = None if self.after else dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
        page = sync_page(self.model.objects.all(), after=self.after, updated_since=since, size=PAGE)
        self.seen += [(row.pk, row.version) for row in page.rows]
        self.after = page.sync
        return page.next is not None


class NaiveReader:
    """A client with a cursor on (updated_at, id): what this design replaces."""

    def __init__(self, model):
        self.model, self.after, self.seen = model, None, []

    def poll(self) -> bool:
        rows = self.model.objects.order_by("updated_at", "id")
        if self.after:
            at, pk = self.after
            rows = rows.filter(Q(updated_at__gt=at) | Q(updated_at=at, id__gt=pk))
        rows = list(rows[: PAGE + 1])
        more = len(rows) > PAGE
        for row in rows[:PAGE]:
            self.seen.append((row.pk, row.version))
            self.after = (row.updated_at, row.pk)
        return more


def test_sync_never_skips_nor_repeats_a_change_under_concurrent_writes(cast, tree):
    # given: two incidents and two actions per writer, and readers that have read everything
    rows = []
    for _ in range(WRITERS):
        incidents = [report(cast.reporter, tree.medicin_ward) for _ in range(ROWS_PER_WRITER)]
        actions = [add_action(cast, incident) for incident in incidents]
        rows.append({"incidents_incident": [i.pk for i in incidents], "incidents_action": [a.pk for a in actions]})
    readers = {model: (SyncReader(model), NaiveReader(model)) for model in (Incident, Action)}
    started = time.monotonic()

    # when: the writers write while the readers poll
    committed: list = []
    errors: list = []
    barrier = threading.Barrier(WRITERS)
    threads = [
        threading.Thread(target=_writer, args=(n, rows[n], committed, errors, barrier), daemon=True)
        for n in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        for pair in readers.values():
            for reader in pair:
                reader.poll()
        time.sleep(0.005)
        assert time.monotonic() - started < DEADLINE_SECONDS, "the writers did not finish in time"
    for thread in threads:
        thread.join()
    assert errors == []

    # and a last round, in the open: A writes first, B writes and commits, the readers read,
    # and only then A commits — its rows carry a time before B's
    with psycopg.connect(_dsn()) as a, psycopg.connect(_dsn()) as b:
        for table in ("incidents_incident", "incidents_action"):
            a_row, b_row = rows[0][table][0], rows[1][table][0]
            version_a = a.execute(
                f"UPDATE {table} SET version = version + 1 WHERE id = %s RETURNING version",  # noqa: S608
                [a_row],
            ).fetchone()[0]
            time.sleep(0.02)
            version_b = b.execute(
                f"UPDATE {table} SET version = version + 1 WHERE id = %s RETURNING version",  # noqa: S608
                [b_row],
            ).fetchone()[0]
            b.commit()
            committed.append((table, b_row, version_b))
            for pair in readers.values():
                for reader in pair:
                    while reader.poll():
                        pass
            a.commit()
            committed.append((table, a_row, version_a))

    # then: after catching up, the sync reader has every row's last version, each change once
    last = {}
    for table, pk, version in committed:
        last[(table, pk)] = max(version, last.get((table, pk), 0))
    table_of = {Incident: "incidents_incident", Action: "incidents_action"}
    naive_missed = 0
    for model, (reader, naive) in readers.items():
        wanted = {(pk, version) for (table, pk), version in last.items() if table == table_of[model]}
        while not wanted <= set(reader.seen):
            while reader.poll():
                pass
            assert time.monotonic() - started < DEADLINE_SECONDS, (
                f"{model.__name__}: missing {wanted - set(reader.seen)}"
            )
            time.sleep(0.05)
        assert len(reader.seen) == len(set(reader.seen)), "a change was returned twice"
        # Every version the sync reader saw was committed, and a row's versions come in order.
        for pk in {pk for pk, _v in reader.seen}:
            versions = [v for p, v in reader.seen if p == pk]
            assert versions == sorted(versions)
        while naive.poll():
            pass
        naive_missed += len(wanted - set(naive.seen))

    # and: the naive updated_at cursor lost changes in the very same run
    assert naive_missed > 0, "the scrambled commits should have beaten a cursor on updated_at"
    assert time.monotonic() - started < DEADLINE_SECONDS
