"""The unit's egenkontroll pages (issue 18): "Egenkontroll" lists what the user's units answer;
one response's page shows every statement, saves each answer as it is given (htmx, or a plain
POST without JavaScript), refuses bad input without saving, and lets the manager submit,
approve or return it; an action for a negative answer goes to the action register."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from audits import services
from audits.models import Answer, Response, Status, TimelineEntry
from tests.audits.conftest import HYGIENE, answer_all, send

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def ward_response(cast, tree, **kwargs) -> Response:
    round_ = send(cast.safety_officer, [tree.medicin_ward, tree.orto_ward], **kwargs)
    return Response.objects.get(round=round_, unit=tree.medicin_ward)


def statements(response: Response) -> list:
    return list(response.round.template_version.statements.order_by("position"))


def page_url(response: Response) -> str:
    return reverse("audits:response", kwargs={"pk": response.pk})


def answer_url(response: Response, statement) -> str:
    return reverse("audits:answer", kwargs={"pk": response.pk, "statement": statement.pk})


def fresh(response: Response) -> Response:
    return Response.objects.get(pk=response.pk)


def test_the_nurse_sees_every_statement_with_its_answer_scale(as_user, cast, tree, acast):
    response = ward_response(cast, tree)

    page = as_user(acast.nurse).get(page_url(response))

    assert page.status_code == 200
    html = page.content.decode()
    assert response.reference in html and "Läkemedel 2026" in html
    for statement in statements(response):
        assert statement.text in html
        assert answer_url(response, statement) in html  # its own autosaving form
        assert f'id="answer-{statement.pk}-missing"' in html  # the status scale's radios
        assert f'id="answer-{statement.pk}-comment"' in html
    assert "Delegeringar ska vara personliga och gälla högst ett år." in html  # a help text
    assert "Regionens riktlinje för läkemedelshantering" in html  # a routine
    # The nurse answers, the manager submits.
    assert reverse("audits:submit", kwargs={"pk": response.pk}) not in html
    assert "Only the unit&#x27;s manager can submit the self-audit." in html


def test_an_observation_offers_two_counts(as_user, cast, tree, acast):
    response = ward_response(cast, tree, code=HYGIENE)
    statement = statements(response)[0]

    html = as_user(acast.nurse).get(page_url(response)).content.decode()

    assert f'id="answer-{statement.pk}-observed"' in html and f'id="answer-{statement.pk}-compliant"' in html
    assert f'id="answer-{statement.pk}-missing"' not in html


def test_the_autosave_stores_the_answer_and_says_saved(as_user, cast, tree, acast):
    response = ward_response(cast, tree)
    statement = statements(response)[0]

    saved = as_user(acast.nurse).post(answer_url(response, statement), {"value": "missing", "comment": ""}, **HTMX)

    assert saved.status_code == 200
    answer = Answer.objects.get(response=response, statement=statement)
    assert (answer.value, answer.answered_by) == ("missing", acast.nurse)
    html = saved.content.decode()
    assert f'id="statement-{statement.pk}"' in html and "Saved" in html
    # The negative answer's comment is marked as required, and an action is offered at once.
    assert "data-comment-required" in html
    assert reverse("audits:action-add", kwargs={"pk": response.pk}) in html
    # The list of what stops submission comes along, out of band.
    assert 'id="missing" hx-swap-oob="true"' in html
    assert f"A negative answer needs a comment: {statement.position}. {statement.text}" in html


def test_a_bad_count_is_refused_with_the_message_and_nothing_is_saved(as_user, cast, tree, acast):
    response = ward_response(cast, tree, code=HYGIENE)
    statement = statements(response)[0]
    client = as_user(acast.nurse)

    by_htmx = client.post(answer_url(response, statement), {"observed": "5", "compliant": "6"}, **HTMX)
    plain = client.post(answer_url(response, statement), {"observed": "5", "compliant": "6"})

    for refused in (by_htmx, plain):
        assert refused.status_code == 400
        html = refused.content.decode()
        assert "More cannot be compliant than were observed." in html
        assert 'value="6"' in html  # what she typed stays
    assert not Answer.objects.filter(response=response).exists()


def test_without_javascript_the_answer_is_saved_and_the_page_opens_on_the_statement(as_user, cast, tree, acast):
    response = ward_response(cast, tree)
    statement = statements(response)[1]

    saved = as_user(acast.nurse).post(
        answer_url(response, statement), {"value": "in_place", "comment": "Enligt rutin."}
    )

    assert saved.status_code == 302
    assert saved["Location"] == f"{page_url(response)}#statement-{statement.pk}"
    answer = Answer.objects.get(response=response, statement=statement)
    assert (answer.value, answer.comment) == ("in_place", "Enligt rutin.")
    html = as_user(acast.nurse).get(saved["Location"]).content.decode()
    assert "The answer has been saved." in html
    assert f'id="answer-{statement.pk}-in_place" checked' in html


def test_a_negative_answer_without_a_comment_blocks_submission(as_user, cast, tree, acast):
    response = ward_response(cast, tree)
    answer_all(response, acast.nurse)
    first = statements(response)[0]
    services.answer_save(response=response, actor=acast.nurse, statement=first, fields={"value": "missing"})
    client = as_user(acast.ward_manager)

    page = client.get(page_url(response)).content.decode()
    refused = client.post(reverse("audits:submit", kwargs={"pk": response.pk}), {"version": response.version})

    message = f"A negative answer needs a comment: {first.position}. {first.text}"
    assert message in page
    assert refused.status_code == 400
    assert message in refused.content.decode()
    assert fresh(response).status == Status.OPEN


def test_the_manager_submits_approves_and_returns_with_a_reason(as_user, cast, tree, acast):
    response = ward_response(cast, tree)
    answer_all(response, acast.nurse)
    client = as_user(acast.ward_manager)

    submitted = client.post(reverse("audits:submit", kwargs={"pk": response.pk}), {"version": fresh(response).version})
    assert submitted.status_code == 302
    assert fresh(response).status == Status.SUBMITTED
    html = client.get(page_url(response)).content.decode()
    assert "The self-audit has been submitted." in html
    assert reverse("audits:approve", kwargs={"pk": response.pk}) in html

    # Returning needs a reason: without one nothing changes.
    returning = reverse("audits:return", kwargs={"pk": response.pk})
    refused = client.post(returning, {"version": fresh(response).version, "reason": " "})
    assert refused.status_code == 400
    assert fresh(response).status == Status.SUBMITTED
    returned = client.post(returning, {"version": fresh(response).version, "reason": "Kommentera delegeringen."})
    assert returned.status_code == 302
    assert fresh(response).status == Status.OPEN
    entry = fresh(response).timeline.get(kind=TimelineEntry.Kind.RETURNED)
    assert entry.message == "Kommentera delegeringen."
    assert "Kommentera delegeringen." in client.get(page_url(response)).content.decode()

    client.post(reverse("audits:submit", kwargs={"pk": response.pk}), {"version": fresh(response).version})
    approved = client.post(reverse("audits:approve", kwargs={"pk": response.pk}), {"version": fresh(response).version})
    assert approved.status_code == 302
    response = fresh(response)
    assert (response.status, response.approved_by) == (Status.APPROVED, acast.ward_manager)


def test_a_transition_from_an_old_version_or_the_wrong_state_is_a_conflict(as_user, cast, tree, acast):
    response = ward_response(cast, tree)
    answer_all(response, acast.nurse)
    client = as_user(acast.ward_manager)
    seen = fresh(response).version
    services.submit(response=response, actor=acast.ward_manager, version=seen)

    stale = client.post(reverse("audits:submit", kwargs={"pk": response.pk}), {"version": seen})
    wrong_state = client.post(
        reverse("audits:submit", kwargs={"pk": response.pk}), {"version": fresh(response).version}
    )

    assert stale.status_code == 409
    assert "Someone else changed this self-audit response while you had it open." in stale.content.decode()
    assert wrong_state.status_code == 409
    assert "This cannot be done while the response is submitted." in wrong_state.content.decode()


def test_the_nurse_cannot_submit_approve_or_return(as_user, cast, tree, acast):
    response = ward_response(cast, tree)
    answer_all(response, acast.nurse)
    client = as_user(acast.nurse)
    version = fresh(response).version

    refused = client.post(reverse("audits:submit", kwargs={"pk": response.pk}), {"version": version})

    assert refused.status_code == 403
    assert fresh(response).status == Status.OPEN
    services.submit(response=response, actor=acast.ward_manager, version=version)
    for name in ("approve", "return"):
        data = {"version": fresh(response).version, "reason": "Nej."}
        assert client.post(reverse(f"audits:{name}", kwargs={"pk": response.pk}), data).status_code == 403
    assert fresh(response).status == Status.SUBMITTED


def test_a_submitted_response_is_read_only_for_the_nurse(as_user, cast, tree, acast):
    response = ward_response(cast, tree)
    answer_all(response, acast.nurse, comment="")
    services.submit(response=response, actor=acast.ward_manager, version=fresh(response).version)
    first = statements(response)[0]
    client = as_user(acast.nurse)

    html = client.get(page_url(response)).content.decode()
    refused = client.post(answer_url(response, first), {"value": "missing"})

    assert answer_url(response, first) not in html
    assert "In place" in html
    assert refused.status_code == 403
    assert Answer.objects.get(response=response, statement=first).value == "in_place"


def test_a_user_of_another_unit_does_not_find_the_response(as_user, cast, tree, acast):
    response = ward_response(cast, tree)
    first = statements(response)[0]
    client = as_user(acast.nurse_orto)

    assert client.get(page_url(response)).status_code == 404
    assert client.post(answer_url(response, first), {"value": "in_place"}).status_code == 404
    assert not Answer.objects.filter(response=response).exists()


def test_a_statement_of_another_template_is_not_found(as_user, cast, tree, acast):
    response = ward_response(cast, tree)
    other = statements(ward_response(cast, tree, code=HYGIENE))[0]

    assert as_user(acast.nurse).post(answer_url(response, other), {"observed": "1"}).status_code == 404


def test_an_action_from_a_negative_answer_goes_to_the_action_register(as_user, cast, tree, acast):
    response = ward_response(cast, tree)
    first = statements(response)[0]
    services.answer_save(
        response=response, actor=acast.nurse, statement=first, fields={"value": "missing", "comment": "Ingen rutin."}
    )
    client = as_user(acast.nurse)
    due = timezone.localdate() + dt.timedelta(days=30)

    added = client.post(
        reverse("audits:action-add", kwargs={"pk": response.pk}),
        {
            "statement": first.pk,
            "description": "Skriv en lokal rutin",
            "responsible": acast.ward_manager.username,
            "due_date": due.isoformat(),
        },
    )

    assert added.status_code == 302
    assert added["Location"] == f"{page_url(response)}#actions"
    action = Action.objects.get(audit_response=response)
    assert (action.description, action.responsible, action.due_date) == (
        "Skriv en lokal rutin",
        acast.ward_manager,
        due,
    )
    assert action.source == response
    entry = fresh(response).timeline.get(kind=TimelineEntry.Kind.ACTION_ADDED)
    assert entry.message == first.text
    html = client.get(page_url(response)).content.decode()
    assert "Skriv en lokal rutin" in html


def test_an_action_without_a_description_is_refused_on_the_page(as_user, cast, tree, acast):
    response = ward_response(cast, tree)

    refused = as_user(acast.nurse).post(
        reverse("audits:action-add", kwargs={"pk": response.pk}),
        {"description": "", "responsible": acast.ward_manager.username, "due_date": timezone.localdate().isoformat()},
    )

    assert refused.status_code == 400
    assert "error-summary" in refused.content.decode()
    assert not Action.objects.filter(audit_response=response).exists()


def test_home_lists_open_responses_first_and_the_answered_ones(as_user, cast, tree, acast):
    open_one = ward_response(cast, tree, title="Hygien vecka 12", code=HYGIENE)
    answered = ward_response(cast, tree, title="Läkemedel 2025")
    answer_all(answered, acast.nurse)
    services.submit(response=answered, actor=acast.ward_manager, version=fresh(answered).version)
    orto_only = send(cast.safety_officer, [tree.orto_ward], title="Bara ortopedin")

    page = as_user(acast.nurse).get(reverse("audits:home"))

    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("Hygien vecka 12") < html.index("Läkemedel 2025")
    assert page_url(open_one) in html and page_url(answered) in html
    assert orto_only.title not in html
    # The nurse neither runs rounds nor reads results.
    assert reverse("audits:rounds") not in html


def test_home_has_an_empty_state_and_a_link_to_the_rounds_for_those_who_run_them(as_user, cast, tree):
    html = as_user(cast.indicator_editor).get(reverse("audits:home")).content.decode()

    assert 'data-empty="to-answer"' in html and 'data-empty="answered"' in html
    assert reverse("audits:rounds") in html


def test_home_is_refused_to_those_without_a_part_in_self_audits(as_user, client, cast):
    assert as_user(cast.admin).get(reverse("audits:home")).status_code == 403
    client.logout()
    anonymous = client.get(reverse("audits:home"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))


def test_the_viewer_reads_the_response_without_answering(as_user, cast, tree, acast):
    response = ward_response(cast, tree)
    first = statements(response)[0]
    services.answer_save(response=response, actor=acast.nurse, statement=first, fields={"value": "planned"})

    html = as_user(cast.viewer).get(page_url(response)).content.decode()

    assert first.text in html and "data-answer-value>Planned</dd>" in html
    assert answer_url(response, first) not in html
    assert reverse("audits:action-add", kwargs={"pk": response.pk}) not in html
    assert "Only the unit&#x27;s staff can answer its self-audit." in html


def test_a_round_not_yet_open_says_when_answers_can_be_given(as_user, cast, tree, acast):
    response = ward_response(cast, tree, opens_in_days=7)
    first = statements(response)[0]
    client = as_user(acast.nurse)

    html = client.get(page_url(response)).content.decode()

    assert response.status == Status.PLANNED
    assert "The round has not opened yet: answers can be given from" in html
    assert answer_url(response, first) not in html
    assert client.post(answer_url(response, first), {"value": "in_place"}).status_code == 403
