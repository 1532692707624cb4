"""Text search of incidents: Swedish word forms and the parts of compound words, through indexes.

Swedish writes compounds as one word: a search for "läkemedel" must find "Läkemedelslistan"
and "läkemedelsfel", "olycka" must find "fallolycka". PostgreSQL's `swedish` full-text
configuration stems words ("patienten" → "patient") but does not split compounds, so the
incident's full-text index (`search_vector`) alone finds neither.

**The lexicon.** `incidents_search_word` holds every distinct word of the incidents' texts
(the description, the immediate actions, the suggested improvement and the short title),
lower-cased, with its lexeme (its Swedish stem: "fallolyckor" → "fallolyck") and the number
of incidents that held it when last counted, and a trigram index on the word. A search word
is expanded through the lexicon to the lexemes of the words that contain it anywhere
("olycka" → "fallolycka", "olyckan", …: a `LIKE '%olycka%'` on the trigram index of a table
of words, a few milliseconds whatever the number of incidents). The incidents are then found
by the existing full-text GIN index: `search_vector @@ ('olyck' | 'fallolyck' | …)`, an OR of
lexemes that the index answers without reading any text (no recheck), and that the planner
estimates from the column's statistics; the title has its own index of the same kind. As
lexemes are matched, a compound's other word forms come along ("fallolyckor" shares the
lexeme of "fallolycka"). The word is looked for as written, and its stem too when that has
at least `MIN_EXPANDED_STEM` letters ("olyckor" → "olyck"): a shorter stem turns up inside
unrelated words ("skena" → "sken" would find "disken" and "fallrisken"). Words, not their
lexemes, are searched: "läkemedelsdos" is stemmed to "läkemedelsdo", where "dos" is not.

Bounded expansion: a word expands to at most `EXPANSION_LIMIT` lexemes, those held by the
most incidents, plus the word's own lexeme always. A word expands only when it has at least
`MIN_EXPANDED` letters and nothing but letters ("112", "kl.14" and "ab" are matched as
they are). A word the stemmer drops (a stop word, "och") is not searched for. A quoted
phrase ("fel dos") and a word the parser splits ("INR-värde") are matched as phrases, with
word forms but without compound parts. Otherwise the syntax is the web-search one: all words,
"or" between alternatives, "-word" for none of it.

The lexicon is kept by triggers (migration `0012_search_words`): an incident's new words
are added when it is inserted (once per statement, set-based) or its text changes; the words
of a lexeme no incident holds any more after an edit or a delete are removed — a draft's
autosave leaves no half-typed words behind, and a word erased from every text is gone from
the lexicon too. The counts are exact after `rebuild_search_words()` and approximate in
between (a new word starts at the number of incidents that brought it); they only rank the
expansions. Rows written with triggers disabled (`generate_load` copies under
`session_replication_role = replica`) need `rebuild_search_words()` afterwards.

Why not hunspell/ispell compound splitting: PostgreSQL's ispell template can split compounds,
but it needs dictionary and affix files in the database server's `tsearch_data` directory
(on Debian, `hunspell-sv` installed beside the server and linked there by postgresql-common's
`pg_updatedicts`), and it reads only the basic compound rules of the Hunspell format the
Swedish files are in. Neither the embedded PostgreSQL psweb starts in development nor a
managed PostgreSQL (where nobody may write to the server's share directory) can be assumed
to have them. The lexicon needs only `pg_trgm`, which psweb already requires, and finds a
part in any position of any compound, where a dictionary knows only the compounds its word
list can build.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import CharField, Exists, Lookup, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from incidents.models import Category, Cause, CauseArea, Incident
from psweb.search import PERSONNUMMER_LIKE

# The lexemes one search word expands to at most (besides its own): the most frequent ones.
# An OR of a hundred lexemes costs the GIN index a hundred lookups (about a millisecond), and
# a newest-first walk 4 µs per incident it checks (0.25 µs for one lexeme); a word contained
# in more than a hundred different words leaves out its rarest compounds.
EXPANSION_LIMIT = 100
# The shortest word looked for inside other words (the trigram index needs three letters),
# and the shortest stem (a shorter one turns up inside unrelated words: "sken" in "disken").
MIN_EXPANDED = 3
MIN_EXPANDED_STEM = 5
# A search matching at least this share of the incidents is "common": a newest-first walk
# meets a match at least every hundred incidents.
COMMON_SHARE = 0.01
# How many of the newest incidents `Search.sample_share` looks at.
SAMPLE = 1000
# A search the lexicon says matches at most this many incidents is looked up first, by id.
RARE_IDS = 2000

LEXICON = "incidents_search_word"

# A term of the web-search syntax: an optional "-", then a quoted phrase or a word.
_TERM = re.compile(r'(-?)(?:"([^"]*)"?|(\S+))')


class Matches(Lookup):
    """`search_vector__matches=text`: `search_vector @@ text::tsquery`, the text taken as
    tsquery syntax with its lexemes as written (not parsed or stemmed again)."""

    lookup_name = "matches"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} @@ %s::tsquery", [*lhs_params, str(self.rhs)]


class WordsMatch(Lookup):
    """`title__words_match=text`: the field's words under the `swedish` configuration match
    the tsquery `text`; an empty field never does. Written as the partial index
    `incident_title_search` is (migration 0012), so that the index serves it."""

    lookup_name = "words_match"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        sql = f"({lhs} <> '' AND to_tsvector('swedish'::regconfig, {lhs}) @@ %s::tsquery)"
        return sql, [*lhs_params, *lhs_params, str(self.rhs)]


SearchVectorField.register_lookup(Matches)
CharField.register_lookup(WordsMatch)


@dataclass(frozen=True)
class Term:
    text: str
    phrase: bool = False
    negated: bool = False
    alternative: bool = False  # joined to the term before it by "or", else by "and"


def parse(value: str) -> list[Term]:
    """The terms of a web-search text: words, "quoted phrases", "-" for none of it, "or"."""
    terms: list[Term] = []
    alternative = False
    for match in _TERM.finditer(value or ""):
        minus, quoted, word = match.groups()
        if quoted is None and word.lower() == "or":
            alternative = bool(terms)
            continue
        text = (quoted if quoted is not None else word).strip()
        if quoted is None and minus and not text:
            continue
        if not text:
            continue
        terms.append(Term(text, phrase=quoted is not None, negated=bool(minus), alternative=alternative))
        alternative = False
    return terms


def lexeme_literal(lexeme: str) -> str:
    """A lexeme in tsquery syntax, quoted: exactly this lexeme, whatever its characters."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


