"""Who sees whom on an incident, and how much of it (issue 13, items 17 and 18).

17: a handler who reported his own incident is "the reporter" to everyone who may see the
case but not who reported (`incidents.permissions.can_see_reporter`): the handler, who
forwarded, a cause's author, an action's creator and responsible person, a comment's author,
an uploader, the patient information's recorder and "informed by", the timeline's actors and
messages — in the API, the case page, the work queue and its export, and the action
register's pages, export and API. Neither his name nor his id appears anywhere.

18: the reporter, and an investigation's team member from another care provider, get from
every sub-resource of the API what their pages show, no more (`incidents.viewing.CaseView`).
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.access import has_perm
from accounts.roles import Perm, Role
from actions.models import Action
from incidents import attachments, permissions, queue, services
from incidents.api.views import IncidentViewSet
from incidents.models import CauseArea, Forward, Incident
from incidents.viewing import REPORTER_OWN_TIMELINE, REPORTER_TIMELINE, CaseView
from investigations import services as investigation_services
from investigations.models import Method
from tests.factories import MembershipFactory, UserFactory
from tests.incidents.conftest import report

# Names no generated user has: searched for in every byte a hidden viewer gets.
FIRST, LAST, USERNAME = "Lars", "Xylander", "lxylander"
THE_REPORTER = "rapportören"
# Keys whose value is a person's id.
PERSON_KEYS = {"handler", "reporter", "responsible", "actor", "author", "created_by", "forwarded_by", "answered_by"}


def _is_person_key(key: str) -> bool:
    return key in PERSON_KEYS or key.endswith("_by")


def person_ids(data) -> list[tuple[str, object]]:
    """Every (key, value) of `data`, at any depth, whose key names a person."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            if _is_person_key(key) and not isinstance(value, dict | list):
                found.append((key, value))
            found += person_ids(value)
    elif isinstance(data, list):
        for item in data:
            found += person_ids(item)
    return found


def sub_resources() -> list[str]:
    """Every GET sub-resource of an incident in the API, found from the viewset itself (a new
    one is walked by these tests without being named here)."""
    return sorted(
        action.url_name
        for action in IncidentViewSet.get_extra_actions()
        if action.detail and "get" in action.mapping and "(?P<" not in action.url_path
    )


def swedish_api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    client.credentials(HTTP_ACCEPT_LANGUAGE="sv")
    return client


def api_bodies(user, incident) -> dict[str, object]:
    client = swedish_api(user)
    bodies = {"detail": client.get(reverse("api:incident-detail", kwargs={"pk": incident.pk}))}
    for name in sub_resources():
        bodies[name] = client.get(reverse(f"api:incident-{name}", kwargs={"pk": incident.pk}))
    for name, response in bodies.items():
        assert response.status_code == 200, (user.username, name, response.status_code)
    return {name: response.json() for name, response in bodies.items()}


@pytest.fixture
def lars(tree):
    """A handler of Medicinkliniken who reports, and then handles, his own incident."""
    user = UserFactory(username=USERNAME, first_name=FIRST, last_name=LAST)
    MembershipFactory(user=user, unit=tree.medicin, role=Role.HANDLER)
    return user


@pytest.fixture
def team_member(tree):
    """On an investigation's team, from another care provider (the municipality)."""
    user = UserFactory(username="kommunanalytiker", first_name="Kim", last_name="Teamsson")
    MembershipFactory(user=user, unit=tree.municipality, role=Role.ANALYST)
    return user


def _upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("anteckning.txt", b"Vad som hande.", content_type="text/plain")


@pytest.fixture
def his_own_case(cast, tree, lars, team_member):
    """Lars is the reporter, the handler, who asked another unit, who added the cause and the
    action (and is responsible for it), a commenter, the uploader and who recorded informing
    the patient (and informed her). A colleague also handles a little; an investigation's
    team includes someone from the municipality."""
    incident = report(lars, tree.medicin_ward, patient_involved=True)
    incident = services.incident_take(incident=incident, actor=lars)
    services.cause_add(incident=incident, actor=lars, area=CauseArea.objects.filter(is_active=True).first())
    services.action_add(
        incident=incident,
        actor=lars,
        description="Dubbelkontroll vid delning",
        responsible=lars,
        due_date=timezone.localdate() + dt.timedelta(days=30),
    )
    services.comment_add(incident=incident, actor=lars, text="Jag tittar på det.")
    services.comment_add(incident=incident, actor=cast.handler, text="Hej, vi har tagit emot det.", to_reporter=True)
    attachments.attachment_add(incident=incident, actor=lars, file=_upload())
    services.patient_information_record(
        incident=incident,
        actor=lars,
        informed=True,
        informed_on=timezone.localdate(),
        informed_by=f"{FIRST} {LAST}",
        record_note_made=True,
    )
    services.incident_forward(
        incident=incident,
        actor=lars,
        to_unit=tree.hemsjukvard,
        message="Hur gav ni dosen i hemmet?",
        answer_due=timezone.localdate() + dt.timedelta(days=14),
        kind=Forward.Kind.ASK,
    )
    investigation = investigation_services.investigation_open(
        incidents=[incident], actor=cast.manager, method=Method.EVENT_ANALYSIS, reason="Allvarlig.", leader=cast.manager
    )
    investigation_services.member_add(investigation=investigation, actor=cast.manager, user=team_member)
    return Incident.objects.get(pk=incident.pk)


