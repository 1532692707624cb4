"""Issue 13, items 6 and 7 (the nurse): care means a patient was involved unless she says
otherwise, and she hears what is being done before the case closes — when a handler takes it,
and when actions she is shown are decided ("Detta görs nu")."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from actions import services as register
from actions.models import Action
from actions.sources import SOURCES
from incidents import services
from incidents.models import CaseType, Incident, ReportedKind, TimelineEntry
from outbox.models import Notification, OutboxMessage
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db

LIST = "/api/v1/incidents/"
DUE = dt.timedelta(days=30)
SHOWN_TEXT = "Alla sjuksköterskor går igenom insulinrutinen på nästa APT."
HIDDEN_TEXT = "Samtal med den som delade ut läkemedlet."


@pytest.fixture
def as_user(login):
    """as_user(user): a client signed in as `user` that asks for English pages."""

    def _as(user):
        client = login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _as


def _fields(tree, **extra) -> dict:
    return {
        "unit": tree.medicin_ward,
        "occurred_at": timezone.now() - dt.timedelta(hours=1),
        "description": "Patienten fick dubbel dos insulin.",
        "case_type": CaseType.CARE,
        "reported_kind": ReportedKind.HAPPENED,
        **extra,
    }


def _form(tree, **overrides) -> dict:
    data = {
        "client_key": str(uuid.uuid4()),
        "unit": tree.medicin_ward.pk,
        "occurred_at": timezone.localtime(timezone.now() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "description": "Patienten fick dubbel dos insulin.",
        "case_type": CaseType.CARE,
        "reported_kind": ReportedKind.HAPPENED,
        "action": "send",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _add_action(incident, actor, responsible, *, shown: bool, text: str = SHOWN_TEXT) -> Action:
    return services.action_add(
        incident=incident,
        actor=actor,
        description=text,
        responsible=responsible,
        due_date=timezone.localdate() + DUE,
        shown_to_reporter=shown,
    )


def _notices(user, path_part: str = "") -> list[Notification]:
    return list(Notification.objects.filter(user=user, link__contains=path_part))


def _kinds(incident) -> list[str]:
    return list(TimelineEntry.objects.filter(incident=incident).order_by("id").values_list("kind", flat=True))


# --- Item 6: care means a patient -------------------------------------------------------------


def test_a_care_report_without_a_word_on_the_patient_records_a_patient_as_involved(cast, tree):
    incident, _created = services.incident_report(actor=cast.reporter, client_key=None, fields=_fields(tree))

    assert incident.patient_involved is True


def test_a_care_report_that_says_no_patient_keeps_that(cast, tree):
    fields = _fields(tree, patient_involved=False, reported_kind=ReportedKind.NEAR_MISS)

    incident, _created = services.incident_report(actor=cast.reporter, client_key=None, fields=fields)

    assert incident.patient_involved is False


def test_a_work_environment_report_is_unaffected(cast, tree):
    fields = _fields(tree, case_type=CaseType.WORK_ENVIRONMENT, description="Hot från anhörig.")

    incident, _created = services.incident_report(actor=cast.reporter, client_key=None, fields=fields)

    assert incident.patient_involved is False


def test_a_draft_that_turns_to_care_gets_a_patient_but_one_already_answered_keeps_the_answer(cast, tree):
    # given a draft without a case type, and one where she said no patient was involved
    open_draft = services.draft_start(actor=cast.reporter)
    answered = services.draft_start(actor=cast.reporter, fields={"case_type": CaseType.CARE, "patient_involved": False})

    # when each is saved as care again, without a word on the patient
    services.draft_save(incident=open_draft, actor=cast.reporter, fields={"case_type": CaseType.CARE})
    services.draft_save(incident=answered, actor=cast.reporter, fields={"case_type": CaseType.CARE})

    # then the first now has a patient, and the second keeps her answer
    assert Incident.objects.get(pk=open_draft.pk).patient_involved is True
    assert Incident.objects.get(pk=answered.pk).patient_involved is False


def test_the_api_records_a_patient_for_care_unless_told_otherwise(api, cast, tree):
    client = api(cast.reporter)
    base = {
        "unit": tree.medicin_ward.pk,
        "occurred_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "description": "Patienten fick dubbel dos insulin.",
        "reported_kind": ReportedKind.HAPPENED,
    }

    care = client.post(LIST, {**base, "case_type": CaseType.CARE}, format="json")
    not_involved = client.post(LIST, {**base, "case_type": CaseType.CARE, "patient_involved": False}, format="json")
    work = client.post(LIST, {**base, "case_type": CaseType.WORK_ENVIRONMENT}, format="json")
    draft = client.post(LIST, {"draft": True, "case_type": CaseType.CARE}, format="json")

    assert care.status_code == 201, care.json()
    assert care.json()["patient_involved"] is True
    assert not_involved.json()["patient_involved"] is False
    assert work.json()["patient_involved"] is False
    assert draft.json()["patient_involved"] is True


def test_the_form_asks_about_the_patient_beside_the_case_type_not_among_the_details(as_user, cast):
    page = as_user(cast.reporter).get(reverse("incidents:report")).content.decode()

    no_patient = page.index('name="no_patient"')
    assert page.index('name="case_type"') < no_patient < page.index("<details")
    assert "No patient was involved (e.g. a near miss that was caught in time)" in page
    assert 'aria-describedby="id_no_patient_helptext"' in page and 'id="id_no_patient_helptext"' in page


@pytest.mark.parametrize(
    ("posted", "involved"),
    [
        ({}, True),  # care, nothing ticked: a patient
        ({"no_patient": "on"}, False),  # care, "no patient" ticked
        ({"patient_involved": ""}, True),  # the work-environment box does not decide for care
        ({"case_type": CaseType.WORK_ENVIRONMENT}, False),
        ({"case_type": CaseType.WORK_ENVIRONMENT, "patient_involved": "on"}, True),
        ({"case_type": CaseType.WORK_ENVIRONMENT, "no_patient": "on", "patient_involved": "on"}, True),
    ],
)
def test_the_form_without_javascript_records_the_patient_as_the_case_type_says(as_user, cast, tree, posted, involved):
    response = as_user(cast.reporter).post(reverse("incidents:report"), _form(tree, **posted))

    assert response.status_code == 302, response.content.decode()
    assert Incident.objects.get(reporter=cast.reporter).patient_involved is involved


def test_autosave_records_the_patient_from_the_no_patient_box(as_user, cast, tree):
    client = as_user(cast.reporter)
    key = str(uuid.uuid4())
    body = {"client_key": key, "description": "Insulin", "case_type": CaseType.CARE, "patient_involved": "false"}

    first = client.post(reverse("incidents:report-autosave-new"), {**body, "no_patient": "false"})
    assert first.status_code == 200, first.json()
    draft = Incident.objects.get(client_key=key)
    assert draft.patient_involved is True

    # when she ticks "no patient", the next autosave says so
    again = client.post(
        first.json()["autosave_url"], {**body, "no_patient": "on", "version": str(first.json()["version"])}
    )
    assert again.status_code == 200, again.json()
    assert Incident.objects.get(pk=draft.pk).patient_involved is False

    # and the draft, opened again, shows the box ticked
    page = client.get(first.json()["edit_url"]).content.decode()
    assert re.search(r'<input type="checkbox" name="no_patient"[^>]* checked>', page)


def test_the_reporters_page_shows_the_patient_as_involved(as_user, cast, tree):
    incident, _created = services.incident_report(actor=cast.reporter, client_key=None, fields=_fields(tree))

    page = as_user(cast.reporter).get(reverse("incidents:mine-detail", kwargs={"pk": incident.pk})).content.decode()

    assert "A patient was involved</dt><dd>Yes</dd>" in page


# --- Item 7: she is told when it is taken ---------------------------------------------------


def test_the_reporter_is_told_once_when_a_handler_takes_her_report(cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)

    services.incident_take(incident=incident, actor=cast.handler)
    services.incident_assign(incident=Incident.objects.get(pk=incident.pk), actor=cast.manager, handler=cast.manager)

    notices = _notices(cast.reporter)
    assert len(notices) == 1
    assert notices[0].subject == f"Din avvikelse {incident.reference} handläggs nu"
    assert notices[0].link == reverse("incidents:mine-detail", kwargs={"pk": incident.pk})


def test_being_assigned_the_first_time_tells_the_reporter_too(cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)

    services.incident_assign(incident=incident, actor=cast.manager, handler=cast.handler)

    assert [n.subject for n in _notices(cast.reporter)] == [f"Din avvikelse {incident.reference} handläggs nu"]


def test_the_mail_says_reference_and_link_only(cast, tree):
    cast.reporter.email = "sjukskoterska@example.se"
    cast.reporter.save(update_fields=["email"])
    incident = report(cast.reporter, tree.medicin_ward)

    services.incident_take(incident=incident, actor=cast.handler)

    mail = OutboxMessage.objects.get(recipient="sjukskoterska@example.se")
    assert incident.reference in mail.subject and incident.reference in mail.body
    assert reverse("incidents:mine-detail", kwargs={"pk": incident.pk}) in mail.body
    for secret in ("insulin", "Waran", cast.handler.username, cast.handler.get_full_name()):
        assert not secret or secret not in mail.body


def test_a_handler_who_takes_her_own_report_is_not_told(cast, tree):
    incident = report(cast.handler, tree.medicin_ward)

    services.incident_take(incident=incident, actor=cast.handler)

    assert _notices(cast.handler) == []


# --- Item 7: "Detta görs nu" ----------------------------------------------------------------


def test_a_shown_action_tells_the_reporter_once_a_day_and_writes_the_timeline(cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    services.incident_take(incident=incident, actor=cast.handler)

    _add_action(incident, cast.handler, cast.manager, shown=True)
    _add_action(incident, cast.handler, cast.manager, shown=True, text="Ny larmrutin.")

    told = _notices(cast.reporter, "#feedback")
    assert [n.subject for n in told] == [f"Detta görs nu: din avvikelse {incident.reference}"]
    assert told[0].link == reverse("incidents:mine-detail", kwargs={"pk": incident.pk}) + "#feedback"
    assert _kinds(incident).count(TimelineEntry.Kind.REPORTER_UPDATED) == 2


def test_an_action_not_shown_tells_her_nothing_until_it_is_switched_to_shown(cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    services.incident_take(incident=incident, actor=cast.handler)
    action = _add_action(incident, cast.handler, cast.manager, shown=False)
    assert _notices(cast.reporter, "#feedback") == []
    assert TimelineEntry.Kind.REPORTER_UPDATED not in _kinds(incident)

    services.action_update(action=action, actor=cast.handler, version=action.version, shown_to_reporter=True)

    assert len(_notices(cast.reporter, "#feedback")) == 1
    assert _kinds(incident)[-1] == TimelineEntry.Kind.REPORTER_UPDATED
    # a later change of state does not tell her again
    action.refresh_from_db()
    services.action_update(action=action, actor=cast.handler, version=action.version, state=Action.State.IN_PROGRESS)
    assert len(_notices(cast.reporter, "#feedback")) == 1


def test_the_reporter_is_not_told_of_actions_on_her_own_case(cast, tree):
    incident = report(cast.handler, tree.medicin_ward)
    services.incident_take(incident=incident, actor=cast.handler)

    _add_action(incident, cast.handler, cast.manager, shown=True)

    assert _notices(cast.handler, "#feedback") == []


def test_only_an_incidents_actions_can_be_shown_to_a_reporter():
    for field, source in SOURCES.items():
        if field == "incident":
            continue
        with pytest.raises(ValidationError) as raised:
            register.clean_fields({"shown_to_reporter": True}, current=None, kind=source, source=None)
        assert "shown_to_reporter" in raised.value.message_dict


def test_my_reports_shows_what_is_being_done_and_nothing_else_of_the_actions(as_user, cast, tree):
    # given a report taken by a handler, with a shown, a hidden and a cancelled action
    incident = report(cast.reporter, tree.medicin_ward)
    services.incident_take(incident=incident, actor=cast.handler)
    shown = _add_action(incident, cast.handler, cast.manager, shown=True)
    _add_action(incident, cast.handler, cast.manager, shown=False, text=HIDDEN_TEXT)
    cancelled = _add_action(incident, cast.handler, cast.manager, shown=True, text="Inställd åtgärd.")
    services.action_update(action=cancelled, actor=cast.handler, version=cancelled.version, state="cancelled")
    client = as_user(cast.reporter)

    # when she opens "Mina avvikelser" and her report
    listing = client.get(reverse("incidents:mine")).content.decode()
    detail = client.get(reverse("incidents:mine-detail", kwargs={"pk": incident.pk})).content.decode()

    # then both say what is being done, its state and due date — not who, and not the others
    for page in (listing, detail):
        assert "This is being done now:" in page
        assert SHOWN_TEXT in page
        assert f"(planned, due {shown.due_date.isoformat()})" in page
        for secret in (HIDDEN_TEXT, "Inställd åtgärd.", cast.manager.get_full_name()):
            assert not secret or secret not in page
    assert "A case handler is working on your report;" in detail


def test_my_reports_says_a_handler_is_working_on_it_before_any_action(as_user, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    services.incident_take(incident=incident, actor=cast.handler)

    listing = as_user(cast.reporter).get(reverse("incidents:mine")).content.decode()

    assert "A case handler is working on it" in listing
    assert "This is being done now:" not in listing


def test_the_case_page_adds_a_shown_action(as_user, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    services.incident_take(incident=incident, actor=cast.handler)
    client = as_user(cast.handler)
    # the step "Add an action", opened without JavaScript
    case_page = client.get(reverse("incidents:detail", kwargs={"pk": incident.pk}), {"steg": "atgard"}).content.decode()
    assert "Show to the reporter" in case_page

    response = client.post(
        reverse("incidents:case-action-add", kwargs={"pk": incident.pk}),
        {
            "version": Incident.objects.get(pk=incident.pk).version,
            "description": SHOWN_TEXT,
            "responsible": cast.manager.username,
            "due_date": (timezone.localdate() + DUE).isoformat(),
            "effect_class": "",
            "shown_to_reporter": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()
    assert Action.objects.get(incident=incident).shown_to_reporter is True
    assert len(_notices(cast.reporter, "#feedback")) == 1


# --- Item 7: the API -----------------------------------------------------------------------


def test_the_api_shows_the_reporter_only_the_shown_actions_in_few_fields(api, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    services.incident_take(incident=incident, actor=cast.handler)
    shown = _add_action(incident, cast.handler, cast.manager, shown=True)
    _add_action(incident, cast.handler, cast.manager, shown=False, text=HIDDEN_TEXT)
    client = api(cast.reporter)

    detail = client.get(f"{LIST}{incident.pk}/").json()
    actions = client.get(f"{LIST}{incident.pk}/actions/").json()
    register_list = client.get("/api/v1/actions/").json()

    expected = {
        "id": shown.pk,
        "description": SHOWN_TEXT,
        "state": "planned",
        "state_name": "Planned",
        "due_date": shown.due_date.isoformat(),
    }
    assert detail["actions_for_reporter"] == [expected]
    assert actions == [expected]
    assert register_list["results"] == []


def test_the_handler_shows_an_action_through_the_api(api, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    services.incident_take(incident=incident, actor=cast.handler)
    client = api(cast.handler)
    due = (timezone.localdate() + DUE).isoformat()

    created = client.post(
        f"{LIST}{incident.pk}/actions/",
        {"description": SHOWN_TEXT, "responsible": cast.manager.pk, "due_date": due, "shown_to_reporter": True},
        format="json",
    )
    hidden = client.post(
        f"{LIST}{incident.pk}/actions/",
        {"description": HIDDEN_TEXT, "responsible": cast.manager.pk, "due_date": due},
        format="json",
    )
    switched = client.patch(
        f"/api/v1/actions/{hidden.json()['id']}/",
        {"version": hidden.json()["version"], "shown_to_reporter": True},
        format="json",
    )

    assert created.status_code == 201, created.json()
    assert created.json()["shown_to_reporter"] is True
    assert hidden.json()["shown_to_reporter"] is False
    assert switched.status_code == 200, switched.json()
    assert switched.json()["shown_to_reporter"] is True
    assert len(_notices(cast.reporter, "#feedback")) == 1  # bundled: one a day
    assert _kinds(incident).count(TimelineEntry.Kind.REPORTER_UPDATED) == 2
