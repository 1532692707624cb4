"""Egenkontroll givens on top of the named cast (tests/conftest.py): a nurse and the ward's
manager on Avdelning 5 (medicin), and rounds sent through the services by the region's
safety officer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from audits import services
from audits.examples import HYGIENE, MEDICATION
from audits.models import Round, Template
from tests.conftest import _member


@dataclass
class AuditCast:
    nurse: User  # reporter, Avdelning 5 (medicin)
    ward_manager: User  # manager, Avdelning 5 (medicin)
    nurse_orto: User  # reporter, Avdelning 12 (ortopedi)


@pytest.fixture
def acast(cast, tree) -> AuditCast:
    return make_acast(tree)


def make_acast(tree) -> AuditCast:
    return AuditCast(
        nurse=_member("nurse", tree.medicin_ward, Role.REPORTER),
        ward_manager=_member("ward_manager", tree.medicin_ward, Role.MANAGER),
        nurse_orto=_member("nurse_orto", tree.orto_ward, Role.REPORTER),
    )


@pytest.fixture
def as_user(client):
    """Sign `user` in and ask in English (the assertions read English texts)."""

    def _as(user):
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _as


def version_of(code: str):
    return Template.objects.get(code=code).current_version()


def send(actor, units, *, code: str = MEDICATION, opens_in_days: int = 0, due_in_days: int = 30, **overrides) -> Round:
    today = timezone.localdate()
    fields = {
        "title": "Läkemedel 2026",
        "period_start": today.replace(month=1, day=1),
        "period_end": today.replace(month=12, day=31),
        "opens_on": today + dt.timedelta(days=opens_in_days),
        "due_on": today + dt.timedelta(days=opens_in_days + due_in_days),
        "recurrence": "",
        **overrides,
    }
    return services.round_create(actor=actor, version=version_of(code), units=list(units), fields=fields)


def answer_all(response, actor, value="in_place", *, comment=""):
    """Answer every statement of the response with `value` (counts: 10 observed, 10 compliant)."""
    for statement in response.round.template_version.statements.all():
        if statement.scale == "count":
            services.answer_save(
                response=response, actor=actor, statement=statement, fields={"observed": 10, "compliant": 10}
            )
        else:
            chosen = value if value in statement.values else statement.values[0]
            services.answer_save(
                response=response, actor=actor, statement=statement, fields={"value": chosen, "comment": comment}
            )


__all__ = ["HYGIENE", "MEDICATION", "AuditCast", "acast", "answer_all", "as_user", "make_acast", "send", "version_of"]
