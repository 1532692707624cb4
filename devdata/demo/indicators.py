"""Demo indicator series: three years of measurements for every seeded indicator, in the
region's inpatient wards and clinics, with national reference values ("riket"), one point
marked invalid with its reason, and the method changes of 2024 (VRI moved from SKR's PPM to
Infektionsverktyget, pressure ulcers from PPM to continuous recording).

The figures follow DOMAIN.md: hygiene compliance in the low seventies improving towards the
target, VRI around 4–5 %, pressure ulcers 13–14 % (category 1–4) and 7–8 % (2–4), MJG around
4 %, medication reviews for the elderly around a third. Written through the same checks as
an import (`services.measurements_check_and_save`), as the region's patient-safety officer.
Deterministic and idempotent: a second run finds every point unchanged.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from accounts.models import OrgUnit, User
from accounts.roles import Perm
from indicators import services
from indicators.catalogue import BHK_STEPS
from indicators.periods import add_months, month_end

ACTOR = "psstrateg"
WARDS = (
    "Avdelning 5, medicin",
    "Avdelning 6, medicin",
    "Avdelning 12, ortopedi",
    "Avdelning 8, kirurgi",
    "Barnavdelning 4",
    "Medicinavdelningen Köping",
    "Medicinavdelningen Sala",
    "Psykiatrisk avdelning 71",
)
CLINICS = ("Medicinkliniken", "Ortopedkliniken", "Kirurgkliniken", "Vuxenpsykiatri")
INVALID = (
    "TRYCK-24",
    "Avdelning 12, ortopedi",
    "Endast 4 av 25 patienter undersöktes: mätningen är inte representativ.",
)
YEARS = 3


def _first_month() -> dt.date:
    today = timezone.localdate()
    return dt.date(today.year - YEARS, 1, 1)


def _months() -> list[dt.date]:
    last = add_months(timezone.localdate().replace(day=1), -1)
    months, month = [], _first_month()
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def _share(rng: random.Random, base: float, spread: float = 0.04) -> float:
    return min(max(base + rng.uniform(-spread, spread), 0.0), 1.0)


def _row(code, unit, start: dt.date, end: dt.date, numerator, denominator=None, comment="", method="") -> dict:
    return {
        "method": method,
        "indicator": code,
        "unit": str(unit.pk) if isinstance(unit, OrgUnit) else unit,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "numerator": str(numerator),
        "denominator": "" if denominator is None else str(denominator),
        "comment": comment,
        "source": "Demodata",
    }


def _method(code: str, month: dt.date, first_year: int) -> str:
    """The demo's first year is measured the old way; then the 2024 change of method."""
    old, new = {"VRI": ("skr-ppm", "ecdc-pps"), "TRYCK": ("ppm", "kontinuerlig")}[code]
    return old if month.year == first_year else new


