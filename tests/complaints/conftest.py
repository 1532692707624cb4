"""Complaint givens on top of the named cast (tests/conftest.py): complaint handlers of
Medicinkliniken and Ortopedkliniken and of the municipality, the region's patientnämnd with
its officer, a second nämnd (another region's) with its own, and a complaint registered
through the services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from accounts.models import OrgUnit, User
from accounts.roles import Role
from complaints import services
from complaints.models import Complaint
from tests.conftest import _member
from tests.factories import make_unit

# Skatteverket's test number.
PERSONNUMMER = "191212121212"


@dataclass
class ComplaintCast:
    handler: User  # complaint_handler, Medicinkliniken
    handler_orto: User  # complaint_handler, Ortopedkliniken
    handler_muni: User  # complaint_handler, Hemsjukvården (Västerås stad)
    board: OrgUnit  # Patientnämnden Västmanland, in the region's tree
    board_officer: User  # patient_board, that nämnd
    other_board: OrgUnit  # another nämnd (another region)
    other_board_officer: User


@pytest.fixture
def ccast(cast, tree) -> ComplaintCast:
    return make_ccast(tree)


def make_ccast(tree) -> ComplaintCast:
    """The complaint cast (also built by the authorization matrix's complaint rows)."""
    board = make_unit("Patientnämnden Västmanland", tree.region, "patientnamnd")
    other_region = make_unit("Region Dalarna")
    other_board = make_unit("Patientnämnden Dalarna", other_region, "patientnamnd")
    return ComplaintCast(
        handler=_member("complaint_handler", tree.medicin, Role.COMPLAINT_HANDLER),
        handler_orto=_member("complaint_handler_orto", tree.orto, Role.COMPLAINT_HANDLER),
        handler_muni=_member("complaint_handler_muni", tree.hemsjukvard, Role.COMPLAINT_HANDLER),
        board=board,
        board_officer=_member("board_officer", board, Role.PATIENT_BOARD),
        other_board=other_board,
        other_board_officer=_member("other_board_officer", other_board, Role.PATIENT_BOARD),
    )


def fields(unit, **overrides) -> dict:
    return {
        "channel": "e_service",
        "complainant_type": "patient",
        "received_on": timezone.localdate() - dt.timedelta(days=2),
        "unit": unit,
        "area": "communication",
        "subarea": "information",
        "summary": "Fick inte veta varför operationen ställdes in",
        "description": "Jag väntade i fyra timmar och ingen sa något.",
        "patient_identifier": PERSONNUMMER,
        **overrides,
    }


def register(actor, unit, *, contact=None, **overrides) -> Complaint:
    return services.complaint_register(
        actor=actor,
        fields=fields(unit, **overrides),
        contact=contact if contact is not None else {"name": "Karin Klagande", "phone": "070-1234567"},
    )


def from_board(ccast, unit, *, due_in_days=28, **overrides) -> Complaint:
    return services.complaint_register(
        actor=ccast.board_officer,
        fields=fields(unit, board_reference="PN-2026-0042", **overrides),
        board_unit=ccast.board,
        board_due_on=timezone.localdate() + dt.timedelta(days=due_in_days),
    )


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def kinds(complaint: Complaint) -> list[str]:
    return list(complaint.timeline.order_by("at", "id").values_list("kind", flat=True))
