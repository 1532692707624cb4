"""The demo oversight agreement (issue 16): Region Västmanland's vårdval unit reads Capio
Vårdcentral Vallby's incidents, Lex Maria cases and reports to IVO, without the patient's
identity, for the demo user `vardval`."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.models import OrgUnit, User
from devdata.demo import accounts as demo
from oversight.models import Agreement, AgreementUser


def seed_oversight() -> int:
    """The agreement, once (a second run changes nothing). Returns how many were created."""
    purchaser = OrgUnit.objects.get(parent__name=demo.REGION, parent__parent__isnull=True, name=demo.VARDVAL)
    provider = OrgUnit.objects.get(parent__isnull=True, name=demo.CAPIO)
    if Agreement.objects.filter(purchaser=purchaser, provider=provider).exists():
        return 0
    today = timezone.localdate()
    agreement = Agreement(
        purchaser=purchaser,
        provider=provider,
        valid_from=dt.date(today.year - 1, 1, 1),
        valid_to=dt.date(today.year + 2, 12, 31),
        incidents=True,
        lexmaria=True,
        with_patient_identity=False,
    )
    agreement.full_clean()
    agreement.save()
    admin = User.objects.filter(username="admin").first()
    AgreementUser.objects.create(agreement=agreement, user=User.objects.get(username="vardval"), added_by=admin)
    return 1