class Search:
    """One search text, prepared: its tsquery (two small queries: stemming, then the
    lexicon), the condition for an incident queryset, and how common it is."""

    def __init__(self, value: str):
        self.value = (value or "").strip()

    @cached_property
    def terms(self) -> list[Term]:
        """The terms searched for: none in a text that looks like a personal identity number
        (`refuse_personnummer`)."""
        return [] if PERSONNUMMER_LIKE.search(self.value) else parse(self.value)

    @cached_property
    def _stemmed(self) -> tuple[list[list[str]], list[str], list[str]]:
        return _stem([term.text for term in self.terms]) if self.terms else ([], [], [])

    @cached_property
    def _compiled(self) -> tuple[str | None, int | None]:
        """The tsquery text (None when nothing in the search can be looked for), and at most
        how many incidents its text part can match by the lexicon's counts (None: no bound,
        as for "-word" alone)."""
        terms = self.terms
        if not terms:
            return None, 0
        stems, words, phrases = self._stemmed
        patterns: dict[str, set[str]] = {}  # a term's own lexeme → the patterns looked for
        for term, lexemes, word in zip(terms, stems, words, strict=True):
            if len(lexemes) == 1 and not term.phrase:
                patterns.setdefault(lexemes[0], set()).update(_patterns(word, lexemes[0]))
        expansions, counts = _expand(patterns, {lexeme for lexemes in stems for lexeme in lexemes})
        parts: list[str] = []
        bound: int | None = 0  # a sum over the "or" groups of the least bound of each group's terms
        group_bound: int | None = None
        for term, lexemes, phrase in zip(terms, stems, phrases, strict=True):
            if term.phrase or len(lexemes) > 1:
                group = phrase  # matched as a phrase: the words in order, in any word form
                most = min(counts.get(lexeme, 0) for lexeme in lexemes) if lexemes else 0
            elif lexemes:
                found = [lexemes[0], *expansions.get(lexemes[0], [])]
                group = " | ".join(lexeme_literal(lexeme) for lexeme in found)
                most = sum(counts.get(lexeme, 0) for lexeme in found)
            else:
                continue  # a stop word
            if not group:
                continue
            if parts and term.alternative:
                bound = None if bound is None or group_bound is None else bound + group_bound
                group_bound = None
            if not term.negated:
                group_bound = most if group_bound is None else min(group_bound, most)
            if parts:
                parts.append("|" if term.alternative else "&")
            parts.append(f"!({group})" if term.negated else f"({group})")
        if not parts:
            return None, 0
        bound = None if bound is None or group_bound is None else bound + group_bound
        return " ".join(parts), bound

    @property
    def tsquery(self) -> str | None:
        """The tsquery text, or None when nothing in the search can be looked for."""
        return self._compiled[0]

    def text_q(self, prefix: str = "") -> Q:
        """The incidents whose text or short title matches (`prefix` places it under a
        relation: "incident__" for a model with a foreign key to the incident). A rare
        search is given as the ids of its matches (`rare_ids`)."""
        if self.tsquery is None:
            return Q(**{f"{prefix}pk__any": []})
        if self.rare_ids is not None:
            return Q(**{f"{prefix}pk__any": self.rare_ids})
        return self.matching_q(prefix)

    def matching_q(self, prefix: str = "") -> Q:
        """The condition on the text and the title that the GIN indexes answer."""
        text = Q(**{f"{prefix}search_vector__matches": self.tsquery})
        return text | Q(**{f"{prefix}title__words_match": self.tsquery})

    @cached_property
    def rare_ids(self) -> frozenset[int] | None:
        """The ids of the incidents whose text or title matches, when the lexicon's counts
        say there are at most `RARE_IDS` (and there are): read first through the GIN indexes,
        so that the list's query is planned knowing how few they are. The planner guesses a
        word it keeps no statistics for at a fixed share, and would otherwise gather all the
        incidents the user may see to intersect them with a handful of matches."""
        bound = self._compiled[1]
        if self.tsquery is None or bound is None or bound > RARE_IDS:
            return None
        found = list(Incident.objects.filter(self.matching_q()).values_list("pk", flat=True)[: RARE_IDS + 1])
        return frozenset(found) if len(found) <= RARE_IDS else None

    def q(self, prefix: str = "") -> Q:
        """What a case is about: its text and short title (`text_q`), its category ("läkemedel"
        finds the cases classified "Behandling › Läkemedel – administrering"; the parent's name
        counts) and its causes' areas."""
        about = self._about_q(prefix)
        return self.text_q(prefix) if about is None else self.text_q(prefix) | about

    @cached_property
    def _named(self) -> tuple[list[int], list[int]]:
        """The categories and the cause areas the search names."""
        terms, stems = self.terms, self._stemmed[0]
        # Stop words ("och", "vid") are no more looked for in the names than in the text.
        wanted = [term.text for term, lexemes in zip(terms, stems, strict=True) if lexemes and not term.negated]
        if not wanted:
            return [], []
        return _named(wanted, any(term.alternative for term in terms))

    def _about_q(self, prefix: str = "") -> Q | None:
        """The cases whose category or cause area is named by the search; None if none is.
        The names are few: they are matched here, in Python, and the incidents found by the
        ids (`category_id` has an index)."""
        categories, areas = self._named
        if not categories and not areas:
            return None
        about = Q(**{f"{prefix}category_id__in": categories}) if categories else Q(**{f"{prefix}pk__any": []})
        if areas:
            # Looked up per incident (an index probe), never by hashing every cause of the
            # area (150 000 at a million incidents) for a page of 50: the redundant "<="
            # keeps PostgreSQL from turning the EXISTS into a hashed IN.
            incident = OuterRef(f"{prefix}pk")
            with_cause = Cause.objects.filter(
                area_id__in=areas, removed_at__isnull=True, incident=incident, incident_id__lte=incident
            )
            about |= Q(Exists(with_cause))
        for term in self.terms:
            if term.negated:
                about &= ~Search(f'"{term.text}"' if term.phrase else term.text).text_q(prefix)
        return about

    @cached_property
    def most_share(self) -> float:
        """At most what share of all incidents can match: by the lexicon's counts of the words
        (exact after `rebuild_search_words()`; a word's compounds are summed, words joined
        by "and" give the least of theirs), plus the planner's estimate of the incidents of a
        category or cause area the search names. A word the lexicon counts rarely is rare,
        where the planner guesses every word it keeps no statistics for at a fixed share."""
        total = self._total
        if not total:
            return 0.0
        text = self._compiled[1]
        if text is None:  # "-word" alone: anything else
            return 1.0
        about = self._about_q()
        return min(1.0, (text + (_estimated_rows(Incident.objects.filter(about)) if about is not None else 0)) / total)

    @cached_property
    def sample_share(self) -> float:
        """The share of the newest `SAMPLE` incidents that match: what a newest-first walk
        meets, whatever the words' correlation ("läkemedel utskrivning", always written
        together; the planner multiplies their shares). Bounded queries: the cause areas
        are looked up for the sample's ids, not hashed for the whole table."""
        newest = list(
            Incident.objects.order_by(Coalesce("reported_at", "created_at").desc(), "-id").values_list("pk", flat=True)[
                :SAMPLE
            ]
        )
        if not newest:
            return 0.0
        categories, areas = self._named
        found = Incident.objects.filter(pk__any=newest)
        about = Q(category_id__in=categories) if categories else None
        matched = set(found.filter(self.text_q() | about if about else self.text_q()).values_list("pk", flat=True))
        if areas:
            with_cause = Cause.objects.filter(incident_id__any=newest, area_id__in=areas, removed_at__isnull=True)
            matched |= set(with_cause.values_list("incident_id", flat=True))
        return len(matched) / len(newest)

    @property
    def share(self) -> float:
        """The share of the incidents that match, as well as it is known cheaply: for words
        joined by "or" the lexicon's counts (`most_share`), else — words that must occur
        together, a phrase, "-word" — the share among the newest incidents (`sample_share`)."""
        terms = self.terms
        if all(not term.negated and not term.phrase for term in terms) and all(term.alternative for term in terms[1:]):
            return self.most_share
        return self.sample_share

    @property
    def is_common(self) -> bool:
        """Does the search match at least `COMMON_SHARE` of the incidents (`share`, and the
        lexicon's bound)? Then a newest-first walk meets a match every hundred incidents or
        sooner. A rare search must be found through the indexes and sorted: a walk in search
        of a rare word reads every incident."""
        return self.most_share >= COMMON_SHARE and self.share >= COMMON_SHARE

    @cached_property
    def _total(self) -> float:
        return _incidents_total()


