"""Authorization-matrix rows: egenkontroll's rounds, results and templates (issue 18).

Each round row's `kwargs` makes a fresh round, sent by the region's patient-safety officer to
Avdelning 5 (Medicinkliniken) and Avdelning 12 (Ortopedkliniken).

Who sees the round (else 404): the staff of the two wards and of the clinics above them (they
answer: the reporter, the handlers, the managers, the measurement owner of Medicinkliniken)
and the region's chief physician, safety officer and viewer (their units' results). The
administrator, the municipality's staff and the outsider see nothing of it.

Its results and their export (else 403): those who read results (`audit.view`: managers, the
chief physician, the viewer, the measurement owner) and those who run rounds; a unit's staff
see the round's header and their own unit's response. Closing it: the one who sent it and the
care provider's safety team (the measurement owner of one clinic may not). The list of rounds
and the templates: `audit.view` or `audit.run` anywhere (the municipality's MAS too, who sees
no round of the region). Sending a round: `audit.run` (an empty form: 400).
"""

from __future__ import annotations

from tests.authorization.matrix import LOGIN, Row, World, signed_in

# fmt: off
# Columns:  anon   rep  hnd  mgr  hndO mgrO chf  so   ind  view adm  mas  munH out
READERS = signed_in(403, anonymous=LOGIN, manager=200, manager_orto=200, chief_physician=200, safety_officer=200,
                    indicator_editor=200, viewer=200, mas=200)
RUNNERS = signed_in(403, anonymous=LOGIN, safety_officer=200, indicator_editor=200)
RUNNERS_EMPTY_POST = signed_in(403, anonymous=LOGIN, safety_officer=400, indicator_editor=400)
SEE =      (LOGIN, 200, 200, 200, 200, 200, 200, 200, 200, 200, 404, 404, 404, 404)
RESULTS =  (LOGIN, 403, 403, 200, 403, 200, 200, 200, 200, 200, 404, 404, 404, 404)
CLOSE =    (LOGIN, 403, 403, 403, 403, 403, 403, 302, 403, 403, 404, 404, 404, 404)
# fmt: on


def sent(w: World) -> dict:
    from tests.audits.conftest import send

    return {"pk": send(w.cast.safety_officer, [w.tree.medicin_ward, w.tree.orto_ward]).pk}


def shipped_template(w: World) -> dict:
    from audits.examples import MEDICATION
    from audits.models import Template

    return {"pk": Template.objects.get(code=MEDICATION).pk}


def _page(name: str) -> str:
    return f"audits:{name}"


ROWS: list[Row] = [
    Row(_page("rounds"), "GET", READERS),
    Row(_page("round_new"), "GET", RUNNERS),
    Row(_page("round_new"), "POST", RUNNERS_EMPTY_POST, label="an empty form"),
    Row(_page("round"), "GET", SEE, kwargs=sent),
    Row(_page("round-export"), "GET", RESULTS, kwargs=sent, query="format=csv"),
    Row(_page("round-close"), "POST", CLOSE, kwargs=sent),
    Row(_page("templates"), "GET", READERS),
    Row(_page("template"), "GET", READERS, kwargs=shipped_template, label="a template shipped with psweb"),
]
