"""Authorization-matrix rows: `/api/v1/lexmaria/`.

The same givens as the pages (matrix_lexmaria_pages.py): a fresh case per actor about a
serious incident in Avdelning 5 (Medicinkliniken), at version 1. Who sees it (else 404): the
manager of Medicinkliniken, the region's chief physician and patient-safety officer. Who
prepares (else 403): the chief physician and the patient-safety officer. Who decides: the
chief physician alone; the manager and the patient-safety officer get 403, everyone outside
the case's scope 404.
"""

from __future__ import annotations

from tests.authorization.matrix import Row, World, signed_in
from tests.authorization.matrix_lexmaria_pages import (
    TODAY,
    asked_for_supplement,
    assessment,
    decided_by_ivo,
    decided_with_action,
    not_reported,
    was_reported,
    with_promise,
)

UNKNOWN = 999_999_999

# fmt: off
# Columns:  anon rep  hnd  mgr  hndO mgrO chf  so   ind  view adm  mas  munH out
SEE =      (401, 404, 404, 200, 404, 404, 200, 200, 404, 404, 404, 404, 404, 404)
PREPARE =  (401, 404, 404, 403, 404, 404, 200, 200, 404, 404, 404, 404, 404, 404)
PREPARE_400 = (401, 404, 404, 403, 404, 404, 400, 400, 404, 404, 404, 404, 404, 404)
DECIDE =   (401, 404, 404, 403, 404, 404, 200, 403, 404, 404, 404, 404, 404, 404)
PREPARE_201 = (401, 404, 404, 403, 404, 404, 201, 201, 404, 404, 404, 404, 404, 404)
READERS = signed_in(403, anonymous=401, manager=200, manager_orto=200, chief_physician=200, safety_officer=200,
                    mas=200)
# fmt: on


def with_promise_api(w: World) -> dict:
    kwargs = with_promise(w)
    return {"pk": kwargs["pk"], "promised_pk": kwargs["item"]}


def assessment_with_action_data(w: World) -> dict:
    data = {
        "description": "Utbilda klinikens sjuksköterskor.",
        "responsible": w.cast.manager.pk,
        "due_date": "2099-06-30",
    }
    return {**assessment(w), "_data": data}


def _op(name: str) -> str:
    return f"api:lexmaria-{name}"


# fmt: off
ROWS: list[Row] = [
    Row(_op("list"), "GET", signed_in(200, anonymous=401), label="narrowed to what each actor may see"),
    Row(_op("list"), "POST", signed_in(400, anonymous=401), data={"incidents": [UNKNOWN], "reason": "Allvarlig."},
        label="an incident nobody may see"),
    Row(_op("follow-up-year"), "GET", READERS, query="year=2025"),
    Row(_op("detail"), "GET", SEE, kwargs=assessment),
    Row(_op("timeline"), "GET", SEE, kwargs=assessment),
    Row(_op("ivo-report"), "GET", SEE, kwargs=assessment),
    Row(_op("decide"), "POST", DECIDE, kwargs=assessment,
        data={"version": 1, "decision": "no_report", "motivation": "Ingen allvarlig vårdskada."},
        label="the chief physician alone decides"),
    Row(_op("reopen"), "POST", DECIDE, kwargs=not_reported, data={"version": 1, "reason": "Ny information."}),
    Row(_op("owner"), "POST", PREPARE_400, kwargs=assessment, data={"version": 1, "owner": UNKNOWN},
        label="an unknown user"),
    Row(_op("link-incident"), "POST", PREPARE_400, kwargs=assessment, data={"version": 1, "incident": UNKNOWN},
        label="an unknown incident"),
    Row(_op("link-investigation"), "POST", PREPARE_400, kwargs=assessment,
        data={"version": 1, "investigation": UNKNOWN}, label="an unknown investigation"),
    Row(_op("mark-reported"), "POST", PREPARE, kwargs=decided_with_action,
        data={"version": 1, "ivo_reference": "3.7.1-1/2026", "sent_on": TODAY}),
    Row(_op("supplement-request"), "POST", PREPARE, kwargs=was_reported,
        data={"version": 1, "what": "Tidplan saknas.", "requested_on": TODAY, "due_on": "2099-01-31"}),
    Row(_op("supplement-send"), "POST", PREPARE, kwargs=asked_for_supplement,
        data={"version": 1, "answer": "Tidplan bifogad.", "sent_on": TODAY}),
    Row(_op("ivo-decision"), "POST", PREPARE, kwargs=was_reported,
        data={"version": 1, "kind": "closed_without_criticism", "decided_on": TODAY}),
    Row(_op("close"), "POST", PREPARE, kwargs=decided_by_ivo, data={"version": 1}),
    Row(_op("actions"), "POST", PREPARE_201, kwargs=assessment_with_action_data,
        label="an action of the case itself, in the action register"),
    Row(_op("follow-up"), "POST", PREPARE, kwargs=with_promise_api,
        data={"version": 1, "carried_out": True, "evidence": "Granskning"}),
]
# fmt: on
