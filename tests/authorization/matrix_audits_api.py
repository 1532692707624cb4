"""Authorization-matrix rows: the egenkontroll API (issue 18, item 4).

Each row's `kwargs` runs once per actor, on a fresh round of the medication checklist that
the region's patient-safety officer sends to Avdelning 5 (Medicinkliniken) and Avdelning 12
(Ortopedkliniken); the object is Avdelning 5's response, brought to the state the operation
needs (answered by the reporter, submitted by the manager of Medicinkliniken), its version
set to 1.

Who sees the response (else 404): the unit's staff (`audit.answer`: the reporter, the
handler, the manager, the chief physician, the safety officer, the indicator editor of
Medicinkliniken), those who read results there (the viewer) and the one who sent the round.
The round also to Ortopedkliniken's staff, whose unit answers it too. The administrator, the
municipality's staff and the outsider see nothing. Who answers and adds actions (else 403):
everyone who sees it but the statistics-only viewer. Who submits, approves and returns: the
manager of Medicinkliniken alone.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from audits import services
from audits.models import Response
from tests.audits.conftest import answer_all, send
from tests.authorization.matrix import Row, World, signed_in

# fmt: off
# Columns:  anon rep  hnd  mgr  hndO mgrO chf  so   ind  view adm  mas  munH out
SEE =      (401, 200, 200, 200, 404, 404, 200, 200, 200, 200, 404, 404, 404, 404)
ROUND =    (401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 404, 404, 404, 404)
ANSWER =   (401, 200, 200, 200, 404, 404, 200, 200, 200, 403, 404, 404, 404, 404)
ACTION =   (401, 201, 201, 201, 404, 404, 201, 201, 201, 403, 404, 404, 404, 404)
MANAGE =   (401, 403, 403, 200, 404, 404, 403, 403, 403, 403, 404, 404, 404, 404)
# fmt: on


def _at_version_1(response: Response, **extra) -> dict:
    Response.objects.filter(pk=response.pk).update(version=1)
    return {"pk": response.pk, **extra}


def _open(w: World) -> Response:
    round_ = send(w.cast.safety_officer, [w.tree.medicin_ward, w.tree.orto_ward])
    return Response.objects.get(round=round_, unit=w.tree.medicin_ward)


def _answered(w: World) -> Response:
    response = _open(w)
    answer_all(response, w.cast.reporter)
    return response


def _submitted(w: World) -> Response:
    response = _answered(w)
    return services.submit(response=response, actor=w.cast.manager, version=response.version)


def opened(w: World) -> dict:
    return _at_version_1(_open(w))


def answered(w: World) -> dict:
    return _at_version_1(_answered(w))


def submitted(w: World) -> dict:
    return _at_version_1(_submitted(w))


def round_of_response(w: World) -> dict:
    return {"pk": _open(w).round_id}


def statement(w: World) -> dict:
    return {**opened(w), "statement_key": "lokala-rutiner"}


def action_data(w: World) -> dict:
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    data = {
        "description": "Inför en rutin för att rapportera svinn.",
        "responsible": w.cast.manager.pk,
        "due_date": due,
        "statement": "svinn",
    }
    return {**opened(w), "_data": data}


def _api(name: str) -> str:
    return f"api:audit-{name}"


LISTS = signed_in(200, anonymous=401)
NOT_ALLOWED = signed_in(405, anonymous=401)

# fmt: off
ROWS: list[Row] = [
    Row(_api("round-list"), "GET", LISTS, label="narrowed to what each may see"),
    Row(_api("round-list"), "POST", NOT_ALLOWED, data={"title": "Ny omgång"}),
    Row(_api("round-detail"), "GET", ROUND, kwargs=round_of_response),
    Row(_api("round-detail"), "PATCH", NOT_ALLOWED, kwargs=round_of_response, data={"title": "X"}),
    Row(_api("round-detail"), "DELETE", NOT_ALLOWED, kwargs=round_of_response),
    Row(_api("response-list"), "GET", LISTS, label="narrowed to what each may see"),
    Row(_api("response-list"), "POST", NOT_ALLOWED, data={"round": 1}),
    Row(_api("response-detail"), "GET", SEE, kwargs=opened),
    Row(_api("response-detail"), "PATCH", NOT_ALLOWED, kwargs=opened, data={"status": "approved"}),
    Row(_api("response-detail"), "DELETE", NOT_ALLOWED, kwargs=opened),
    Row(_api("response-answer"), "PUT", ANSWER, kwargs=statement, data={"value": "in_place"}),
    Row(_api("response-answer"), "GET", NOT_ALLOWED, kwargs=statement),
    Row(_api("response-submit"), "POST", MANAGE, kwargs=answered, data={"version": 1}),
    Row(_api("response-submit"), "GET", NOT_ALLOWED, kwargs=answered),
    Row(_api("response-approve"), "POST", MANAGE, kwargs=submitted, data={"version": 1}),
    Row(_api("response-return"), "POST", MANAGE, kwargs=submitted,
        data={"version": 1, "reason": "Kommentera svinnet."}),
    Row(_api("response-actions"), "POST", ACTION, kwargs=action_data),
    Row(_api("response-actions"), "GET", NOT_ALLOWED, kwargs=opened, label="actions are read in the register"),
]
# fmt: on
