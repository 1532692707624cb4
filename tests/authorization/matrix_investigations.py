"""Authorization-matrix rows: investigations, their pages and `/api/v1/investigations/`.

Each row's `kwargs` runs once per actor, so every actor acts on a fresh investigation. It is
opened by the manager of Medicinkliniken from an incident reported in Avdelning 5, without an
analysis leader, with `municipal_handler` (Västerås stad, another care provider) on the team;
its version is set to 1 so the static form data can carry it.

Who sees it (else 404): the manager, the chief physician and the patient-safety officer of
the region, and the municipal team member. Who decides and leads it (else 403): the manager
and the chief physician. The course of events and causes: they and the team member. The
municipal team member sees nothing else of the region: not another investigation, not an
incident that is not linked.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from incidents.models import CauseArea
from investigations import services
from investigations.models import CareInjury, Investigation, Method
from tests.authorization.matrix import LOGIN, Row, World, signed_in
from tests.incidents.conftest import report

CAUSE_AREA = "kommunikation"
FUTURE = "2099-12-31"
UNKNOWN = 999_999_999

# fmt: off
# Columns:  anon   rep  hnd  mgr  hndO mgrO chf  so   ind  view adm  mas  munH out
SEE =      (LOGIN, 404, 404, 200, 404, 404, 200, 200, 404, 404, 404, 404, 200, 404)
DECIDE =   (LOGIN, 404, 404, 302, 404, 404, 302, 403, 404, 404, 404, 404, 403, 404)
DECIDE_400 = (LOGIN, 404, 404, 400, 404, 404, 400, 403, 404, 404, 404, 404, 403, 404)
CONTRIBUTE = (LOGIN, 404, 404, 302, 404, 404, 302, 403, 404, 404, 404, 404, 302, 404)
NOT_LINKED = (LOGIN, 200, 200, 200, 404, 404, 200, 200, 404, 404, 404, 404, 404, 404)
# Opening from the reporter's incident: those who see the incident but may not open get 403.
OPEN =     (LOGIN, 403, 403, 302, 404, 404, 302, 403, 404, 404, 404, 404, 404, 404)
OPEN_GET = (LOGIN, 403, 403, 200, 404, 404, 200, 403, 404, 404, 404, 404, 404, 404)
API_SEE =  (401, 404, 404, 200, 404, 404, 200, 200, 404, 404, 404, 404, 200, 404)
API_DECIDE = (401, 404, 404, 200, 404, 404, 200, 403, 404, 404, 404, 404, 403, 404)
API_DECIDE_201 = (401, 404, 404, 201, 404, 404, 201, 403, 404, 404, 404, 404, 403, 404)
API_DECIDE_204 = (401, 404, 404, 204, 404, 404, 204, 403, 404, 404, 404, 404, 403, 404)
API_DECIDE_400 = (401, 404, 404, 400, 404, 404, 400, 403, 404, 404, 404, 404, 403, 404)
API_CONTRIBUTE_201 = (401, 404, 404, 201, 404, 404, 201, 403, 404, 404, 404, 404, 201, 404)
API_CONTRIBUTE_204 = (401, 404, 404, 204, 404, 404, 204, 403, 404, 404, 404, 404, 204, 404)
# fmt: on


def _incident(w: World):
    return report(w.cast.reporter, w.tree.medicin_ward)


def _opened(w: World, **kwargs) -> Investigation:
    inv = services.investigation_open(
        incidents=[_incident(w)],
        actor=w.cast.manager,
        method=Method.EVENT_ANALYSIS,
        reason="Allvarlig händelse.",
        **kwargs,
    )
    services.member_add(investigation=inv, actor=w.cast.manager, user=w.cast.municipal_handler, role="Hemsjukvården")
    return inv


def _at_version_1(inv: Investigation, **extra) -> dict:
    Investigation.objects.filter(pk=inv.pk).update(version=1)
    return {"pk": inv.pk, **extra}


def investigation(w: World) -> dict:
    return _at_version_1(_opened(w))


def with_leader(w: World) -> dict:
    return _at_version_1(_opened(w, leader=w.cast.manager))


def other_investigation(w: World) -> dict:
    """An investigation the municipal team member is not on."""
    inv = services.investigation_open(
        incidents=[_incident(w)], actor=w.cast.manager, method=Method.SIMPLE, reason="Enklare utredning."
    )
    return {"pk": inv.pk}


def unlinked_incident(w: World) -> dict:
    """While on the team of one investigation: another incident of the same ward."""
    _opened(w)
    return {"pk": _incident(w).pk}


def new_for_incident(w: World) -> dict:
    return {"_query": f"avvikelse={_incident(w).pk}"}


def with_member(w: World) -> dict:
    inv = _opened(w)
    return _at_version_1(inv, item=inv.team.get().pk)


def with_course(w: World) -> dict:
    inv = _opened(w)
    event = services.course_add(
        investigation=inv, actor=w.cast.manager, at=timezone.now() - dt.timedelta(days=1), description="Steg"
    )
    return _at_version_1(inv, item=event.pk)


def with_cause(w: World) -> dict:
    inv = _opened(w)
    cause = services.cause_add(investigation=inv, actor=w.cast.manager, area=CauseArea.objects.get(code=CAUSE_AREA))
    return _at_version_1(inv, item=cause.pk)


def _ready(w: World, *, actions: bool) -> Investigation:
    manager = w.cast.manager
    inv = _opened(w, leader=manager)
    services.investigation_start(investigation=inv, actor=manager)
    services.course_add(investigation=inv, actor=manager, at=timezone.now() - dt.timedelta(days=1), description="Steg")
    cause = services.cause_add(investigation=inv, actor=manager, area=CauseArea.objects.get(code=CAUSE_AREA))
    services.patient_participation_record(
        investigation=inv, actor=manager, invited=True, invited_on=timezone.localdate(), account="Min berättelse."
    )
    services.conclusions_record(
        investigation=inv, actor=manager, care_injury=CareInjury.NO, avoidable=None, conclusions="Ingen vårdskada."
    )
    if actions:
        services.action_add(
            investigation=inv,
            actor=manager,
            description="Utbildning",
            responsible=manager,
            due_date=timezone.localdate() + dt.timedelta(days=30),
            causes=[cause],
        )
    return inv


def in_progress_complete(w: World) -> dict:
    return _at_version_1(_ready(w, actions=True))


def report_ready(w: World) -> dict:
    inv = _ready(w, actions=True)
    services.report_ready(investigation=inv, actor=w.cast.manager)
    return _at_version_1(inv)


def report_ready_without_actions(w: World) -> dict:
    inv = _ready(w, actions=False)
    services.report_ready(investigation=inv, actor=w.cast.manager)
    return _at_version_1(inv)


def following_up(w: World) -> dict:
    inv = _ready(w, actions=True)
    services.report_ready(investigation=inv, actor=w.cast.manager)
    services.follow_up_start(investigation=inv, actor=w.cast.manager)
    return _at_version_1(inv, item=inv.actions.get().pk)


def api_following_up(w: World) -> dict:
    kwargs = following_up(w)
    return {"pk": kwargs["pk"], "link_pk": kwargs["item"]}


def _api(kwargs_of, name: str):
    """The same fixture, with the item under the API's name for it."""

    def make(w: World) -> dict:
        kwargs = kwargs_of(w)
        item = kwargs.pop("item", None)
        return {**kwargs, name: item} if item is not None else kwargs

    return make


