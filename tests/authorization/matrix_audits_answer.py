"""Authorization-matrix rows: answering egenkontroll (issue 18) — "Egenkontroll", a unit's
response page, its autosave, its transitions and adding an action.

Each row's `kwargs` runs once per actor, on a fresh round the region's patient-safety officer
sends to Avdelning 5 (medicin) and Avdelning 12 (ortopedi); the rows ask about Avdelning 5's
response, brought to the state the request needs (open; fully answered; submitted).

Who sees the response (else 404, `Response.objects.visible_to`): those who answer for the unit
(`audit.answer` over it: the reporter on the ward, the handler, manager and measurement owner
of Medicinkliniken, the region's chief physician and safety officer), those who read its
results (`audit.view`: the region's viewer too) and the one who sent the round. Who answers
and adds actions (else 403): all of them but the viewer. Who submits, approves and returns
(`audit.submit`): the manager of Medicinkliniken alone. Ortopedkliniken's staff, the
administrator (no part in self-audits), the municipality's staff and the outsider do not find
it. "Egenkontroll" itself: everyone with a part in self-audits; not the administrator or the
outsider (403).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from audits import services
from audits.models import Response
from tests.audits.conftest import answer_all, send
from tests.authorization.matrix import LOGIN, Row, World, signed_in

DUE = (timezone.localdate() + dt.timedelta(days=30)).isoformat()

# fmt: off
# Columns:  anon   rep  hnd  mgr  hndO mgrO chf  so   ind  view adm  mas  munH out
SEE =      (LOGIN, 200, 200, 200, 404, 404, 200, 200, 200, 200, 404, 404, 404, 404)
ANSWER =   (LOGIN, 302, 302, 302, 404, 404, 302, 302, 302, 403, 404, 404, 404, 404)
MANAGE =   (LOGIN, 403, 403, 302, 404, 404, 403, 403, 403, 403, 404, 404, 404, 404)
HOME = signed_in(200, anonymous=LOGIN, admin=403, outsider=403)
# fmt: on


def _ward_response(w: World) -> Response:
    round_ = send(w.cast.safety_officer, [w.tree.medicin_ward, w.tree.orto_ward])
    return Response.objects.get(round=round_, unit=w.tree.medicin_ward)


def open_response(w: World) -> dict:
    return {"pk": _ward_response(w).pk}


def first_statement(w: World) -> dict:
    response = _ward_response(w)
    statement = response.round.template_version.statements.order_by("position").first()
    return {"pk": response.pk, "statement": statement.pk}


def answered(w: World) -> dict:
    response = _ward_response(w)
    answer_all(response, w.cast.reporter)
    return {"pk": response.pk, "_data": {"version": Response.objects.get(pk=response.pk).version}}


def submitted(w: World) -> dict:
    response = _ward_response(w)
    answer_all(response, w.cast.reporter)
    response = services.submit(response=response, actor=w.cast.manager)
    return {"pk": response.pk, "_data": {"version": response.version, "reason": "Kommentera delegeringen."}}


ROWS = [
    Row("audits:home", "GET", HOME),
    Row("audits:response", "GET", SEE, kwargs=open_response),
    Row("audits:answer", "POST", ANSWER, kwargs=first_statement, data={"value": "in_place"}),
    Row("audits:submit", "POST", MANAGE, kwargs=answered, label="every statement answered"),
    Row("audits:approve", "POST", MANAGE, kwargs=submitted),
    Row("audits:return", "POST", MANAGE, kwargs=submitted, label="with a reason"),
    Row(
        "audits:action-add",
        "POST",
        ANSWER,
        kwargs=open_response,
        data={"description": "Skriv en lokal rutin", "responsible": "manager", "due_date": DUE},
    ),
]
