"""The case page: everything about one incident, its actions as buttons, each refusal explained.

Requests go through the real views, forms and services; the language is English so that the
assertions read the source strings.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from actions.models import Action
from incidents import services
from incidents.models import (
    Category,
    Cause,
    CauseArea,
    EventClass,
    Forward,
    Incident,
    PatientInformation,
    Status,
    TimelineEntry,
)
from outbox.models import OutboxMessage
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db

PERSONNUMMER = "191212121212"
SHOWN = "19121212-1212"


@pytest.fixture
def as_user(client):
    """as_user(user) signs in on the test client with English pages."""

    def _as(user):
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _as


def detail_url(incident) -> str:
    return reverse("incidents:detail", kwargs={"pk": incident.pk})


def post(client, name, incident, data=None, **kwargs):
    """POST to a case action with the incident's current version (unless given)."""
    payload = {"version": Incident.objects.get(pk=incident.pk).version, **(data or {})}
    return client.post(reverse(f"incidents:{name}", kwargs={"pk": incident.pk, **kwargs}), payload)


def fresh(incident) -> Incident:
    return Incident.objects.get(pk=incident.pk)


def kinds(incident) -> list[str]:
    return list(TimelineEntry.objects.filter(incident=incident).values_list("kind", flat=True))


@pytest.fixture
def incident(cast, tree):
    return report(cast.reporter, tree.medicin_ward, patient_involved=True, patient_identifier=PERSONNUMMER)


def medication_category() -> Category:
    return Category.objects.filter(case_type="care", parent__isnull=False, is_active=True).first()


# --- scope -----------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["handler_orto", "municipal_handler", "mas", "viewer", "admin", "outsider"])
def test_it_answers_404_outside_the_users_scope(as_user, cast, incident, actor):
    response = as_user(getattr(cast, actor)).get(detail_url(incident))

    assert response.status_code == 404


def test_it_shows_the_whole_case_to_the_handler(as_user, cast, incident):
    # given an incident with a cause, an action, a forward with an answer and a comment
    handler = cast.handler
    services.incident_take(incident=incident, actor=handler)
    cause = services.cause_add(incident=incident, actor=handler, area=CauseArea.objects.first(), detail="Stress")
    services.action_add(
        incident=incident,
        actor=handler,
        description="Dubbelkontroll av Waran",
        responsible=cast.manager,
        due_date=timezone.localdate() + dt.timedelta(days=30),
        causes=[cause],
    )
    services.comment_add(incident=incident, actor=cast.reporter, text="Det hände igen i natt.")

    # when the handler opens the case
    response = as_user(handler).get(detail_url(incident))

    # then everything is there, with the reporter's name and the timeline
    page = response.content.decode()
    assert response.status_code == 200
    for text in (
        incident.reference,
        "Patienten fick fel dos av Waran",
        cast.reporter.get_full_name(),
        "Stress",
        "Dubbelkontroll av Waran",
        cast.manager.get_full_name(),
        "Det hände igen i natt.",
        "Risk matrix",
        "Mycket liten",  # the provider's probability labels
        "Katastrofal",  # and consequence labels
        'id="timeline"',
        "Taken by handler",
        "Action added",
    ):
        assert text in page, text


def test_the_reporter_sees_their_report_but_not_the_handling(as_user, cast, incident):
    response = as_user(cast.reporter).get(detail_url(incident))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Patienten fick fel dos av Waran" in page
    assert 'id="timeline"' not in page
    assert 'id="classification"' not in page
    assert "A patient was involved." in page
    assert PERSONNUMMER not in page and SHOWN not in page


# --- patient identity ----------------------------------------------------------------------