def _page(name: str) -> str:
    return f"investigations:{name}"


def _op(name: str) -> str:
    return f"api:investigation-{name}"


# fmt: off
PAGE_ROWS: list[Row] = [
    Row(_page("list"), "GET", signed_in(200, anonymous=LOGIN), label="narrowed to what each actor may see"),
    Row(_page("list"), "GET", signed_in(200, anonymous=LOGIN), query="q=fall", label="searched"),
    Row(_page("new"), "GET", OPEN_GET, kwargs=new_for_incident),
    Row(_page("new"), "POST", OPEN, kwargs=new_for_incident, data={"method": "simple", "reason": "Enklare utredning."}),
    Row(_page("detail"), "GET", SEE, kwargs=investigation),
    Row(_page("detail"), "GET", signed_in(404, anonymous=LOGIN, manager=200, chief_physician=200, safety_officer=200),
        kwargs=other_investigation, label="not on its team"),
    Row("incidents:detail", "GET", NOT_LINKED, kwargs=unlinked_incident,
        label="a team member does not see the region's other incidents"),
    Row(_page("report"), "GET", SEE, kwargs=investigation),
    Row(_page("report-pdf"), "GET", SEE, kwargs=investigation),
    Row(_page("link"), "POST", DECIDE_400, kwargs=investigation, data={"version": 1, "reference": "AV-1900-000001"},
        label="an unknown reference"),
    Row(_page("method"), "POST", DECIDE, kwargs=investigation,
        data={"version": 1, "method": "simple", "reason": "Enklare räcker."}),
    Row(_page("leader"), "POST", DECIDE, kwargs=investigation, data={"version": 1, "leader": "manager"}),
    Row(_page("member-add"), "POST", DECIDE, kwargs=investigation, data={"version": 1, "username": "handler"}),
    Row(_page("member-remove"), "POST", DECIDE, kwargs=with_member, data={"version": 1}),
    Row(_page("start"), "POST", DECIDE, kwargs=with_leader, data={"version": 1}),
    Row(_page("course-add"), "POST", CONTRIBUTE, kwargs=investigation,
        data={"at": "2026-01-01T10:00", "description": "Larmet gick."}),
    Row(_page("course-remove"), "POST", CONTRIBUTE, kwargs=with_course),
    Row(_page("cause-add"), "POST", CONTRIBUTE, kwargs=investigation,
        data={"area": CAUSE_AREA, "detail": "Rutin saknas"}),
    Row(_page("cause-remove"), "POST", CONTRIBUTE, kwargs=with_cause),
    Row(_page("patient"), "POST", DECIDE, kwargs=investigation,
        data={"version": 1, "invited": "yes", "invited_on": "2026-01-02", "account": "Jag väntade länge."}),
    Row(_page("conclusions"), "POST", DECIDE, kwargs=investigation,
        data={"version": 1, "care_injury": "no", "avoidable": "", "conclusions": "Ingen vårdskada."}),
    Row(_page("costs"), "POST", DECIDE, kwargs=investigation, data={"version": 1, "other_costs": "1000"}),
    Row(_page("action-add"), "POST", DECIDE, kwargs=investigation,
        data={"description": "Utbildning", "responsible": "manager", "due_date": FUTURE}),
    Row(_page("report-ready"), "POST", DECIDE, kwargs=in_progress_complete, data={"version": 1}),
    Row(_page("resume"), "POST", DECIDE, kwargs=report_ready, data={"version": 1, "reason": "Ny information."}),
    Row(_page("follow-up"), "POST", DECIDE, kwargs=report_ready, data={"version": 1}),
    Row(_page("evaluate"), "POST", DECIDE, kwargs=following_up,
        data={"carried_out": "yes", "outcome": "worked", "evidence": "Granskning"}),
    Row(_page("close"), "POST", DECIDE, kwargs=report_ready_without_actions, data={"version": 1}),
]

