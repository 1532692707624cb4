"""Log review (PDL 4 kap. 3 §): who may review, what they see, and that patient numbers stay out of URLs."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.accesslog import SCREEN_LIMIT
from accounts.models import AccessLog
from accounts.roles import Role
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PATIENT = "191212121212"  # Skatteverket's classic test number
OTHER_PATIENT = "198112289874"
REVIEW = "/loggranskning/"
EXPORT = "/loggranskning/export.csv"


def _at(day: str, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour)))


def _log(user, unit, *, at, action=AccessLog.Action.VIEW_PATIENT, patient=PATIENT, label="Avvikelse A-1") -> AccessLog:
    return AccessLog.objects.create(
        at=at,
        user=user,
        action=action,
        object_type="incidents.incident",
        object_id="1",
        object_label=label,
        unit=unit,
        patient_identifier=patient,
        ip_address="10.0.0.1",
        request_id="req-0001",
    )


@pytest.fixture(autouse=True)
def english(client, settings):
    """The pages in English, so the assertions read the source strings whatever is translated."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def rows(cast, tree) -> dict[str, AccessLog]:
    return {
        "medicin": _log(cast.handler, tree.medicin_ward, at=_at("2025-03-10")),
        "orto": _log(cast.handler_orto, tree.orto, at=_at("2025-03-20"), patient=OTHER_PATIENT),
        "orto_view": _log(cast.handler_orto, tree.orto, at=_at("2025-04-02"), action=AccessLog.Action.VIEW, patient=""),
        "municipal": _log(cast.municipal_handler, tree.hemsjukvard, at=_at("2025-03-15")),
    }


def _shown(response) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-accesslog="(\d+)"', response.content.decode())}


def _search(client, **data):
    fields = {"username": "", "patient": "", "date_from": "", "date_to": "", "action": ""}
    return client.post(REVIEW, {**fields, **data})


# --- Who may review ---------------------------------------------------------------------------


def test_the_safety_officer_sees_the_rows_of_their_care_provider_only(cast, rows, login):
    response = login(cast.safety_officer).get(REVIEW)

    assert response.status_code == 200
    assert _shown(response) == {rows["medicin"].pk, rows["orto"].pk, rows["orto_view"].pk}


def test_a_municipal_safety_officer_sees_only_the_municipality(cast, tree, rows, login):
    officer = UserFactory(username="kommunens.pss")
    MembershipFactory(user=officer, unit=tree.municipality, role=Role.SAFETY_OFFICER)

    response = login(officer).get(REVIEW)

    assert _shown(response) == {rows["municipal"].pk}


