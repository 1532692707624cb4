"""The restore drill (issue #6): `manage.py restore_drill` dumps the database, restores it into
a fresh one and finds every row count and key-table checksum equal; a difference fails it."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from tests.incidents.conftest import report
from tests.integration.test_outbox_delivery import load_org_unit_kinds

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def org_unit_kinds(django_db_blocker):
    with django_db_blocker.unblock():
        load_org_unit_kinds()
    yield
    with django_db_blocker.unblock():
        load_org_unit_kinds()


def test_a_dump_restores_to_the_same_rows(cast, tree):
    for unit in (tree.medicin_ward, tree.orto_ward, tree.hemsjukvard):
        report(cast.reporter, unit, patient_identifier="191212121212", patient_involved=True)
    out = io.StringIO()

    call_command("restore_drill", stdout=out)

    assert "The restored database matches: every row count and every checksum." in out.getvalue()
    assert "Dump" in out.getvalue() and "restore in" in out.getvalue()


def test_a_difference_fails_the_drill(cast, tree, monkeypatch):
    from psweb.management.commands import restore_drill

    report(cast.reporter, tree.medicin_ward)
    original = restore_drill.Command._fingerprint_of

    def one_row_lost(self, database):
        fingerprint = original(self, database)
        count, checksum = fingerprint["incidents_incident"]
        fingerprint["incidents_incident"] = (count - 1, checksum)
        return fingerprint

    monkeypatch.setattr(restore_drill.Command, "_fingerprint_of", one_row_lost)

    with pytest.raises(CommandError, match="differs in 1 tables"):
        call_command("restore_drill", stdout=io.StringIO(), stderr=io.StringIO())
