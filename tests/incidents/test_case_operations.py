"""The case page's operations, served from one table (`incidents.operations`) by the case kit:
what a row of the incident adds (its own 404, its own version, its own place on the page) and
the patient-information form built from the model's six points of PSL 3 kap. 8 §."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import resolve, reverse
from django.utils import timezone

from actions.models import Action
from incidents import services
from incidents.models import CauseArea, Incident
from incidents.operations import OPERATIONS
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client):
    """page(user, language) signs in on the test client, with pages in `language`."""

    def _as(user, language: str = "en"):
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client

    return _as


@pytest.fixture
def incident(cast, tree):
    incident = report(cast.reporter, tree.medicin_ward, patient_involved=True)
    return services.incident_take(incident=incident, actor=cast.handler)


def _action(incident, cast) -> Action:
    return services.action_add(
        incident=incident,
        actor=cast.handler,
        description="Dubbelkontroll av Waran",
        responsible=cast.handler,
        due_date=timezone.localdate() + dt.timedelta(days=30),
    )


def _action_form(action: Action, **changes) -> dict:
    return {
        "version": action.version,
        "description": action.description,
        "responsible": action.responsible.username,
        "due_date": action.due_date.isoformat(),
        "state": action.state,
        "effect_class": "",
        **changes,
    }


# The operations about one row of the incident, and the name their URL gives its id.
ROWS = {"case-cause-remove": "cause_pk", "case-action-update": "action_pk", "case-forward-answer": "forward_pk"}


def test_every_operation_has_its_url_below_the_case_and_one_view(incident):
    views = set()
    for name in OPERATIONS:
        kwargs = {"pk": incident.pk, **({ROWS[name]: 1} if name in ROWS else {})}
        url = reverse(f"incidents:{name}", kwargs=kwargs)
        match = resolve(url)

        assert url.startswith(f"/avvikelser/{incident.pk}/")
        assert match.kwargs["operation"] == name
        views.add(match.func)

    assert len(OPERATIONS) == 19
    assert len(views) == 1


def test_a_changed_action_lands_the_handler_on_that_action(page, cast, incident):
    action = _action(incident, cast)

    response = page(cast.handler).post(
        reverse("incidents:case-action-update", kwargs={"pk": incident.pk, "action_pk": action.pk}),
        _action_form(action, state=Action.State.IN_PROGRESS),
    )

    assert response.status_code == 302
    assert response["Location"].endswith(f"#action-{action.pk}")
    assert Action.objects.get(pk=action.pk).state == Action.State.IN_PROGRESS


def test_an_action_changed_meanwhile_comes_back_with_the_actions_current_version(page, cast, incident):
    # given the handler opened the page while the action was at its first version
    action = _action(incident, cast)
    seen = _action_form(action, description="Dubbelkontroll av all antikoagulantia")
    # and the manager changed the action meanwhile
    services.action_update(action=action, actor=cast.manager, version=action.version, state=Action.State.IN_PROGRESS)
    current = Action.objects.get(pk=action.pk).version

    # when the handler saves from the old page
    response = page(cast.handler).post(
        reverse("incidents:case-action-update", kwargs={"pk": incident.pk, "action_pk": action.pk}), seen
    )

    # then nothing is saved, and the form holds the text typed and the action's version now
    html = response.content.decode()
    assert response.status_code == 409
    assert 'id="stale"' in html and cast.manager.get_full_name() in html
    assert "Dubbelkontroll av all antikoagulantia</textarea>" in html
    assert f'name="version" value="{current}" id="id_action_{action.pk}_version"' in html
    assert current != Incident.objects.get(pk=incident.pk).version
    assert Action.objects.get(pk=action.pk).description == "Dubbelkontroll av Waran"


def test_a_removed_cause_cannot_be_removed_again(page, cast, incident):
    cause = services.cause_add(incident=incident, actor=cast.handler, area=CauseArea.objects.first())
    services.cause_remove(cause=cause, actor=cast.handler)
    version = Incident.objects.get(pk=incident.pk).version

    response = page(cast.handler).post(
        reverse("incidents:case-cause-remove", kwargs={"pk": incident.pk, "cause_pk": cause.pk}), {"version": version}
    )

    assert response.status_code == 404


def test_a_row_of_another_incident_is_not_found_under_this_one(page, cast, tree, incident):
    other = services.incident_take(incident=report(cast.reporter, tree.medicin_ward), actor=cast.handler)
    action = _action(other, cast)

    response = page(cast.handler).post(
        reverse("incidents:case-action-update", kwargs={"pk": incident.pk, "action_pk": action.pk}),
        _action_form(action, state=Action.State.DONE),
    )

    assert response.status_code == 404
    assert Action.objects.get(pk=action.pk).state == Action.State.PLANNED


@pytest.mark.parametrize(
    ("language", "points"),
    [
        (
            "en",
            [
                "That an event caused a care injury",
                "What the care provider will do",
                "The right to complain to the care provider",
                "The patient advisory board (patientnämnden)",
                "The right to complain to IVO",
                "Possible compensation (patient insurance)",
            ],
        ),
        ("sv", ["Att en händelse har medfört en vårdskada"]),
    ],
)
def test_the_patient_information_form_offers_the_six_points_of_the_law(page, cast, incident, language, points):
    step = reverse("incidents:step", kwargs={"pk": incident.pk, "step": "patientinformation"})
    html = page(cast.handler, language).get(step).content.decode()

    for point in points:
        assert '<label for="id_patient_info_told_' in html
        assert f">{point}</label>" in html, point