def _rows(rng: random.Random, wards: list[OrgUnit], clinics: list[OrgUnit], region: OrgUnit) -> list[dict]:
    rows: list[dict] = []
    months = _months()
    first_year = months[0].year
    for month in months:
        progress = (month.year - first_year) + (month.month - 1) / 12  # 0 … 3: things improve slowly
        end = month_end(month)
        # Hygiene (BHK): spring (March) and autumn (September) observations on each ward.
        if month.month in (3, 9):
            for ward in wards:
                observed = rng.randint(18, 36)
                rows.append(
                    _row("BHK", ward, month, end, round(observed * _share(rng, 0.72 + 0.03 * progress)), observed)
                )
                for number, _step in enumerate(BHK_STEPS, start=1):
                    base = 0.80 + 0.03 * progress if number == 1 else 0.93
                    rows.append(_row(f"BHK-{number}", ward, month, end, round(observed * _share(rng, base)), observed))
        # VRI: quarterly point prevalence on a day in the middle of the quarter.
        if month.month in (2, 5, 8, 11):
            day = month.replace(day=15)
            for ward in wards:
                patients = rng.randint(16, 30)
                rows.append(
                    _row("VRI", ward, day, day, round(patients * _share(rng, 0.047 - 0.003 * progress, 0.03)), patients)
                )
        # Pressure ulcers: point prevalence in March and October.
        if month.month in (3, 10):
            day = month.replace(day=10)
            for ward in wards:
                examined = rng.randint(18, 30)
                any_ulcer = round(examined * _share(rng, 0.14 - 0.005 * progress, 0.05))
                rows.append(_row("TRYCK-14", ward, day, day, any_ulcer, examined))
                rows.append(
                    _row(
                        "TRYCK-24", ward, day, day, min(any_ulcer, round(examined * _share(rng, 0.08, 0.04))), examined
                    )
                )
        # Quarterly audits: catheters, vascular access, medication reviews for the elderly.
        if month.month in (3, 6, 9, 12):
            quarter = add_months(month, -2)
            for ward in wards:
                audited = rng.randint(10, 25)
                rows.append(_row("KAD", ward, quarter, end, round(audited * _share(rng, 0.84, 0.08)), audited))
                rows.append(_row("INFART", ward, quarter, end, round(audited * _share(rng, 0.86, 0.08)), audited))
                elderly = rng.randint(20, 60)
                rows.append(
                    _row(
                        "LMG75", ward, quarter, end, round(elderly * _share(rng, 0.30 + 0.02 * progress, 0.1)), elderly
                    )
                )
        # Clinics, monthly: record review (15 records), beds.
        for clinic in clinics:
            injuries = rng.choices([0, 1, 2], [55, 35, 10])[0]
            rows.append(_row("MJG", clinic, month, end, injuries, 15))
            rows.append(_row("MJG-VRI", clinic, month, end, min(injuries, rng.choice([0, 0, 1])), 15))
            beds = rng.choice([24, 28, 30, 32])
            bed_days = beds * end.day
            # Outlying patients and overcrowding in whole patient-days (0,1–0,6 and 0,2–1,5 a day).
            rows.append(_row("UTLOK", clinic, month, end, round(rng.uniform(0.1, 0.6) * end.day), bed_days))
            rows.append(_row("OVERBEL", clinic, month, end, round(rng.uniform(0.2, 1.5) * end.day), bed_days))
            rows.append(_row("BELAGG", clinic, month, end, round(bed_days * _share(rng, 0.92, 0.05)), bed_days))
            if month.month in (4, 10):
                answers = rng.randint(40, 90)
                rows.append(_row("HSE", clinic, month, end, round(answers * rng.uniform(3.85, 4.15), 2), answers))
        # The region as a whole, yearly.
        if month.month == 12:
            year_start = dt.date(month.year, 1, 1)
            rows.append(_row("ANTIB", region, year_start, end, round(280_000 * rng.uniform(0.25, 0.27)), 280_000))
            cases = rng.randint(180, 240)
            rows.append(_row("PN-SVAR", region, year_start, end, round(cases * _share(rng, 0.68, 0.05)), cases))
            # National reference values (riket), as published for the year.
            rows.append(_row("BHK", "riket", year_start, end, round(20_000 * _share(rng, 0.75, 0.01)), 20_000))
            rows.append(_row("VRI", "riket", year_start, end, round(40_000 * _share(rng, 0.088, 0.005)), 40_000))
            rows.append(_row("TRYCK-14", "riket", year_start, end, round(30_000 * _share(rng, 0.135, 0.005)), 30_000))
            rows.append(_row("TRYCK-24", "riket", year_start, end, round(30_000 * _share(rng, 0.07, 0.005)), 30_000))
    return rows


def _computed(row: dict) -> bool:
    """A point psweb now computes itself (`indicators.feeds`: PN-SVAR from the complaints, once
    the demo's complaints exist): not typed in again on a second run."""
    from indicators import feeds

    fed = feeds.fed_since(row["indicator"])
    return fed is not None and dt.date.fromisoformat(str(row["period_start"])) >= fed[1]


def seed_measurements() -> int:
    """Create the demo series that are missing; returns how many measurements were new."""
    actor = User.objects.filter(username=ACTOR, is_active=True).first()
    region = OrgUnit.objects.filter(parent=None, name="Region Västmanland").first()
    if actor is None or region is None:
        return 0
    by_name = {u.name: u for u in OrgUnit.objects.filter(path__startswith=region.path, name__in=WARDS + CLINICS)}
    wards = [by_name[name] for name in WARDS if name in by_name]
    clinics = [by_name[name] for name in CLINICS if name in by_name]
    rows = [row for row in _rows(random.Random(2026), wards, clinics, region) if not _computed(row)]
    result = services.measurements_check_and_save(
        actor=actor, rows=list(enumerate(rows, start=1)), commit=True, perm=Perm.INDICATOR_EDIT
    )
    if result.errors:
        raise RuntimeError(f"demo measurements do not pass the checks: {result.errors[:3]}")
    _invalidate_one(actor, by_name)
    return result.counts[services.CREATED]


def _invalidate_one(actor, by_name) -> None:
    from indicators.models import Measurement

    code, ward_name, reason = INVALID
    ward = by_name.get(ward_name)
    point = (
        Measurement.objects.filter(indicator__code=code, unit=ward, is_valid=True).order_by("period_start").first()
        if ward
        else None
    )
    if point is not None and not Measurement.objects.filter(unit=ward, is_valid=False).exists():
        services.measurement_invalidate(actor=actor, measurement=point, reason=reason)