def search_for(value: str, *, request=None) -> Search:
    """The prepared `Search` of `value`, once per request: a page builds several filter sets
    with the same search (the list, its counts), and a `Search` costs a few small queries."""
    if request is None:
        return Search(value)
    searches = request.__dict__.setdefault("_incident_searches", {})
    if value not in searches:
        searches[value] = Search(value)
    return searches[value]


def search_q(value: str, *, prefix: str = "") -> Q:
    """The incidents the search `value` is about (`Search.q`: text, short title, category,
    cause areas); usable in any Incident queryset, or under a relation with `prefix`. It
    never widens a queryset: apply it to one that is already `visible_to(user)`."""
    return Search(value).q(prefix)


def search_is_common(value: str) -> bool:
    """Does the search match at least `COMMON_SHARE` of the incidents (`Search.is_common`)?
    Then a newest-first walk finds a page of matches after a few thousand rows at most."""
    return Search(value).is_common


def refuse_personnummer(value: str) -> None:
    """A search field's validator: a search is never for a personal identity number (it
    would travel in a URL; psweb.search). The API answers 400 with this message."""
    if PERSONNUMMER_LIKE.search(value or ""):
        raise ValidationError(
            _(
                "Search does not look for personal identity numbers: they must never be part of a web address. "
                "Search for words in the description instead."
            ),
            code="personnummer",
        )