def hidden_viewers(cast, incident, *extra) -> list:
    """Everyone of the cast (and `extra`) who may open the case but not know who reported."""
    users = [getattr(cast, name) for name in cast.names()] + list(extra)
    return [
        user
        for user in users
        if Incident.objects.visible_to(user).filter(pk=incident.pk).exists()
        and not permissions.can_see_reporter(user, incident)
    ]


def assert_no_trace_of_lars(text: str, lars, where: str) -> None:
    assert LAST not in text, where
    assert USERNAME not in text, where


# --- Item 17: the reporter is "the reporter" everywhere --------------------------------------


@pytest.mark.django_db
def test_it_finds_viewers_who_see_the_case_but_not_the_reporter(cast, lars, team_member, his_own_case):
    viewers = hidden_viewers(cast, his_own_case, team_member)

    # The safety officer (the region), the unit asked for an answer and its chief physician
    # (the municipality), the investigation's team member from the municipality.
    assert {cast.safety_officer, cast.municipal_handler, cast.mas, team_member} <= set(viewers)
    assert lars not in viewers and cast.handler not in viewers


@pytest.mark.django_db
def test_it_hides_the_reporter_in_every_person_field_of_the_api(cast, lars, team_member, his_own_case):
    for viewer in hidden_viewers(cast, his_own_case, team_member):
        bodies = api_bodies(viewer, his_own_case)
        text = json.dumps(bodies, ensure_ascii=False)

        assert_no_trace_of_lars(text, lars, viewer.username)
        assert [(key, value) for key, value in person_ids(bodies) if value == lars.pk] == [], viewer.username
        if CaseView.of(viewer, his_own_case).sees_case:
            assert bodies["detail"]["handler"] is None and bodies["detail"]["handler_name"] == THE_REPORTER
            assert THE_REPORTER in text


@pytest.mark.django_db
def test_it_names_him_to_those_who_may_know_who_reported(cast, lars, his_own_case):
    bodies = api_bodies(cast.handler, his_own_case)
    text = json.dumps(bodies, ensure_ascii=False)

    assert bodies["detail"]["handler"] == lars.pk and LAST in bodies["detail"]["handler_name"]
    assert any(value == lars.pk for _key, value in person_ids(bodies["timeline"]))
    assert THE_REPORTER not in text


@pytest.mark.django_db
def test_the_safety_officer_reads_the_reporter_in_every_part_of_the_api(cast, lars, his_own_case):
    bodies = api_bodies(cast.safety_officer, his_own_case)

    timeline = bodies["timeline"]
    taken = next(entry for entry in timeline if entry["kind"] == "taken")
    assert taken["actor"] is None and taken["actor_name"] == THE_REPORTER and taken["message"] == THE_REPORTER
    added = next(entry for entry in timeline if entry["kind"] == "action_added")
    assert THE_REPORTER in added["message"]
    assert [f["forwarded_by"] for f in bodies["forwards"]] == [None]
    assert [c["created_by"] for c in bodies["causes"]] == [None]
    assert [(a["responsible"], a["responsible_name"], a["created_by"]) for a in bodies["actions"]] == [
        (None, THE_REPORTER, None)
    ]
    assert {(c["author"], c["author_name"]) for c in bodies["comments"]} == {
        (None, THE_REPORTER),
        (cast.handler.pk, cast.handler.get_full_name()),
    }
    assert [(a["uploaded_by"], a["uploaded_by_name"]) for a in bodies["attachments"]] == [(None, THE_REPORTER)]


@pytest.mark.django_db
def test_it_hides_the_reporter_on_the_case_page(client, cast, lars, team_member, his_own_case):
    for viewer in hidden_viewers(cast, his_own_case, team_member):
        client.force_login(viewer)
        page = client.get(reverse("incidents:detail", kwargs={"pk": his_own_case.pk}))

        assert page.status_code == 200
        html = page.content.decode()
        assert_no_trace_of_lars(html, lars, viewer.username)
        if CaseView.of(viewer, his_own_case).sees_case:
            assert THE_REPORTER in html, viewer.username


