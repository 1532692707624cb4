"""Sending a case to another unit, in the two ways coordinators do it (issue 13): hand it over
(responsibility moves, the handler is cleared, the case is reported again there) or ask the
other unit for an answer and keep it (a samverkansavvikelse). Services, the case page on both
sides, the work queue and the API; and the page never fails on a forward in any state.

The cast: Elisabeth (`handler`, Medicinkliniken) handles the case; Hemsjukvården
(`municipal_handler`, another care provider, under `mas`) is asked or receives it;
`handler_orto` is a handler of a unit nobody involved.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import Forward, Incident, Status, TimelineEntry
from outbox.models import Notification
from psweb.cases import ConflictError, StaleVersionError
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db

Kind = TimelineEntry.Kind


def soon(days: int = 7) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def fresh(incident) -> Incident:
    return Incident.objects.get(pk=incident.pk)


@pytest.fixture
def taken(cast, tree) -> Incident:
    """A report from Avdelning 5 that Elisabeth (Medicinkliniken) is handling."""
    incident = report(cast.reporter, tree.medicin_ward)
    return services.incident_take(incident=incident, actor=cast.handler)


def ask(incident, cast, tree, **kwargs) -> Forward:
    values = {
        "incident": incident,
        "actor": cast.handler,
        "kind": Forward.Kind.ASK,
        "to_unit": tree.hemsjukvard,
        "message": "Hur togs läkemedelslistan emot vid utskrivningen?",
        "answer_due": soon(),
        **kwargs,
    }
    return services.incident_forward(**values)


def sees(user, incident) -> bool:
    return Incident.objects.visible_to(user).filter(pk=incident.pk).exists()


# --- Services: asking for an answer ----------------------------------------------------------


def test_asking_for_an_answer_keeps_the_case_its_handler_and_its_status(cast, tree, taken):
    # given a case in progress with Elisabeth as its handler
    before = fresh(taken)

    # when she asks Hemsjukvården for an answer
    forward = ask(taken, cast, tree)

    # then the case stays hers, in progress, with Medicinkliniken responsible
    after = fresh(taken)
    assert (after.responsible_unit, after.handler, after.status) == (
        tree.medicin_ward,
        cast.handler,
        Status.IN_PROGRESS,
    )
    assert after.version == before.version + 1
    assert (forward.kind, forward.from_unit, forward.to_unit) == (Forward.Kind.ASK, tree.medicin_ward, tree.hemsjukvard)
    entry = after.timeline.last()
    assert entry.kind == Kind.ANSWER_ASKED
    assert entry.data["forward_id"] == forward.pk
    assert entry.message == f"{tree.medicin_ward.name} → {tree.hemsjukvard.name}"


def test_the_asked_units_handlers_are_told_with_reference_and_link_only(cast, tree, taken):
    forward = ask(taken, cast, tree)

    notice = Notification.objects.get(user=cast.municipal_handler)
    assert taken.reference in notice.subject and "Fråga till Hemsjukvården" in notice.subject
    assert forward.message not in notice.subject
    assert notice.link == reverse("incidents:detail", kwargs={"pk": taken.pk})
    # the handler of the case is not told of her own question, nor anyone elsewhere
    assert not Notification.objects.filter(
        user__in=[cast.handler, cast.handler_orto], subject__contains="Fråga"
    ).exists()


def test_the_asked_unit_sees_the_case_and_others_still_do_not(cast, tree, taken):
    assert not sees(cast.municipal_handler, taken)

    ask(taken, cast, tree)

    assert sees(cast.municipal_handler, taken) and sees(cast.mas, taken)
    assert sees(cast.handler, taken)  # the responsible unit, as before
    assert not sees(cast.handler_orto, taken)


def test_the_asked_unit_answers_once_and_keeps_seeing_the_case_and_its_answer(cast, tree, taken):
    forward = ask(taken, cast, tree)

    # the asking side may not answer its own question
    with pytest.raises(PermissionDenied):
        services.forward_answer(forward=forward, actor=cast.handler, answer="Själv")
    with pytest.raises(PermissionDenied):
        services.forward_answer(forward=forward, actor=cast.handler_orto, answer="Vi?")

    services.forward_answer(forward=forward, actor=cast.municipal_handler, answer="Listan kom dagen efter.")

    forward.refresh_from_db()
    assert forward.answered_by == cast.municipal_handler and forward.answered_at
    assert fresh(taken).timeline.last().kind == Kind.FORWARD_ANSWERED
    assert fresh(taken).status == Status.IN_PROGRESS and fresh(taken).handler == cast.handler
    assert sees(cast.municipal_handler, taken)
    # the asker hears that the answer has come (reference and link, not the answer)
    notice = Notification.objects.get(user=cast.handler, link__endswith=f"#forward-{forward.pk}")
    assert taken.reference in notice.subject and "har svarat" in notice.subject and "Listan" not in notice.subject
    with pytest.raises(ConflictError):
        services.forward_answer(forward=forward, actor=cast.municipal_handler, answer="Igen")


def test_a_question_needs_a_date_a_question_and_another_unit(cast, tree, taken):
    with pytest.raises(ValidationError) as refused:
        ask(taken, cast, tree, answer_due=None, message="  ")
    assert set(refused.value.message_dict) == {"answer_due", "message"}
    assert refused.value.message_dict["message"] == ["Skriv frågan som enheten ska svara på."]

    with pytest.raises(ValidationError) as refused:
        ask(taken, cast, tree, to_unit=tree.medicin_ward, answer_due=timezone.localdate() - dt.timedelta(days=1))
    assert refused.value.message_dict == {
        "to_unit": ["Din enhet är ansvarig för avvikelsen. Be en annan enhet om svar."],
        "answer_due": ["Datumet har redan passerat. Välj i dag eller ett senare datum."],
    }
    assert not Forward.objects.exists()


def test_the_same_unit_is_not_asked_again_before_it_has_answered(cast, tree, taken):
    forward = ask(taken, cast, tree)

    with pytest.raises(ValidationError) as refused:
        ask(taken, cast, tree)
    assert list(refused.value.message_dict) == ["to_unit"]

    services.forward_answer(forward=forward, actor=cast.municipal_handler, answer="Svar.")
    assert ask(taken, cast, tree, message="En följdfråga.").kind == Forward.Kind.ASK


def test_an_unknown_kind_is_refused(cast, tree, taken):
    with pytest.raises(ValidationError) as refused:
        ask(taken, cast, tree, kind="consult")
    assert list(refused.value.message_dict) == ["kind"]


def test_only_the_responsible_units_handlers_ask_and_only_on_an_open_case(cast, tree, taken):
    with pytest.raises(PermissionDenied):
        ask(taken, cast, tree, actor=cast.handler_orto)
    with pytest.raises(PermissionDenied):
        ask(taken, cast, tree, actor=cast.municipal_handler)

    services.incident_withdraw(incident=taken, actor=cast.handler, reason="Dubblett.")
    with pytest.raises(ConflictError):
        ask(taken, cast, tree)
    assert not Forward.objects.exists()


def test_a_question_from_an_old_version_is_refused(cast, tree, taken):
    old = fresh(taken).version
    services.incident_assess_risk(incident=taken, actor=cast.handler, probability=2, consequence=2)

    with pytest.raises(StaleVersionError):
        ask(taken, cast, tree, version=old)
    ask(taken, cast, tree, version=fresh(taken).version)


# --- Services: handing over ------------------------------------------------------------------


def test_handing_over_moves_the_case_clears_the_handler_and_reports_it_again_there(cast, tree, taken):
    # when Elisabeth hands the case over, without a date for an answer
    forward = services.incident_forward(
        incident=taken, actor=cast.handler, to_unit=tree.hemsjukvard, message="Er patient.", answer_due=None
    )

    # then Hemsjukvården is responsible, nobody handles it yet, it is reported there
    after = fresh(taken)
    assert (after.responsible_unit, after.handler, after.status) == (tree.hemsjukvard, None, Status.SUBMITTED)
    assert (forward.kind, forward.answer_due) == (Forward.Kind.HAND_OVER, None)
    assert after.timeline.last().kind == Kind.FORWARDED
    notice = Notification.objects.get(user=cast.municipal_handler)
    assert "överlämnad till Hemsjukvården" in notice.subject
    assert sees(cast.handler, taken) and sees(cast.municipal_handler, taken)


# --- The database refuses an answer without its answerer ------------------------------------


def test_the_database_refuses_an_answer_without_an_answerer_or_a_question_without_a_date(cast, tree, taken):
    values = {
        "incident": taken,
        "from_unit": tree.medicin_ward,
        "to_unit": tree.hemsjukvard,
        "message": "Fråga",
        "forwarded_by": cast.handler,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Forward.objects.create(**values, answer="Svar", answered_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Forward.objects.create(**values, answered_by=cast.municipal_handler, answered_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Forward.objects.create(**values, kind=Forward.Kind.ASK, answer_due=None)
    assert not Forward.objects.exists()


# --- The case page ---------------------------------------------------------------------------


@pytest.fixture
def as_user(client):
    def _as(user):
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _as


def page_of(client, incident):
    response = client.get(reverse("incidents:detail", kwargs={"pk": incident.pk}))
    assert response.status_code == 200
    return response.content.decode()


def send(client, incident, data):
    payload = {"version": fresh(incident).version, **data}
    return client.post(reverse("incidents:case-forward", kwargs={"pk": incident.pk}), payload)


def test_the_form_says_what_each_choice_does_before_it_is_sent(as_user, cast, taken):
    # the form as the step "Hand over, or ask" opens it
    response = as_user(cast.handler).get(reverse("incidents:step", kwargs={"pk": taken.pk, "step": "vidarebefordra"}))
    page = response.content.decode()

    assert "Hand the case over" in page and "Ask for an answer, keep the case" in page
    assert "You and your unit are no longer its handlers" in page
    assert "You keep the case: you remain its handler and its status does not change." in page
    assert 'name="kind"' in page and "checked" not in page.split('name="kind"')[1][:80]


def test_the_form_asks_which_of_the_two(as_user, cast, tree, taken):
    response = send(as_user(cast.handler), taken, {"to_unit": tree.hemsjukvard.pk, "message": "x"})

    assert response.status_code == 400
    assert "Choose whether to hand the case over or to ask for an answer." in response.content.decode()
    assert not Forward.objects.exists()


def test_a_question_needs_its_date_on_the_page_too(as_user, cast, tree, taken):
    response = send(
        as_user(cast.handler), taken, {"kind": "ask", "to_unit": tree.hemsjukvard.pk, "message": "x", "answer_due": ""}
    )

    assert response.status_code == 400
    assert "Give the date an answer is due." in response.content.decode()


def test_asking_from_the_page_keeps_the_case_and_says_so(as_user, cast, tree, taken):
    client = as_user(cast.handler)
    response = send(
        client,
        taken,
        {"kind": "ask", "to_unit": tree.hemsjukvard.pk, "message": "Hur gick det?", "answer_due": soon().isoformat()},
    )

    assert response.status_code == 302
    assert fresh(taken).handler == cast.handler
    page = page_of(client, taken)
    assert "has been asked to answer by" in page and "You keep the case." in page
    assert "Questions to other units not answered yet:" in page
    assert "You may close the incident without waiting." in page


def test_the_asked_unit_reads_the_case_and_answers_but_does_not_handle_it(as_user, cast, tree, taken):
    forward = ask(taken, cast, tree)
    client = as_user(cast.municipal_handler)

    page = page_of(client, taken)
    assert "asks your unit for an answer" in page
    assert reverse("incidents:case-forward-answer", kwargs={"pk": taken.pk, "forward_pk": forward.pk}) in page
    assert reverse("incidents:case-take", kwargs={"pk": taken.pk}) not in page
    assert cast.reporter.get_full_name() not in page  # who reported is for the case's handlers

    response = client.post(
        reverse("incidents:case-forward-answer", kwargs={"pk": taken.pk, "forward_pk": forward.pk}),
        {"version": fresh(taken).version, "answer": "Listan kom dagen efter."},
    )
    assert response.status_code == 302
    assert "Listan kom dagen efter." in page_of(client, taken)
    assert "Listan kom dagen efter." in page_of(as_user(cast.handler), taken)


def test_the_receiving_unit_sees_that_the_case_was_handed_over_to_it(as_user, cast, tree, taken):
    services.incident_forward(
        incident=taken,
        actor=cast.handler,
        kind=Forward.Kind.HAND_OVER,
        to_unit=tree.hemsjukvard,
        message="Er patient.",
        answer_due=None,
    )

    page = page_of(as_user(cast.municipal_handler), taken)
    assert "has handed the case over to your unit" in page
    assert reverse("incidents:case-take", kwargs={"pk": taken.pk}) in page
    sender = page_of(as_user(cast.handler), taken)
    assert "The case was handed over to" in sender


@pytest.mark.parametrize("viewer", ["chief_physician", "safety_officer", "handler", "mas", "municipal_handler"])
def test_the_case_page_shows_forwards_in_every_state(as_user, cast, tree, viewer):
    # given a case handed over without a date, and one with an answer; a question waiting
    # and one answered (issue 19: the page answered 500 for an answered forward)
    incident = report(cast.reporter, tree.orto_ward)
    services.incident_take(incident=incident, actor=cast.handler_orto)
    handed = services.incident_forward(
        incident=incident, actor=cast.handler_orto, to_unit=tree.medicin, message="Till er.", answer_due=None
    )
    services.forward_answer(forward=handed, actor=cast.handler, answer="Vi tar det.")
    services.incident_take(incident=incident, actor=cast.handler)
    answered = ask(incident, cast, tree)
    services.forward_answer(forward=answered, actor=cast.municipal_handler, answer="Besvarat.")
    ask(incident, cast, tree, message="En fråga till.")
    services.incident_forward(
        incident=incident,
        actor=cast.handler,
        to_unit=tree.orto_ward,
        message="Tillbaka.",
        answer_due=soon(),
        kind=Forward.Kind.HAND_OVER,
    )

    # when each of them opens it, then it shows, with each forward and what it was
    page = page_of(as_user(getattr(cast, viewer)), incident)
    assert page.count('data-kind="ask"') == 2 and page.count('data-kind="hand_over"') == 2
    assert "Besvarat." in page and "Vi tar det." in page


# --- The work queue and the API list ---------------------------------------------------------


def test_the_asked_unit_finds_its_questions_in_the_queue(as_user, cast, tree, taken):
    other = report(cast.reporter, tree.medicin_ward)
    forward = ask(taken, cast, tree)
    client = as_user(cast.municipal_handler)

    response = client.get(reverse("incidents:queue"), {"questions_to_me": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert f'data-incident="{taken.pk}"' in body and f'data-incident="{other.pk}"' not in body
    assert "question from" in body
    # the asking side sees it is waiting, and does not count it as a question to itself
    asker = as_user(cast.handler).get(reverse("incidents:queue")).content.decode()
    assert "awaiting an answer from" in asker
    mine = as_user(cast.handler).get(reverse("incidents:queue"), {"questions_to_me": "true"}).content.decode()
    assert f'data-incident="{taken.pk}"' not in mine

    services.forward_answer(forward=forward, actor=cast.municipal_handler, answer="Svar.")
    body = as_user(cast.municipal_handler).get(reverse("incidents:queue"), {"questions_to_me": "true"})
    assert f'data-incident="{taken.pk}"' not in body.content.decode()


def url(incident, tail: str = "") -> str:
    return f"/api/v1/incidents/{incident.pk}/{tail}"


def test_the_api_asks_for_an_answer_with_kind_and_hands_over_without_it(api, cast, tree, taken):
    # without a date, a question is refused field by field
    refused = api(cast.handler).post(
        url(taken, "forward/"),
        {"kind": "ask", "to_unit": tree.hemsjukvard.pk, "message": "Fråga", "version": fresh(taken).version},
        format="json",
    )
    assert refused.status_code == 400 and "answer_due" in refused.json()["errors"]

    asked = api(cast.handler).post(
        url(taken, "forward/"),
        {
            "kind": "ask",
            "to_unit": tree.hemsjukvard.pk,
            "message": "Fråga",
            "answer_due": soon().isoformat(),
            "version": fresh(taken).version,
        },
        format="json",
    )
    assert asked.status_code == 200, asked.json()
    assert asked.json()["responsible_unit"] == tree.medicin_ward.pk and asked.json()["status"] == "in_progress"

    listed = api(cast.municipal_handler).get("/api/v1/incidents/", {"questions_to_me": "true"}).json()
    assert [row["id"] for row in listed["results"]] == [taken.pk]
    forward = api(cast.municipal_handler).get(url(taken, "forwards/")).json()[0]
    assert forward["kind"] == "ask"
    answered = api(cast.municipal_handler).post(
        url(taken, f"forwards/{forward['id']}/answer/"), {"answer": "Svar"}, format="json"
    )
    assert answered.status_code == 200 and answered.json()["kind"] == "ask"

    # a client that does not know `kind` hands over, as before
    handed = api(cast.handler).post(
        url(taken, "forward/"),
        {"to_unit": tree.orto_ward.pk, "message": "Till er.", "version": fresh(taken).version},
        format="json",
    )
    assert handed.status_code == 200, handed.json()
    assert handed.json()["responsible_unit"] == tree.orto_ward.pk and handed.json()["status"] == "submitted"
    kinds = [f["kind"] for f in api(cast.handler).get(url(taken, "forwards/")).json()]
    assert kinds == ["ask", "hand_over"]


def test_the_api_refuses_an_unknown_kind(api, cast, tree, taken):
    response = api(cast.handler).post(
        url(taken, "forward/"),
        {
            "kind": "consult",
            "to_unit": tree.hemsjukvard.pk,
            "message": "x",
            "answer_due": soon().isoformat(),
            "version": fresh(taken).version,
        },
        format="json",
    )
    assert response.status_code == 400
    assert not Forward.objects.exists()