def rebuild_search_words() -> int:
    """Count every incident's words afresh into the lexicon, and remove the words no incident
    holds (set-based: one pass over the table; a million incidents take 4 s). Call it after
    writing incidents with triggers disabled (`generate_load`), and now and then to refresh
    the counts. Returns the number of words."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT incidents_search_words_rebuild()")
        return cursor.fetchone()[0]


# Words shorter than this are not looked for in category and cause names ("i", "av").
MIN_NAME_WORD = 3


def _named(wanted: list[str], any_word: bool) -> tuple[list[int], list[int]]:
    """The categories and the cause areas whose names hold the words (all of them, or any
    with "or"), ignoring case; a category's name includes its parent's."""
    words = [w.casefold() for w in wanted if len(w) >= MIN_NAME_WORD]
    if not words:
        return [], []
    match = any if any_word else all

    def matching(names: dict[int, str]) -> list[int]:
        return [pk for pk, name in names.items() if match(word in name.casefold() for word in words)]

    categories = {
        c.pk: f"{c.parent.name} {c.name}" if c.parent_id else c.name for c in Category.objects.select_related("parent")
    }
    return matching(categories), matching(dict(CauseArea.objects.values_list("pk", "name")))


def _patterns(word: str, stem: str) -> set[str]:
    """What is looked for inside the lexicon's words: the word as typed ("olycka" in
    "fallolycka"), and its stem when that is long enough not to turn up inside unrelated
    words by chance ("olyckor" → "olyck" in "fallolycka"; but "skena" → "sken" would find
    "disken" and "fallrisken"). Letters only, so nothing needs escaping in a LIKE pattern."""
    found = set()
    if len(word) >= MIN_EXPANDED and word.isalpha():
        found.add(word)
    if len(stem) >= MIN_EXPANDED_STEM and stem.isalpha():
        found.add(stem)
    return found


def _stem(texts: list[str]) -> tuple[list[list[str]], list[str], list[str]]:
    """For each text: its lexemes under the `swedish` configuration, the one word the
    `simple` configuration reads in it (lower-cased, without punctuation; "" if not one),
    and, where it is more than one word, the phrase query of them."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT tsvector_to_array(to_tsvector('swedish', t.text)),
                   tsvector_to_array(to_tsvector('simple', t.text)),
                   CASE WHEN length(to_tsvector('swedish', t.text)) > 1
                        THEN phraseto_tsquery('swedish', t.text)::text ELSE '' END
            FROM unnest(%s::text[]) WITH ORDINALITY AS t(text, n)
            ORDER BY t.n
            """,
            [texts],
        )
        rows = cursor.fetchall()
    return (
        [list(row[0]) for row in rows],
        [row[1][0] if len(row[1]) == 1 else "" for row in rows],
        [row[2] for row in rows],
    )


def _expand(patterns: dict[str, set[str]], own: set[str]) -> tuple[dict[str, list[str]], dict[str, int]]:
    """For each term's lexeme: the lexemes of the lexicon's words that contain one of its
    patterns, those of the most incidents first (at most `EXPANSION_LIMIT`); and for these
    and the `own` lexemes, how many incidents hold them at most (the sum of their words'
    counts). One query; each pattern a constant, so that the planner sees how selective it
    is and reads the trigram index."""
    parts = [f"(SELECT NULL, lexeme, sum(documents) FROM {LEXICON} WHERE lexeme = ANY(%s) GROUP BY lexeme)"]  # noqa: S608
    params: list = [sorted(own)]
    for term, looked_for in patterns.items():
        if not looked_for:
            continue
        likes = " OR ".join(["word LIKE %s"] * len(looked_for))
        parts.append(
            f"(SELECT %s, lexeme, sum(documents) FROM {LEXICON} WHERE {likes}"  # noqa: S608
            " GROUP BY lexeme ORDER BY sum(documents) DESC, lexeme LIMIT %s)"
        )
        params += [term, *(f"%{pattern}%" for pattern in sorted(looked_for)), EXPANSION_LIMIT]
    expansions: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for term, lexeme, documents in cursor.fetchall():
            counts[lexeme] = int(documents)
            if term is not None and lexeme != term:
                expansions.setdefault(term, []).append(lexeme)
    return expansions, counts


def _incidents_total() -> float:
    """The number of incidents, as the planner knows it (0 before the table was analysed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'incidents_incident'::regclass")
        total = cursor.fetchone()[0]
    return max(total or 0.0, 0.0)


def _estimated_rows(queryset) -> float:
    """The planner's estimate of the rows of `queryset` (planning only)."""
    plan = queryset.explain(format="json")
    if not plan:  # a condition that can match nothing: Django sends no query
        return 0.0
    return json.loads(plan)[0]["Plan"]["Plan Rows"]