@pytest.mark.django_db
def test_the_case_page_names_the_reporter_where_he_works_for_the_safety_officer(client, cast, his_own_case):
    client.force_login(cast.safety_officer)

    html = client.get(reverse("incidents:detail", kwargs={"pk": his_own_case.pk})).content.decode()

    # The handler, the timeline, the action's responsible person, who asked, who informed.
    assert html.count(THE_REPORTER) >= 5


@pytest.mark.django_db
def test_it_hides_the_reporter_in_the_work_queue_and_its_export(client, cast, lars, team_member, his_own_case):
    viewers = [user for user in hidden_viewers(cast, his_own_case, team_member) if queue.can_view_queue(user)]
    assert cast.safety_officer in viewers

    for viewer in viewers:
        client.force_login(viewer)
        page = client.get(reverse("incidents:queue"))
        export = client.get(reverse("incidents:queue-export"))

        assert his_own_case.reference in page.content.decode(), viewer.username
        html = page.content.decode()
        csv = b"".join(export.streaming_content).decode("utf-8-sig")
        assert_no_trace_of_lars(html, lars, viewer.username)
        assert_no_trace_of_lars(csv, lars, viewer.username)
        assert his_own_case.reference in csv and THE_REPORTER in csv


@pytest.mark.django_db
def test_it_hides_the_reporter_in_the_action_register(client, cast, lars, team_member, his_own_case):
    from openpyxl import load_workbook

    viewers = hidden_viewers(cast, his_own_case, team_member)
    for viewer in viewers:
        api = swedish_api(viewer).get(reverse("api:action-list")).json()
        text = json.dumps(api, ensure_ascii=False)
        assert_no_trace_of_lars(text, lars, viewer.username)
        assert [(key, value) for key, value in person_ids(api) if value == lars.pk] == []

        if not has_perm(viewer, Perm.ACTION_VIEW):
            continue
        client.force_login(viewer)
        page = client.get(reverse("actions:list")).content.decode()
        csv = b"".join(client.get(reverse("actions:list"), {"format": "csv"}).streaming_content).decode("utf-8-sig")
        xlsx = b"".join(client.get(reverse("actions:list"), {"format": "xlsx"}).streaming_content)
        cells = " ".join(
            str(cell)
            for row in load_workbook(io.BytesIO(xlsx), read_only=True).active.iter_rows(values_only=True)
            for cell in row
        )
        for where, text in (("page", page), ("csv", csv), ("xlsx", cells)):
            assert_no_trace_of_lars(text, lars, f"{viewer.username} {where}")
        assert THE_REPORTER in csv and THE_REPORTER in cells


@pytest.mark.django_db
def test_his_own_action_list_names_him(client, lars, his_own_case):
    client.force_login(lars)

    mine = client.get(reverse("actions:mine")).content.decode()
    api = swedish_api(lars).get(reverse("api:action-list")).json()

    assert "Dubbelkontroll vid delning" in mine
    assert [a["responsible"] for a in api["results"]] == [lars.pk]


# --- Item 18: what the reporter and a team member from elsewhere get --------------------------


@pytest.fixture
def handled(cast, tree, team_member):
    """The nurse's report, handled by the case handler: a cause, two actions (one shown to
    her), an internal comment and one to her, a question to the municipality and its answer,
    an investigation with a team member from the municipality."""
    incident = report(cast.reporter, tree.medicin_ward)
    handler = cast.handler
    incident = services.incident_take(incident=incident, actor=handler)
    services.cause_add(incident=incident, actor=handler, area=CauseArea.objects.filter(is_active=True).first())
    due = timezone.localdate() + dt.timedelta(days=30)
    services.action_add(
        incident=incident, actor=handler, description="Internt arbete", responsible=handler, due_date=due
    )
    shown = services.action_add(
        incident=incident, actor=handler, description="Ny rutin för dubbelkontroll", responsible=handler, due_date=due
    )
    Action.objects.filter(pk=shown.pk).update(shown_to_reporter=True)
    services.comment_add(incident=incident, actor=handler, text="Internt: ring kommunen.")
    attachments.attachment_add(incident=incident, actor=handler, file=_upload())
    services.comment_add(incident=incident, actor=handler, text="Tack, vi ser över rutinen.", to_reporter=True)
    forward = services.incident_forward(
        incident=incident,
        actor=handler,
        to_unit=tree.hemsjukvard,
        message="Meddelande till kommunen.",
        answer_due=timezone.localdate() + dt.timedelta(days=14),
        kind=Forward.Kind.ASK,
    )
    services.forward_answer(forward=forward, actor=cast.municipal_handler, answer="Kommunens svar.")
    investigation = investigation_services.investigation_open(
        incidents=[incident], actor=cast.manager, method=Method.EVENT_ANALYSIS, reason="Allvarlig.", leader=cast.manager
    )
    investigation_services.member_add(investigation=investigation, actor=cast.manager, user=team_member)
    return Incident.objects.get(pk=incident.pk)


