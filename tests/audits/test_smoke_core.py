import pytest

from audits import services
from audits.models import Response, Status
from audits.results import NOT_ANSWERED, round_results
from tests.audits.conftest import answer_all, send

pytestmark = pytest.mark.django_db


def test_a_round_goes_from_sent_to_results(cast, tree, acast):
    round_ = send(cast.safety_officer, [tree.medicin_ward, tree.orto_ward])
    ward = Response.objects.get(round=round_, unit=tree.medicin_ward)
    assert ward.status == Status.OPEN
    answer_all(ward, acast.nurse)
    services.submit(response=ward, actor=acast.ward_manager, version=ward.version)
    results = round_results(cast.safety_officer, round_)
    first = results.statements[0]
    assert (results.responses, results.answered) == (2, 1)
    assert first.counts["in_place"] == 1 and first.counts[NOT_ANSWERED] == 1
