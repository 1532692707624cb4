"""Text search of incidents (issue 14, item 4): Swedish compound words are found by any of
their parts, through the lexicon of the incidents' words that triggers keep, and a search
never looks for a personal identity number nor widens what the searcher may see."""

from __future__ import annotations

import pytest
from django.db import connection

from incidents import search, services
from incidents.filtersets import IncidentFilterSet
from incidents.models import Cause, CauseArea, Incident
from incidents.services import reporting
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db

LIST = "/api/v1/incidents/"


def lexicon() -> dict[str, tuple[str, int]]:
    """The lexicon: word → (its lexeme, how many incidents hold it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT word, lexeme, documents FROM incidents_search_word")
        return {word: (lexeme, documents) for word, lexeme, documents in cursor.fetchall()}


def found(text: str, queryset=None) -> set[int]:
    filterset = IncidentFilterSet(data={"q": text}, queryset=Incident.objects.all() if queryset is None else queryset)
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


def describe(incident: Incident, text: str) -> Incident:
    Incident.objects.filter(pk=incident.pk).update(description=text)
    return incident


@pytest.fixture
def compounds(cast, tree):
    def make(text):
        return report(cast.reporter, tree.medicin_ward, description=text)

    return {
        "list": make("Läkemedelslistan följde inte med vid utskrivningen."),
        "error": make("Ett läkemedelsfel upptäcktes vid överrapporteringen."),
        "high_risk": make("Högriskläkemedel stod framme i korridoren."),
        "word": make("Fel läkemedel gavs till patienten på sal 3."),
        "accident": make("Fallolycka i duschen, patienten slog i huvudet."),
        "accidents": make("Två fallolyckor samma natt på avdelningen."),
        "other": make("Remissen till kardiologen skickades aldrig."),
        "counter": make("Anhörig slog mot disken i receptionen."),
    }


def test_a_word_finds_the_compounds_it_is_part_of_in_any_position(compounds):
    c = {name: incident.pk for name, incident in compounds.items()}

    assert found("läkemedel") == {c["list"], c["error"], c["high_risk"], c["word"]}
    assert found("Läkemedel") == found("läkemedel")
    assert found("olycka") == {c["accident"], c["accidents"]}  # fallolycka, fallolyckor
    assert found("olyckor") == {c["accident"], c["accidents"]}  # its stem "olyck" is looked for too
    assert found("skena") == set()  # but not a stem as short as "sken" (in "disken")
    assert found("listan") == {c["list"]}
    assert found("kardiolog") == {c["other"]}
    assert found("röntgen") == set()


def test_words_and_or_minus_and_phrases(compounds):
    c = {name: incident.pk for name, incident in compounds.items()}

    assert found("läkemedel korridoren") == {c["high_risk"]}
    assert found("läkemedel or remiss") == {c["list"], c["error"], c["high_risk"], c["word"], c["other"]}
    assert found("läkemedel -listan") == {c["error"], c["high_risk"], c["word"]}
    assert found('"fel läkemedel"') == {c["word"]}
    assert found('"läkemedel fel"') == set()
    assert found("och") == set()  # a stop word alone looks for nothing


def test_a_search_with_nothing_to_look_for_lists_nothing(api, login, compounds, cast):
    for text in ("och", "och vid", f"UT-{compounds['list'].reported_at.year}-000001"):
        response = api(cast.handler).get(LIST, {"q": text})
        assert response.status_code == 200, text
        assert response.json()["results"] == []
        page = login(cast.handler).get("/arenden/", {"q": text})
        assert page.status_code == 200, text


def test_the_lexicon_gets_a_new_reports_words_at_once(cast, tree):
    incident = report(cast.reporter, tree.medicin_ward, description="Gipsskenan satt för hårt på underarmen.")

    assert lexicon()["gipsskenan"] == ("gipsskenan", 1)
    assert lexicon()["underarmen"] == ("underarm", 1)
    assert "för" not in lexicon()  # a stop word: never searched for
    assert found("skena") == {incident.pk}
    assert found("arm") == {incident.pk}


def test_an_edited_text_is_found_by_its_new_words_and_leaves_no_old_ones(cast, tree):
    draft = reporting.draft_start(actor=cast.reporter, fields={"description": "Patienten fick fel läkem"})
    assert "läkem" in lexicon()

    reporting.draft_save(
        incident=draft,
        actor=cast.reporter,
        fields={"description": "Patienten fick fel läkemedelsdos av nattsköterskan"},
        version=draft.version,
    )

    words = lexicon()
    assert "läkem" not in words  # the half-typed word of the autosave is gone
    assert words["läkemedelsdos"] == ("läkemedelsdo", 1)
    assert "nattsköterskan" in words
    assert found("sköterska") == {draft.pk}
    assert found("dos") == {draft.pk}  # in the word as written, though its lexeme is "läkemedelsdo"


def test_a_word_still_held_by_another_incident_stays_and_a_deleted_incidents_words_go(cast):
    keeps, edited = Incident.objects.bulk_create(
        [
            Incident(reporter=cast.reporter, description="Bladderscan visade 900 ml."),
            Incident(reporter=cast.reporter, description="Bladderscan saknades på natten."),
        ]
    )

    describe(edited, "Blåsan tömdes med kateter.")
    assert "bladderscan" in lexicon()
    assert "saknades" not in lexicon()

    with connection.cursor() as cursor:  # nothing deletes incidents yet; the trigger is ready when it does
        cursor.execute("DELETE FROM incidents_incident WHERE id = %s", [keeps.pk])
    assert "bladderscan" not in lexicon()
    assert "kateter" in lexicon()


def test_the_rebuild_gives_the_same_lexicon_as_the_triggers_with_exact_counts(cast, tree):
    search.rebuild_search_words()  # whatever an earlier test left (a flush empties no lexicon)
    first = report(cast.reporter, tree.medicin_ward, description="Trycksår på hälen, trycksåret fotograferades.")
    report(cast.reporter, tree.medicin_ward, description="Trycksår på sakrum upptäcktes sent.")
    describe(first, "Trycksår på hälen upptäcktes vid utskrivningen.")
    Incident.objects.bulk_create(
        [
            Incident(reporter=cast.reporter, description="Trycksårsbedömning saknades."),
            Incident(reporter=cast.reporter, description="Ingen trycksårsbedömning gjord."),
        ]
    )
    kept = lexicon()

    total = search.rebuild_search_words()

    rebuilt = lexicon()
    assert set(rebuilt) == set(kept)
    assert total == len(rebuilt)
    assert rebuilt["trycksår"] == ("trycksår", 2)  # counted exactly now
    assert rebuilt["trycksårsbedömning"] == ("trycksårsbedömning", 2)
    assert found("trycksår") == set(Incident.objects.values_list("pk", flat=True))


def test_a_lexeme_with_quotes_and_backslashes_is_matched_exactly(cast, tree):
    incident = report(cast.reporter, tree.medicin_ward, description=r"Fil sparad i C:\temp\rapport's mapp.")

    search.rebuild_search_words()

    for lexeme, _documents in lexicon().values():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM incidents_incident WHERE search_vector @@ %s::tsquery",
                [search.lexeme_literal(lexeme)],
            )
            assert cursor.fetchone()[0] == 1, lexeme
    assert found("rapport") == {incident.pk}


def test_an_expansion_is_capped_at_the_most_frequent_words(cast, tree, monkeypatch):
    common = [report(cast.reporter, tree.medicin_ward, description="Fallrisken bedömdes inte.") for _ in range(2)]
    rare = report(cast.reporter, tree.medicin_ward, description="Fallskyddet saknades.")
    search.rebuild_search_words()
    monkeypatch.setattr(search, "EXPANSION_LIMIT", 1)

    # "fall" itself, and the one most frequent word containing it.
    assert found("fall") == {incident.pk for incident in common}
    monkeypatch.setattr(search, "EXPANSION_LIMIT", 2)
    assert found("fall") == {*(incident.pk for incident in common), rare.pk}


def test_a_personal_identity_number_is_never_searched_for(api, cast, tree):
    report(cast.reporter, tree.medicin_ward, description="Patient 19121212-1212 fick fel dos.")

    for text in ("19121212-1212", "191212121212", "fel dos 121212-1212"):
        filterset = IncidentFilterSet(data={"q": text}, queryset=Incident.objects.all())
        assert not filterset.is_valid()
        assert "q" in filterset.errors
        for url in (LIST, "/api/v1/investigations/", "/api/v1/lexmaria/"):
            response = api(cast.chief_physician).get(url, {"q": text})
            assert response.status_code == 400, url
            assert list(response.json()["errors"]) == ["q"]
    assert search.Search("19121212-1212").tsquery is None
    assert not Incident.objects.filter(search.search_q("19121212-1212")).exists()


def test_a_search_can_filter_a_related_model_by_its_incident(cast, tree):
    medication = report(cast.reporter, tree.medicin_ward, description="Läkemedelsfel vid utdelningen.")
    other = report(cast.reporter, tree.medicin_ward, description="Patienten föll i duschen.")
    area = CauseArea.objects.get(code="kommunikation")
    for incident in (medication, other):
        services.cause_add(incident=incident, actor=cast.handler, area=area)

    causes = Cause.objects.filter(search.search_q("läkemedel", prefix="incident__"))

    assert {cause.incident_id for cause in causes} == {medication.pk}


@pytest.mark.parametrize(
    ("text", "in_region"),
    [("läkemedel", 2), ("fall", 2), ("-fall", 2), ("patient or remiss", 4), ('"fel dos"', 2), ("duschen -remiss", 2)],
)
def test_a_search_never_widens_what_the_user_sees(cast, tree, text, in_region):
    for unit in (tree.medicin_ward, tree.orto_ward, tree.hemsjukvard):
        report(cast.reporter, unit, description="Fel dos läkemedel; patienten föll i duschen.")
        report(cast.reporter, unit, description="Remiss om fallrisk skickades inte.")
    for user in (cast.handler, cast.handler_orto, cast.reporter, cast.safety_officer, cast.outsider):
        visible = Incident.objects.visible_to(user)
        assert found(text, visible) <= set(visible.values_list("pk", flat=True)), (user, text)
    # The region's safety officer finds the region's matches (two wards), not the municipality's.
    assert len(found(text, Incident.objects.visible_to(cast.safety_officer))) == in_region


def test_a_search_is_common_when_many_incidents_hold_its_words(cast, tree):
    # Many incidents that say "fallet", few that say "gipsskena".
    Incident.objects.bulk_create(
        Incident(
            reporter=cast.reporter,
            description="Gipsskenan satt för hårt." if n % 500 == 0 else "Patienten föll i duschen, fallet sågs inte.",
        )
        for n in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE incidents_incident")
    # The counts are exact after a rebuild (Celery beat, nightly); between rebuilds a word
    # already in the lexicon keeps the count it had (words left from earlier tests included).
    search.rebuild_search_words()

    assert search.search_is_common("fallet")
    assert search.search_is_common("patienten fallet")  # together in the newest incidents
    assert not search.search_is_common("gipsskena")
    assert not search.search_is_common("gipsskena fallet")  # never together
    assert not search.search_is_common("och")


def test_the_nightly_rebuild_makes_the_counts_exact(cast, tree):
    from django.conf import settings

    from incidents.tasks import search_words_rebuild

    Incident.objects.bulk_create(Incident(reporter=cast.reporter, description="Trycksår på hälen.") for _ in range(5))
    Incident.objects.bulk_create(Incident(reporter=cast.reporter, description="Trycksår igen.") for _ in range(3))

    search_words_rebuild()

    with connection.cursor() as cursor:
        cursor.execute("SELECT documents FROM incidents_search_word WHERE word = 'trycksår'")
        assert cursor.fetchone()[0] == Incident.objects.filter(description__icontains="trycksår").count() == 8
    entry = settings.CELERY_BEAT_SCHEDULE["search-words-rebuild"]
    assert entry["task"] == "incidents.search_words_rebuild"
