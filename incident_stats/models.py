"""The pre-aggregated incident statistics: counts per ancestor unit, kept by database triggers.

Statistics must answer in well under a second for a care provider with a million incidents,
and a scan of the incidents cannot. These tables hold counts per *ancestor* of the
responsible unit (every unit from the care provider down to the unit itself), so the figures
of any subtree are the rows of one unit id, whatever its size. Database triggers on incidents,
causes and actions append +1/−1 rows to the delta tables in the same transaction as the
change (no row is locked, so reports never wait for each other); readers add the compacted
table and the deltas, so figures are exact at once; `compact` folds the deltas in
(Celery beat, every few minutes). Reading them: `incident_stats.cube`.

The tables were created by `indicators` (migrations 0003 and 0004, history already applied on
every database) and keep their names (`indicators_incidentcube`, …); this app took the
models over in its migration 0001 without touching the database. **Every future change of
these tables, of the triggers or of their functions is a migration of this app.**

The triggers and functions (from `indicators/migrations/0004_stats_triggers.py`):

- `psweb_stats_incident`, AFTER INSERT OR UPDATE OR DELETE ON `incidents_incident`, each row:
  `psweb_stats_on_incident()` → `psweb_stats_incident_rows(incidents_incident, sign)` (the
  incident's own counts: cube, risk, close, triage) and, when the incident is new, deleted or
  has moved (responsible unit or report time), `psweb_stats_incident_children(…)`, which reads
  its rows in `incidents_cause` and `incidents_action`.
- `psweb_stats_cause`, AFTER INSERT OR UPDATE OF removed_at OR DELETE ON `incidents_cause`,
  each row: `psweb_stats_on_cause()` (reads the incident from `incidents_incident`).
- `psweb_stats_action`, AFTER INSERT OR UPDATE OF state, due_date OR DELETE ON
  `incidents_action`, each row: `psweb_stats_on_action()` (reads `incidents_incident`).
- `psweb_stats_unit_move`, AFTER UPDATE ON `accounts_orgunit`, per statement (transition
  tables): `psweb_stats_on_unit_move()` calls `psweb_stats_rebuild()` when a unit's path changed.
- Helpers: `psweb_ancestors(bigint)` (a unit's path in `accounts_orgunit` as ids),
  `psweb_local_month(timestamptz)` (first of the month, Swedish local time).
- Called by the application: `psweb_stats_compact()` (`cube.compact`, the Celery beat task)
  and `psweb_stats_rebuild()` (`cube.rebuild`, after bulk loads with triggers off), which
  reads `accounts_orgunit`, `incidents_incident`, `incidents_cause` and `incidents_action`.

The functions take `incidents_incident` as a row type and read these columns: of the incident
id, responsible_unit_id, reported_at, status, category_id, event_class, case_type,
risk_probability, risk_consequence, late_report, triaged_at, closed_at; of a cause
incident_id, area_id, removed_at; of an action incident_id, state, due_date. Renaming or
dropping one of them needs the functions replaced first, in a migration of this app.
"""

from __future__ import annotations

from django.db import models


class IncidentCubeBase(models.Model):
    anc = models.BigIntegerField()  # an ancestor (or the unit itself) of the responsible unit
    month = models.DateField()  # first day of the month the incident was reported (local time)
    category_id = models.BigIntegerField()  # 0: not classified yet
    event_class = models.CharField(max_length=20)
    case_type = models.CharField(max_length=20)
    status = models.CharField(max_length=20)
    n = models.IntegerField()
    late = models.IntegerField()

    class Meta:
        abstract = True


class IncidentCube(IncidentCubeBase):
    class Meta:
        db_table = "indicators_incidentcube"
        constraints = [
            models.UniqueConstraint(
                fields=["anc", "month", "category_id", "event_class", "case_type", "status"],
                name="incident_cube_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.anc} {self.month}: {self.n}"


class IncidentCubeDelta(IncidentCubeBase):
    class Meta:
        db_table = "indicators_incidentcubedelta"
        indexes = [models.Index(fields=["anc", "month"], name="incident_cube_delta_anc")]

    def __str__(self) -> str:
        return f"{self.anc} {self.month}: {self.n:+d}"


class SideCubeBase(models.Model):
    """Other counts per ancestor: `close` and `triage` (key = whole days from the report, day
    = first of the month it was closed), `cause` (key = cause area, day = month reported),
    `risk` (key = probability × consequence, 0 not assessed; day = month reported) and
    `action` (open actions; day = due date)."""

    anc = models.BigIntegerField()
    kind = models.CharField(max_length=10)
    day = models.DateField()
    key = models.IntegerField()
    n = models.IntegerField()

    class Meta:
        abstract = True


class SideCube(SideCubeBase):
    class Meta:
        db_table = "indicators_sidecube"
        constraints = [models.UniqueConstraint(fields=["anc", "kind", "day", "key"], name="side_cube_key")]

    def __str__(self) -> str:
        return f"{self.anc} {self.kind} {self.day} {self.key}: {self.n}"


class SideCubeDelta(SideCubeBase):
    class Meta:
        db_table = "indicators_sidecubedelta"
        indexes = [models.Index(fields=["anc", "kind"], name="side_cube_delta_anc")]

    def __str__(self) -> str:
        return f"{self.anc} {self.kind} {self.day} {self.key}: {self.n:+d}"
