"""Triggers that keep the incident statistics tables current (see incident_stats.models, which
owns the tables since indicators 0006; change the triggers in its migrations).

Every change of an incident, a cause or an action that moves a count appends −1 for what it
was and +1 for what it is, for every ancestor of the incident's responsible unit, to the
delta tables; `psweb_stats_compact()` folds the deltas into the compacted tables and
`psweb_stats_rebuild()` computes everything afresh (after bulk loads with triggers off, and
when a unit moves in the tree, which changes ancestors). Months are Swedish local time."""

from django.db import migrations

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION psweb_ancestors(unit_id bigint) RETURNS bigint[]
LANGUAGE sql STABLE AS $$
    SELECT string_to_array(trim(both '/' from path), '/')::bigint[] FROM accounts_orgunit WHERE id = unit_id
$$;

CREATE OR REPLACE FUNCTION psweb_local_month(moment timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
    SELECT date_trunc('month', moment AT TIME ZONE 'Europe/Stockholm')::date
$$;

CREATE OR REPLACE FUNCTION psweb_stats_incident_rows(i incidents_incident, sign integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    ancestors bigint[] := psweb_ancestors(i.responsible_unit_id);
BEGIN
    IF i.reported_at IS NULL OR ancestors IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO indicators_incidentcubedelta (anc, month, category_id, event_class, case_type, status, n, late)
    SELECT a, psweb_local_month(i.reported_at), coalesce(i.category_id, 0), i.event_class, i.case_type, i.status,
           sign, CASE WHEN i.late_report THEN sign ELSE 0 END
    FROM unnest(ancestors) AS a;
    INSERT INTO indicators_sidecubedelta (anc, kind, day, key, n)
    SELECT a, 'risk', psweb_local_month(i.reported_at), coalesce(i.risk_probability * i.risk_consequence, 0), sign
    FROM unnest(ancestors) AS a;
    IF i.closed_at IS NOT NULL THEN
        INSERT INTO indicators_sidecubedelta (anc, kind, day, key, n)
        SELECT a, 'close', psweb_local_month(i.closed_at),
               greatest(floor(extract(epoch FROM i.closed_at - i.reported_at) / 86400), 0)::integer, sign
        FROM unnest(ancestors) AS a;
        IF i.triaged_at IS NOT NULL THEN
            INSERT INTO indicators_sidecubedelta (anc, kind, day, key, n)
            SELECT a, 'triage', psweb_local_month(i.closed_at),
                   greatest(floor(extract(epoch FROM i.triaged_at - i.reported_at) / 86400), 0)::integer, sign
            FROM unnest(ancestors) AS a;
        END IF;
    END IF;
END $$;

CREATE OR REPLACE FUNCTION psweb_stats_incident_children(i incidents_incident, sign integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    ancestors bigint[] := psweb_ancestors(i.responsible_unit_id);
BEGIN
    IF i.reported_at IS NULL OR ancestors IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO indicators_sidecubedelta (anc, kind, day, key, n)
    SELECT a, 'cause', psweb_local_month(i.reported_at), c.area_id::integer, sign * count(*)
    FROM incidents_cause c CROSS JOIN unnest(ancestors) AS a
    WHERE c.incident_id = i.id AND c.removed_at IS NULL
    GROUP BY a, c.area_id;
    INSERT INTO indicators_sidecubedelta (anc, kind, day, key, n)
    SELECT a, 'action', x.due_date, 0, sign * count(*)
    FROM incidents_action x CROSS JOIN unnest(ancestors) AS a
    WHERE x.incident_id = i.id AND x.state NOT IN ('done', 'cancelled')
    GROUP BY a, x.due_date;
END $$;

CREATE OR REPLACE FUNCTION psweb_stats_on_incident() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    moved boolean := false;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        moved := OLD.responsible_unit_id IS DISTINCT FROM NEW.responsible_unit_id
                 OR OLD.reported_at IS DISTINCT FROM NEW.reported_at;
        IF NOT moved
           AND OLD.status IS NOT DISTINCT FROM NEW.status
           AND OLD.category_id IS NOT DISTINCT FROM NEW.category_id
           AND OLD.event_class IS NOT DISTINCT FROM NEW.event_class
           AND OLD.case_type IS NOT DISTINCT FROM NEW.case_type
           AND OLD.risk_probability IS NOT DISTINCT FROM NEW.risk_probability
           AND OLD.risk_consequence IS NOT DISTINCT FROM NEW.risk_consequence
           AND OLD.late_report IS NOT DISTINCT FROM NEW.late_report
           AND OLD.triaged_at IS NOT DISTINCT FROM NEW.triaged_at
           AND OLD.closed_at IS NOT DISTINCT FROM NEW.closed_at THEN
            RETURN NULL;
        END IF;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM psweb_stats_incident_rows(OLD, -1);
        IF TG_OP = 'DELETE' OR moved THEN
            PERFORM psweb_stats_incident_children(OLD, -1);
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM psweb_stats_incident_rows(NEW, 1);
        IF TG_OP = 'INSERT' OR moved THEN
            PERFORM psweb_stats_incident_children(NEW, 1);
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION psweb_stats_on_cause() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    i incidents_incident;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.removed_at IS NULL THEN
        SELECT * INTO i FROM incidents_incident WHERE id = OLD.incident_id;
        IF i.reported_at IS NOT NULL THEN
            INSERT INTO indicators_sidecubedelta (anc, kind, day, key, n)
            SELECT a, 'cause', psweb_local_month(i.reported_at), OLD.area_id::integer, -1
            FROM unnest(psweb_ancestors(i.responsible_unit_id)) AS a;
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.removed_at IS NULL THEN
        SELECT * INTO i FROM incidents_incident WHERE id = NEW.incident_id;
        IF i.reported_at IS NOT NULL THEN
            INSERT INTO indicators_sidecubedelta (anc, kind, day, key, n)
            SELECT a, 'cause', psweb_local_month(i.reported_at), NEW.area_id::integer, 1
            FROM unnest(psweb_ancestors(i.responsible_unit_id)) AS a;
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION psweb_stats_on_action() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    i incidents_incident;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.state NOT IN ('done', 'cancelled') THEN
        SELECT * INTO i FROM incidents_incident WHERE id = OLD.incident_id;
        IF i.reported_at IS NOT NULL THEN
            INSERT INTO indicators_sidecubedelta (anc, kind, day, key, n)
            SELECT a, 'action', OLD.due_date, 0, -1 FROM unnest(psweb_ancestors(i.responsible_unit_id)) AS a;
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.state NOT IN ('done', 'cancelled') THEN
        SELECT * INTO i FROM incidents_incident WHERE id = NEW.incident_id;
        IF i.reported_at IS NOT NULL THEN
            INSERT INTO indicators_sidecubedelta (anc, kind, day, key, n)
            SELECT a, 'action', NEW.due_date, 0, 1 FROM unnest(psweb_ancestors(i.responsible_unit_id)) AS a;
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION psweb_stats_compact() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('psweb_stats_compact'));
    WITH moved AS (DELETE FROM indicators_incidentcubedelta RETURNING *)
    INSERT INTO indicators_incidentcube AS c (anc, month, category_id, event_class, case_type, status, n, late)
    SELECT anc, month, category_id, event_class, case_type, status, sum(n), sum(late)
    FROM moved GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (anc, month, category_id, event_class, case_type, status)
    DO UPDATE SET n = c.n + EXCLUDED.n, late = c.late + EXCLUDED.late;
    DELETE FROM indicators_incidentcube WHERE n = 0 AND late = 0;
    WITH moved AS (DELETE FROM indicators_sidecubedelta RETURNING *)
    INSERT INTO indicators_sidecube AS c (anc, kind, day, key, n)
    SELECT anc, kind, day, key, sum(n) FROM moved GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (anc, kind, day, key) DO UPDATE SET n = c.n + EXCLUDED.n;
    DELETE FROM indicators_sidecube WHERE n = 0;
END $$;

CREATE OR REPLACE FUNCTION psweb_stats_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('psweb_stats_compact'));
    DELETE FROM indicators_incidentcubedelta;
    DELETE FROM indicators_incidentcube;
    DELETE FROM indicators_sidecubedelta;
    DELETE FROM indicators_sidecube;
    CREATE TEMP TABLE psweb_anc ON COMMIT DROP AS
        SELECT u.id AS unit, a AS anc
        FROM accounts_orgunit u CROSS JOIN unnest(string_to_array(trim(both '/' from u.path), '/')::bigint[]) AS a;
    -- Written in (anc, month) order, so that one unit's rows lie together on disk.
    INSERT INTO indicators_incidentcube (anc, month, category_id, event_class, case_type, status, n, late)
    SELECT p.anc, psweb_local_month(i.reported_at), coalesce(i.category_id, 0), i.event_class, i.case_type, i.status,
           count(*), count(*) FILTER (WHERE i.late_report)
    FROM incidents_incident i JOIN psweb_anc p ON p.unit = i.responsible_unit_id
    WHERE i.reported_at IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6
    ORDER BY 1, 2;
    INSERT INTO indicators_sidecube (anc, kind, day, key, n)
    SELECT p.anc, 'risk', psweb_local_month(i.reported_at), coalesce(i.risk_probability * i.risk_consequence, 0),
           count(*)
    FROM incidents_incident i JOIN psweb_anc p ON p.unit = i.responsible_unit_id
    WHERE i.reported_at IS NOT NULL
    GROUP BY 1, 2, 3, 4;
    INSERT INTO indicators_sidecube (anc, kind, day, key, n)
    SELECT p.anc, 'close', psweb_local_month(i.closed_at),
           greatest(floor(extract(epoch FROM i.closed_at - i.reported_at) / 86400), 0)::integer, count(*)
    FROM incidents_incident i JOIN psweb_anc p ON p.unit = i.responsible_unit_id
    WHERE i.reported_at IS NOT NULL AND i.closed_at IS NOT NULL
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2;
    INSERT INTO indicators_sidecube (anc, kind, day, key, n)
    SELECT p.anc, 'triage', psweb_local_month(i.closed_at),
           greatest(floor(extract(epoch FROM i.triaged_at - i.reported_at) / 86400), 0)::integer, count(*)
    FROM incidents_incident i JOIN psweb_anc p ON p.unit = i.responsible_unit_id
    WHERE i.reported_at IS NOT NULL AND i.closed_at IS NOT NULL AND i.triaged_at IS NOT NULL
    GROUP BY 1, 2, 3, 4;
    INSERT INTO indicators_sidecube (anc, kind, day, key, n)
    SELECT p.anc, 'cause', psweb_local_month(i.reported_at), c.area_id::integer, count(*)
    FROM incidents_cause c JOIN incidents_incident i ON i.id = c.incident_id
         JOIN psweb_anc p ON p.unit = i.responsible_unit_id
    WHERE i.reported_at IS NOT NULL AND c.removed_at IS NULL
    GROUP BY 1, 2, 3, 4;
    INSERT INTO indicators_sidecube (anc, kind, day, key, n)
    SELECT p.anc, 'action', x.due_date, 0, count(*)
    FROM incidents_action x JOIN incidents_incident i ON i.id = x.incident_id
         JOIN psweb_anc p ON p.unit = i.responsible_unit_id
    WHERE i.reported_at IS NOT NULL AND x.state NOT IN ('done', 'cancelled')
    GROUP BY 1, 2, 3, 4;
END $$;

-- A unit moved in the tree (not a new unit getting its first path): ancestors changed.
CREATE OR REPLACE FUNCTION psweb_stats_on_unit_move() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM psweb_old_units o JOIN psweb_new_units n ON n.id = o.id
        WHERE o.path <> n.path AND o.path NOT LIKE '~new~%'
    ) THEN
        PERFORM psweb_stats_rebuild();
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER psweb_stats_incident AFTER INSERT OR UPDATE OR DELETE ON incidents_incident
    FOR EACH ROW EXECUTE FUNCTION psweb_stats_on_incident();
