"""The action register: one table of actions from every source, each with exactly one source;
visible to whoever may see the source and always to the responsible person; "Mina åtgärder"
where the responsible person marks progress; the list and the API for handlers and the team;
the responsible person told when an action is assigned and reassigned."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from actions import services as register
from actions.models import Action
from incidents import services
from incidents.models import TimelineEntry
from lexmaria.models import LexMariaCase
from outbox.models import Notification
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db

IN_A_MONTH = timezone.localdate() + dt.timedelta(days=30)


def _taken(cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    return services.incident_take(incident=incident, actor=cast.handler)


def _action(cast, incident, responsible, **fields):
    return services.action_add(
        incident=incident,
        actor=cast.handler,
        description=fields.pop("description", "Inför dubbelkontroll av Waran vid kvällsmedicinering."),
        responsible=responsible,
        due_date=fields.pop("due_date", IN_A_MONTH),
        **fields,
    )


# --- The one table -------------------------------------------------------------------------------


def test_it_refuses_an_action_without_a_source_or_with_two(cast, tree):
    # given an action of an incident
    incident = _taken(cast, tree)
    action = _action(cast, incident, cast.manager)
    lex_maria = LexMariaCase.objects.create(
        reference="LM-2026-999999",
        unit=tree.medicin,
        requested_by=cast.handler,
        created_by=cast.handler,
        decision_due_on=IN_A_MONTH,
    )

    # when the source is removed, a second one is set, or none is given, the database refuses
    with transaction.atomic(), pytest.raises(IntegrityError):
        Action.objects.filter(pk=action.pk).update(lexmaria_case=lex_maria)
    with transaction.atomic(), pytest.raises(IntegrityError):
        Action.objects.filter(pk=action.pk).update(incident=None)
    with transaction.atomic(), pytest.raises(IntegrityError):
        Action.objects.create(
            description="Ingen källa",
            responsible=cast.manager,
            due_date=IN_A_MONTH,
            created_by=cast.handler,
        )

    # then the action still has its one source
    action.refresh_from_db()
    assert action.source == incident and action.source_field == "incident"


# --- Notifications --------------------------------------------------------------------------------


def test_the_responsible_person_is_told_when_assigned_and_when_reassigned(cast, tree):
    # given
    incident = _taken(cast, tree)
    Notification.objects.all().delete()

    # when the handler assigns an action to the reporter, then reassigns it to the manager
    action = _action(cast, incident, cast.reporter)
    register.action_update(action=action, actor=cast.handler, responsible=cast.manager)

    # then each was told once, with the reference and a link to "Mina åtgärder", no free text
    told = list(Notification.objects.order_by("id").values_list("user__username", "subject", "link"))
    assert [user for user, _, _ in told] == [cast.reporter.username, cast.manager.username]
    assert all(incident.reference in subject and "Waran" not in subject for _, subject, _ in told)
    assert {link for _, _, link in told} == {reverse("actions:mine")}


def test_nobody_is_told_of_an_action_they_gave_themselves(cast, tree):
    incident = _taken(cast, tree)
    Notification.objects.all().delete()

    _action(cast, incident, cast.handler)

    assert not Notification.objects.exists()


# --- The responsible person's progress --------------------------------------------------------


def test_the_responsible_person_marks_done_and_the_case_shows_it(cast, tree):
    # given an action of an incident whose responsible person (in another clinic) cannot see it
    incident = _taken(cast, tree)
    action = _action(cast, incident, cast.handler_orto)
    version = incident.__class__.objects.get(pk=incident.pk).version

    # when she marks it done with a note
    done = register.action_progress(
        action=action, actor=cast.handler_orto, state=Action.State.DONE, note="Rutinen är införd på avdelningen."
    )

    # then it is done, the note kept, and the incident's timeline and version record it
    assert done.state == Action.State.DONE and done.done_at is not None and done.started_at is not None
    assert done.progress_note == "Rutinen är införd på avdelningen."
    entry = TimelineEntry.objects.filter(incident=incident).latest("id")
    assert (entry.kind, entry.actor, entry.data["action_id"]) == ("action_changed", cast.handler_orto, action.pk)
    assert incident.__class__.objects.get(pk=incident.pk).version == version + 1


def test_done_needs_a_note_on_what_was_done(cast, tree):
    action = _action(cast, _taken(cast, tree), cast.reporter)

    with pytest.raises(register.ValidationError) as error:
        register.action_progress(action=action, actor=cast.reporter, state=Action.State.DONE, note="  ")

    assert error.value.message_dict == {"progress_note": ["Ange vad som gjordes."]}
    assert Action.objects.get(pk=action.pk).state == Action.State.PLANNED


def test_the_responsible_person_may_not_change_what_the_action_is(cast, tree):
    action = _action(cast, _taken(cast, tree), cast.reporter)

    with pytest.raises(register.PermissionDenied):
        register.action_update(action=action, actor=cast.reporter, due_date=IN_A_MONTH + dt.timedelta(days=9))

    assert Action.objects.get(pk=action.pk).due_date == IN_A_MONTH


def test_someone_else_may_neither(cast, tree):
    action = _action(cast, _taken(cast, tree), cast.reporter)

    with pytest.raises(register.PermissionDenied):
        register.action_progress(action=action, actor=cast.handler_orto, state=Action.State.DONE, note="x")


def test_a_stale_change_is_refused_with_what_changed(cast, tree):
    action = _action(cast, _taken(cast, tree), cast.reporter)
    seen = action.version
    register.action_progress(action=action, actor=cast.reporter, state=Action.State.IN_PROGRESS)

    with pytest.raises(register.StaleVersionError) as error:
        register.action_update(action=action, actor=cast.handler, version=seen, description="Annan åtgärd")

    assert [entry.kind for entry in error.value.changes] == ["action_changed"]


# --- Visibility -----------------------------------------------------------------------------------


def test_an_action_is_visible_to_those_who_see_its_source_and_to_its_responsible_person(cast, tree):
    incident = _taken(cast, tree)
    action = _action(cast, incident, cast.handler_orto)

    def sees(user) -> bool:
        return Action.objects.visible_to(user).filter(pk=action.pk).exists()

    assert [sees(user) for user in (cast.handler, cast.manager, cast.chief_physician, cast.safety_officer)] == [
        True,
        True,
        True,
        True,
    ]
    assert sees(cast.handler_orto)  # the responsible person, in another clinic
    assert [sees(user) for user in (cast.manager_orto, cast.viewer, cast.mas, cast.outsider)] == [
        False,
        False,
        False,
        False,
    ]
    # the reporter sees her incident, but not its handling
    assert not sees(cast.reporter)


# --- Pages ----------------------------------------------------------------------------------------


def test_my_actions_lists_overdue_first_and_the_source_without_a_link_she_may_not_follow(login, cast, tree):
    # given two actions of the orthopaedics handler from a medicine incident, one overdue
    incident = _taken(cast, tree)
    later = _action(cast, incident, cast.handler_orto, description="Senare")
    overdue = _action(cast, incident, cast.handler_orto, description="Försenad")
    Action.objects.filter(pk=overdue.pk).update(due_date=timezone.localdate() - dt.timedelta(days=3))

    # when she opens "Mina åtgärder"
    response = login(cast.handler_orto).get(reverse("actions:mine"))

    # then the overdue one comes first, with the reference but no link into the case
    assert response.status_code == 200
    rows = [row for row, _form in response.context["open_rows"]]
    assert [row.action.pk for row in rows] == [overdue.pk, later.pk]
    assert [row.overdue for row in rows] == [True, False]
    assert {row.reference for row in rows} == {incident.reference}
    assert {row.source_url for row in rows} == {None}
    assert reverse("incidents:detail", kwargs={"pk": incident.pk}) not in response.content.decode()


def test_marking_done_on_my_actions(login, cast, tree):
    action = _action(cast, _taken(cast, tree), cast.reporter)
    client = login(cast.reporter)

    response = client.post(
        reverse("actions:progress", kwargs={"pk": action.pk}),
        {
            f"action-{action.pk}-state": "done",
            f"action-{action.pk}-progress_note": "Klart.",
            f"action-{action.pk}-version": action.version,
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('actions:mine')}#action-{action.pk}"
    assert Action.objects.get(pk=action.pk).state == Action.State.DONE


def test_marking_done_without_a_note_shows_the_page_again_with_the_message(login, cast, tree):
    action = _action(cast, _taken(cast, tree), cast.reporter)

    response = login(cast.reporter).post(
        reverse("actions:progress", kwargs={"pk": action.pk}),
        {f"action-{action.pk}-state": "done", f"action-{action.pk}-version": action.version},
    )

    assert response.status_code == 400
    assert "Ange vad som gjordes." in response.content.decode()
    assert Action.objects.get(pk=action.pk).state == Action.State.PLANNED


def test_someone_elses_action_is_not_found_on_my_actions(login, cast, tree):
    action = _action(cast, _taken(cast, tree), cast.reporter)

    response = login(cast.handler).post(
        reverse("actions:progress", kwargs={"pk": action.pk}),
        {f"action-{action.pk}-state": "done", f"action-{action.pk}-version": action.version},
    )

    assert response.status_code == 404


def test_the_list_filters_and_exports(login, cast, tree):
    incident = _taken(cast, tree)
    mine = _action(cast, incident, cast.handler)
    other = _action(cast, incident, cast.manager)
    Action.objects.filter(pk=other.pk).update(due_date=timezone.localdate() - dt.timedelta(days=1))
    client = login(cast.chief_physician)

    overdue = client.get(reverse("actions:list"), {"overdue": "true"})
    theirs = client.get(reverse("actions:list"), {"responsible": cast.handler.pk})
    bad = client.get(reverse("actions:list"), {"overdue": "kanske"})
    export = client.get(reverse("actions:list"), {"source_type": "incident", "format": "csv"})

    assert [row.action.pk for row in overdue.context["rows"]] == [other.pk]
    assert [row.action.pk for row in theirs.context["rows"]] == [mine.pk]
    assert bad.status_code == 400
    assert export["Content-Type"].startswith("text/csv")
    assert export.streaming  # sent as it is written (the register may hold a million actions)
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0].startswith("Åtgärd;Källa;Referens")
    assert body.count(incident.reference) == 2
    assert incident.patient_identifier == "" or incident.patient_identifier not in body


def test_the_list_is_for_those_who_handle_cases(login, cast):
    assert login(cast.viewer).get(reverse("actions:list")).status_code == 403


# --- API ------------------------------------------------------------------------------------------


def test_the_api_lists_my_actions_with_their_source(api, cast, tree):
    incident = _taken(cast, tree)
    action = _action(cast, incident, cast.handler_orto)
    _action(cast, incident, cast.manager)

    body = api(cast.handler_orto).get("/api/v1/actions/", {"responsible": "me"}).json()

    assert [item["id"] for item in body["results"]] == [action.pk]
    assert body["results"][0]["source"] == {"type": "incident", "id": incident.pk, "reference": incident.reference}


def test_the_api_patch_checks_the_version_and_who(api, cast, tree):
    action = _action(cast, _taken(cast, tree), cast.reporter)
    url = f"/api/v1/actions/{action.pk}/"

    not_hers = api(cast.reporter).patch(url, {"version": action.version, "description": "Annat"}, format="json")
    done = api(cast.reporter).patch(
        url, {"version": action.version, "state": "done", "progress_note": "Gjort."}, format="json"
    )
    stale = api(cast.handler).patch(url, {"version": action.version, "description": "Annat"}, format="json")
    unknown = api(cast.handler).patch(url, {"version": 2, "incident": 1}, format="json")

    assert not_hers.status_code == 403
    assert done.status_code == 200 and done.json()["state"] == "done"
    assert stale.status_code == 409 and stale.json()["changes"][0]["kind"] == "action_changed"
    assert unknown.status_code == 400 and "incident" in unknown.json()["errors"]


def test_the_responsible_person_may_not_cancel_or_replan(api, cast, tree):
    action = _action(cast, _taken(cast, tree), cast.handler_orto)
    url = f"/api/v1/actions/{action.pk}/"

    cancelled = api(cast.handler_orto).patch(url, {"version": action.version, "state": "cancelled"}, format="json")
    replanned = api(cast.handler_orto).patch(url, {"version": action.version, "state": "planned"}, format="json")

    assert (cancelled.status_code, replanned.status_code) == (403, 403)
    assert Action.objects.get(pk=action.pk).state == Action.State.PLANNED


def test_the_export_reads_the_register_a_chunk_at_a_time_and_holds_every_action_once(login, cast, tree, monkeypatch):
    from openpyxl import load_workbook

    from actions import views as action_views

    incident = _taken(cast, tree)
    made = [_action(cast, incident, cast.handler) for _ in range(5)]
    for n, action in enumerate(made):
        Action.objects.filter(pk=action.pk).update(description=f"Åtgärd nummer {n}")
    monkeypatch.setattr(action_views, "EXPORT_CHUNK", 2)
    client = login(cast.chief_physician)

    csv_response = client.get(reverse("actions:list"), {"format": "csv"})
    xlsx_response = client.get(reverse("actions:list"), {"format": "xlsx"})

    assert csv_response.streaming and xlsx_response.streaming
    text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    cells = [
        row[0]
        for row in load_workbook(
            io.BytesIO(b"".join(xlsx_response.streaming_content)), read_only=True
        ).active.iter_rows(values_only=True)
    ]
    for n in range(5):
        assert text.count(f"Åtgärd nummer {n};") == 1
        assert cells.count(f"Åtgärd nummer {n}") == 1
    assert xlsx_response["Content-Disposition"] == 'attachment; filename="atgarder.xlsx"'
