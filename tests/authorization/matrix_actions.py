"""Authorization-matrix rows: the action register, its pages (`/mina-atgarder/`, `/atgarder/`)
and `/api/v1/actions/`.

Each row's `kwargs` runs once per actor and makes one fresh action, at version 1, of one of
these sources (`world` below makes all four, for the exact lists in test_action_lists.py):

    incident       an incident of Avdelning 5 (Medicinkliniken), taken by the Medicinkliniken
                   handler, who gives the action to `handler_orto` (Ortopedkliniken): a
                   responsible person of another unit, who cannot see the incident itself
    investigation  an investigation of another Avdelning 5 incident, opened by the manager, the
                   action given to the Medicinkliniken `handler` (who sees no investigations)
    lexmaria_case  a Lex Maria case about a serious Avdelning 5 incident, opened by the
                   patient-safety officer, the action given to `municipal_handler` (Västerås
                   stad, another care provider: named before that was refused, see below)
    municipal      an incident of Hemsjukvården (Västerås stad), whose handler gives the action
                   to herself: nobody of the region sees it

Who sees an action (else 404): whoever may see its source as a case, and its responsible
person. Who changes every field (else 403): whoever may manage the source (the incident's
handlers, the investigation's deciders, the Lex Maria case's preparers); the responsible person
only `state` and `progress_note`. "Mina åtgärder" answers only about one's own actions: any
other action is 404 there, even to those who manage it. The list needs `action.view`.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from actions.models import Action
from incidents import services as incident_services
from investigations import services as investigation_services
from investigations.models import Method
from tests.authorization.matrix import LOGIN, Redirect, Row, World, missing, signed_in
from tests.incidents.conftest import report
from tests.lexmaria.conftest import opened, serious_incident

DUE = timezone.localdate() + dt.timedelta(days=30)
FUTURE = "2099-12-31"

# The description of each kind of action, unique so that a list or an export can be read.
DESCRIPTIONS = {
    "incident": "Dubbelkontroll av Waran vid kvällsmedicineringen.",
    "investigation": "Ny rutin för överrapportering mellan skiften.",
    "lexmaria_case": "Gemensam läkemedelslista med hemsjukvården.",
    "municipal": "Signeringslista för insulin i hemmet.",
}


def incident_action(w: World) -> Action:
    incident = incident_services.incident_take(
        incident=report(w.cast.reporter, w.tree.medicin_ward), actor=w.cast.handler
    )
    return incident_services.action_add(
        incident=incident,
        actor=w.cast.handler,
        description=DESCRIPTIONS["incident"],
        responsible=w.cast.handler_orto,
        due_date=DUE,
    )


def investigation_action(w: World) -> Action:
    investigation = investigation_services.investigation_open(
        incidents=[report(w.cast.reporter, w.tree.medicin_ward)],
        actor=w.cast.manager,
        method=Method.EVENT_ANALYSIS,
        reason="Allvarlig händelse.",
    )
    link = investigation_services.action_add(
        investigation=investigation,
        actor=w.cast.manager,
        description=DESCRIPTIONS["investigation"],
        responsible=w.cast.handler,
        due_date=DUE,
    )
    return link.action


def lexmaria_action(w: World) -> Action:
    """Someone of another care provider cannot be named now (issue 15: `may_be_named`), but
    such actions exist: named before that rule, or the person has since moved to the
    municipality. Written as a row, so that what they may see and do is still checked."""
    case = opened(w.cast, serious_incident(w.cast, w.tree.medicin_ward))
    return Action.objects.create(
        lexmaria_case=case,
        description=DESCRIPTIONS["lexmaria_case"],
        responsible=w.cast.municipal_handler,
        due_date=DUE,
        created_by=w.cast.safety_officer,
    )


def municipal_action(w: World) -> Action:
    handler = w.cast.municipal_handler
    incident = incident_services.incident_take(incident=report(handler, w.tree.hemsjukvard), actor=handler)
    return incident_services.action_add(
        incident=incident,
        actor=handler,
        description=DESCRIPTIONS["municipal"],
        responsible=handler,
        due_date=DUE,
    )


def world(w: World) -> dict[str, Action]:
    """One action of each kind of source, and one of another care provider."""
    return {
        "incident": incident_action(w),
        "investigation": investigation_action(w),
        "lexmaria_case": lexmaria_action(w),
        "municipal": municipal_action(w),
    }


def _pk(make):
    return lambda w: {"pk": make(w).pk}


def _progress(make, state: str = Action.State.DONE, note: str = "Rutinen är införd på avdelningen."):
    """The "Mina åtgärder" form of a fresh action (its fields carry the action's id)."""

    def kwargs(w: World) -> dict:
        action = make(w)
        prefix = f"action-{action.pk}"
        data = {f"{prefix}-state": state, f"{prefix}-progress_note": note, f"{prefix}-version": action.version}
        return {"pk": action.pk, "_data": data}

    return kwargs


def incident_action_source(w: World) -> dict:
    """The incident an action of `handler_orto` comes from."""
    return {"pk": incident_action(w).incident_id}


MINE = Redirect("actions:mine")

# fmt: off
# Columns:     anon   rep  hnd  mgr  hndO mgrO chf  so   ind  view adm  mas  munH out
LIST =        (LOGIN, 403, 200, 200, 200, 200, 200, 200, 403, 403, 403, 200, 200, 403)
LIST_400 =    (LOGIN, 403, 400, 400, 400, 400, 400, 400, 403, 403, 403, 400, 400, 403)
# The incident's action, given to handler_orto.
INC_SEE =     (401, 404, 200, 200, 200, 404, 200, 200, 404, 404, 404, 404, 404, 404)
INC_PROGRESS = (401, 404, 200, 200, 200, 404, 200, 403, 404, 404, 404, 404, 404, 404)
INC_EDIT =    (401, 404, 200, 200, 403, 404, 200, 403, 404, 404, 404, 404, 404, 404)
INC_MINE =    (LOGIN, 404, 404, 404, MINE, 404, 404, 404, 404, 404, 404, 404, 404, 404)
INC_MINE_400 = (LOGIN, 404, 404, 404, 400, 404, 404, 404, 404, 404, 404, 404, 404, 404)
# The investigation's action, given to the Medicinkliniken handler.
INV_SEE =     (401, 404, 200, 200, 404, 404, 200, 200, 404, 404, 404, 404, 404, 404)
INV_PROGRESS = (401, 404, 200, 200, 404, 404, 200, 403, 404, 404, 404, 404, 404, 404)
INV_EDIT =    (401, 404, 403, 200, 404, 404, 200, 403, 404, 404, 404, 404, 404, 404)
INV_MINE =    (LOGIN, 404, MINE, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)
# The Lex Maria case's action, given to the municipal handler (another care provider).
LM_SEE =      (401, 404, 404, 200, 404, 404, 200, 200, 404, 404, 404, 404, 200, 404)
LM_PROGRESS = (401, 404, 404, 403, 404, 404, 200, 200, 404, 404, 404, 404, 200, 404)
LM_EDIT =     (401, 404, 404, 403, 404, 404, 200, 200, 404, 404, 404, 404, 403, 404)
LM_MINE =     (LOGIN, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, MINE, 404)
# Västerås stad's own action.
MUNI_SEE =    (401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 200, 200, 404)
# The incident itself, of the action given to handler_orto: she sees the action, not the case.
CASE_PAGE =   (LOGIN, 200, 200, 200, 404, 404, 200, 200, 404, 404, 404, 404, 404, 404)
CASE_API =    (401, 200, 200, 200, 404, 404, 200, 200, 404, 404, 404, 404, 404, 404)
# fmt: on

PROGRESS = {"version": 1, "state": "in_progress", "progress_note": "Påbörjad."}
EDIT = {"version": 1, "description": "Ändrad åtgärd."}


# fmt: off
ROWS: list[Row] = [
    # --- "Mina åtgärder": one's own actions only -----------------------------------------------
    Row("actions:mine", "GET", signed_in(200, anonymous=LOGIN), label="one's own actions (exact: test_action_lists)"),
    Row("actions:mine", "POST", signed_in(405, anonymous=LOGIN)),
    Row("actions:progress", "POST", INC_MINE, kwargs=_progress(incident_action),
        label="the incident's action, handler_orto's"),
    Row("actions:progress", "POST", INC_MINE_400, kwargs=_progress(incident_action, note=""),
        label="done without saying what was done"),
    Row("actions:progress", "POST", INV_MINE, kwargs=_progress(investigation_action, Action.State.IN_PROGRESS),
        label="the investigation's action, the handler's"),
    Row("actions:progress", "POST", LM_MINE, kwargs=_progress(lexmaria_action),
        label="the Lex Maria case's action, municipal_handler's"),
    Row("actions:progress", "POST", signed_in(404, anonymous=LOGIN), kwargs=missing, label="no such action"),
    Row("actions:progress", "GET", signed_in(405, anonymous=LOGIN), kwargs=_pk(incident_action)),
    # --- the register's list and its export: action.view -------------------------------------
    Row("actions:list", "GET", LIST, label="narrowed to what each actor may see (exact: test_action_lists)"),
    Row("actions:list", "GET", LIST, query="format=csv", label="CSV export"),
    Row("actions:list", "GET", LIST, query="format=xlsx", label="XLSX export"),
    Row("actions:list", "GET", LIST, query="responsible=me&overdue=false&source_type=incident", label="filtered"),
    Row("actions:list", "GET", LIST_400, query="state=unknown&format=csv", label="a bad filter"),
    Row("actions:list", "POST", signed_in(405, anonymous=LOGIN)),
    # --- the responsible person of another unit does not see the case itself ------------------
    Row("incidents:detail", "GET", CASE_PAGE, kwargs=incident_action_source,
        label="the incident of handler_orto's action"),
    Row("api:incident-detail", "GET", CASE_API, kwargs=incident_action_source,
        label="the incident of handler_orto's action"),
    Row("api:incident-actions", "GET", CASE_API, kwargs=incident_action_source,
        label="the incident of handler_orto's action"),
    # --- API ------------------------------------------------------------------------------------
    Row("api:action-list", "GET", signed_in(200, anonymous=401),
        label="narrowed to what each actor may see (exact: test_action_lists)"),
    Row("api:action-list", "GET", signed_in(200, anonymous=401),
        query="responsible=me&state=planned&effect_class=effective&overdue=true&due_after=2020-01-01"
              "&due_before=2099-12-31&source_type=lexmaria_case", label="filtered"),
    Row("api:action-list", "GET", signed_in(400, anonymous=401), query="due_before=someday", label="a bad filter"),
    Row("api:action-list", "POST", signed_in(405, anonymous=401), data={"description": "Ny åtgärd"},
        label="actions are added on their source"),
    Row("api:action-detail", "GET", INC_SEE, kwargs=_pk(incident_action), label="the incident's action"),
    Row("api:action-detail", "GET", INV_SEE, kwargs=_pk(investigation_action), label="the investigation's action"),
    Row("api:action-detail", "GET", LM_SEE, kwargs=_pk(lexmaria_action), label="the Lex Maria case's action"),
    Row("api:action-detail", "GET", MUNI_SEE, kwargs=_pk(municipal_action), label="Västerås stad's action"),
    Row("api:action-detail", "GET", signed_in(404, anonymous=401), kwargs=missing, label="no such action"),
    Row("api:action-detail", "PATCH", INC_PROGRESS, kwargs=_pk(incident_action), data=PROGRESS,
        label="the incident's action: its progress"),
    Row("api:action-detail", "PATCH", INC_EDIT, kwargs=_pk(incident_action), data=EDIT,
        label="the incident's action: its description"),
    Row("api:action-detail", "PATCH", INC_EDIT, kwargs=_pk(incident_action),
        data={"version": 1, "state": "done", "due_date": FUTURE}, label="the incident's action: a later due date"),
    Row("api:action-detail", "PATCH", INV_PROGRESS, kwargs=_pk(investigation_action), data=PROGRESS,
        label="the investigation's action: its progress"),
    Row("api:action-detail", "PATCH", INV_EDIT, kwargs=_pk(investigation_action), data=EDIT,
        label="the investigation's action: its description"),
    Row("api:action-detail", "PATCH", LM_PROGRESS, kwargs=_pk(lexmaria_action), data=PROGRESS,
        label="the Lex Maria case's action: its progress"),
    Row("api:action-detail", "PATCH", LM_EDIT, kwargs=_pk(lexmaria_action), data=EDIT,
        label="the Lex Maria case's action: its description"),
    Row("api:action-detail", "PUT", signed_in(405, anonymous=401), kwargs=_pk(incident_action), data=EDIT),
    Row("api:action-detail", "DELETE", signed_in(405, anonymous=401), kwargs=_pk(incident_action)),
]
# fmt: on
