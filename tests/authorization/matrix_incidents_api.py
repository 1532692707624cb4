"""Authorization-matrix rows: incidents, api (`/api/v1/incidents/`).

Unless a label says otherwise, the incident is the reporter's, in Avdelning 5 (Medicinkliniken),
made fresh for each actor. Who sees it (else 404): the reporter, handler, manager,
chief_physician and safety_officer. Who handles it (else 403): handler, manager and
chief_physician. A fresh report is at version 3 (draft, autosave, submit).

Request bodies are fixed, so where a body must name an object by id (a handler, a unit, a
category, a cause area, a responsible person) the row sends an unknown id: the services check
the permission first, so the handlers get 400 and everyone else their 403/404. The API tests
(tests/incidents/test_api.py) cover the same operations succeeding.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from incidents import services
from incidents.models import CaseType, Category, CauseArea, EventClass, ReportedKind
from tests.authorization.matrix import Row, World, signed_in
from tests.incidents.conftest import report

UNKNOWN = 999_999_999
FRESH = 3  # the version of a freshly submitted report

# fmt: off
# Columns: anon rep  hnd  mgr  hndO mgrO chf  so   ind  view adm  mas  munH out
SEE =      (401, 200, 200, 200, 404, 404, 200, 200, 404, 404, 404, 404, 404, 404)
HANDLE =   (401, 403, 200, 200, 404, 404, 200, 403, 404, 404, 404, 404, 404, 404)
HANDLE_400 = (401, 403, 400, 400, 404, 404, 400, 403, 404, 404, 404, 404, 404, 404)
HANDLE_204 = (401, 403, 204, 204, 404, 404, 204, 403, 404, 404, 404, 404, 404, 404)
COMMENT =  (401, 201, 201, 201, 404, 404, 201, 403, 404, 404, 404, 404, 404, 404)
EDIT_SENT = (401, 403, 403, 403, 404, 404, 403, 403, 404, 404, 404, 404, 404, 404)
OTHERS =   (401, 404, 200, 200, 404, 404, 200, 200, 404, 404, 404, 404, 404, 404)
AUTHOR =   (401, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)
# After a forward from Medicinkliniken to Hemsjukvården (Västerås stad): both sides see it,
# only the receiving side (mas, municipal_handler) answers.
ANSWER =   (401, 403, 403, 403, 404, 404, 403, 403, 404, 404, 404, 200, 200, 404)
# fmt: on

REPORT = {"description": "Fel dos av Waran.", "case_type": CaseType.CARE, "reported_kind": ReportedKind.RISK}


def fresh(w: World):
    return report(w.cast.reporter, w.tree.medicin_ward)


def incident(w: World) -> dict:
    return {"pk": fresh(w).pk}


def others_incident(w: World) -> dict:
    return {"pk": report(w.cast.handler, w.tree.medicin_ward).pk}


def draft(w: World) -> dict:
    fields = {"description": "Utkast", "case_type": CaseType.CARE, "reported_kind": ReportedKind.RISK}
    return {"pk": services.draft_start(actor=w.cast.reporter, fields=fields).pk}


def _ready_to_close(w: World):
    """Taken (4), classified (5), assessed (6), a cause (7), feedback (8): ready to close."""
    handler = w.cast.handler
    case = services.incident_take(incident=fresh(w), actor=handler)
    category = Category.objects.filter(case_type=CaseType.CARE, is_active=True).first()
    services.incident_classify(
        incident=case, actor=handler, category=category, event_class=EventClass.HARM, case_type=CaseType.CARE
    )
    services.incident_assess_risk(incident=case, actor=handler, probability=2, consequence=2)
    services.cause_add(incident=case, actor=handler, area=CauseArea.objects.filter(is_active=True).first())
    services.incident_feedback(incident=case, actor=handler, text="Tack för rapporten.")
    return case


def ready_to_close(w: World) -> dict:
    return {"pk": _ready_to_close(w).pk}


def closed(w: World) -> dict:
    case = _ready_to_close(w)
    services.incident_close(incident=case, actor=w.cast.handler)  # version 9
    return {"pk": case.pk}


def with_cause(w: World) -> dict:
    case = fresh(w)
    cause = services.cause_add(incident=case, actor=w.cast.handler, area=CauseArea.objects.first())
    return {"pk": case.pk, "cause_pk": cause.pk}


def with_action(w: World) -> dict:
    case = fresh(w)
    action = services.action_add(
        incident=case,
        actor=w.cast.handler,
        description="Dubbelkontroll",
        responsible=w.cast.handler,
        due_date=timezone.localdate() + dt.timedelta(days=30),
    )
    return {"pk": case.pk, "action_pk": action.pk}


def forwarded(w: World) -> dict:
    case = fresh(w)
    forward = services.incident_forward(
        incident=case,
        actor=w.cast.handler,
        to_unit=w.tree.hemsjukvard,
        message="Dosen gavs i hemmet.",
        answer_due=timezone.localdate() + dt.timedelta(days=14),
    )
    return {"pk": case.pk, "forward_pk": forward.pk}


def _op(name: str) -> str:
    return f"api:incident-{name}"


# fmt: off
ROWS: list[Row] = [
    Row(_op("list"), "GET", signed_in(200, anonymous=401), label="narrowed to what each actor may see"),
    Row(_op("list"), "POST", signed_in(201, anonymous=401, outsider=403), data=REPORT,
        label="everyone with a role reports, in their own unit"),
    Row(_op("list"), "POST", signed_in(201, anonymous=401, outsider=403), data={"draft": True}, label="a draft"),
    Row(_op("detail"), "GET", SEE, kwargs=incident, label="the reporter's own report"),
    Row(_op("detail"), "GET", OTHERS, kwargs=others_incident, label="someone else's report"),
    Row(_op("detail"), "GET", AUTHOR, kwargs=draft, label="a draft: its author only"),
    Row(_op("detail"), "PATCH", AUTHOR, kwargs=draft, data={"version": 1, "description": "Ändrat"},
        label="a draft: its author only"),
    Row(_op("detail"), "PATCH", EDIT_SENT, kwargs=incident, data={"version": FRESH, "description": "Ändrat"},
        label="a sent report is not edited"),
    Row(_op("submit"), "POST", AUTHOR, kwargs=draft, data={"version": 1}),
    Row(_op("withdraw"), "POST", HANDLE, kwargs=incident, data={"version": FRESH, "reason": "Dubblett"}),
    Row(_op("take"), "POST", HANDLE, kwargs=incident, data={"version": FRESH}),
    Row(_op("assign"), "POST", HANDLE_400, kwargs=incident, data={"version": FRESH, "handler": UNKNOWN},
        label="an unknown handler"),
    Row(_op("classify"), "POST", HANDLE_400, kwargs=incident,
        data={"version": FRESH, "category": UNKNOWN, "event_class": "harm", "case_type": "care"},
        label="an unknown category"),
    Row(_op("title"), "POST", HANDLE, kwargs=incident, data={"version": FRESH, "title": "Fel dos Waran"}),
    Row(_op("assess-risk"), "POST", HANDLE, kwargs=incident,
        data={"version": FRESH, "probability": 2, "consequence": 3}),
    Row(_op("forward"), "POST", HANDLE_400, kwargs=incident,
        data={"version": FRESH, "to_unit": UNKNOWN, "message": "Till er", "answer_due": "2099-12-31"},
        label="an unknown unit"),
    Row(_op("request-investigation"), "POST", HANDLE, kwargs=incident, data={"version": FRESH, "reason": "Allvarligt"}),
    Row(_op("request-lex-maria"), "POST", HANDLE, kwargs=incident, data={"version": FRESH}),
    Row(_op("patient-information"), "POST", HANDLE, kwargs=incident,
        data={"informed": False, "not_informed_reason": "Patienten är inte kontaktbar."}),
    Row(_op("feedback"), "POST", HANDLE, kwargs=incident, data={"version": FRESH, "text": "Tack för rapporten."}),
    Row(_op("close"), "POST", HANDLE, kwargs=ready_to_close, data={"version": 8}, label="nothing missing"),
    Row(_op("reopen"), "POST", HANDLE, kwargs=closed, data={"version": 9, "reason": "Ny information"}),
    Row(_op("comments"), "GET", SEE, kwargs=incident),
    Row(_op("comments"), "POST", COMMENT, kwargs=incident, data={"text": "Det hände under nattskiftet."}),
    Row(_op("causes"), "GET", SEE, kwargs=incident),
    Row(_op("causes"), "POST", HANDLE_400, kwargs=incident, data={"area": UNKNOWN}, label="an unknown cause area"),
    Row(_op("cause-detail"), "DELETE", HANDLE_204, kwargs=with_cause),
    Row(_op("actions"), "GET", SEE, kwargs=incident),
    Row(_op("actions"), "POST", HANDLE_400, kwargs=incident,
        data={"description": "Utbildning", "responsible": UNKNOWN, "due_date": "2099-12-31"},
        label="an unknown responsible person"),
    Row(_op("action-detail"), "PATCH", HANDLE, kwargs=with_action, data={"version": 1, "state": "in_progress"}),
    Row(_op("forwards"), "GET", SEE, kwargs=incident),
    Row(_op("forward-answer"), "POST", ANSWER, kwargs=forwarded, data={"answer": "Vi har sett över rutinen."}),
    Row(_op("attachments"), "GET", SEE, kwargs=incident),
    Row(_op("timeline"), "GET", SEE, kwargs=incident),
]
# fmt: on
