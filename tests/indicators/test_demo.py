"""Demo indicator series from `seed_demo`: every seeded indicator has years of data in
several units, one point is invalid with its reason, VRI shows its 2024 method change,
national reference values exist, and a second run changes nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import OrgUnit
from indicators import selectors, services
from indicators.models import IndicatorDefinition, Measurement

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", incidents=0, stdout=out)
    return out.getvalue()


def test_the_demo_has_series_for_every_indicator(settings):
    settings.DEBUG = True
    output = seed()

    created = Measurement.objects.count()
    assert f"{created} new measurements" in output
    for indicator in IndicatorDefinition.objects.filter(is_active=True):
        points = Measurement.objects.filter(indicator=indicator)
        years = {start.year for start in points.values_list("period_start", flat=True)}
        assert len(years) >= 2, indicator.code
        if indicator.code not in ("ANTIB", "PN-SVAR"):
            assert points.values("unit").distinct().count() >= 4, indicator.code
    invalid = Measurement.objects.get(is_valid=False)
    assert invalid.invalid_reason.startswith("Endast 4 av 25")
    national = services.national_unit_if_exists()
    assert Measurement.objects.filter(unit=national, indicator__code="VRI").exists()

    region = OrgUnit.objects.get(parent=None, name="Region Västmanland")
    vri = IndicatorDefinition.objects.prefetch_related("methods").get(code="VRI")
    today = timezone.localdate()
    points = selectors.series(vri, region, "year", dt.date(today.year - 3, 1, 1), today)
    assert [p.method for p in points if p.value is not None][:2] == ["skr-ppm", "ecdc-pps"]
    assert any(p.method_changed for p in points)

    assert "0 new measurements" in seed()
    assert Measurement.objects.count() == created