@pytest.mark.parametrize(
    "name",
    [
        "reporter",
        "handler",
        "manager",
        "chief_physician",
        "indicator_editor",
        "viewer",
        "admin",
        "mas",
        "municipal_handler",
        "outsider",
    ],
)
def test_other_roles_are_refused_with_a_reason(cast, rows, login, name):
    client = login(getattr(cast, name))

    for response in (client.get(REVIEW), _search(client, patient=PATIENT), client.post(EXPORT, {})):
        assert response.status_code == 403
        assert "Only patient-safety officers review access logs." in response.content.decode()
    assert not AccessLog.objects.filter(action=AccessLog.Action.SEARCH).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for response in (client.get(REVIEW), client.post(EXPORT, {})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# --- Filters --------------------------------------------------------------------------------


def test_it_filters_by_patient_typed_in_the_short_form(cast, rows, login):
    response = _search(login(cast.safety_officer), patient="811228-9874")

    assert response.status_code == 200
    assert _shown(response) == {rows["orto"].pk}
    assert "19811228-9874" in response.content.decode()


def test_it_leaves_out_other_care_providers_rows_about_the_same_patient(cast, rows, login):
    response = _search(login(cast.safety_officer), patient="19121212-1212")

    assert _shown(response) == {rows["medicin"].pk}


def test_it_filters_by_user_period_and_action(cast, rows, login):
    client = login(cast.safety_officer)

    by_user = _search(client, username="HANDLER_ORTO")
    by_period = _search(client, date_from="2025-03-15", date_to="2025-03-31")
    by_action = _search(client, action=AccessLog.Action.VIEW)
    by_last_day = _search(client, date_from="2025-03-10", date_to="2025-03-10")

    assert _shown(by_user) == {rows["orto"].pk, rows["orto_view"].pk}
    assert _shown(by_period) == {rows["orto"].pk}
    assert _shown(by_action) == {rows["orto_view"].pk}
    assert _shown(by_last_day) == {rows["medicin"].pk}


def test_the_period_follows_swedish_local_days(cast, tree, login):
    # 23:30 on 31 March in Stockholm is 21:30 UTC the same day; 00:30 on 1 April is 22:30 UTC on 31 March.
    late = _log(cast.handler, tree.medicin, at=_at("2025-03-31", 23).replace(minute=30))
    early = _log(cast.handler, tree.medicin, at=_at("2025-04-01", 0).replace(minute=30))

    response = _search(login(cast.safety_officer), date_from="2025-04-01", date_to="2025-04-01")

    assert late.pk not in _shown(response)
    assert early.pk in _shown(response)


def test_a_patient_search_is_itself_logged(cast, tree, rows, login):
    _search(login(cast.safety_officer), patient="19121212-1212", username="handler")

    entry = AccessLog.objects.get(action=AccessLog.Action.SEARCH)
    assert entry.user == cast.safety_officer
    assert entry.patient_identifier == PATIENT
    assert entry.object_type == "accounts.accesslog"
    assert entry.unit == tree.region
    assert "handler" in entry.object_label
    assert PATIENT not in entry.object_label
    assert entry.request_id


def test_a_page_that_shows_patient_identifiers_is_logged(cast, tree, rows, login):
    # given the log holds reads of patients; when the officer opens the review page
    login(cast.safety_officer).get(REVIEW)

    # then showing those identifiers is itself logged (the patients shown: test_accesslog_patients.py)
    entry = AccessLog.objects.get(action=AccessLog.Action.SEARCH, patient_identifier="")
    assert entry.user == cast.safety_officer
    assert entry.patient_identifier == ""
    assert entry.unit == tree.region


def test_a_search_that_shows_no_patient_identifier_is_not_logged(cast, rows, login):
    response = _search(login(cast.safety_officer), username="handler_orto", action=AccessLog.Action.VIEW)

    assert _shown(response) == {rows["orto_view"].pk}
    assert not AccessLog.objects.filter(action=AccessLog.Action.SEARCH).exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("19121212-1213", "check digit"),
        ("12345", "YYYYMMDD-XXXX"),
        ("19990230-1234", "does not exist"),
    ],
)
def test_a_wrong_personnummer_gives_an_error_and_changes_nothing(cast, rows, login, typed, message):
    count = AccessLog.objects.count()

    response = _search(login(cast.safety_officer), patient=typed)

    assert response.status_code == 200
    content = response.content.decode()
    assert "error-summary" in content
    assert message in content
    assert _shown(response) == set()
    assert AccessLog.objects.count() == count


def test_a_period_ending_before_it_starts_is_an_error(cast, rows, login):
    response = _search(login(cast.safety_officer), date_from="2025-04-01", date_to="2025-03-01")
    assert "The to date is before the from date." in response.content.decode()
    assert _shown(response) == set()


# --- Patient numbers never in a URL ---------------------------------------------------------


def test_the_filter_form_is_posted_with_csrf_and_no_query_string(cast, rows, login):
    content = login(cast.safety_officer).get(REVIEW).content.decode()

    form = re.search(r"<form[^>]*filter-form[^>]*>", content).group(0)
    assert 'method="post"' in form
    assert f'action="{REVIEW}"' in form
    assert "csrfmiddlewaretoken" in content
    assert f'formaction="{EXPORT}"' in content


