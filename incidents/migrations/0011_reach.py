"""Which units see an incident (`Reach`) and how many per status (`ReachCount`), kept by
triggers in the transaction of every change (issue 14; the model's docstring has the why).

- `psweb_reach_refresh(ids)`: the rows of these incidents afresh, set-based; the counts get
  −1 for every row removed and +1 for every row written.
- Triggers: an incident sent, moved, handed over or changing status; a forward written; a unit
  moved in the tree (its path changes, so its incidents' ancestors do).
- `psweb_reach_rebuild()`: everything afresh (after a bulk load with COPY, which fires no trigger).
- `psweb_reach_compact()`: fold the counts (Celery beat).
"""

import django.db.models.deletion
from django.db import migrations, models

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION psweb_reach_refresh(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    WITH gone AS (DELETE FROM incidents_reach WHERE incident_id = ANY(ids) RETURNING anc, status)
    INSERT INTO incidents_reachcount (anc, status, n)
    SELECT anc, status, -count(*) FROM gone GROUP BY anc, status;
    WITH added AS (
        INSERT INTO incidents_reach (incident_id, anc, direct, status, sort_at)
        SELECT i.id, x.anc, bool_or(x.direct), i.status, i.reported_at
        FROM incidents_incident i
        CROSS JOIN LATERAL (
            SELECT unnest(psweb_ancestors(i.unit_id)) AS anc, true AS direct
            UNION ALL SELECT unnest(psweb_ancestors(i.responsible_unit_id)), true
            UNION ALL SELECT unnest(psweb_ancestors(f.from_unit_id)), false
                FROM incidents_forward f WHERE f.incident_id = i.id
            UNION ALL SELECT unnest(psweb_ancestors(f.to_unit_id)), false
                FROM incidents_forward f WHERE f.incident_id = i.id AND f.kind = 'ask'
        ) x
        WHERE i.id = ANY(ids) AND i.reported_at IS NOT NULL AND x.anc IS NOT NULL
        GROUP BY i.id, x.anc
        RETURNING anc, status
    )
    INSERT INTO incidents_reachcount (anc, status, n)
    SELECT anc, status, count(*) FROM added GROUP BY anc, status;
END $$;

CREATE OR REPLACE FUNCTION psweb_reach_on_incident() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM psweb_reach_refresh(ARRAY[CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END]);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION psweb_reach_on_forward() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM psweb_reach_refresh(ARRAY[NEW.incident_id]);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM psweb_reach_refresh(ARRAY[OLD.incident_id]);
    ELSE
        PERFORM psweb_reach_refresh(ARRAY[OLD.incident_id, NEW.incident_id]);
    END IF;
    RETURN NULL;
END $$;

-- A unit that moves carries its subtree: the incidents of every unit whose path changed get
-- their rows afresh. (A new unit's path is set by a second UPDATE: it has no incidents yet.)
CREATE OR REPLACE FUNCTION psweb_reach_on_unit_move() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    moved bigint[];
BEGIN
    SELECT array_agg(n.id) INTO moved
    FROM psweb_old_reach_units o JOIN psweb_new_reach_units n ON n.id = o.id
    WHERE o.path <> n.path;
    IF moved IS NOT NULL THEN
        PERFORM psweb_reach_refresh(ARRAY(
            SELECT id FROM incidents_incident WHERE unit_id = ANY(moved)
            UNION SELECT id FROM incidents_incident WHERE responsible_unit_id = ANY(moved)
            UNION SELECT incident_id FROM incidents_forward WHERE from_unit_id = ANY(moved) OR to_unit_id = ANY(moved)
        ));
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION psweb_reach_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE incidents_reach, incidents_reachcount;
    CREATE TEMP TABLE psweb_reach_units ON COMMIT DROP AS
        SELECT id, string_to_array(trim(both '/' from path), '/')::bigint[] AS ancestors FROM accounts_orgunit;
    CREATE UNIQUE INDEX ON psweb_reach_units (id);
    INSERT INTO incidents_reach (incident_id, anc, direct, status, sort_at)
    SELECT x.id, x.anc, bool_or(x.direct), min(x.status), min(x.reported_at)
    FROM (
        SELECT i.id, unnest(u.ancestors) AS anc, true AS direct, i.status, i.reported_at
            FROM incidents_incident i JOIN psweb_reach_units u ON u.id = i.unit_id
            WHERE i.reported_at IS NOT NULL
        UNION ALL SELECT i.id, unnest(u.ancestors), true, i.status, i.reported_at
            FROM incidents_incident i JOIN psweb_reach_units u ON u.id = i.responsible_unit_id
            WHERE i.reported_at IS NOT NULL AND i.responsible_unit_id IS DISTINCT FROM i.unit_id
        UNION ALL SELECT i.id, unnest(u.ancestors), false, i.status, i.reported_at
            FROM incidents_forward f JOIN incidents_incident i ON i.id = f.incident_id
            JOIN psweb_reach_units u ON u.id = f.from_unit_id
            WHERE i.reported_at IS NOT NULL
        UNION ALL SELECT i.id, unnest(u.ancestors), false, i.status, i.reported_at
            FROM incidents_forward f JOIN incidents_incident i ON i.id = f.incident_id
            JOIN psweb_reach_units u ON u.id = f.to_unit_id
            WHERE i.reported_at IS NOT NULL AND f.kind = 'ask'
    ) x
    GROUP BY x.id, x.anc;
    INSERT INTO incidents_reachcount (anc, status, n)
    SELECT anc, status, count(*) FROM incidents_reach GROUP BY anc, status;
    DROP TABLE psweb_reach_units;
END $$;

CREATE OR REPLACE FUNCTION psweb_reach_compact() RETURNS void
LANGUAGE sql AS $$
    WITH gone AS (DELETE FROM incidents_reachcount RETURNING anc, status, n)
    INSERT INTO incidents_reachcount (anc, status, n)
    SELECT anc, status, sum(n) FROM gone GROUP BY anc, status HAVING sum(n) <> 0;
$$;

CREATE TRIGGER psweb_reach_incident_insert AFTER INSERT ON incidents_incident
    FOR EACH ROW WHEN (NEW.reported_at IS NOT NULL) EXECUTE FUNCTION psweb_reach_on_incident();
CREATE TRIGGER psweb_reach_incident_update AFTER UPDATE ON incidents_incident
    FOR EACH ROW WHEN (
        OLD.reported_at IS DISTINCT FROM NEW.reported_at OR OLD.status IS DISTINCT FROM NEW.status
        OR OLD.unit_id IS DISTINCT FROM NEW.unit_id OR OLD.responsible_unit_id IS DISTINCT FROM NEW.responsible_unit_id
    ) EXECUTE FUNCTION psweb_reach_on_incident();
CREATE TRIGGER psweb_reach_incident_delete AFTER DELETE ON incidents_incident
    FOR EACH ROW WHEN (OLD.reported_at IS NOT NULL) EXECUTE FUNCTION psweb_reach_on_incident();
CREATE TRIGGER psweb_reach_forward AFTER INSERT OR DELETE OR UPDATE OF incident_id, from_unit_id, to_unit_id, kind
    ON incidents_forward FOR EACH ROW EXECUTE FUNCTION psweb_reach_on_forward();
CREATE TRIGGER psweb_reach_unit_move AFTER UPDATE ON accounts_orgunit
    REFERENCING OLD TABLE AS psweb_old_reach_units NEW TABLE AS psweb_new_reach_units
    FOR EACH STATEMENT EXECUTE FUNCTION psweb_reach_on_unit_move();
SELECT psweb_reach_rebuild();
"""

REVERSE = r"""
DROP TRIGGER IF EXISTS psweb_reach_incident_insert ON incidents_incident;
DROP TRIGGER IF EXISTS psweb_reach_incident_update ON incidents_incident;
DROP TRIGGER IF EXISTS psweb_reach_incident_delete ON incidents_incident;
DROP TRIGGER IF EXISTS psweb_reach_forward ON incidents_forward;
DROP TRIGGER IF EXISTS psweb_reach_unit_move ON accounts_orgunit;
DROP FUNCTION IF EXISTS psweb_reach_compact();
DROP FUNCTION IF EXISTS psweb_reach_rebuild();
DROP FUNCTION IF EXISTS psweb_reach_on_unit_move();
DROP FUNCTION IF EXISTS psweb_reach_on_forward();
DROP FUNCTION IF EXISTS psweb_reach_on_incident();
DROP FUNCTION IF EXISTS psweb_reach_refresh(bigint[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0010_case_title_forward_kinds"),
        ("indicators", "0004_stats_triggers"),  # psweb_ancestors()
    ]

    operations = [
        migrations.CreateModel(
            name="ReachCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("anc", models.BigIntegerField()),
                ("status", models.CharField(max_length=20)),
                ("n", models.IntegerField()),
            ],
            options={
                "indexes": [models.Index(fields=["anc", "status"], name="reach_count_anc")],
            },
        ),
        migrations.CreateModel(
            name="Reach",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "incident", "anc", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("anc", models.BigIntegerField()),
                ("direct", models.BooleanField()),
                ("status", models.CharField(max_length=20)),
                ("sort_at", models.DateTimeField()),
                (
                    "incident",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="reach",
                        to="incidents.incident",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        models.F("anc"),
                        models.F("status"),
                        models.OrderBy(models.F("sort_at"), descending=True),
                        models.OrderBy(models.F("incident"), descending=True),
                        name="reach_queue",
                    )
                ],
            },
        ),
        migrations.RunSQL(FUNCTIONS, REVERSE),
    ]
