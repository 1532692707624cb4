"""The demo's oversight agreement: Region Västmanland's Vårdvalsenheten reads Capio Vårdcentral
Vallby's cases, without the patient's identity, for the demo user `vardval` (README)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import override_settings

from oversight.models import Agreement

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_seed_demo_adds_the_agreement_once():
    call_command("seed_demo", incidents=0, verbosity=0)
    call_command("seed_demo", incidents=0, verbosity=0)

    agreement = Agreement.objects.select_related("purchaser__parent", "provider").get()
    assert (agreement.purchaser.name, agreement.purchaser.parent.name) == ("Vårdvalsenheten", "Region Västmanland")
    assert agreement.provider.name == "Capio Vårdcentral Vallby"
    assert agreement.is_valid_on() and agreement.incidents and agreement.lexmaria
    assert not agreement.with_patient_identity
    assert [str(named.user.username) for named in agreement.named.all()] == ["vardval"]
