"""Authorization-matrix rows: incidents, handling (the work queue, the case page, its actions).

Each row's `kwargs` runs once per actor, so every actor acts on a fresh incident. The
incident's version is set to 1 so that the static form data can carry it. An incident
reported by the reporter in Avdelning 5 (Medicinkliniken) is visible to its reporter, the
handlers and manager of Medicinkliniken and the region's chief physician and patient-safety
officer; only the handlers, the manager and the chief physician may handle it.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.roles import Role
from incidents import services
from incidents.models import Category, Cause, CauseArea, Forward, Incident, Status
from tests.authorization.matrix import LOGIN, Row, World, missing, signed_in
from tests.factories import MembershipFactory, UserFactory
from tests.incidents.conftest import report

CATEGORY = "lakemedel-administrering"  # seeded by incidents/migrations/0002_taxonomies.py
CAUSE_AREA = "kommunikation"
FUTURE = "2099-12-31"


def _at_version_1(incident: Incident) -> dict:
    Incident.objects.filter(pk=incident.pk).update(version=1)
    return {"pk": incident.pk}


def _reported(w: World, **fields) -> Incident:
    return report(w.cast.reporter, w.tree.medicin_ward, **fields)


def own(w: World) -> dict:
    """Reported by the reporter in Avdelning 5, submitted."""
    return _at_version_1(_reported(w))


def with_patient(w: World) -> dict:
    return _at_version_1(_reported(w, patient_involved=True, patient_identifier="191212121212"))


def colleagues(w: World) -> dict:
    """Reported by a colleague of the reporter in the same ward: not the reporter's own."""
    colleague = UserFactory(username="colleague")
    if not colleague.memberships.exists():
        MembershipFactory(user=colleague, unit=w.tree.medicin_ward, role=Role.REPORTER)
    return _at_version_1(report(colleague, w.tree.medicin_ward))


def forwarded_to_municipality(w: World) -> dict:
    incident = _reported(w)
    services.incident_forward(
        incident=incident,
        actor=w.cast.handler,
        to_unit=w.tree.hemsjukvard,
        message="Patienten vårdas nu i hemsjukvården",
        answer_due=timezone.localdate() + dt.timedelta(days=7),
    )
    return _at_version_1(incident)


def asked_of_municipality(w: World) -> dict:
    """Medicinkliniken keeps the case and asks Hemsjukvården (another care provider) for an answer."""
    incident = _reported(w)
    forward = services.incident_forward(
        incident=incident,
        actor=w.cast.handler,
        kind=Forward.Kind.ASK,
        to_unit=w.tree.hemsjukvard,
        message="Hur togs läkemedelslistan emot?",
        answer_due=timezone.localdate() + dt.timedelta(days=7),
    )
    return {**_at_version_1(incident), "forward_pk": forward.pk}


def asked_of_municipality_page(w: World) -> dict:
    return {"pk": asked_of_municipality(w)["pk"]}


def with_cause(w: World) -> dict:
    incident = _reported(w)
    cause = Cause.objects.create(
        incident=incident, area=CauseArea.objects.get(code=CAUSE_AREA), created_by=w.cast.handler
    )
    return {**_at_version_1(incident), "cause_pk": cause.pk}


def with_action(w: World) -> dict:
    incident = _reported(w)
    action = services.action_add(
        incident=incident,
        actor=w.cast.handler,
        description="Dubbelkontroll",
        responsible=w.cast.handler,
        due_date=timezone.localdate() + dt.timedelta(days=30),
    )
    return {**_at_version_1(incident), "action_pk": action.pk}


def with_forward_to_orto(w: World) -> dict:
    incident = _reported(w)
    forward = services.incident_forward(
        incident=incident,
        actor=w.cast.handler,
        to_unit=w.tree.orto_ward,
        message="Gäller er patient",
        answer_due=timezone.localdate() + dt.timedelta(days=7),
    )
    return {**_at_version_1(incident), "forward_pk": forward.pk}


