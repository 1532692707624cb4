"""GET /api/v1/export/incidents.csv (issue 15, item 7): the API list's visibility and filters,
streamed, never the patient's identity, the free text only with `text=true` for those who see
incidents of a unit (logged, identity numbers in it masked)."""

from __future__ import annotations

import csv
import io

import pytest

from accounts.models import AccessLog
from incidents import services
from incidents.api.export import COLUMNS, TEXT_COLUMNS
from incidents.models import CaseType, Status
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/export/incidents.csv"
PERSONNUMMER = "191212121212"


def exported(response) -> list[dict]:
    assert response.status_code == 200
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def test_it_exports_exactly_what_the_list_shows_without_identity_or_text(api, cast, tree):
    own = report(cast.reporter, tree.medicin_ward, patient_involved=True, patient_identifier=PERSONNUMMER)
    orto = report(cast.handler_orto, tree.orto_ward)
    services.draft_start(actor=cast.handler, fields={"description": "Utkast", "case_type": CaseType.CARE})

    as_handler = api(cast.handler).get(EXPORT)
    rows = exported(as_handler)

    assert [int(row["id"]) for row in rows] == [own.pk]
    assert list(rows[0]) == COLUMNS
    assert rows[0]["reference"] == own.reference and rows[0]["patient_involved"] == "true"
    assert rows[0]["unit_name"] == tree.medicin_ward.name
    assert PERSONNUMMER not in str(rows) and "Waran" not in str(rows)
    assert [int(row["id"]) for row in exported(api(cast.handler_orto).get(EXPORT))] == [orto.pk]
    assert [int(row["id"]) for row in exported(api(cast.reporter).get(EXPORT))] == [own.pk]
    assert exported(api(cast.outsider).get(EXPORT)) == []
    assert not AccessLog.objects.exists()


def test_it_takes_the_lists_filters(api, cast, tree):
    first = report(cast.reporter, tree.medicin_ward)
    second = report(cast.reporter, tree.medicin_ward)
    services.incident_withdraw(incident=second, actor=cast.handler, reason="Dubblett.")
    client = api(cast.handler)

    withdrawn = exported(client.get(EXPORT, {"status": Status.WITHDRAWN}))
    oldest_first = exported(client.get(EXPORT, {"ordering": "reported_at"}))
    bad = client.get(EXPORT, {"status": "lost", "unit": "abc"})

    assert [int(row["id"]) for row in withdrawn] == [second.pk]
    assert [int(row["id"]) for row in oldest_first] == [first.pk, second.pk]
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"status", "unit"}


def test_the_free_text_comes_with_text_true_masked_and_logged(api, cast, tree):
    incident = report(
        cast.reporter,
        tree.medicin_ward,
        description=f"Fel patient (19121212-1212, {PERSONNUMMER}, 121212-1213) fick 5 mg Waran kl. 20.",
        immediate_actions='=HYPERLINK("x")',
    )

    rows = exported(api(cast.handler).get(EXPORT, {"text": "true"}))

    assert list(rows[0]) == COLUMNS + TEXT_COLUMNS
    assert rows[0]["description"] == "Fel patient (XXXXXXXX-XXXX, XXXXXXXX-XXXX, XXXXXXXX-XXXX) fick 5 mg Waran kl. 20."
    assert rows[0]["immediate_actions"] == '\'=HYPERLINK("x")'
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.object_type, log.unit) == (
        cast.handler,
        "export",
        "incidents.incident",
        tree.medicin,
    )
    assert incident.reference not in log.object_label


def test_the_free_text_is_refused_to_those_who_see_no_units_incidents(api, cast, tree):
    report(cast.reporter, tree.medicin_ward)

    refused = api(cast.reporter).get(EXPORT, {"text": "true"})
    unclear = api(cast.handler).get(EXPORT, {"text": "yes"})

    assert refused.status_code == 403
    assert refused.json()["detail"] == "The free text is exported only for those who see incidents of a unit."
    assert unclear.status_code == 400 and list(unclear.json()["errors"]) == ["text"]
    assert not AccessLog.objects.exists()


def test_it_needs_credentials(api_client):
    assert api_client.get(EXPORT).status_code == 401


def test_a_client_that_accepts_only_csv_gets_it(api, cast, tree):
    report(cast.reporter, tree.medicin_ward)
    client = api(cast.handler)

    rows = exported(client.get(EXPORT, HTTP_ACCEPT="text/csv"))
    bad = client.get(EXPORT, {"status": "lost"}, HTTP_ACCEPT="text/csv")

    assert len(rows) == 1
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
