"""The lexicon of the incidents' words, for finding the parts of compound words (incidents/search.py).

`incidents_search_word` holds every distinct word of the incidents' texts (the description,
the immediate actions, the suggested improvement and the short title, lower-cased as
PostgreSQL's text-search parser reads them: `to_tsvector('simple', …)`), its lexeme under the
`swedish` configuration (its stem: "fallolyckor" → "fallolyck") and the number of incidents
that held it when last counted. A trigram index finds the words that contain a search word;
the search then asks `search_vector`, and the new partial index `incident_title_search` on
the title's words, for their lexemes. A word the `swedish` configuration drops (a stop word)
or splits ("inr-värde") has no single lexeme and is not kept.

Kept by triggers on `incidents_incident`:

- after an INSERT statement, once for all its rows (set-based: a bulk insert costs one
  pass): the new words are added, each with the number of new rows holding it;
- after an UPDATE of the text fields or the title, or a DELETE, per row: words the row
  gained are added; for a word it lost whose lexeme no incident holds any more (a GIN
  lookup in each index, for lexemes counted in at most a thousand incidents: a common one
  is still held), every word of that lexeme is removed — a draft's autosave leaves no
  half-typed words behind, and a rare word erased from every text is gone from the lexicon.

Inserting ON CONFLICT DO NOTHING takes no lock on an existing word, so concurrent reports
do not wait for each other over common words; new words are inserted in sorted order, so
two reports bringing the same new words cannot deadlock. The counts are exact after
`incidents_search_words_rebuild()` and only rank a word's expansions in between.

The table has no Django model: only incidents/search.py reads it, with SQL.
"""

from django.db import migrations

# The text the lexicon is made of: `search_vector`'s (incidents.models.Incident) and the title.
TEXT = (
    "coalesce({row}.description, '') || ' ' || coalesce({row}.immediate_actions, '') || ' ' "
    "|| coalesce({row}.suggested_improvement, '') || ' ' || coalesce({row}.title, '')"
)


def _words(row: str) -> str:
    """The distinct lower-cased words of a row's text, as an array."""
    return f"tsvector_to_array(to_tsvector('simple', {TEXT.format(row=row)}))"