def test_the_page_never_shows_the_patient_identity_by_itself(as_user, cast, incident):
    response = as_user(cast.handler).get(detail_url(incident))

    page = response.content.decode()
    assert "A patient was involved." in page
    assert "Show personal identity number" in page
    assert PERSONNUMMER not in page and SHOWN not in page
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("actor", ["handler", "safety_officer"])
def test_each_display_of_the_patient_identity_writes_one_access_log_row(as_user, cast, incident, actor):
    client = as_user(getattr(cast, actor))
    url = reverse("incidents:case-patient", kwargs={"pk": incident.pk})

    first = client.post(url)

    assert first.status_code == 200
    assert SHOWN in first.content.decode()
    row = AccessLog.objects.get()
    assert row.user == getattr(cast, actor)
    assert row.action == AccessLog.Action.VIEW_PATIENT
    assert row.object_id == str(incident.pk)
    assert row.patient_identifier == PERSONNUMMER
    assert row.unit == incident.responsible_unit

    client.post(url)
    assert AccessLog.objects.count() == 2


def test_the_htmx_button_swaps_in_only_the_patient_box(as_user, cast, incident):
    response = as_user(cast.handler).post(
        reverse("incidents:case-patient", kwargs={"pk": incident.pk}), headers={"HX-Request": "true"}
    )

    page = response.content.decode()
    assert page.lstrip().startswith('<div class="patient-box" id="patient">')
    assert SHOWN in page
    assert AccessLog.objects.count() == 1


def test_without_view_patient_the_identity_is_refused_with_a_reason_and_nothing_is_logged(as_user, cast, incident):
    response = as_user(cast.reporter).post(reverse("incidents:case-patient", kwargs={"pk": incident.pk}))

    assert response.status_code == 403
    assert "You may not see the patient&#x27;s identity." in response.content.decode()
    assert not AccessLog.objects.exists()


# --- the actions, as the handler -------------------------------------------------------------


