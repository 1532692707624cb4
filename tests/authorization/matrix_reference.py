"""Authorization matrix rows for the reference data of the API (`/api/v1/reference/…`).

The code lists (categories, cause areas, event classes, risk matrix) are the same for every
signed-in user and say nothing about a case or a person. The user look-up finds only a
colleague: someone with a role in one of the caller's care providers; anyone else is 404,
the same answer as for a name that does not exist.
"""

from __future__ import annotations

from tests.authorization.matrix import Row, signed_in

# fmt: off
ROWS: list[Row] = [
    Row("api:reference-categories", "GET", signed_in(200, anonymous=401)),
    Row("api:reference-categories", "POST", signed_in(405, anonymous=401)),
    Row("api:reference-cause-areas", "GET", signed_in(200, anonymous=401)),
    Row("api:reference-cause-areas", "POST", signed_in(405, anonymous=401)),
    Row("api:reference-event-classes", "GET", signed_in(200, anonymous=401)),
    Row("api:reference-event-classes", "DELETE", signed_in(405, anonymous=401)),
    Row("api:reference-risk-matrix", "GET", signed_in(200, anonymous=401)),
    Row("api:reference-risk-matrix", "GET", signed_in(200, anonymous=401),
        kwargs=lambda w: {"_query": f"unit={w.tree.hemsjukvard.pk}"}, label="another care provider's matrix"),
    Row("api:reference-risk-matrix", "PUT", signed_in(405, anonymous=401)),
    # columns:                                anon rep  hnd  mgr  hndO mgrO chf  so   ind  view adm  mas  munH out
    Row("api:reference-users", "GET", (401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 404, 404, 404),
        query="username=handler", label="a colleague of Region Västmanland"),
    Row("api:reference-users", "GET", (401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 200, 200, 404),
        query="username=municipal_handler", label="a colleague of Västerås stad"),
    Row("api:reference-users", "GET", signed_in(404, anonymous=401), query="username=outsider",
        label="a user without a role anywhere"),
    Row("api:reference-users", "GET", signed_in(400, anonymous=401), label="neither user name nor HSA-id"),
    Row("api:reference-users", "POST", signed_in(405, anonymous=401)),
]
# fmt: on