SECRETS = ("Internt", "Meddelande till kommunen", "Kommunens svar", "ring kommunen")


@pytest.mark.django_db
def test_the_reporter_gets_from_the_api_what_her_pages_show(client, cast, handled):
    bodies = api_bodies(cast.reporter, handled)
    client.force_login(cast.reporter)
    page = client.get(reverse("incidents:mine-detail", kwargs={"pk": handled.pk})).content.decode()

    text = json.dumps(bodies, ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in text and secret not in page
    assert bodies["forwards"] == [] and bodies["causes"] == []
    assert [c["text"] for c in bodies["comments"]] == ["Tack, vi ser över rutinen."]
    assert [(a["uploaded_by"], a["uploaded_by_name"]) for a in bodies["attachments"]] == [(None, None)]
    assert [(a["description"], sorted(a)) for a in bodies["actions"]] == [
        ("Ny rutin för dubbelkontroll", ["description", "due_date", "id", "state", "state_name"])
    ]
    # Her timeline: the steps, with the labels of her page, never who took them.
    labels = {str(label) for label in [*REPORTER_TIMELINE.values(), *REPORTER_OWN_TIMELINE.values()]}
    assert bodies["timeline"] and all(entry["kind_name"] in labels for entry in bodies["timeline"])
    assert all(entry["actor"] in (None, cast.reporter.pk) for entry in bodies["timeline"])
    for entry in bodies["timeline"]:
        assert entry["kind_name"] in page
    assert cast.handler.get_full_name() not in json.dumps(bodies["timeline"], ensure_ascii=False)
    # The incident itself: none of the handling.
    detail = bodies["detail"]
    assert detail["handler"] is None and detail["handler_name"] is None and detail["event_class"] is None


@pytest.mark.django_db
def test_a_team_member_from_elsewhere_gets_what_the_case_page_shows(client, cast, team_member, handled):
    bodies = api_bodies(team_member, handled)
    client.force_login(team_member)
    page = client.get(reverse("incidents:detail", kwargs={"pk": handled.pk})).content.decode()

    text = json.dumps(bodies, ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in text and secret not in page
    assert bodies["forwards"] == [] and bodies["causes"] == [] and bodies["actions"] == []
    assert bodies["timeline"] == []
    assert [c["text"] for c in bodies["comments"]] == ["Tack, vi ser över rutinen."]
    assert "Tack, vi ser över rutinen." in page
    assert [(a["uploaded_by"], a["uploaded_by_name"]) for a in bodies["attachments"]] == [(None, None)]
    assert bodies["detail"]["handler"] is None and bodies["detail"]["risk_score"] is None


@pytest.mark.django_db
def test_staff_get_every_part(cast, handled):
    bodies = api_bodies(cast.safety_officer, handled)

    assert len(bodies["forwards"]) == 1 and len(bodies["causes"]) == 1 and len(bodies["actions"]) == 2
    assert len(bodies["comments"]) == 2
    assert "Kommunens svar" in json.dumps(bodies, ensure_ascii=False)


@pytest.mark.django_db
def test_a_filter_by_responsible_person_does_not_name_the_hidden_reporter(cast, lars, his_own_case):
    client = swedish_api(cast.safety_officer)

    by_lars = client.get(reverse("api:action-list"), {"responsible": lars.pk}).json()
    everyone = client.get(reverse("api:action-list")).json()

    assert by_lars["results"] == []
    assert [a["responsible_name"] for a in everyone["results"]] == [THE_REPORTER]
    assert swedish_api(cast.handler).get(reverse("api:action-list"), {"responsible": lars.pk}).json()["results"]


@pytest.mark.django_db
def test_a_stale_change_names_the_hidden_reporter_as_the_reporter(cast, lars, tree):
    # given an action of Lars's own incident given to a handler of another clinic, which
    # Lars then changes
    incident = services.incident_take(incident=report(lars, tree.medicin_ward), actor=lars)
    action = services.action_add(
        incident=incident,
        actor=lars,
        description="Ortopedens rutin",
        responsible=cast.handler_orto,
        due_date=timezone.localdate() + dt.timedelta(days=30),
    )
    services.action_update(action=action, actor=lars, version=action.version, description="Ortopedens nya rutin")
    assert not permissions.can_see_reporter(cast.handler_orto, incident)

    # when the responsible person marks it started from the old version
    response = swedish_api(cast.handler_orto).patch(
        reverse("api:action-detail", kwargs={"pk": action.pk}), {"version": 1, "state": "in_progress"}, format="json"
    )

    # then the 409 says what changed, and that "the reporter" did it
    assert response.status_code == 409
    assert [change["who"] for change in response.json()["changes"]] == [THE_REPORTER]
    assert LAST not in response.content.decode()