SQL = rf"""
CREATE TABLE incidents_search_word (
    word text PRIMARY KEY,
    lexeme text NOT NULL,
    documents integer NOT NULL DEFAULT 1
);
CREATE INDEX incidents_search_word_trgm ON incidents_search_word USING gin (word gin_trgm_ops);
CREATE INDEX incidents_search_word_lexeme ON incidents_search_word (lexeme);

-- The short title's words, for the same search as the text's (incidents.search.WordsMatch).
CREATE INDEX incident_title_search ON incidents_incident
    USING gin (to_tsvector('swedish'::regconfig, title)) WHERE title <> '';

-- A lexeme as a tsquery of exactly that lexeme (not parsed or stemmed again).
CREATE FUNCTION incidents_lexeme_query(lexeme text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT ('''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''')::tsquery $$;

-- A word's one lexeme under the `swedish` configuration; NULL for a stop word or a word it splits.
CREATE FUNCTION incidents_word_lexeme(word text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT CASE WHEN cardinality(lexemes) = 1 THEN lexemes[1] END
    FROM (SELECT tsvector_to_array(to_tsvector('swedish', word)) AS lexemes) AS stemmed
$$;

-- Does an incident hold the lexeme in its text or its title? Only the GIN indexes may answer:
-- the planner guesses a lexeme it has no statistics for at a fixed share, and would otherwise
-- scan the table expecting to meet one soon (a third of a second at a million incidents).
CREATE FUNCTION incidents_lexeme_held(lexeme text) RETURNS boolean
LANGUAGE sql STABLE STRICT
SET enable_seqscan = off
SET enable_indexscan = off
AS $$
    SELECT EXISTS (SELECT 1 FROM incidents_incident WHERE search_vector @@ incidents_lexeme_query(lexeme))
        OR EXISTS (
            SELECT 1 FROM incidents_incident
            WHERE title <> '' AND to_tsvector('swedish'::regconfig, title) @@ incidents_lexeme_query(lexeme)
        )
$$;

CREATE FUNCTION incidents_search_words_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO incidents_search_word (word, lexeme, documents)
    SELECT word, lexeme, documents
    FROM (
        SELECT word, incidents_word_lexeme(word) AS lexeme, count(*) AS documents
        FROM added, unnest({_words("added")}) AS word
        GROUP BY word
    ) AS found
    WHERE lexeme IS NOT NULL
    ORDER BY word
    ON CONFLICT (word) DO NOTHING;
    RETURN NULL;
END
$$;

CREATE FUNCTION incidents_search_words_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    before text[] := {_words("OLD")};
    after text[] := CASE WHEN TG_OP = 'UPDATE' THEN {_words("NEW")} ELSE '{{}}'::text[] END;
    lost text;
BEGIN
    INSERT INTO incidents_search_word (word, lexeme, documents)
    SELECT word, incidents_word_lexeme(word), 1
    FROM unnest(after) AS word
    WHERE NOT word = ANY(before) AND incidents_word_lexeme(word) IS NOT NULL
    ORDER BY word
    ON CONFLICT (word) DO NOTHING;
    -- A lexeme counted in more than a thousand incidents is still held by some: not looked up.
    FOR lost IN
        SELECT lexeme FROM (
            SELECT DISTINCT incidents_word_lexeme(word) AS lexeme FROM unnest(before) AS word
            WHERE NOT word = ANY(after)
        ) AS gone
        WHERE lexeme IS NOT NULL
          AND (SELECT coalesce(sum(documents), 0) FROM incidents_search_word w WHERE w.lexeme = gone.lexeme) <= 1000
    LOOP
        IF NOT incidents_lexeme_held(lost) THEN
            DELETE FROM incidents_search_word WHERE lexeme = lost;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;

-- Every word of every incident, counted afresh; words no incident holds are removed.
CREATE FUNCTION incidents_search_words_rebuild() RETURNS bigint
LANGUAGE sql AS $$
    WITH counted AS MATERIALIZED (
        SELECT word, incidents_word_lexeme(word) AS lexeme, documents
        FROM (
            SELECT word, count(*) AS documents
            FROM incidents_incident AS i, unnest({_words("i")}) AS word
            GROUP BY word
        ) AS words
    ), kept AS MATERIALIZED (
        SELECT * FROM counted WHERE lexeme IS NOT NULL
    ), upserted AS (
        INSERT INTO incidents_search_word AS w (word, lexeme, documents)
        SELECT word, lexeme, documents FROM kept ORDER BY word
        ON CONFLICT (word) DO UPDATE SET lexeme = excluded.lexeme, documents = excluded.documents
            WHERE (w.lexeme, w.documents) IS DISTINCT FROM (excluded.lexeme, excluded.documents)
    ), removed AS (
        DELETE FROM incidents_search_word w
        WHERE NOT EXISTS (SELECT 1 FROM kept WHERE kept.word = w.word)
    )
    SELECT count(*) FROM kept
$$;

CREATE TRIGGER incidents_search_words_insert
    AFTER INSERT ON incidents_incident
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION incidents_search_words_inserted();

CREATE TRIGGER incidents_search_words_update
    AFTER UPDATE OF description, immediate_actions, suggested_improvement, title ON incidents_incident
    FOR EACH ROW
    WHEN (OLD.search_vector IS DISTINCT FROM NEW.search_vector OR OLD.title IS DISTINCT FROM NEW.title)
    EXECUTE FUNCTION incidents_search_words_changed();

CREATE TRIGGER incidents_search_words_delete
    AFTER DELETE ON incidents_incident
    FOR EACH ROW EXECUTE FUNCTION incidents_search_words_changed();

SELECT incidents_search_words_rebuild();
"""  # noqa: S608 (our own table and column names)

REVERSE_SQL = """
DROP TRIGGER incidents_search_words_delete ON incidents_incident;
DROP TRIGGER incidents_search_words_update ON incidents_incident;
DROP TRIGGER incidents_search_words_insert ON incidents_incident;
DROP FUNCTION incidents_search_words_rebuild();
DROP FUNCTION incidents_search_words_changed();
DROP FUNCTION incidents_search_words_inserted();
DROP FUNCTION incidents_lexeme_held(text);
DROP FUNCTION incidents_word_lexeme(text);
DROP FUNCTION incidents_lexeme_query(text);
DROP INDEX incident_title_search;
DROP TABLE incidents_search_word;
"""


class Migration(migrations.Migration):
    dependencies = [("incidents", "0011_reach")]

    operations = [migrations.RunSQL(SQL, reverse_sql=REVERSE_SQL)]