API_ROWS: list[Row] = [
    Row(_op("list"), "GET", signed_in(200, anonymous=401), label="narrowed to what each actor may see"),
    Row(_op("list"), "POST", signed_in(400, anonymous=401), data={"incidents": [UNKNOWN], "method": "simple",
        "reason": "Enklare"}, label="an incident nobody may see"),
    Row(_op("detail"), "GET", API_SEE, kwargs=investigation),
    Row(_op("detail"), "GET", signed_in(404, anonymous=401, manager=200, chief_physician=200, safety_officer=200),
        kwargs=other_investigation, label="not on its team"),
    Row(_op("timeline"), "GET", API_SEE, kwargs=investigation),
    Row(_op("link-incident"), "POST", API_DECIDE_400, kwargs=investigation, data={"version": 1, "incident": UNKNOWN},
        label="an unknown incident"),
    Row(_op("method"), "POST", API_DECIDE, kwargs=investigation,
        data={"version": 1, "method": "internal", "reason": "Internutredning"}),
    Row(_op("leader"), "POST", API_DECIDE_400, kwargs=investigation, data={"version": 1, "leader": UNKNOWN},
        label="an unknown user"),
    Row(_op("team"), "POST", API_DECIDE_400, kwargs=investigation, data={"version": 1, "user": UNKNOWN},
        label="an unknown user"),
    Row(_op("team-member"), "DELETE", API_DECIDE_204, kwargs=_api(with_member, "member_pk")),
    Row(_op("start"), "POST", API_DECIDE, kwargs=with_leader, data={"version": 1}),
    Row(_op("course"), "POST", API_CONTRIBUTE_201, kwargs=investigation,
        data={"at": "2026-01-01T10:00:00+01:00", "description": "Larmet gick."}),
    Row(_op("course-event"), "DELETE", API_CONTRIBUTE_204, kwargs=_api(with_course, "event_pk")),
    Row(_op("causes"), "POST", API_CONTRIBUTE_201, kwargs=investigation,
        data={"area": 1, "detail": "Rutin saknas"}),
    Row(_op("cause"), "DELETE", API_CONTRIBUTE_204, kwargs=_api(with_cause, "cause_pk")),
    Row(_op("patient-participation"), "POST", API_DECIDE, kwargs=investigation,
        data={"version": 1, "invited": True, "invited_on": "2026-01-02", "account": "Jag väntade länge."}),
    Row(_op("conclusions"), "POST", API_DECIDE, kwargs=investigation,
        data={"version": 1, "care_injury": "no", "conclusions": "Ingen vårdskada."}),
    Row(_op("costs"), "POST", API_DECIDE, kwargs=investigation, data={"version": 1, "other_costs": 1000}),
    Row(_op("actions"), "POST", API_DECIDE_400, kwargs=investigation,
        data={"description": "Utbildning", "responsible": UNKNOWN, "due_date": FUTURE},
        label="an unknown responsible person"),
    Row(_op("report-ready"), "POST", API_DECIDE, kwargs=in_progress_complete, data={"version": 1}),
    Row(_op("resume"), "POST", API_DECIDE, kwargs=report_ready, data={"version": 1, "reason": "Ny information."}),
    Row(_op("follow-up"), "POST", API_DECIDE, kwargs=report_ready, data={"version": 1}),
    Row(_op("evaluate"), "POST", API_DECIDE, kwargs=api_following_up,
        data={"carried_out": True, "outcome": "worked"}),
    Row(_op("close"), "POST", API_DECIDE, kwargs=report_ready_without_actions, data={"version": 1}),
]
# fmt: on


