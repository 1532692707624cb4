"""Authorization-matrix rows: who decides (issue 16, item 5).

Lex Maria: where the region has designated its chefläkare, exactly she and her deputy or
delegate within their period decide — the manager of Medicinkliniken as deputy decides only
within her period; the manager of Ortopedkliniken, who sees no medicine case of her own, sees
and decides it as delegate within the period only; the chief physician by role no longer
decides once someone else is designated; the municipality, which designated no one, is
unchanged. The page "Who decides on Lex Maria": the care provider's decider and its
administrator. Investigations: where the care provider lets only the chief physician decide,
the manager gets 403.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from incidents.models import InvestigationDeciders, ProviderSettings
from lexmaria.models import Capacity, Decider
from tests.authorization.matrix import LOGIN, Row, World, signed_in
from tests.authorization.matrix_investigations import investigation, new_for_incident
from tests.authorization.matrix_lexmaria_pages import assessment
from tests.lexmaria.conftest import opened, serious_incident


def _row(w: World, user, capacity: str, *, days: tuple[int, int | None], provider=None, title: str = "") -> Decider:
    today = timezone.localdate()
    return Decider.objects.create(
        care_provider=provider or w.tree.region,
        user=user,
        capacity=capacity,
        title=title,
        valid_from=today + dt.timedelta(days=days[0]),
        valid_to=None if days[1] is None else today + dt.timedelta(days=days[1]),
        created_by=w.cast.admin,
    )


def _designate_chief(w: World) -> None:
    _row(w, w.cast.chief_physician, Capacity.DESIGNATED, days=(-100, None), title="Chefläkare")


def deputy(days: tuple[int, int]):
    def make(w: World) -> dict:
        _designate_chief(w)
        _row(w, w.cast.manager, Capacity.DEPUTY, days=days)
        return assessment(w)

    return make


def delegate(days: tuple[int, int]):
    def make(w: World) -> dict:
        _designate_chief(w)
        _row(w, w.cast.manager_orto, Capacity.DELEGATE, days=days)
        return assessment(w)

    return make


def designated_safety_officer(w: World) -> dict:
    _row(w, w.cast.safety_officer, Capacity.DESIGNATED, days=(-10, None), title="Chefläkare")
    return assessment(w)


def municipal_case_while_the_region_designates(w: World) -> dict:
    _row(w, w.cast.safety_officer, Capacity.DESIGNATED, days=(-10, None))
    case = opened(w.cast, serious_incident(w.cast, w.tree.hemsjukvard, handler=w.cast.municipal_handler), w.cast.mas)
    return {"pk": case.pk}


def with_designation(w: World) -> dict:
    _row(w, w.cast.safety_officer, Capacity.DESIGNATED, days=(-10, None))
    return {}


def a_delegation(w: World) -> dict:
    return {"pk": _row(w, w.cast.manager, Capacity.DELEGATE, days=(0, 10)).pk}


def _chief_only(w: World, value: str = InvestigationDeciders.CHIEF_ONLY) -> None:
    ProviderSettings.objects.update_or_create(
        care_provider=w.tree.region, defaults={"investigation_method_decided_by": value}
    )


def chief_only_investigation(w: World) -> dict:
    _chief_only(w, InvestigationDeciders.MANAGER_OR_CHIEF)
    kwargs = investigation(w)  # opened by the manager before the setting changed
    _chief_only(w)
    return kwargs


def chief_only_new(w: World) -> dict:
    _chief_only(w)
    return new_for_incident(w)


DECISION = {"version": 1, "decision": "no_report", "motivation": "Ingen allvarlig vårdskada."}

# fmt: off
# Columns:  anon   rep  hnd  mgr  hndO mgrO chf  so   ind  view adm  mas  munH out
DECIDE =   (LOGIN, 404, 404, 403, 404, 404, 302, 403, 404, 404, 404, 404, 404, 404)
MANAGES = signed_in(403, anonymous=LOGIN, chief_physician=200, admin=200, mas=200)

ROWS: list[Row] = [
    Row("lexmaria:decide", "POST", (LOGIN, 404, 404, 302, 404, 404, 302, 403, 404, 404, 404, 404, 404, 404),
        kwargs=deputy((-5, 5)), data=DECISION, label="the deputy within her period"),
    Row("lexmaria:decide", "POST", DECIDE, kwargs=deputy((1, 10)), data=DECISION,
        label="the deputy before her period"),
    Row("lexmaria:decide", "POST", DECIDE, kwargs=deputy((-10, -1)), data=DECISION,
        label="the deputy after her period"),
    Row("lexmaria:decide", "POST", (LOGIN, 404, 404, 403, 404, 302, 302, 403, 404, 404, 404, 404, 404, 404),
        kwargs=delegate((0, 10)), data=DECISION, label="the delegate within the period sees and decides"),
    Row("lexmaria:decide", "POST", DECIDE, kwargs=delegate((-20, -1)), data=DECISION,
        label="the delegate after the period sees nothing"),
    Row("lexmaria:decide", "POST", (LOGIN, 404, 404, 403, 404, 404, 403, 302, 404, 404, 404, 404, 404, 404),
        kwargs=designated_safety_officer, data=DECISION,
        label="designated someone else: the chief physician by role no longer decides"),
    Row("lexmaria:decide", "POST", signed_in(404, anonymous=LOGIN, mas=302),
        kwargs=municipal_case_while_the_region_designates, data=DECISION,
        label="a care provider that designated no one is unchanged"),
    Row("lexmaria:deciders", "GET", MANAGES, label="the chief physician decides where nobody is designated"),
    Row("lexmaria:deciders", "GET", signed_in(403, anonymous=LOGIN, safety_officer=200, admin=200, mas=200),
        kwargs=with_designation, label="the designated decider, not the chief physician by role"),
    Row("lexmaria:deciders", "POST", signed_in(403, anonymous=LOGIN, chief_physician=400, admin=400, mas=400),
        label="an empty form"),
    Row("lexmaria:decider-end", "POST", signed_in(404, anonymous=LOGIN, chief_physician=302, admin=302),
        kwargs=a_delegation),
    Row("lexmaria:decider-end", "GET", signed_in(405, anonymous=LOGIN), kwargs=a_delegation),
    Row("investigations:method", "POST", (LOGIN, 404, 404, 403, 404, 404, 302, 403, 404, 404, 404, 404, 403, 404),
        kwargs=chief_only_investigation, data={"version": 1, "method": "simple", "reason": "Enklare räcker."},
        label="only the chief physician decides the method"),
    Row("investigations:new", "POST", (LOGIN, 403, 403, 403, 404, 404, 302, 403, 404, 404, 404, 404, 404, 404),
        kwargs=chief_only_new, data={"method": "simple", "reason": "Enklare utredning."},
        label="only the chief physician opens an investigation"),
]
# fmt: on