def test_a_patient_search_leaves_the_number_out_of_every_url(cast, rows, login):
    response = _search(login(cast.safety_officer), patient="19121212-1212")

    content = response.content.decode()
    urls = re.findall(r'(?:href|action|formaction|src)="([^"]*)"', content)
    assert urls
    assert not [url for url in urls if "1212" in url]
    assert response.status_code == 200  # shown in place, never redirected to a URL carrying it


def test_query_string_filters_are_ignored(cast, tree, rows, login):
    response = login(cast.safety_officer).get(REVIEW, {"patient": OTHER_PATIENT, "username": "handler"})

    assert _shown(response) == {rows["medicin"].pk, rows["orto"].pk, rows["orto_view"].pk}
    # the page display is logged with each patient it shows, under the unit of the row shown
    # (test_audit_trail_complete.py), but not as a search for the patient in the query string
    logged = AccessLog.objects.filter(patient_identifier=OTHER_PATIENT, user=cast.safety_officer)
    assert [entry.unit for entry in logged] == [tree.orto]


# --- Export ---------------------------------------------------------------------------------


def _csv(response) -> tuple[bytes, list[list[str]]]:
    raw = b"".join(response.streaming_content)
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_the_export_is_a_csv_file_for_swedish_excel(cast, rows, login):
    response = login(cast.safety_officer).post(
        EXPORT, {"username": "", "patient": "19121212-1212", "date_from": "", "date_to": "", "action": ""}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    raw, records = _csv(response)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert records[0][0] == "Time"
    assert len(records[0]) == 9
    assert len(records) == 2
    assert "19121212-1212" in records[1]
    assert "handler" in records[1]
    assert records[1][0] == "2025-03-10 12:00:00"


def test_the_export_is_logged(cast, tree, rows, login):
    login(cast.safety_officer).post(EXPORT, {"username": "handler_orto"})

    entry = AccessLog.objects.get(action=AccessLog.Action.EXPORT, patient_identifier="")
    assert (entry.user, entry.unit, entry.object_type) == (cast.safety_officer, tree.region, "accounts.accesslog")
    assert "2 rows" in entry.object_label


def test_the_export_cannot_be_fetched_with_a_link(cast, login):
    assert login(cast.safety_officer).get(EXPORT).status_code == 405


def test_the_export_refuses_a_wrong_personnummer(cast, rows, login):
    response = login(cast.safety_officer).post(EXPORT, {"patient": "19121212-1213"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "check digit" in response.content.decode()
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_the_export_defuses_spreadsheet_formulas(cast, tree, login):
    _log(cast.handler, tree.medicin, at=_at("2025-05-01"), label='=HYPERLINK("http://example.invalid")')

    _raw, records = _csv(login(cast.safety_officer).post(EXPORT, {}))

    assert records[1][4].startswith("'=HYPERLINK")


# --- Size ---------------------------------------------------------------------------------


def test_the_screen_shows_at_most_the_limit_with_a_note(cast, tree, login):
    start = _at("2025-01-01")
    AccessLog.objects.bulk_create(
        AccessLog(
            at=start + dt.timedelta(minutes=i),
            user=cast.handler,
            action=AccessLog.Action.VIEW,
            object_type="incidents.incident",
            object_id=str(i),
            unit=tree.medicin,
        )
        for i in range(SCREEN_LIMIT + 1)
    )

    response = login(cast.safety_officer).get(REVIEW)

    assert len(_shown(response)) == SCREEN_LIMIT
    assert "More rows match than can be shown" in response.content.decode()


def test_the_query_count_does_not_grow_with_the_rows_shown(cast, tree, rows, login):
    client = login(cast.safety_officer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            _search(client, date_from="2025-01-01")
        return len(ctx.captured_queries)

    queries()  # warm up per-process caches (content types, translations)
    few = queries()
    for i in range(10):
        _log(UserFactory(), tree.medicin, at=_at("2025-02-01") + dt.timedelta(hours=i))
    assert queries() == few