def ready_to_close(w: World) -> dict:
    incident = _reported(w)
    handler = w.cast.handler
    services.incident_take(incident=incident, actor=handler)
    services.incident_classify(
        incident=incident, actor=handler, category=_category(), event_class="near_miss", case_type="care"
    )
    services.incident_assess_risk(incident=incident, actor=handler, probability=1, consequence=2)
    services.incident_feedback(incident=incident, actor=handler, text="Tack för rapporten.")
    return _at_version_1(incident)


def closed(w: World) -> dict:
    incident = _reported(w)
    Incident.objects.filter(pk=incident.pk).update(status=Status.CLOSED, closed_at=timezone.now())
    return _at_version_1(incident)


def step(slug: str, make=own):
    """A step of the case page (its form, as htmx fetches it when the step is opened)."""
    return lambda w: {**make(w), "step": slug}


def action_step(w: World) -> dict:
    made = with_action(w)
    return {"pk": made["pk"], "step": f"atgard-{made['action_pk']}"}


def another_incidents_action_step(w: World) -> dict:
    """An action of another incident, named below this one: as if it did not exist."""
    other = with_action(w)
    return {"pk": own(w)["pk"], "step": f"atgard-{other['action_pk']}"}


def _category():
    return Category.objects.get(code=CATEGORY)


def _handle(ok) -> tuple:
    """A handling action on an incident of Avdelning 5: `ok` for the three who may handle it,
    403 for those who see it but may not (the reporter, the patient-safety officer), 404 for
    everyone else."""
    return signed_in(404, anonymous=LOGIN, reporter=403, handler=ok, manager=ok, chief_physician=ok, safety_officer=403)


V = {"version": 1}

# fmt: off
# Columns: anonymous, reporter, handler, manager, handler_orto, manager_orto, chief_physician,
#          safety_officer, indicator_editor, viewer, admin, mas, municipal_handler, outsider
QUEUE_VIEWERS = signed_in(403, anonymous=LOGIN, handler=200, manager=200, handler_orto=200, manager_orto=200,
                          chief_physician=200, safety_officer=200, mas=200, municipal_handler=200)
SEES_OWN = signed_in(404, anonymous=LOGIN, reporter=200, handler=200, manager=200, chief_physician=200,
                     safety_officer=200)

