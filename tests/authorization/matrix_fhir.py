"""Authorization-matrix rows: `/fhir/` (FHIR R5, read-only) and the incidents' CSV export
(`/api/v1/export/incidents.csv`), issue 15 items 6 and 7.

The incident is the reporter's, in Avdelning 5 (Medicinkliniken), made fresh for each actor:
who sees it in the REST API reads it as an AdverseEvent, everyone else gets 404. Every FHIR
answer needs credentials, like the REST API (401 for an anonymous request); any other address
under /fhir/ is 404. FHIR is read-only: its rows are GETs (a write method answers 405, in
tests/fhir/), so the CSRF sweep, which expects HTML or the REST API's JSON, has nothing of it.
"""

from __future__ import annotations

from tests.authorization.matrix import Row, World, missing, signed_in
from tests.authorization.matrix_incidents_api import SEE, incident

# fmt: off
# Columns: anon rep  hnd  mgr  hndO mgrO chf  so   ind  view adm  mas  munH out
# The free text of the export: for those who see incidents of a unit (incident.view).
TEXT =     (401, 403, 200, 200, 200, 200, 200, 200, 403, 403, 403, 200, 200, 403)
# fmt: on


def code_system(name: str):
    return lambda w: {"pk": name}


def unsupported(w: World) -> dict:
    return {"rest": "Patient/1"}


# fmt: off
ROWS: list[Row] = [
    Row("fhir:metadata", "GET", signed_in(200, anonymous=401)),
    Row("fhir:adverse-event-search", "GET", signed_in(200, anonymous=401), label="lists only what the user sees"),
    Row("fhir:adverse-event-search", "GET", signed_in(400, anonymous=401), query="patient=1",
        label="an unsupported search parameter"),
    Row("fhir:adverse-event-read", "GET", SEE, kwargs=incident),
    Row("fhir:adverse-event-read", "GET", signed_in(404, anonymous=401), kwargs=missing, label="no such incident"),
    Row("fhir:code-system-search", "GET", signed_in(200, anonymous=401)),
    Row("fhir:code-system-read", "GET", signed_in(200, anonymous=401), kwargs=code_system("incident-category")),
    Row("fhir:code-system-read", "GET", signed_in(404, anonymous=401), kwargs=code_system("icd-10"),
        label="no such code system"),
    Row("fhir:not-supported", "GET", signed_in(404, anonymous=401), kwargs=unsupported),
    Row("api:incident-export", "GET", signed_in(200, anonymous=401), label="only what the user sees"),
    Row("api:incident-export", "GET", TEXT, query="text=true", label="with the free text"),
    Row("api:incident-export", "POST", signed_in(405, anonymous=401)),
]
# fmt: on
