"""Authorization-matrix rows: oversight agreements (issue 16). The region oversees Västerås
stad under an agreement naming the `viewer` (who sees no incident for a role of her own): she
reads the municipality's incidents, without the patient's identity unless the agreement says
so, never handles them, sees nothing of another care provider, and nothing outside the period.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from incidents.models import Incident
from oversight.models import Agreement, AgreementUser
from tests.authorization.matrix import LOGIN, Row, World, signed_in
from tests.incidents.conftest import report


def _agreement(w: World, *, days: tuple[int, int] = (-30, 30), identity: bool = False) -> Agreement:
    today = timezone.localdate()
    agreement = Agreement.objects.create(
        purchaser=w.tree.region,
        provider=w.tree.municipality,
        valid_from=today + dt.timedelta(days=days[0]),
        valid_to=today + dt.timedelta(days=days[1]),
        with_patient_identity=identity,
    )
    AgreementUser.objects.create(agreement=agreement, user=w.cast.viewer)
    return agreement


def _municipal(w: World, **fields) -> dict:
    incident = report(w.cast.municipal_handler, w.tree.hemsjukvard, **fields)
    Incident.objects.filter(pk=incident.pk).update(version=1)
    return {"pk": incident.pk}


def overseen(**agreement):
    def make(w: World) -> dict:
        _agreement(w, **agreement)
        return _municipal(w)

    return make


def overseen_patient(**agreement):
    def make(w: World) -> dict:
        _agreement(w, **agreement)
        return _municipal(w, patient_involved=True, patient_identifier="191212121212")

    return make


def other_provider(w: World) -> dict:
    _agreement(w)
    incident = report(w.cast.reporter, w.tree.medicin_ward)
    return {"pk": incident.pk}


def with_agreement(w: World) -> dict:
    _agreement(w)
    return {}


# fmt: off
# Columns: anonymous, reporter, handler, manager, handler_orto, manager_orto, chief_physician,
#          safety_officer, indicator_editor, viewer, admin, mas, municipal_handler, outsider
MUNICIPAL = {"mas": 200, "municipal_handler": 200}

ROWS: list[Row] = [
    Row("oversight:list", "GET", signed_in(403, anonymous=LOGIN), label="no agreement: nobody"),
    Row("oversight:list", "GET", signed_in(403, anonymous=LOGIN, viewer=200, chief_physician=200,
                                           safety_officer=200, mas=200), kwargs=with_agreement,
        label="the named user, the purchaser's and the provider's chief physician and safety team"),
    Row("oversight:list", "POST", signed_in(405, anonymous=LOGIN)),
    Row("incidents:detail", "GET", signed_in(404, anonymous=LOGIN, viewer=200, **MUNICIPAL), kwargs=overseen(),
        label="oversight: the purchaser's named user reads the provider's incident"),
    Row("incidents:detail", "GET", signed_in(404, anonymous=LOGIN, reporter=200, handler=200, manager=200,
                                             chief_physician=200, safety_officer=200), kwargs=other_provider,
        label="oversight: nothing of another care provider"),
    Row("incidents:detail", "GET", signed_in(404, anonymous=LOGIN, **MUNICIPAL), kwargs=overseen(days=(-60, -1)),
        label="oversight: after the period, nothing"),
    Row("incidents:detail", "GET", signed_in(404, anonymous=LOGIN, **MUNICIPAL), kwargs=overseen(days=(1, 60)),
        label="oversight: before the period, nothing"),
    Row("incidents:case-patient", "POST", signed_in(404, anonymous=LOGIN, viewer=403, **MUNICIPAL),
        kwargs=overseen_patient(), label="oversight: without the patient's identity"),
    Row("incidents:case-patient", "POST", signed_in(404, anonymous=LOGIN, viewer=200, **MUNICIPAL),
        kwargs=overseen_patient(identity=True), label="oversight: with identity when the agreement says so"),
    Row("incidents:case-take", "POST", signed_in(404, anonymous=LOGIN, viewer=403, mas=302, municipal_handler=302),
        kwargs=overseen(), data={"version": 1}, label="oversight: read only, never handled"),
    Row("api:incident-detail", "GET", signed_in(404, anonymous=401, viewer=200, **MUNICIPAL), kwargs=overseen(),
        label="oversight: the API reads as the page does"),
    Row("api:incident-detail", "GET", signed_in(404, anonymous=401, **MUNICIPAL), kwargs=overseen(days=(-60, -1)),
        label="oversight: after the period, nothing"),
]
# fmt: on
