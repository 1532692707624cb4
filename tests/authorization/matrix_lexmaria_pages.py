"""Authorization-matrix rows: the Lex Maria pages.

Each row's `kwargs` runs once per actor, on a fresh case about a serious incident reported in
Avdelning 5 (Medicinkliniken), its version set to 1. Who sees it (else 404): the manager of
Medicinkliniken, the region's chief physician and patient-safety officer. Who prepares it
(else 403): the chief physician and the patient-safety officer; who decides: the chief
physician alone.
"""

from __future__ import annotations

from django.utils import timezone

from lexmaria.models import LexMariaCase
from tests.authorization.matrix import LOGIN, Row, World, signed_in
from tests.lexmaria.conftest import (
    add_action,
    closed_not_reported,
    decided,
    ivo_decided,
    opened,
    reported,
    serious_incident,
    supplement_requested,
)

# fmt: off
# Columns:  anon   rep  hnd  mgr  hndO mgrO chf  so   ind  view adm  mas  munH out
SEE =      (LOGIN, 404, 404, 200, 404, 404, 200, 200, 404, 404, 404, 404, 404, 404)
PREPARE =  (LOGIN, 404, 404, 403, 404, 404, 302, 302, 404, 404, 404, 404, 404, 404)
PREPARE_400 = (LOGIN, 404, 404, 403, 404, 404, 400, 400, 404, 404, 404, 404, 404, 404)
DECIDE =   (LOGIN, 404, 404, 403, 404, 404, 302, 403, 404, 404, 404, 404, 404, 404)
OPEN_GET = (LOGIN, 403, 403, 403, 404, 404, 200, 200, 404, 404, 404, 404, 404, 404)
OPEN =     (LOGIN, 403, 403, 403, 404, 404, 302, 302, 404, 404, 404, 404, 404, 404)
READERS = signed_in(403, anonymous=LOGIN, manager=200, manager_orto=200, chief_physician=200, safety_officer=200,
                    mas=200)
# fmt: on


def _case(w: World) -> LexMariaCase:
    return opened(w.cast, serious_incident(w.cast, w.tree.medicin_ward))


def _at_version_1(case: LexMariaCase, **extra) -> dict:
    LexMariaCase.objects.filter(pk=case.pk).update(version=1)
    return {"pk": case.pk, **extra}


def assessment(w: World) -> dict:
    return _at_version_1(_case(w))


def new_for_incident(w: World) -> dict:
    return {"_query": f"avvikelse={serious_incident(w.cast, w.tree.medicin_ward).pk}"}


def decided_with_action(w: World) -> dict:
    incident = serious_incident(w.cast, w.tree.medicin_ward)
    add_action(w.cast, incident)
    return _at_version_1(decided(w.cast, opened(w.cast, incident)))


def was_reported(w: World) -> dict:
    return _at_version_1(reported(w.cast, _case(w)))


def with_promise(w: World) -> dict:
    case = reported(w.cast, _case(w))
    return _at_version_1(case, item=case.promised_actions.first().pk)


def asked_for_supplement(w: World) -> dict:
    return _at_version_1(supplement_requested(w.cast, _case(w)))


def decided_by_ivo(w: World) -> dict:
    return _at_version_1(ivo_decided(w.cast, _case(w)))


def not_reported(w: World) -> dict:
    return _at_version_1(closed_not_reported(w.cast, _case(w)))


def _page(name: str) -> str:
    return f"lexmaria:{name}"


# Dates IVO gives are never before the decision (made when the fixture runs, today).
TODAY = timezone.localdate().isoformat()

# fmt: off
ROWS: list[Row] = [
    Row(_page("list"), "GET", READERS, label="narrowed to what each reader may see"),
    Row(_page("list"), "GET", READERS, query="q=2026", label="searched"),
    Row(_page("follow-up-year"), "GET", READERS, query="ar=2025"),
    Row(_page("new"), "GET", OPEN_GET, kwargs=new_for_incident),
    Row(_page("new"), "POST", OPEN, kwargs=new_for_incident, data={"reason": "Allvarlig vårdskada."}),
    Row(_page("detail"), "GET", SEE, kwargs=assessment),
    Row(_page("ivo"), "GET", SEE, kwargs=assessment),
    Row(_page("ivo-pdf"), "GET", SEE, kwargs=assessment),
    Row(_page("ivo-text"), "GET", SEE, kwargs=assessment),
    Row(_page("decide"), "POST", DECIDE, kwargs=assessment,
        data={"version": 1, "decision": "no_report", "motivation": "Ingen allvarlig vårdskada."},
        label="the chief physician alone decides"),
    Row(_page("reopen"), "POST", DECIDE, kwargs=not_reported, data={"version": 1, "reason": "Ny information."}),
    Row(_page("link-investigation"), "POST", PREPARE_400, kwargs=assessment,
        data={"version": 1, "reference": "UT-1900-000001"}, label="an unknown reference"),
    Row(_page("mark-reported"), "POST", PREPARE, kwargs=decided_with_action,
        data={"version": 1, "ivo_reference": "3.7.1-1/2026", "sent_on": TODAY}),
    Row(_page("supplement-request"), "POST", PREPARE, kwargs=was_reported,
        data={"version": 1, "what": "Tidplan saknas.", "requested_on": TODAY, "due_on": "2099-01-31"}),
    Row(_page("supplement-send"), "POST", PREPARE, kwargs=asked_for_supplement,
        data={"version": 1, "answer": "Tidplan bifogad.", "sent_on": TODAY}),
    Row(_page("ivo-decision"), "POST", PREPARE, kwargs=was_reported,
        data={"version": 1, "kind": "closed_without_criticism", "decided_on": TODAY}),
    Row(_page("close"), "POST", PREPARE, kwargs=decided_by_ivo, data={"version": 1}),
    Row(_page("action-add"), "POST", PREPARE, kwargs=assessment,
        data={"version": 1, "description": "Utbilda klinikens sjuksköterskor.", "responsible": "manager",
              "due_date": "2099-06-30", "effect_class": ""},
        label="an action of the case itself, in the action register"),
    Row(_page("follow-up"), "POST", PREPARE, kwargs=with_promise,
        data={"version": 1, "carried_out": "yes", "effect_class": "", "evidence": "Granskning"}),
]
# fmt: on
