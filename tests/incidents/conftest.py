"""Incident fixtures: a ready-made report helper on top of the named cast."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from incidents import services
from incidents.models import CaseType, Incident, ReportedKind


def report(actor, unit, **fields) -> Incident:
    """A submitted incident reported by `actor` in `unit`."""
    values = {
        "unit": unit,
        "occurred_at": timezone.now() - dt.timedelta(hours=2),
        "description": "Patienten fick fel dos av Waran vid kvällens läkemedelsutdelning.",
        "case_type": CaseType.CARE,
        "reported_kind": ReportedKind.HAPPENED,
        **fields,
    }
    incident, _ = services.incident_report(actor=actor, client_key=None, fields=values)
    return incident


@pytest.fixture
def make_report():
    return report
