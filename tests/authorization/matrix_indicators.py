"""Authorization-matrix rows: indicators, measurements and statistics.

Who sees indicators and statistics (`indicator.view`, `stats.view`): everyone but the plain
reporter, the system administrator and the outsider (403). A unit's figures are 404 outside
the caller's scope. Measurements are entered by measurement owners and patient-safety
officers in their scope; the national reference values ("riket") by the patient-safety team.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from indicators import services
from indicators.models import IndicatorDefinition
from tests.authorization.matrix import LOGIN, Row, World, signed_in

# fmt: off
# Columns:     anon rep  hnd  mgr  hndO mgrO chf  so   ind  view adm  mas  munH out
STATS =        (401, 403, 200, 200, 200, 200, 200, 200, 200, 200, 403, 200, 200, 403)
# A unit of Medicinkliniken: outside the scope of orthopaedics and the municipality.
MEDICINE =     (401, 403, 200, 200, 404, 404, 200, 200, 200, 200, 403, 404, 404, 403)
SEE_POINT =    (401, 404, 200, 200, 404, 404, 200, 200, 200, 200, 404, 404, 404, 404)
CHANGE_POINT = (401, 404, 403, 403, 404, 404, 403, 200, 200, 403, 404, 404, 404, 404)
CATALOGUE =    (401, 404, 200, 200, 200, 200, 200, 200, 200, 200, 404, 200, 200, 404)
PAGE_STATS =   (LOGIN, 403, 200, 200, 200, 200, 200, 200, 200, 200, 403, 200, 200, 403)
PAGE_MEDICINE = (LOGIN, 403, 200, 200, 404, 404, 200, 200, 200, 200, 403, 404, 404, 403)
# fmt: on

NATIONAL_ROW = [
    {
        "indicator": "BHK",
        "unit": "riket",
        "period_start": "2025-03-01",
        "period_end": "2025-03-31",
        "numerator": "83",
        "denominator": "100",
    }
]


def measurement(w: World) -> dict:
    row, _ = services.measurement_save(
        actor=w.cast.safety_officer,
        indicator=IndicatorDefinition.objects.get(code="BHK"),
        unit=w.tree.medicin_ward,
        period_start=dt.date(2025, 3, 1),
        period_end=dt.date(2025, 3, 31),
        numerator=Decimal(74),
        denominator=Decimal(100),
    )
    return {"pk": row.pk}


def invalid_measurement(w: World) -> dict:
    kwargs = measurement(w)
    from indicators.models import Measurement

    services.measurement_invalidate(
        actor=w.cast.safety_officer, measurement=Measurement.objects.get(pk=kwargs["pk"]), reason="Fel."
    )
    return kwargs


def medicine(query: str = "", **kwargs):
    def make(w: World) -> dict:
        return {**kwargs, "_query": f"unit={w.tree.medicin.pk}{query}"}

    return make


def _api(name: str) -> str:
    return f"api:{name}"


# fmt: off
API_ROWS: list[Row] = [
    Row(_api("indicator-list"), "GET", signed_in(200, anonymous=401), label="empty for those without indicators"),
    Row(_api("indicator-detail"), "GET", CATALOGUE, kwargs=lambda w: {"code": "BHK"}),
    Row(_api("measurement-list"), "GET", signed_in(200, anonymous=401), label="narrowed to what each actor may see"),
    Row(_api("measurement-list"), "POST", signed_in(403, anonymous=401, safety_officer=200, indicator_editor=400),
        data=NATIONAL_ROW, label="the national reference value: the patient-safety team only"),
    Row(_api("measurement-detail"), "GET", SEE_POINT, kwargs=measurement),
    Row(_api("measurement-invalidate"), "POST", CHANGE_POINT, kwargs=measurement, data={"reason": "För få patienter."}),
    Row(_api("measurement-revalidate"), "POST", CHANGE_POINT, kwargs=invalid_measurement),
    Row(_api("stats-indicator"), "GET", STATS, kwargs=lambda w: {"code": "BHK"}, label="the caller's own top unit"),
    Row(_api("stats-indicator"), "GET", MEDICINE, kwargs=medicine(code="BHK"), label="Medicinkliniken"),
    Row(_api("stats-incidents"), "GET", STATS, query="group_by=period,status"),
    Row(_api("stats-incidents"), "GET", MEDICINE, kwargs=medicine("&group_by=unit"), label="Medicinkliniken"),
    Row(_api("stats-incidents-summary"), "GET", STATS),
    Row(_api("stats-incidents-summary"), "GET", MEDICINE, kwargs=medicine(), label="Medicinkliniken"),
]
# fmt: on


def national_entry(w: World) -> dict:
    """The national reference unit: the safety officer keeps it (and gets the row's error); the
    measurement owner of medicine is not offered it (and gets the first step again)."""
    unit = services.national_unit()
    return {"_query": f"enhet={unit.pk}&fran=2025-03-01&till=2025-03-31"}


def page_medicine(**kwargs):
    def make(w: World) -> dict:
        return {**kwargs, "_query": f"enhet={w.tree.medicin.pk}"}

    return make


def upload_by_editor(w: World) -> dict:
    content = (
        "indikator;enhet;period_fran;period_till;taljare;namnare\r\n"
        f"BHK;{w.tree.medicin_ward.pk};2025-03-01;2025-03-31;74;100\r\n"
    ).encode()
    batch = services.import_upload(actor=w.cast.indicator_editor, file_name="bhk.csv", content=content)
    return {"pk": batch.pk}


def _page(name: str) -> str:
    return f"indicators:{name}"


EDITORS = signed_in(403, anonymous=LOGIN, safety_officer=200, indicator_editor=200)
EDITORS_400 = signed_in(403, anonymous=LOGIN, safety_officer=400, indicator_editor=400)
OWN_UPLOAD = signed_in(404, anonymous=LOGIN, indicator_editor=200)
DEFINE = signed_in(403, anonymous=LOGIN, safety_officer=200)
# Marking a point invalid: 404 where it cannot be seen, 403 for those who see but do not enter.
PAGE_CHANGE_POINT = (LOGIN, 404, 403, 403, 404, 404, 403, 302, 302, 403, 404, 404, 404, 404)

# fmt: off
PAGE_ROWS: list[Row] = [
    Row(_page("dashboard"), "GET", PAGE_STATS, label="the caller's own top unit"),
    Row(_page("dashboard"), "GET", PAGE_MEDICINE, kwargs=page_medicine(), label="Medicinkliniken"),
    Row(_page("detail"), "GET", PAGE_STATS, kwargs=lambda w: {"code": "BHK"}),
    Row(_page("detail"), "GET", PAGE_MEDICINE, kwargs=page_medicine(code="BHK"), label="Medicinkliniken"),
    Row(_page("board"), "GET", PAGE_STATS),
    Row(_page("board"), "GET", PAGE_MEDICINE, kwargs=page_medicine(), label="Medicinkliniken"),
    Row("statistics:dashboard", "GET", PAGE_STATS),
    Row("statistics:dashboard", "GET", PAGE_MEDICINE, kwargs=page_medicine(), label="Medicinkliniken"),
    Row(_page("entry"), "GET", EDITORS),
    Row(_page("entry"), "GET", EDITORS_400, query="enhet=999999999&fran=2025-03-01", label="a unit not offered"),
    Row(_page("entry"), "POST", EDITORS_400, kwargs=national_entry,
        data={"BHK-numerator": "83", "BHK-denominator": "x"}, label="an error in a row"),
    Row(_page("upload"), "GET", EDITORS),
    Row(_page("upload"), "POST", EDITORS_400, label="no file"),
    Row(_page("import-preview"), "GET", OWN_UPLOAD, kwargs=upload_by_editor),
    Row(_page("import-preview"), "POST", signed_in(404, anonymous=LOGIN, indicator_editor=302),
        kwargs=upload_by_editor),
    Row(_page("invalidate"), "POST", PAGE_CHANGE_POINT, kwargs=measurement, data={"reason": "För få patienter."}),
    Row(_page("edit"), "GET", DEFINE, kwargs=lambda w: {"code": "BHK"}),
    Row(_page("edit"), "POST", signed_in(403, anonymous=LOGIN, safety_officer=400), kwargs=lambda w: {"code": "BHK"},
        data={"name": ""}, label="a name is required"),
]
# fmt: on

ROWS: list[Row] = API_ROWS + PAGE_ROWS