def test_a_handler_works_an_incident_to_closure_through_the_page(as_user, cast, incident):
    client = as_user(cast.handler)
    category = medication_category()
    area = CauseArea.objects.filter(is_active=True).first()

    assert post(client, "case-take", incident).status_code == 302
    assert fresh(incident).handler == cast.handler
    response = post(
        client,
        "case-classify",
        incident,
        {"category": category.code, "event_class": EventClass.HARM, "case_type": "care"},
    )
    assert response.status_code == 302, response.content.decode()
    assert post(client, "case-risk", incident, {"probability": "3", "consequence": "2"}).status_code == 302
    assert post(client, "case-cause-add", incident, {"area": area.code, "detail": "Stress"}).status_code == 302
    cause = Cause.objects.get(incident=incident)
    response = post(
        client,
        "case-action-add",
        incident,
        {
            "description": "Inför dubbelkontroll",
            "responsible": cast.manager.username,
            "due_date": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
            "effect_class": "effective",
            "causes": [cause.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()
    response = post(
        client,
        "case-patient-information",
        incident,
        {"informed": "yes", "informed_on": timezone.localdate().isoformat(), "told_event": "on"},
    )
    assert response.status_code == 302, response.content.decode()
    assert post(client, "case-feedback", incident, {"text": "Tack! Rutinen ändras."}).status_code == 302
    response = post(client, "case-close", incident)

    assert response.status_code == 302
    assert response["Location"].startswith(detail_url(incident))
    closed = fresh(incident)
    assert closed.status == Status.CLOSED
    assert closed.category == category and closed.risk_score == 6
    assert closed.feedback == "Tack! Rutinen ändras."
    assert Action.objects.get(incident=incident).causes.get() == cause
    assert PatientInformation.objects.get(incident=incident).told_event
    assert kinds(incident)[-1] == TimelineEntry.Kind.CLOSED
    assert "The incident is closed." in client.get(detail_url(incident)).content.decode()


def test_the_handler_can_assign_request_forward_and_the_receiving_side_answers(as_user, cast, tree, incident):
    client = as_user(cast.handler)

    assert post(client, "case-assign", incident, {"handler": cast.manager.username}).status_code == 302
    assert fresh(incident).handler == cast.manager
    assert post(client, "case-investigation", incident, {"reason": "Allvarligt"}).status_code == 302
    assert post(client, "case-lex-maria", incident).status_code == 302
    response = post(
        client,
        "case-forward",
        incident,
        {
            "kind": "hand_over",
            "to_unit": tree.orto_ward.pk,
            "message": "Gäller er patient",
            "answer_due": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()
    forwarded = fresh(incident)
    assert forwarded.responsible_unit == tree.orto_ward and forwarded.status == Status.SUBMITTED
    assert forwarded.investigation_requested_at and forwarded.lex_maria_requested_at

    # the receiving handler answers; the forwarding handler still sees the case and the answer
    forward = Forward.objects.get(incident=incident)
    orto = as_user(cast.handler_orto)
    response = post(orto, "case-forward-answer", incident, {"answer": "Vi tar över."}, forward_pk=forward.pk)
    assert response.status_code == 302, response.content.decode()
    page = as_user(cast.handler).get(detail_url(incident)).content.decode()
    assert "Vi tar över." in page


def test_causes_are_removed_and_actions_changed(as_user, cast, incident):
    client = as_user(cast.handler)
    services.incident_take(incident=incident, actor=cast.handler)
    cause = services.cause_add(incident=incident, actor=cast.handler, area=CauseArea.objects.first())
    action = services.action_add(
        incident=incident,
        actor=cast.handler,
        description="Utbildning",
        responsible=cast.handler,
        due_date=timezone.localdate() + dt.timedelta(days=10),
    )

    assert post(client, "case-cause-remove", incident, cause_pk=cause.pk).status_code == 302
    response = client.post(
        reverse("incidents:case-action-update", kwargs={"pk": incident.pk, "action_pk": action.pk}),
        {
            "version": action.version,
            "description": "Utbildning för all personal",
            "responsible": cast.manager.username,
            "due_date": action.due_date.isoformat(),
            "state": Action.State.IN_PROGRESS,
            "effect_class": "",
        },
    )

    assert response.status_code == 302, response.content.decode()
    assert Cause.objects.get(pk=cause.pk).removed_at is not None
    action.refresh_from_db()
    assert (action.description, action.responsible, action.state) == (
        "Utbildning för all personal",
        cast.manager,
        Action.State.IN_PROGRESS,
    )


def test_a_closed_incident_is_reopened_and_an_open_one_withdrawn_with_a_reason(as_user, cast, tree, incident):
    client = as_user(cast.handler)
    Incident.objects.filter(pk=incident.pk).update(status=Status.CLOSED, closed_at=timezone.now())

    assert post(client, "case-reopen", incident, {"reason": ""}).status_code == 400
    assert post(client, "case-reopen", incident, {"reason": "Ny information"}).status_code == 302
    assert fresh(incident).status == Status.IN_PROGRESS
    assert post(client, "case-withdraw", incident, {"reason": "Dubblett av AV-1"}).status_code == 302
    assert fresh(incident).status == Status.WITHDRAWN
    assert TimelineEntry.objects.filter(incident=incident, kind="withdrawn", message="Dubblett av AV-1").exists()


def test_reporter_and_handler_comment_on_the_page(as_user, cast, incident):
    assert post(as_user(cast.reporter), "case-comment", incident, {"text": "Komplettering"}).status_code == 302
    assert post(as_user(cast.handler), "case-comment", incident, {"text": "Tack"}).status_code == 302
    assert (
        post(as_user(cast.handler), "case-comment", incident, {"text": "Fråga", "to_reporter": "on"}).status_code == 302
    )
    assert list(incident.comments.values_list("text", "to_reporter")) == [
        ("Komplettering", False),
        ("Tack", False),
        ("Fråga", True),
    ]

    # the reporter's own view of the page holds their comment and the one addressed to them
    page = as_user(cast.reporter).get(detail_url(incident)).content.decode()
    assert "Komplettering" in page and "Fråga" in page and "Tack" not in page
    assert 'name="to_reporter"' not in page  # the reporter's comments always reach the handler


def test_a_reporter_cannot_address_a_comment_to_themselves(as_user, cast, incident):
    response = post(as_user(cast.reporter), "case-comment", incident, {"text": "Hej", "to_reporter": "on"})

    assert response.status_code in (302, 400)
    assert not incident.comments.filter(to_reporter=True).exists()


def test_who_reported_is_shown_only_to_the_cases_handlers(as_user, cast, incident):
    post(as_user(cast.reporter), "case-comment", incident, {"text": "Komplettering"})
    name = cast.reporter.get_full_name()

    handler_page = as_user(cast.handler).get(detail_url(incident)).content.decode()
    officer_page = as_user(cast.safety_officer).get(detail_url(incident)).content.decode()

    assert "Reported by" in handler_page and name in handler_page
    assert name not in officer_page  # not in the report, the timeline or the comments
    assert "the reporter" in officer_page and "Komplettering" in officer_page


# --- refusals --------------------------------------------------------------------------------

VALID_DATA = {
    "case-take": {},
    "case-assign": {"handler": "handler"},
    "case-classify": {"category": "x", "event_class": "harm", "case_type": "care"},
    "case-risk": {"probability": "2", "consequence": "2"},
    "case-cause-add": {"area": "x"},
    "case-action-add": {"description": "x", "responsible": "handler", "due_date": "2099-01-01"},
    "case-forward": {"to_unit": "1", "message": "x", "answer_due": "2099-01-01"},
    "case-investigation": {},
    "case-lex-maria": {},
    "case-patient-information": {"informed": "no", "not_informed_reason": "x"},
    "case-feedback": {"text": "x"},
    "case-close": {},
    "case-reopen": {"reason": "x"},
    "case-withdraw": {"reason": "x"},
}


@pytest.mark.parametrize("name", sorted(VALID_DATA))
def test_a_user_who_may_see_but_not_handle_gets_403_with_the_reason(as_user, cast, incident, name):
    # the patient-safety officer reads everything of the care provider but does not triage
    before = fresh(incident).version

    response = post(as_user(cast.safety_officer), name, incident, VALID_DATA[name])

    assert response.status_code == 403
    assert "Only handlers of the responsible unit can do this." in response.content.decode()
    assert fresh(incident).version == before


def test_the_safety_officer_sees_disabled_buttons_that_say_why(as_user, cast, incident):
    page = as_user(cast.safety_officer).get(detail_url(incident)).content.decode()

    assert 'disabled aria-describedby="why-take"' in page
    assert 'id="why-take">Only handlers of the responsible unit can do this.' in page
    assert 'action="' + reverse("incidents:case-take", kwargs={"pk": incident.pk}) not in page


def test_only_the_receiving_side_answers_a_forward(as_user, cast, tree, incident):
    forward = services.incident_forward(
        incident=incident,
        actor=cast.handler,
        to_unit=tree.orto_ward,
        message="Fråga",
        answer_due=timezone.localdate() + dt.timedelta(days=7),
    )

    response = post(as_user(cast.handler), "case-forward-answer", incident, {"answer": "x"}, forward_pk=forward.pk)

    assert response.status_code == 403
    assert "Only handlers of the unit it was forwarded to can answer." in response.content.decode()


def test_a_stale_form_shows_what_changed_and_keeps_the_input(as_user, cast, incident):
    # given the handler opened the page at this version
    services.incident_take(incident=incident, actor=cast.handler)
    seen = fresh(incident).version
    # and the manager classified meanwhile
    services.incident_classify(
        incident=incident, actor=cast.manager, category=medication_category(), event_class="harm", case_type="care"
    )

    # when the handler sends feedback from the old page
    response = post(as_user(cast.handler), "case-feedback", incident, {"version": seen, "text": "Min återkoppling"})

    # then nothing is saved, the change is listed, the text is kept with the current version
    page = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed this incident meanwhile" in page
    assert "Classified" in page and cast.manager.get_full_name() in page
    assert "Min återkoppling</textarea>" in page
    assert f'name="version" value="{fresh(incident).version}"' in page
    assert fresh(incident).feedback == ""


def test_close_blockers_are_listed_and_closing_anyway_is_refused_with_them(as_user, cast, incident):
    services.incident_take(incident=incident, actor=cast.handler)
    client = as_user(cast.handler)

    page = client.get(detail_url(incident)).content.decode()
    assert 'disabled aria-describedby="why-close"' in page
    assert "Classify the incident: category, event class and case type." in page
    assert "Write the feedback to the reporter." in page

    response = post(client, "case-close", incident)
    assert response.status_code == 409
    assert "The incident cannot be closed yet." in response.content.decode()
    assert fresh(incident).status == Status.IN_PROGRESS


def test_a_refusal_by_the_service_shows_the_page_with_the_message(as_user, cast, incident):
    client = as_user(cast.handler)
    work_category = Category.objects.filter(case_type="work_environment", is_active=True).first()

    # a category of the other case type: the service's ValidationError, on the form
    response = post(
        client, "case-classify", incident, {"category": work_category.code, "event_class": "harm", "case_type": "care"}
    )
    assert response.status_code == 400
    assert "The category does not belong to the chosen case type." in response.content.decode()

    # asking twice: the service's ConflictError
    assert post(client, "case-investigation", incident).status_code == 302
    response = post(client, "case-investigation", incident)
    assert response.status_code == 409
    assert "An investigation has already been requested." in response.content.decode()


@pytest.mark.parametrize(
    "name,data",
    [
        ("case-risk", {"probability": "7", "consequence": "x"}),
        ("case-classify", {"category": "no-such-code", "event_class": "nonsense", "case_type": "?"}),
        ("case-action-add", {"description": "", "responsible": "nobody", "due_date": "31/12"}),
        ("case-forward", {"to_unit": "abc", "message": "", "answer_due": "2000-01-01"}),
        ("case-take", {"version": "not-a-number"}),
    ],
)
def test_bad_input_gives_the_page_with_field_errors_never_a_500(as_user, cast, incident, name, data):
    before = fresh(incident).version

    response = post(as_user(cast.handler), name, incident, data)

    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert fresh(incident).version == before


def test_closing_notifies_the_reporter(as_user, cast, incident, django_capture_on_commit_callbacks):
    handler = cast.handler
    services.incident_take(incident=incident, actor=handler)
    services.incident_classify(
        incident=incident, actor=handler, category=medication_category(), event_class="near_miss", case_type="care"
    )
    services.incident_assess_risk(incident=incident, actor=handler, probability=1, consequence=1)
    services.incident_feedback(incident=incident, actor=handler, text="Tack")

    with django_capture_on_commit_callbacks(execute=True):
        response = post(as_user(handler), "case-close", incident)

    assert response.status_code == 302
    assert OutboxMessage.objects.filter(recipient=cast.reporter.email).exists()


# --- cost ------------------------------------------------------------------------------------


def _queries_for_case_page(client, incident) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(detail_url(incident))  # warm: session, caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(detail_url(incident)).status_code == 200
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_causes_actions_and_comments(as_user, cast, tree):
    def case_with(n: int) -> Incident:
        incident = services.incident_take(incident=report(cast.reporter, tree.medicin_ward), actor=cast.handler)
        for i in range(n):
            cause = services.cause_add(
                incident=incident, actor=cast.handler, area=CauseArea.objects.first(), detail=f"Orsak {i}"
            )
            services.action_add(
                incident=incident,
                actor=cast.handler,
                description=f"Åtgärd {i}",
                responsible=cast.handler,
                due_date=timezone.localdate() + dt.timedelta(days=30),
                causes=[cause],
            )
            services.comment_add(incident=incident, actor=cast.reporter, text=f"Kommentar {i}")
        return incident

    client = as_user(cast.handler)
    one, eight = case_with(1), case_with(8)

    assert _queries_for_case_page(client, eight) == _queries_for_case_page(client, one)