ROWS: list[Row] = [
    # --- the work queue --------------------------------------------------------------------------
    Row("incidents:queue", "GET", QUEUE_VIEWERS, label="lists only the incidents in scope"),
    Row("incidents:queue", "GET", QUEUE_VIEWERS, query="q=bad+dos&status=submitted&ordering=-risk_score",
        label="filtered and sorted"),
    Row("incidents:queue", "GET", QUEUE_VIEWERS, query="questions_to_me=true",
        label="questions to the user's units awaiting an answer"),
    Row("incidents:queue", "POST", signed_in(405, anonymous=LOGIN)),
    Row("incidents:queue-export", "GET", QUEUE_VIEWERS),
    Row("incidents:queue-counts", "GET", QUEUE_VIEWERS, query="q=fall&status=submitted",
        label="the counts of a filtered queue, fetched after the page"),
    Row("incidents:queue-counts", "POST", signed_in(405, anonymous=LOGIN)),
    # --- the case page ---------------------------------------------------------------------------
    Row("incidents:detail", "GET", SEES_OWN, kwargs=own, label="the reporter's own report"),
    Row("incidents:detail", "GET", signed_in(404, anonymous=LOGIN, handler=200, manager=200, chief_physician=200,
                                             safety_officer=200), kwargs=colleagues,
        label="a colleague's report: not the reporter's"),
    Row("incidents:detail", "GET", signed_in(404, anonymous=LOGIN, reporter=200, handler=200, manager=200,
                                             chief_physician=200, safety_officer=200, mas=200, municipal_handler=200),
        kwargs=forwarded_to_municipality, label="forwarded to another care provider: both sides see it"),
    Row("incidents:detail", "GET", signed_in(404, anonymous=LOGIN, reporter=200, handler=200, manager=200,
                                             chief_physician=200, safety_officer=200, mas=200, municipal_handler=200),
        kwargs=asked_of_municipality_page, label="another care provider asked for an answer: it reads the case"),
    Row("incidents:detail", "GET", signed_in(404, anonymous=LOGIN), kwargs=missing, label="no such incident"),
    Row("incidents:detail", "POST", signed_in(405, anonymous=LOGIN), kwargs=own),
    Row("incidents:case-patient", "POST", signed_in(404, anonymous=LOGIN, reporter=403, handler=200, manager=200,
                                                    chief_physician=200, safety_officer=200),
        kwargs=with_patient, label="shows and logs the patient's identity"),
    Row("incidents:case-patient", "GET", signed_in(405, anonymous=LOGIN), kwargs=with_patient),
    # --- a step's form, fetched when the step is opened: asked as its operation is ------------------
    Row("incidents:step", "GET", _handle(200), kwargs=step("klassificera"), label="classify"),
    Row("incidents:step", "GET", _handle(200), kwargs=step("tilldela"), label="assign"),
    Row("incidents:step", "GET", _handle(200), kwargs=step("rubrik"), label="title"),
    Row("incidents:step", "GET", _handle(200), kwargs=step("risk"), label="risk"),
    Row("incidents:step", "GET", _handle(200), kwargs=step("orsak"), label="add a cause"),
    Row("incidents:step", "GET", _handle(200), kwargs=step("atgard"), label="add an action"),
    Row("incidents:step", "GET", _handle(200), kwargs=action_step, label="change an action"),
    Row("incidents:step", "GET", signed_in(404, anonymous=LOGIN), kwargs=another_incidents_action_step,
        label="another incident's action"),
    Row("incidents:step", "GET", _handle(200), kwargs=step("aterkoppling"), label="feedback"),
    Row("incidents:step", "GET", _handle(200), kwargs=step("vidarebefordra"), label="hand over or ask"),
    Row("incidents:step", "GET", _handle(200), kwargs=step("utredning"), label="request an investigation"),
    Row("incidents:step", "GET", _handle(200), kwargs=step("lex-maria"), label="request Lex Maria"),
    Row("incidents:step", "GET", _handle(200), kwargs=step("patientinformation", with_patient),
        label="information to the patient"),
    Row("incidents:step", "GET", _handle(200), kwargs=step("aterkalla"), label="withdraw"),
    Row("incidents:step", "GET", _handle(200), kwargs=step("ateroppna", closed), label="reopen a closed incident"),
    Row("incidents:step", "GET", _handle(403), kwargs=step("ateroppna"), label="reopen: not while it is open"),
    Row("incidents:step", "GET", _handle(403), kwargs=step("klassificera", closed),
        label="classify: not once it is closed"),
    # Hemsjukvården, asked for an answer, reads the case but takes no step of it.
    Row("incidents:step", "GET",
        signed_in(404, anonymous=LOGIN, reporter=403, handler=200, manager=200, chief_physician=200,
                  safety_officer=403, mas=403, municipal_handler=403),
        kwargs=step("klassificera", asked_of_municipality_page), label="asked of another care provider"),
    Row("incidents:step", "GET", signed_in(404, anonymous=LOGIN), kwargs=step("nagot-annat"),
        label="no such step: 404 even to those who see the case"),
    Row("incidents:step", "GET", signed_in(404, anonymous=LOGIN), kwargs=step("klassificera", missing),
        label="no such incident"),
    Row("incidents:step", "POST", signed_in(405, anonymous=LOGIN), kwargs=step("klassificera")),
    # --- case actions: one service each ----------------------------------------------------------
    Row("incidents:case-take", "POST", _handle(302), kwargs=own, data=V),
    Row("incidents:case-assign", "POST", _handle(302), kwargs=own, data={**V, "handler": "manager"}),
    Row("incidents:case-classify", "POST", _handle(302), kwargs=own,
        data={**V, "category": CATEGORY, "event_class": "harm", "case_type": "care"}),
    Row("incidents:case-title", "POST", _handle(302), kwargs=own, data={**V, "title": "Fel dos Waran"}),
    Row("incidents:case-risk", "POST", _handle(302), kwargs=own, data={**V, "probability": "2", "consequence": "3"}),
    Row("incidents:case-cause-add", "POST", _handle(302), kwargs=own, data={**V, "area": CAUSE_AREA, "detail": "x"}),
    Row("incidents:case-cause-remove", "POST", _handle(302), kwargs=with_cause, data=V),
    Row("incidents:case-action-add", "POST", _handle(302), kwargs=own,
        data={**V, "description": "Utbildning", "responsible": "handler", "due_date": FUTURE}),
    Row("incidents:case-action-update", "POST", _handle(302), kwargs=with_action,
        data={**V, "description": "Dubbelkontroll", "responsible": "manager", "due_date": FUTURE,
              "state": "in_progress"}),
    # The receiving unit's id cannot be static data: those who may forward get the form back (400).
    Row("incidents:case-forward", "POST", _handle(400), kwargs=own,
        data={**V, "to_unit": "", "message": "x", "answer_due": FUTURE}, label="allowed ones get the form back"),
    # Forwarded to Ortopedkliniken: only its handlers (and the chief physician) answer.
    Row("incidents:case-forward-answer", "POST",
        signed_in(404, anonymous=LOGIN, reporter=403, handler=403, manager=403, handler_orto=302, manager_orto=302,
                  chief_physician=302, safety_officer=403),
        kwargs=with_forward_to_orto, data={**V, "answer": "Vi tar över."}),
    # Asked of Hemsjukvården: its handlers (and the municipality's chief physician) answer; the
    # asking side and the region's chief physician see the case but may not answer for them.
    Row("incidents:case-forward-answer", "POST",
        signed_in(404, anonymous=LOGIN, reporter=403, handler=403, manager=403, chief_physician=403,
                  safety_officer=403, mas=302, municipal_handler=302),
        kwargs=asked_of_municipality, data={**V, "answer": "Listan kom dagen efter."},
        label="a question for an answer"),
    Row("incidents:case-investigation", "POST", _handle(302), kwargs=own, data={**V, "reason": "x"}),
    Row("incidents:case-lex-maria", "POST", _handle(302), kwargs=own, data=V),
    Row("incidents:case-patient-information", "POST", _handle(302), kwargs=with_patient,
        data={**V, "informed": "no", "not_informed_reason": "Patienten är avliden."}),
    Row("incidents:case-feedback", "POST", _handle(302), kwargs=own, data={**V, "text": "Tack"}),
    Row("incidents:case-comment", "POST",
        signed_in(404, anonymous=LOGIN, reporter=302, handler=302, manager=302, chief_physician=302,
                  safety_officer=403),
        kwargs=own, data={**V, "text": "Komplettering"}),
    Row("incidents:case-close", "POST", _handle(302), kwargs=ready_to_close, data=V),
    Row("incidents:case-close", "POST", _handle(409), kwargs=own, data=V, label="not ready: what is missing"),
    Row("incidents:case-reopen", "POST", _handle(302), kwargs=closed, data={**V, "reason": "Ny information"}),
    Row("incidents:case-withdraw", "POST", _handle(302), kwargs=own, data={**V, "reason": "Dubblett"}),
    Row("incidents:case-take", "GET", signed_in(405, anonymous=LOGIN), kwargs=own, label="actions need a POST"),
]
# fmt: on