def requested(w: World) -> dict:
    """An incident of Avdelning 5 whose handler asked for an investigation (the form's fields
    carry the incident's id)."""
    from incidents import services as incident_services

    incident = incident_services.incident_take(incident=_incident(w), actor=w.cast.handler)
    incident = incident_services.incident_request_investigation(incident=incident, actor=w.cast.handler, reason="x")
    data = {f"request-{incident.pk}-reason": "Utreds redan.", f"request-{incident.pk}-version": incident.version}
    return {"pk": incident.pk, "_data": data}


def requested_api(w: World) -> dict:
    kwargs = requested(w)
    return {"incident_pk": kwargs["pk"], "_data": {"reason": "Utreds redan."}}


# fmt: off
# Declining a request: those who may open an investigation of the incident; those who see the
# incident (its reporter, handler, the safety team) but may not decide get 403.
DECLINE = (LOGIN, 403, 403, 302, 404, 404, 302, 403, 404, 404, 404, 404, 404, 404)
REQUEST_ROWS: list[Row] = [
    Row("investigations:request-decline", "POST", DECLINE, kwargs=requested,
        label="a request for an investigation, declined with a reason"),
    Row("investigations:request-decline", "GET", signed_in(405, anonymous=LOGIN), kwargs=requested),
    Row("api:investigation-requests", "GET", signed_in(200, anonymous=401),
        label="narrowed to the requests each actor may decide"),
    Row("api:investigation-requests", "POST", signed_in(405, anonymous=401)),
    Row("api:investigation-request-decline", "POST",
        (401, 403, 403, 204, 404, 404, 204, 403, 404, 404, 404, 404, 404, 404), kwargs=requested_api),
    Row("api:investigation-request-decline", "GET", signed_in(405, anonymous=401), kwargs=requested_api),
]
# fmt: on

ROWS: list[Row] = PAGE_ROWS + API_ROWS + REQUEST_ROWS
