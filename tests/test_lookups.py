"""`field__any=[...]` (psweb/lookups.py): the same rows as `__in`, sent as one array."""

from __future__ import annotations

import pytest

from incidents.models import Incident, Status
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(cast, tree):
    return [report(cast.reporter, tree.medicin_ward) for _ in range(3)]


def test_ids_match_as_with_in(three):
    wanted = [three[0].pk, three[2].pk]

    assert set(Incident.objects.filter(pk__any=wanted)) == set(Incident.objects.filter(pk__in=wanted))
    assert set(Incident.objects.filter(pk__any=wanted)) == {three[0], three[2]}


def test_foreign_keys_take_ids_or_objects(three, tree):
    by_id = Incident.objects.filter(unit_id__any=[tree.medicin_ward.pk])
    by_object = Incident.objects.filter(unit__any=[tree.medicin_ward])

    assert set(by_id) == set(by_object) == set(three)
    assert not Incident.objects.filter(unit_id__any=[tree.orto_ward.pk]).exists()


def test_an_empty_list_matches_nothing_and_text_fields_work_too(three):
    assert not Incident.objects.filter(pk__any=[]).exists()
    assert Incident.objects.filter(status__any=[Status.SUBMITTED, Status.CLOSED]).count() == 3
    assert not Incident.objects.filter(status__any=["draft' OR 'x'='x"]).exists()


def test_a_value_that_is_not_a_whole_number_is_refused(three):
    with pytest.raises((ValueError, TypeError)):
        list(Incident.objects.filter(pk__any=["1}; SELECT 1; --"]))
