"""IncidentFilterSet: each filter narrows a scoped list exactly; bad values are field errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from actions.models import Action
from incidents import search, services
from incidents.filtersets import IncidentFilterSet, local_day_start
from incidents.models import CaseType, Category, EventClass, Incident, ProviderSettings, Status
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db


def filtered(data, user=None):
    request = RequestFactory().get("/")
    request.user = user
    filterset = IncidentFilterSet(data=data, queryset=Incident.objects.all(), request=request)
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs)


def ids(incidents):
    return {i.pk for i in incidents}


def test_status_takes_several_values(cast, tree):
    submitted = report(cast.reporter, tree.medicin_ward)
    taken = services.incident_take(incident=report(cast.reporter, tree.medicin_ward), actor=cast.handler)
    report_withdrawn = report(cast.reporter, tree.medicin_ward)
    services.incident_withdraw(incident=report_withdrawn, actor=cast.handler, reason="Dubblett")

    assert ids(filtered({"status": ["submitted"]})) == {submitted.pk}
    assert ids(filtered({"status": ["submitted", "in_progress"]})) == {submitted.pk, taken.pk}


def test_unit_means_the_unit_and_everything_below_it_on_either_unit_field(cast, tree):
    in_ward = report(cast.reporter, tree.medicin_ward)
    in_orto = report(cast.handler_orto, tree.orto_ward)
    # Forwarded to Medicinkliniken: happened in ortopedi, now medicin's responsibility.
    forwarded = report(cast.handler_orto, tree.orto_ward)
    services.incident_forward(
        incident=forwarded,
        actor=cast.handler_orto,
        to_unit=tree.medicin,
        message="Gäller er patient",
        answer_due=timezone.localdate() + dt.timedelta(days=7),
    )

    assert ids(filtered({"unit": tree.medicin.pk})) == {in_ward.pk, forwarded.pk}
    assert ids(filtered({"unit": tree.orto.pk})) == {in_orto.pk, forwarded.pk}
    assert ids(filtered({"unit": tree.akut.pk})) == {in_ward.pk, in_orto.pk, forwarded.pk}
    assert ids(filtered({"responsible_unit": tree.medicin.pk})) == {forwarded.pk}


def test_dates_are_whole_swedish_days(cast, tree):
    # 23:30 Swedish time on 1 March is 22:30 UTC: still 1 March for the filter.
    late_evening = local_day_start(dt.date(2026, 3, 1)) + dt.timedelta(hours=23, minutes=30)
    next_morning = local_day_start(dt.date(2026, 3, 2)) + dt.timedelta(minutes=10)
    evening = report(cast.reporter, tree.medicin_ward, occurred_at=late_evening)
    morning = report(cast.reporter, tree.medicin_ward, occurred_at=next_morning)

    assert ids(filtered({"occurred_to": "2026-03-01"})) == {evening.pk}
    assert ids(filtered({"occurred_from": "2026-03-02"})) == {morning.pk}
    assert ids(filtered({"occurred_from": "2026-03-01", "occurred_to": "2026-03-01"})) == {evening.pk}
    today = timezone.localdate().isoformat()
    assert ids(filtered({"reported_from": today, "reported_to": today})) == {evening.pk, morning.pk}
    assert filtered({"reported_to": "2026-01-01"}) == []


def test_category_includes_its_subcategories(cast, tree):
    child = Category.objects.filter(parent__isnull=False).select_related("parent").first()
    other = Category.objects.exclude(pk=child.pk).exclude(parent=child.parent).exclude(pk=child.parent_id).first()
    in_child, in_other = report(cast.reporter, tree.medicin_ward), report(cast.reporter, tree.medicin_ward)
    Incident.objects.filter(pk=in_child.pk).update(category=child)
    Incident.objects.filter(pk=in_other.pk).update(category=other)

    assert ids(filtered({"category": child.parent_id})) == {in_child.pk}
    assert ids(filtered({"category": child.pk})) == {in_child.pk}


def test_event_class_case_type_late_and_handler(cast, tree):
    harm = report(cast.reporter, tree.medicin_ward)
    work = report(cast.reporter, tree.medicin_ward, case_type=CaseType.WORK_ENVIRONMENT)
    Incident.objects.filter(pk=work.pk).update(event_class=EventClass.RISK, late_report=True)
    services.incident_take(incident=harm, actor=cast.handler)

    assert ids(filtered({"event_class": [EventClass.HARM]})) == {harm.pk}
    assert ids(filtered({"case_type": CaseType.WORK_ENVIRONMENT})) == {work.pk}
    assert ids(filtered({"late": "true"})) == {work.pk}
    assert ids(filtered({"late": "false"})) == {harm.pk}
    assert ids(filtered({"handler": "me"}, user=cast.handler)) == {harm.pk}
    assert ids(filtered({"handler": str(cast.handler.pk)})) == {harm.pk}
    assert filtered({"handler": "me"}, user=cast.manager) == []


@pytest.mark.parametrize(
    ("probability", "consequence", "level"),
    [(1, 3, "low"), (2, 2, "moderate"), (2, 3, "moderate"), (4, 2, "high"), (3, 3, "high"), (3, 4, "very_high")],
)
def test_risk_level_follows_the_score_ranges(cast, tree, probability, consequence, level):
    incident = report(cast.reporter, tree.medicin_ward)
    Incident.objects.filter(pk=incident.pk).update(risk_probability=probability, risk_consequence=consequence)
    report(cast.reporter, tree.medicin_ward)  # not assessed: no level

    assert ids(filtered({"risk_level": [level]})) == {incident.pk}
    others = [x for x in ("low", "moderate", "high", "very_high") if x != level]
    assert filtered({"risk_level": others}) == []


def test_overdue_means_not_triaged_in_time_or_an_action_past_due(cast, tree):
    ProviderSettings.objects.update_or_create(care_provider=None, defaults={"triage_days": 3})
    fresh = report(cast.reporter, tree.medicin_ward)
    untriaged = report(cast.reporter, tree.medicin_ward)
    triaged = services.incident_take(incident=report(cast.reporter, tree.medicin_ward), actor=cast.handler)
    late_action = services.incident_take(incident=report(cast.reporter, tree.medicin_ward), actor=cast.handler)
    four_days_ago = timezone.now() - dt.timedelta(days=4)
    Incident.objects.filter(pk__in=[untriaged.pk, triaged.pk, late_action.pk]).update(reported_at=four_days_ago)
    action = services.action_add(
        incident=late_action,
        actor=cast.handler,
        description="Ny rutin för dubbelkontroll",
        responsible=cast.handler,
        due_date=timezone.localdate() + dt.timedelta(days=1),
    )
    Action.objects.filter(pk=action.pk).update(due_date=timezone.localdate() - dt.timedelta(days=1))

    assert ids(filtered({"overdue": "true"})) == {untriaged.pk, late_action.pk}
    assert ids(filtered({"overdue": "false"})) == {fresh.pk, triaged.pk}

    Action.objects.filter(pk=action.pk).update(state=Action.State.DONE)
    assert ids(filtered({"overdue": "true"})) == {untriaged.pk}


def test_search_finds_swedish_word_forms_and_parts_of_compound_words(cast, tree):
    medication = report(cast.reporter, tree.medicin_ward, description="Läkemedelsfel: patienten fick dubbla doser.")
    fall = report(cast.reporter, tree.medicin_ward, description="Patienten föll i duschen och slog i huvudet.")

    assert ids(filtered({"q": "läkemedel"})) == {medication.pk}
    assert ids(filtered({"q": "dos"})) == {medication.pk}  # Swedish stemming: doser → dos
    assert ids(filtered({"q": "duschen"})) == {fall.pk}
    assert ids(filtered({"q": "patienten -duschen"})) == {medication.pk}
    assert filtered({"q": "röntgen"}) == []


def test_search_can_use_the_gin_indexes(cast, tree):
    report(cast.reporter, tree.medicin_ward)
    # What a search's text condition is when it is not rare enough to be read by id first.
    sql, params = Incident.objects.filter(search.Search("läkemedel").matching_q()).query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "incident_search" in plan
    assert "incident_title_search" in plan
    assert "incident_description_trgm" not in plan  # compounds come from the lexicon (incidents.search)


def test_the_planner_knows_trigram_similarity_is_expensive(db):
    # With pg_trgm's COST 1 the planner reads every row rather than the trigram index:
    # 73 ms against 7 ms on 20 000 incidents (docs/benchmarks.md).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proname, procost FROM pg_proc WHERE proname IN "
            "('word_similarity_op', 'word_similarity_commutator_op') ORDER BY proname"
        )
        assert cursor.fetchall() == [("word_similarity_commutator_op", 100), ("word_similarity_op", 100)]


def test_ordering_by_each_key_and_newest_first_by_default(cast, tree):
    now = timezone.now()
    first = report(cast.reporter, tree.medicin_ward, occurred_at=now - dt.timedelta(days=2))
    second = report(cast.reporter, tree.medicin_ward, occurred_at=now - dt.timedelta(days=3))
    Incident.objects.filter(pk=first.pk).update(risk_probability=4, risk_consequence=4)
    Incident.objects.filter(pk=second.pk).update(risk_probability=1, risk_consequence=1, status=Status.IN_PROGRESS)

    assert [i.pk for i in filtered({})] == [second.pk, first.pk]
    assert [i.pk for i in filtered({"ordering": "reported_at"})] == [first.pk, second.pk]
    assert [i.pk for i in filtered({"ordering": "occurred_at"})] == [second.pk, first.pk]
    assert [i.pk for i in filtered({"ordering": "-risk_score"})] == [first.pk, second.pk]
    assert [i.pk for i in filtered({"ordering": "status"})] == [first.pk, second.pk]
    assert [i.pk for i in filtered({"ordering": "-reference"})] == [second.pk, first.pk]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"status": ["open"]}, "status"),
        ({"unit": "medicin"}, "unit"),
        ({"unit": "999999999"}, "unit"),
        ({"occurred_from": "2026-02-30"}, "occurred_from"),
        ({"reported_to": "igår"}, "reported_to"),
        ({"category": "x"}, "category"),
        ({"risk_level": ["extreme"]}, "risk_level"),
        ({"overdue": "kanske"}, "overdue"),
        ({"handler": "you"}, "handler"),
        ({"handler": "-3"}, "handler"),
        ({"ordering": "description"}, "ordering"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_values_are_errors_of_their_field(data, field):
    filterset = IncidentFilterSet(data=data, queryset=Incident.objects.all())

    assert not filterset.is_valid()
    assert list(filterset.errors) == [field]
