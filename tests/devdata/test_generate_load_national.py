"""generate_load --national: the country's care providers as a tree, descriptions that read
like real reports to the search, the same data for the same seed, and a load that ends with
exactly the indexes it began with (they are dropped while the rows go in)."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction

from accounts.models import Membership, OrgUnit, User
from accounts.roles import Perm, roles_with
from devdata import load, national, wording
from incidents.models import Incident

pytestmark = pytest.mark.django_db

INCIDENTS = 2000
MUNICIPAL = (" kommun", " stad", " Stad")


@pytest.fixture
def country():
    call_command("seed_demo", incidents=0, force=True, stdout=io.StringIO())
    last_demo_id = Incident.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    load.generate(incident_count=INCIDENTS, measurement_count=0, units=0, users=1000, years=10, seed=11, national=True)
    return Incident.objects.filter(pk__gt=last_demo_id)


def indexes() -> list[tuple]:
    """Every index and constraint of the tables a load fills or counts afresh."""
    tables = list(load.LOADED_TABLES + load.CUBE_TABLES + load.REACH_TABLES)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 1, 2", [tables]
        )
        found = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
            [tables],
        )
        return found + cursor.fetchall()


def test_the_national_shape_has_every_region_with_its_municipalities_and_private_providers(country):
    roots = dict(OrgUnit.objects.filter(parent=None).exclude(kind__code="riket").values_list("name", "pk"))
    regions = [name for name, *_rest in national.REGIONS]
    assert len(regions) == 21 and set(regions) <= set(roots)
    municipalities = {name for name in roots if name.endswith(MUNICIPAL)}
    assert len(municipalities) == 289  # 290, but Gotland's municipal care is the region's own
    private = set(roots) - set(regions) - municipalities
    assert len(private) > 300
    # The demo's providers are grown, not repeated.
    assert {"Västerås stad", "Capio Vårdcentral Vallby"} <= private | municipalities
    assert OrgUnit.objects.filter(parent=None, name="Region Västmanland").count() == 1

    units = Counter(OrgUnit.objects.values_list("care_provider_id", flat=True))
    size = {name: units[roots[name]] for name in regions}
    # By population (Gotland has its municipal care too, so Jämtland Härjedalen may be smaller).
    smallest = sorted(size, key=size.get)[:2]
    assert max(size, key=size.get) == "Region Stockholm" and "Region Gotland" in smallest
    assert size["Region Stockholm"] > 10 * size["Region Gotland"]

    reported = Counter(country.values_list("unit__care_provider__name", flat=True))
    assert reported["Region Stockholm"] > 5 * reported["Region Gotland"] > 0
    assert sum(reported[name] for name in municipalities) > INCIDENTS / 5  # falls in the homes
    assert sum(reported[name] for name in private) > INCIDENTS / 50


def test_every_handled_case_is_handled_by_someone_who_may_triage_it(country):
    triage = roles_with(Perm.INCIDENT_TRIAGE)
    paths: dict[int, list[str]] = {}
    for user, path in Membership.objects.valid_on().filter(role__in=triage).values_list("user_id", "unit__path"):
        paths.setdefault(user, []).append(path)
    handled = list(country.exclude(handler=None).values_list("unit__path", "handler_id"))
    assert len(handled) > INCIDENTS / 2
    for unit_path, handler in handled:
        assert any(unit_path.startswith(path) for path in paths.get(handler, [])), unit_path


def test_descriptions_have_the_word_frequencies_of_real_reports(country):
    texts = list(country.values_list("description", flat=True))
    # "läkemedel" alone and in compounds, as a search for it finds (full text and word parts).
    medication = country.filter(description__icontains="läkemedel").count()
    assert 0.05 < medication / INCIDENTS < 0.15
    words = Counter(word for text in texts for word in re.findall(r"\w+", text.lower()))
    compounds = {word for word in words if word.startswith("läkemedels")}
    assert len(compounds) >= 10, compounds
    assert "läkemedelslistan" in compounds and "fallrisk" in words
    # A few words are very common, most are rare.
    counts = sorted(words.values(), reverse=True)
    assert counts[0] > 50 * counts[len(counts) // 2]
    assert counts[9] > 10 * counts[len(counts) // 2]
    assert sum(1 for count in counts if count <= 2) > len(counts) / 10
    assert len(set(texts)) > 0.95 * INCIDENTS


def test_a_compound_joins_its_parts_as_swedish_does():
    assert wording.compound("läkemedel", "listan") == "läkemedelslistan"
    assert wording.compound("fall", "risk") == "fallrisk"
    assert wording.compound("utskrivning", "meddelande") == "utskrivningsmeddelande"
    assert wording.compound("natt", "tid") == "nattid"  # three t at the joint are written as two
    assert wording.compound("trycksår", "bedömning") == "trycksårsbedömning"


def _sample(seed: int) -> list[tuple]:
    with transaction.atomic():
        load.generate(incident_count=300, measurement_count=0, units=0, users=200, years=10, seed=seed, national=True)
        rows = list(
            Incident.objects.order_by("pk").values_list(
                "reference",
                "description",
                "unit__name",
                "reporter__username",
                "handler__username",
                "status",
                "category__code",
                "reported_at",
                "closed_at",
            )
        )
        transaction.set_rollback(True)
    return rows


@time_machine.travel(dt.datetime(2026, 6, 1, 10, tzinfo=dt.UTC), tick=False)
def test_the_same_seed_gives_the_same_data():
    first = _sample(5)
    assert len(first) == 300
    assert _sample(5) == first
    assert _sample(6) != first


def test_a_load_ends_with_the_indexes_it_began_with():
    call_command("seed_demo", incidents=0, force=True, stdout=io.StringIO())
    before = indexes()
    reports = load.generate(incident_count=500, measurement_count=0, units=60, users=100, years=2, seed=3)
    rebuilt = {report.what: report.rows for report in reports}
    assert rebuilt["indexes"] > 10 and rebuilt["  of the rows"] > 10  # dropped and built again
    assert indexes() == before


@pytest.mark.django_db(transaction=True)
def test_a_large_load_commits_its_rows_and_finishes_in_two_sessions(monkeypatch):
    from incident_stats import selectors

    monkeypatch.setattr(load, "PARALLEL_FROM", 1)
    call_command("seed_demo", incidents=0, force=True, stdout=io.StringIO())
    before = indexes()
    reports = load.generate(incident_count=400, measurement_count=0, units=60, users=100, years=2, seed=3)
    assert "  two at once" in {report.what for report in reports}
    assert indexes() == before
    # The counts the triggers would have kept are there, made by the other sessions.
    chief = User.objects.get(username="chefslakare")
    region = OrgUnit.objects.get(parent=None, name="Region Västmanland")
    counted = sum(row["count"] for row in selectors.incident_counts(user=chief, unit=region, group_by=[]))
    assert counted == Incident.objects.filter(responsible_unit__path__startswith=region.path).count() > 100
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('incidents_reach') IS NOT NULL")
        if cursor.fetchone()[0]:
            cursor.execute("SELECT count(DISTINCT incident_id) FROM incidents_reach")
            assert cursor.fetchone()[0] == Incident.objects.filter(reported_at__isnull=False).count()
    # The search lexicon the triggers would have kept: a compound is found by its part.
    from incidents.search import search_q

    holding = {pk for pk, text in Incident.objects.values_list("pk", "description") if "läkemedel" in text.lower()}
    assert holding and holding <= set(Incident.objects.filter(search_q("läkemedel")).values_list("pk", flat=True))