CREATE TRIGGER psweb_stats_cause AFTER INSERT OR UPDATE OF removed_at OR DELETE ON incidents_cause
    FOR EACH ROW EXECUTE FUNCTION psweb_stats_on_cause();
CREATE TRIGGER psweb_stats_action AFTER INSERT OR UPDATE OF state, due_date OR DELETE ON incidents_action
    FOR EACH ROW EXECUTE FUNCTION psweb_stats_on_action();
CREATE TRIGGER psweb_stats_unit_move AFTER UPDATE ON accounts_orgunit
    REFERENCING OLD TABLE AS psweb_old_units NEW TABLE AS psweb_new_units
    FOR EACH STATEMENT EXECUTE FUNCTION psweb_stats_on_unit_move();
SELECT psweb_stats_rebuild();
"""

REVERSE = r"""
DROP TRIGGER IF EXISTS psweb_stats_incident ON incidents_incident;
DROP TRIGGER IF EXISTS psweb_stats_cause ON incidents_cause;
DROP TRIGGER IF EXISTS psweb_stats_action ON incidents_action;
DROP TRIGGER IF EXISTS psweb_stats_unit_move ON accounts_orgunit;
DROP FUNCTION IF EXISTS psweb_stats_on_unit_move();
DROP FUNCTION IF EXISTS psweb_stats_rebuild();
DROP FUNCTION IF EXISTS psweb_stats_compact();
DROP FUNCTION IF EXISTS psweb_stats_on_action();
DROP FUNCTION IF EXISTS psweb_stats_on_cause();
DROP FUNCTION IF EXISTS psweb_stats_on_incident();
DROP FUNCTION IF EXISTS psweb_stats_incident_children(incidents_incident, integer);
DROP FUNCTION IF EXISTS psweb_stats_incident_rows(incidents_incident, integer);
DROP FUNCTION IF EXISTS psweb_local_month(timestamptz);
DROP FUNCTION IF EXISTS psweb_ancestors(bigint);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0003_stats_cubes"),
        ("incidents", "0005_trigram_operator_cost"),
        ("accounts", "0001_initial"),
    ]
    operations = [migrations.RunSQL(FUNCTIONS, REVERSE)]
