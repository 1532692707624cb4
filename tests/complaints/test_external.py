"""IVO complaint cases and patient-insurance claims (LÖF) of a complaint (issue 17, item 5):
who registers and changes them, the decisions each kind takes, the amount, the complaint's
timeline and version, and the year's counts."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from complaints import services
from complaints.external_stats import external_year_counts
from complaints.models import ExternalCase, TimelineEntry
from psweb.cases import StaleVersionError
from tests.complaints.conftest import fresh, kinds, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaint(ccast, tree):
    return register(ccast.handler, tree.medicin_ward)


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def add(complaint, actor, kind="ivo", **overrides):
    values = {
        "external_reference": "IVO 3.5.1-01234/2026" if kind == "ivo" else "LÖF 2026-5555",
        "received_on": days_ago(1),
        "question": "Vårdgivaren ska yttra sig över klagomålet.",
        "due_on": timezone.localdate() + dt.timedelta(days=21),
        **overrides,
    }
    return services.external_add(complaint=complaint, actor=actor, kind=kind, **values)


def test_the_handler_registers_an_ivo_case(ccast, complaint):
    # when
    case = add(complaint, ccast.handler, version=complaint.version)

    # then
    assert case.kind == "ivo" and case.complaint == complaint and case.created_by == ccast.handler
    assert kinds(complaint)[-1] == TimelineEntry.Kind.EXTERNAL_ADDED
    entry = complaint.timeline.latest("id")
    assert entry.data["external_id"] == case.pk and "IVO 3.5.1-01234/2026" in entry.message
    assert fresh(complaint).version == complaint.version + 1


def test_others_may_not(cast, ccast, complaint):
    for user in (cast.manager, ccast.handler_orto, ccast.board_officer, cast.handler):
        with pytest.raises(PermissionDenied):
            add(complaint, user)
    assert not ExternalCase.objects.exists()


def test_bad_input_is_named_field_by_field(ccast, complaint):
    with pytest.raises(ValidationError) as error:
        add(complaint, ccast.handler, kind="jo", external_reference="", received_on=days_ago(-2), due_on=days_ago(5))
    assert set(error.value.message_dict) == {"kind", "external_reference", "received_on", "due_on"}
    with pytest.raises(ValidationError) as error:
        add(complaint, ccast.handler, due_on=days_ago(5))
    assert set(error.value.message_dict) == {"due_on"}
    assert not ExternalCase.objects.exists()


def test_a_case_may_come_after_the_complaint_is_closed(ccast, complaint):
    services.complaint_answer(
        complaint=complaint,
        actor=ccast.handler,
        answered_on=timezone.localdate(),
        way="letter",
        letter={"answer_what_happened": "Operationen ställdes in."},
    )
    closed = services.complaint_close(complaint=complaint, actor=ccast.handler)
    assert add(closed, ccast.handler, kind="lof").pk


def test_ivo_closes_with_or_without_criticism(ccast, complaint):
    case = add(complaint, ccast.handler)
    with pytest.raises(ValidationError) as error:
        services.external_update(case=case, actor=ccast.handler, decision="compensated", decided_on=days_ago(0))
    assert set(error.value.message_dict) == {"decision"}

    services.external_update(
        case=case,
        actor=ccast.handler,
        statement="Vi har gått igenom journalen.",
        statement_sent_on=days_ago(0),
        decision="criticism",
        decided_on=days_ago(0),
        decision_text="IVO riktar kritik mot informationen.",
    )

    case = ExternalCase.objects.get(pk=case.pk)
    assert (case.decision, case.decided_on) == ("criticism", days_ago(0))
    entry = fresh(complaint).timeline.latest("id")
    assert entry.kind == TimelineEntry.Kind.EXTERNAL_CHANGED
    assert set(entry.data["fields"]) == {"statement", "statement_sent_on", "decision", "decided_on", "decision_text"}
    # the timeline names the fields, never the texts
    assert "journalen" not in entry.message and "kritik mot" not in entry.message


def test_an_amount_is_lofs_only_with_compensation(ccast, complaint):
    ivo = add(complaint, ccast.handler)
    with pytest.raises(ValidationError) as error:
        services.external_update(case=ivo, actor=ccast.handler, amount="100")
    assert set(error.value.message_dict) == {"amount"}

    lof = add(fresh(complaint), ccast.handler, kind="lof")
    for bad in ("-5", "mycket", "NaN"):
        with pytest.raises(ValidationError) as error:
            services.external_update(
                case=lof, actor=ccast.handler, decision="compensated", decided_on=days_ago(0), amount=bad
            )
        assert set(error.value.message_dict) == {"amount"}
    with pytest.raises(ValidationError) as error:
        services.external_update(
            case=lof, actor=ccast.handler, decision="not_compensated", decided_on=days_ago(0), amount="100"
        )
    assert set(error.value.message_dict) == {"amount"}
    with pytest.raises(ValidationError) as error:
        services.external_update(case=lof, actor=ccast.handler, decision="no_criticism", decided_on=days_ago(0))
    assert set(error.value.message_dict) == {"decision"}
    with pytest.raises(ValidationError) as error:
        services.external_update(case=lof, actor=ccast.handler, decision="compensated")
    assert set(error.value.message_dict) == {"decided_on"}

    services.external_update(
        case=lof, actor=ccast.handler, decision="compensated", decided_on=days_ago(0), amount="25 000,50"
    )
    assert ExternalCase.objects.get(pk=lof.pk).amount == decimal.Decimal("25000.50")


def test_a_change_from_an_old_version_is_refused(ccast, complaint):
    case = add(complaint, ccast.handler)
    with pytest.raises(StaleVersionError):
        services.external_update(case=case, actor=ccast.handler, statement="Yttrande", version=complaint.version)


def test_unknown_fields_and_other_users_are_refused(cast, ccast, complaint):
    case = add(complaint, ccast.handler)
    with pytest.raises(ValidationError):
        services.external_update(case=case, actor=ccast.handler, kind="lof")
    with pytest.raises(PermissionDenied):
        services.external_update(case=case, actor=cast.manager, statement="Yttrande")


def test_nothing_changed_writes_nothing(ccast, complaint):
    case = add(complaint, ccast.handler, question="Fråga")
    version = fresh(complaint).version
    services.external_update(case=case, actor=ccast.handler, question="Fråga")
    assert fresh(complaint).version == version


def test_the_years_counts_by_kind_decision_and_amount(cast, ccast, tree, complaint):
    # given: two IVO cases (one with criticism) and two LÖF claims (one compensated) this year
    year = timezone.localdate().year
    today = timezone.localdate()
    first = add(complaint, ccast.handler, received_on=today)
    add(fresh(complaint), ccast.handler, received_on=today)
    services.external_update(case=first, actor=ccast.handler, decision="criticism", decided_on=today)
    paid = add(fresh(complaint), ccast.handler, kind="lof", received_on=today)
    unpaid = add(fresh(complaint), ccast.handler, kind="lof", received_on=today)
    services.external_update(case=paid, actor=ccast.handler, decision="compensated", decided_on=today, amount="1200")
    services.external_update(case=unpaid, actor=ccast.handler, decision="not_compensated", decided_on=today)
    # and one of another unit's complaint, which the handler does not see
    other = register(ccast.handler_orto, tree.orto_ward)
    add(other, ccast.handler_orto, kind="lof", received_on=today)

    counts = external_year_counts(ccast.handler, year)

    assert (counts["ivo"].received, counts["ivo"].decided) == (2, 1)
    assert counts["ivo"].decisions["criticism"][1] == 1 and counts["ivo"].decisions["no_criticism"][1] == 0
    assert (counts["lof"].received, counts["lof"].decided) == (2, 2)
    assert counts["lof"].decisions["compensated"][1] == 1 and counts["lof"].amount == decimal.Decimal("1200.00")
    assert external_year_counts(cast.chief_physician, year)["lof"].received == 3
    assert external_year_counts(cast.viewer, year)["lof"].received == 0
