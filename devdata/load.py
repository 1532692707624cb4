"""Synthetic data at the scale of a region and beyond, for benchmarks (`generate_load`).

Two shapes of organisation: by default one region of `--units` units (the demo's Region
Västmanland grown with wards), with `--national` the whole country (`devdata.national`: 21
regions, 289 municipalities and the private vårdcentraler, about 8 000 units), where a unit
reports in proportion to its size and kind (a hospital ward more than a clinic's office, a
municipality's home care more falls, `_profile`).

Distributions follow DOMAIN.md: 70 % care and 30 % work-environment cases; care events 20 %
risk, 30 % near miss, 45 % harm, 3 % risk of serious harm, 2 % serious harm; 8 % reported
more than 72 hours late; 6 % forwarded; most reported in daytime; older cases mostly closed,
about a third within a month. Handled cases get causes and actions; every case gets its
timeline (reported, taken, closed) and the handler's reads in the access log. The
descriptions come from `devdata.wording` (Zipf-distributed words and compounds, by topic and
care setting) and the category fits the topic. Measurements: monthly series of every
indicator for the wards.

How it stays fast (5 million national incidents with their 43 million rows: about 1 070 s of
CPU on the 2-core benchmark machine, 950 of them PostgreSQL's; docs/benchmarks.md): the rows
are written as COPY text directly, one f-string a row, with times as seconds formatted
through tables of days and clock times (no datetime objects, no per-row adapters), and a
thread generates the next batch while PostgreSQL takes in the previous one. Before a load
that at least doubles the incidents, every index of the loaded tables that no foreign key
depends on is dropped (plain ones, unique and primary keys nothing references) and built
again afterwards from its own definition in `pg_indexes` or `pg_get_constraintdef` — so an
index a later migration adds is rebuilt too; one whose definition PostgreSQL would not read
back the same stays in place (`_round_trips`). The statistics cubes and the incidents' reach
(where it exists), which triggers keep in use, are counted afresh by their own set-based SQL
functions, into tables whose indexes are likewise built once at the end. A large load commits
its rows first and does these finishing steps in two sessions at once, one a core.

Rows are written under `session_replication_role = replica`: no row triggers fire, so the
field-level history (pghistory) is not written for synthetic rows and foreign keys are not
re-checked (the rows are generated consistent). Deterministic for a given --seed. Never on a
production database: the command refuses unless DEBUG is on or --force is given.
"""

from __future__ import annotations

import datetime as dt
import queue
import random
import re
import threading
import time
from bisect import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import OrgUnit, OrgUnitKind, User
from accounts.roles import Perm, Role, roles_with
from devdata import wording
from devdata.wording import HOSPITAL, MUNICIPAL, OUTPATIENT

CHUNK = 25_000  # incidents per batch of COPY statements
UNUSABLE = "!"  # Django's marker of a password nobody can sign in with
NULL = "\\N"  # COPY's text format for NULL
STAFF_SINCE = "2015-01-01"  # synthetic staff hold their roles since before the oldest case

# The tables a load fills; their indexes are built afresh after a large load.
LOADED_TABLES = (
    "incidents_incident",
    "incidents_forward",
    "incidents_cause",
    "incidents_action",
    "incidents_timelineentry",
    "accounts_accesslog",
)


# Tables counted afresh after a load (incident_stats' cubes, incidents' reach); their
# indexes, too, are built once at the end.
CUBE_TABLES = ("indicators_incidentcube", "indicators_sidecube")
REACH_TABLES = ("incidents_reach", "incidents_reachcount")


@dataclass
class Report:
    what: str
    rows: int | None  # None: a step that writes no rows of its own to count
    seconds: float


def _copy(table: str, columns: list[str], rows) -> int:
    """COPY Python tuples (the small tables, and measurements)."""
    count = 0
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _copy_text(table: str, columns: str, text: str) -> None:
    """COPY rows already in COPY's text format (tab-separated, one line a row)."""
    if text:
        with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            copy.write(text)


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 (our own table names)
        return cursor.fetchone()[0]


def _reset_sequence(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"  # noqa: S608
        )


def _session_for_bulk_work(*, parallel_workers: bool = True) -> None:
    """For this transaction: no triggers, no waiting for the WAL flush at commit, and memory
    enough for index builds and the cubes' aggregates to stay out of temporary files. Without
    `parallel_workers` when two sessions already keep both cores busy: a parallel index build
    spends more CPU in all than a serial one."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        if not parallel_workers:
            cursor.execute("SET LOCAL max_parallel_maintenance_workers = 0")


def _timed(what: str, reports: list[Report], work: Callable[[], int]) -> int:
    started = time.perf_counter()
    rows = work()
    reports.append(Report(what, rows, time.perf_counter() - started))
    return rows


# --- Units and staff -------------------------------------------------------------------------------


def grow_units(total: int) -> int:
    """Add wards below the region's clinics until the organisation has `total` units."""
    from accounts.services import orgunit_create

    existing = OrgUnit.objects.count()
    if existing >= total:
        return 0
    clinics = list(OrgUnit.objects.filter(kind__code="verksamhet", is_active=True).order_by("path"))
    ward = OrgUnitKind.objects.get(code="enhet")
    created = 0
    for number in range(total - existing):
        clinic = clinics[number % len(clinics)]
        orgunit_create(name=f"Vårdenhet {existing + number + 1}", kind=ward, parent=clinic)
        created += 1
    return created


def _profile(kind: str, name: str, provider: str) -> tuple[str, float]:
    """The care setting of a unit where incidents happen, and how many it reports compared
    with a hospital ward (10): a clinic's own office reports little, a vårdcentral or a
    home-care team a good deal, a särskilt boende less than half a ward's worth (about a
    third of all reports come from the municipalities)."""
    lower = name.lower()
    municipal_words = ("omsorg", "hemsjukvård", "boende", "korttid")
    if provider.endswith((" kommun", " stad", " Stad")) or any(word in lower for word in municipal_words):
        if kind != "enhet":
            return MUNICIPAL, 1
        return MUNICIPAL, 5 if "hemsjukvård" in lower else 3 if "korttid" in lower else 4
    if "akutmottagning" in lower:
        return HOSPITAL, 8
    if any(word in lower for word in ("vårdcentral", "närvård", "hälsocentral", "läkarmottagning")):
        return OUTPATIENT, 4
    if "mottagning" in lower or not (provider.startswith("Region") or "regionen" in provider):
        return OUTPATIENT, 3
    return HOSPITAL, 10 if kind == "enhet" else 1


def _incident_units() -> list[tuple[int, int, str, str, float]]:
    """(unit, care provider, path, setting, weight) of every active unit where incidents
    happen (wards and clinics), in path order."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT u.id, u.care_provider_id, u.path, k.code, u.name, p.name
            FROM accounts_orgunit u
            JOIN accounts_orgunitkind k ON k.id = u.kind_id
            JOIN accounts_orgunit p ON p.id = u.care_provider_id
            WHERE u.is_active AND k.code IN ('enhet', 'verksamhet')
            ORDER BY u.path
            """
        )
        return [
            (pk, provider, path, *_profile(kind, name, provider_name))
            for pk, provider, path, kind, name, provider_name in cursor.fetchall()
        ]


def staff(count: int, rng: random.Random) -> int:
    """`count` staff members ("last.000001", ...), each a reporter in a unit drawn by the
    units' sizes, written with COPY (no history rows for them)."""
    have = User.objects.filter(username__startswith="last.").count()
    if have >= count:
        return 0
    units = _incident_units()
    wards = [unit for unit in units if unit[4] >= 3] or units
    cum = list(accumulate(unit[4] for unit in wards))
    return _add_people(
        (f"last.{n:06d}", "Last", f"{n:06d}", Role.REPORTER, wards[bisect(cum, rng.random() * cum[-1])][0])
        for n in range(have, count)
    )


def _add_people(people) -> int:
    """COPY users who cannot sign in, each with one membership: (username, first name, last
    name, role, unit) each."""
    user_id, membership_id = _next_id("accounts_user"), _next_id("accounts_membership")
    now = timezone.now().isoformat()
    users, memberships = [], []
    for username, first_name, last_name, role, unit in people:
        users.append(f"{user_id}\t{UNUSABLE}\tf\t{username}\t{first_name}\t{last_name}\t\tf\tt\t{now}\t\t\n")
        memberships.append(f"{membership_id}\t{role}\t{STAFF_SINCE}\t{now}\t{user_id}\t{unit}\n")
        user_id += 1
        membership_id += 1
    _copy_text(
        "accounts_user",
        "id, password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined, "
        "hsa_id, title",
        "".join(users),
    )
    _copy_text("accounts_membership", "id, role, valid_from, created_at, user_id, unit_id", "".join(memberships))
    _reset_sequence("accounts_user")
    _reset_sequence("accounts_membership")
    return len(users)


def officers() -> int:
    """The national shape's case handlers and chief physicians: a handler (samordnare) in
    every clinic, vårdcentral and municipal service and for every private provider, and a
    chief physician (chefläkare, or MAS in a municipality) and a patient-safety officer for
    every region and municipality — unless the unit has one already (the demo users)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT u.id, k.code, u.parent_id IS NULL, EXISTS (SELECT 1 FROM accounts_orgunit c WHERE c.parent_id = u.id)
            FROM accounts_orgunit u JOIN accounts_orgunitkind k ON k.id = u.kind_id
            WHERE u.is_active AND k.code IN ('vardgivare', 'verksamhet')
            ORDER BY u.path
            """
        )
        units = cursor.fetchall()
        cursor.execute("SELECT unit_id, role FROM accounts_membership WHERE valid_to IS NULL")
        held = set(cursor.fetchall())
    wanted = []
    for pk, kind, is_root, has_children in units:
        if kind == "verksamhet" or (is_root and not has_children):
            wanted.append((pk, Role.HANDLER, "samordnare"))
        if is_root and has_children:
            wanted += [(pk, Role.CHIEF_PHYSICIAN, "chefslakare"), (pk, Role.SAFETY_OFFICER, "psstrateg")]
    return _add_people(
        (f"load.{name}.{pk}", "Load", name, role, pk) for pk, role, name in wanted if (pk, role) not in held
    )


# --- The world the incidents happen in ----------------------------------------------------------


@dataclass
class _World:
    units: list[int]
    cum: list[float]  # cumulative weights of `units`, to draw one with bisect
    settings: list[str]  # per unit index
    provider_units: list[list[int]]  # per unit index: the units of its care provider
    handlers: list[int]  # per unit index: who handles its cases
    reporters: list[list[int]]  # per unit index: who reports there
    topic_categories: list[list[int | None]]  # per topic index: the category ids that fit
    areas: list[int]


def _world(writer: wording.Writer) -> _World:
    from incidents.models import CaseType, Category, CauseArea

    units = _incident_units()
    by_provider: dict[int, list[int]] = {}
    for pk, provider, *_rest in units:
        by_provider.setdefault(provider, []).append(pk)
    with connection.cursor() as cursor:
        today = timezone.localdate()
        cursor.execute(
            """
            SELECT m.user_id, u.path, m.role FROM accounts_membership m
            JOIN accounts_orgunit u ON u.id = m.unit_id JOIN accounts_user p ON p.id = m.user_id
            WHERE p.is_active AND m.valid_from <= %s AND (m.valid_to IS NULL OR m.valid_to >= %s)
            ORDER BY m.user_id
            """,
            [today, today],
        )
        memberships = cursor.fetchall()
    triage_roles = set(roles_with(Perm.INCIDENT_TRIAGE))
    # The deepest unit with a handler wins; among several there, the newest user (as before).
    handler_at = {path: user for user, path, role in memberships if role in triage_roles}
    reporters_at: dict[str, list[int]] = {}
    for user, path, role in memberships:
        if role == Role.REPORTER:
            reporters_at.setdefault(path, []).append(user)
    everyone = sorted({user for user, _path, _role in memberships}) or list(
        User.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    )
    provider_reporters: dict[int, list[int]] = {}
    for _pk, provider, path, *_rest in units:
        provider_reporters.setdefault(provider, []).extend(reporters_at.get(path, []))

    def handler(path: str) -> int:
        parts = path.strip("/").split("/")
        for depth in range(len(parts), 0, -1):
            found = handler_at.get("/" + "/".join(parts[:depth]) + "/")
            if found:
                return found
        return everyone[0]

    leaves: dict[str, list[int]] = {}
    parents = set(Category.objects.exclude(parent=None).values_list("parent_id", flat=True))
    codes = {}
    for pk, code, case_type in Category.objects.filter(is_active=True).values_list("pk", "code", "case_type"):
        if pk not in parents:
            leaves.setdefault(case_type, []).append(pk)
            codes[code] = pk
    topic_categories = []
    for index, topic in enumerate(writer.topics):
        case_type = CaseType.CARE if index < len(wording.CARE_TOPICS) else CaseType.WORK_ENVIRONMENT
        fitting = [codes[code] for code in topic.categories if code in codes]
        topic_categories.append(fitting or leaves.get(case_type) or [None])
    return _World(
        units=[unit[0] for unit in units],
        cum=list(accumulate(unit[4] for unit in units)),
        settings=[unit[3] for unit in units],
        provider_units=[by_provider[unit[1]] for unit in units],
        handlers=[handler(unit[2]) for unit in units],
        reporters=[reporters_at.get(unit[2]) or provider_reporters.get(unit[1]) or everyone for unit in units],
        topic_categories=topic_categories,
        areas=list(CauseArea.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)),
    )


# --- Incidents -----------------------------------------------------------------------------------------

INCIDENT_COLUMNS = (
    "id, reference, status, version, reporter_id, unit_id, responsible_unit_id, occurred_at, reported_at, "
    "late_report, description, immediate_actions, suggested_improvement, case_type, reported_kind, "
    "patient_involved, patient_identifier, event_class, category_id, handler_id, risk_probability, "
    "risk_consequence, feedback, feedback_at, investigation_requested_at, lex_maria_requested_at, triaged_at, "
    "closed_at, created_at, updated_at"
)
FORWARD_COLUMNS = (
    "id, incident_id, from_unit_id, to_unit_id, message, answer_due, forwarded_by_id, forwarded_at, answer, "
    "answered_by_id, answered_at, kind"
)
CAUSE_COLUMNS = "id, incident_id, area_id, detail, created_by_id, created_at"
ACTION_COLUMNS = (
    "id, incident_id, description, responsible_id, due_date, state, effect_class, version, created_by_id, "
    "created_at, done_at, updated_at"
)
TIMELINE_COLUMNS = "id, incident_id, at, actor_id, kind, message, data"
READ_COLUMNS = "id, at, user_id, action, object_type, object_id, object_label, unit_id, patient_identifier, request_id"
HOURS = [1, 1, 1, 1, 1, 1, 2, 5, 7, 8, 8, 7, 6, 7, 8, 8, 7, 5, 4, 4, 3, 3, 2, 1]
FEEDBACK = "Tack för din rapport. Vi har gått igenom händelsen och infört åtgärder på enheten."
DAY = 86_400


class _Clock:
    """Local time as whole seconds since the midnight that starts `first`, formatted for COPY
    through tables (a day's date and UTC offset, a second's clock time) instead of datetimes."""

    def __init__(self, first: dt.date, days: int):
        zone = timezone.get_current_timezone()
        self.base = dt.datetime.combine(first, dt.time(), tzinfo=zone)
        self.days, self.offsets, self.dates, self.years = [], [], [], []
        for n in range(days):
            day = first + dt.timedelta(days=n)
            # The offset at noon stands for the whole day (a DST change happens at night).
            offset = int(dt.datetime.combine(day, dt.time(12), tzinfo=zone).utcoffset().total_seconds() // 3600)
            self.days.append(f"{day.isoformat()} ")
            self.offsets.append(f"{offset:+03d}")
            self.dates.append(day.isoformat())
            self.years.append(day.year)
        self.clock = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]

    def seconds(self, moment: dt.datetime) -> int:
        local = timezone.localtime(moment).replace(tzinfo=None)
        return int((local - self.base.replace(tzinfo=None)).total_seconds())

    def text(self, seconds: float) -> str:
        day, second = divmod(int(seconds), DAY)
        return self.days[day] + self.clock[second] + self.offsets[day]


def _pick(values: list, weights: list[float], size: int = 1000) -> list:
    """A table of `size` slots holding `values` in proportion to `weights`: one random
    number draws from it (`table[int(random() * size)]`)."""
    cum = list(accumulate(weights))
    return [values[min(bisect(cum, (i + 0.5) / size * cum[-1]), len(values) - 1)] for i in range(size)]


@dataclass
class _Batch:
    """COPY lines of each table (a string may hold more than one line)."""

    incidents: list[str]
    forwards: list[str]
    causes: list[str]
    actions: list[str]
    timeline: list[str]
    reads: list[str]

    def tables(self) -> tuple[list[str], ...]:
        """In the order of LOADED_TABLES."""
        return (self.incidents, self.forwards, self.causes, self.actions, self.timeline, self.reads)


def _batches(
    count: int,
    years: float,
    seed: int,
    world: _World,
    writer: wording.Writer,
    ids: dict[str, int],
    counters: dict[int, int],
) -> Iterator[_Batch]:
    """The incidents and their rows as COPY text, CHUNK incidents at a time. Runs in a thread
    of its own: no database access here. `ids` (the next id of each table) and `counters` (the
    last reference number of each year) are advanced as it goes."""
    from actions.models import Action, EffectClass
    from devdata.demo.incidents import ACTIONS
    from incidents.models import LEX_MARIA_CLASSES, CaseType, EventClass, ReportedKind, Status

    rng = random.Random(seed)
    random_ = rng.random
    now = timezone.now()
    span = years * 365.25
    # From before the oldest occurrence (reported up to 400 hours later) to the latest due date.
    clock = _Clock(timezone.localdate() - dt.timedelta(days=int(span) + 40), int(span) + 40 + 150)
    fmt, dates, years_of = clock.text, clock.dates, clock.years
    now_s = clock.seconds(now)

    # Choices as their plain string values: what COPY writes, and quick to compare.
    risk, near_miss, harm = EventClass.RISK.value, EventClass.NEAR_MISS.value, EventClass.HARM.value
    serious = [EventClass.SERIOUS_HARM_RISK.value, EventClass.SERIOUS_HARM.value]
    care_events = _pick([risk, near_miss, harm, *serious], [20, 30, 45, 3, 2])
    work_events = _pick([risk, near_miss, harm], [3, 3, 4])
    kinds = {risk: ReportedKind.RISK.value, near_miss: ReportedKind.NEAR_MISS.value}
    harmful = {harm, near_miss, *serious}
    lex_maria = {event.value for event in LEX_MARIA_CLASSES}
    submitted, in_progress, closed_state, withdrawn = (
        Status.SUBMITTED.value,
        Status.IN_PROGRESS.value,
        Status.CLOSED.value,
        Status.WITHDRAWN.value,
    )
    fresh = _pick([submitted, in_progress, closed_state], [6, 3, 1])
    recent = _pick([submitted, in_progress, closed_state, withdrawn], [2, 4, 6, 0.3])
    old = _pick([in_progress, closed_state, withdrawn], [1, 12, 0.4])
    hours = _pick(list(range(24)), HOURS)
    topics = {
        (setting, work): writer.topic_table(setting, work)
        for setting in (HOSPITAL, OUTPATIENT, MUNICIPAL)
        for work in (0, 1)
    }
    effects = [EffectClass.VERY_EFFECTIVE.value, EffectClass.EFFECTIVE.value, EffectClass.LIMITED.value]
    action_texts = [text for text, _effect in ACTIONS]
    immediate = writer.immediate
    done_state, planned_state = Action.State.DONE.value, Action.State.PLANNED.value
    care, work_environment = CaseType.CARE.value, CaseType.WORK_ENVIRONMENT.value
    happened = ReportedKind.HAPPENED.value
    units, cum, total = world.units, world.cum, world.cum[-1]
    areas, n_areas = world.areas, len(world.areas)
    pk, forward_id, cause_id, action_id = (
        ids["incidents_incident"],
        ids["incidents_forward"],
        ids["incidents_cause"],
        ids["incidents_action"],
    )
    timeline_id, read_id = ids["incidents_timelineentry"], ids["accounts_accesslog"]

    done = 0
    while done < count:
        batch = _Batch([], [], [], [], [], [])
        incidents, forwards, causes, actions, timeline, reads = (
            batch.incidents,
            batch.forwards,
            batch.causes,
            batch.actions,
            batch.timeline,
            batch.reads,
        )
        for _ in range(min(CHUNK, count - done)):
            day = int((now_s - (random_() ** 1.15) * span * DAY) // DAY)  # somewhat more in recent years
            reported = day * DAY + hours[int(random_() * 1000)] * 3600 + int(random_() * 3600)
            if reported > now_s:
                reported = now_s - 300
            r = random_()
            delay = 0.2 + random_() * 19.8 if r < 0.8 else 20 + random_() * 52 if r < 0.92 else 73 + random_() * 327
            occurred = reported - int(delay * 3600)
            is_care = random_() < 0.7
            event = care_events[int(random_() * 1000)] if is_care else work_events[int(random_() * 1000)]
            u = bisect(cum, random_() * total)
            unit = units[u]
            age = (now_s - reported) / DAY
            state = (fresh if age < 10 else recent if age < 60 else old)[int(random_() * 1000)]
            handler = world.handlers[u]
            pool = world.reporters[u]
            reporter = pool[int(random_() * len(pool))]
            handled = state in (in_progress, closed_state)
            triaged = reported + int((0.05 + random_() * 8.95) * DAY) if state != submitted else None
            if triaged is not None and triaged > now_s:
                triaged = now_s - 120
            closed = None
            if state == closed_state:
                start = triaged or reported
                closed = start + int(((1 + random_() * 29) if random_() < 0.5 else (30 + random_() * 90)) * DAY)
                if closed > now_s:
                    closed = now_s - 60
            reported_text = fmt(reported)
            triaged_text = fmt(triaged) if triaged is not None else NULL
            closed_text = fmt(closed) if closed is not None else NULL
            responsible = unit
            if state != withdrawn and random_() < 0.06:
                same = world.provider_units[u]
                responsible = same[int(random_() * len(same))]
                forwarded = min(reported + 6 * 3600, now_s)
                answer = (
                    f"Vi tar över ärendet.\t{handler}\t{fmt(min(reported + 2 * DAY, now_s))}"
                    if handled
                    else f"\t{NULL}\t{NULL}"
                )
                forwards.append(
                    f"{forward_id}\t{pk}\t{unit}\t{responsible}\tHändelsen hör till er enhet.\t"
                    f"{dates[(reported + 14 * DAY) // DAY]}\t{handler}\t{fmt(forwarded)}\t{answer}\thand_over\n"
                )
                forward_id += 1
            year = years_of[reported // DAY]
            number = counters[year] = counters.get(year, 0) + 1
            reference = f"AV-{year}-{number:06d}"
            topic = topics[(world.settings[u], 0 if is_care else 1)][int(random_() * 1000)]
            description = writer.description(topic, rng)
            fitting = world.topic_categories[topic]
            category = fitting[int(random_() * len(fitting))] if handled or random_() < 0.5 else None
            lex = triaged_text if handled and event in lex_maria else NULL
            assessed = f"{int(random_() * 4) + 1}\t{int(random_() * 4) + 1}" if handled else f"{NULL}\t{NULL}"
            incidents.append(
                f"{pk}\t{reference}\t{state}\t1\t{reporter}\t{unit}\t{responsible}\t{fmt(occurred)}\t{reported_text}\t"
                f"{'t' if delay > 72 else 'f'}\t{description}\t"
                f"{immediate[int(random_() * len(immediate))] if random_() < 0.55 else ''}\t\t"
                f"{care if is_care else work_environment}\t{kinds.get(event, happened)}\t"
                f"{'t' if is_care and random_() < 0.9 else 'f'}\t\t{event}\t{NULL if category is None else category}\t"
                f"{handler if handled else NULL}\t{assessed}\t{FEEDBACK if closed is not None else ''}\t{closed_text}\t"
                f"{lex}\t{lex}\t"
                f"{triaged_text}\t{closed_text}\t{reported_text}\t"
                f"{closed_text if closed is not None else triaged_text if triaged is not None else reported_text}\n"
            )
            timeline.append(f"{timeline_id}\t{pk}\t{reported_text}\t{reporter}\tsubmitted\t\t{{}}\n")
            timeline_id += 1
            # The handler reads the case when taking it, and again around closing (PDL access log).
            if triaged is not None:
                timeline.append(f"{timeline_id}\t{pk}\t{triaged_text}\t{handler}\ttaken\t\t{{}}\n")
                timeline_id += 1
                read = f"\t{handler}\tview\tincidents.incident\t{pk}\t{reference}\t{unit}\t\tload-{pk}\n"
                reads.append(f"{read_id}\t{triaged_text}{read}")
                read_id += 1
                if closed is not None:
                    timeline.append(f"{timeline_id}\t{pk}\t{closed_text}\t{handler}\tclosed\t\t{{}}\n")
                    timeline_id += 1
                    before = max(closed - 300 - int(random_() * 35_700), triaged)
                    reads.append(f"{read_id}\t{fmt(before)}{read}{read_id + 1}\t{closed_text}{read}")
                    read_id += 2
            if state == withdrawn:
                at = fmt(min(reported + DAY, now_s))
                timeline.append(f"{timeline_id}\t{pk}\t{at}\t{handler}\twithdrawn\tDubblett.\t{{}}\n")
                timeline_id += 1
            if handled and event in harmful and n_areas:
                first = int(random_() * n_areas)
                causes.append(f"{cause_id}\t{pk}\t{areas[first]}\t\t{handler}\t{triaged_text}\n")
                cause_id += 1
                if n_areas > 1 and random_() < 0.5:
                    second = (first + 1 + int(random_() * (n_areas - 1))) % n_areas
                    causes.append(f"{cause_id}\t{pk}\t{areas[second]}\t\t{handler}\t{triaged_text}\n")
                    cause_id += 1
                for _action in range(int(random_() * 3)):
                    due = dates[(triaged + (14 + int(random_() * 107)) * DAY) // DAY]
                    is_done = closed is not None or random_() < 0.3
                    done_at = (closed_text if closed is not None else triaged_text) if is_done else NULL
                    actions.append(
                        f"{action_id}\t{pk}\t{action_texts[int(random_() * len(action_texts))]}\t{handler}\t{due}\t"
                        f"{done_state if is_done else planned_state}\t{effects[int(random_() * 3)]}\t1\t{handler}\t"
                        f"{triaged_text}\t{done_at}\t{done_at if is_done else triaged_text}\n"
                    )
                    action_id += 1
            pk += 1
        done += len(incidents)
        yield batch
    ids.update(
        {
            "incidents_incident": pk,
            "incidents_forward": forward_id,
            "incidents_cause": cause_id,
            "incidents_action": action_id,
            "incidents_timelineentry": timeline_id,
            "accounts_accesslog": read_id,
        }
    )


def _in_background(batches: Iterator[_Batch]) -> Iterator[_Batch]:
    """The batches, generated by a thread one or two ahead of the consumer: Python writes
    the next batch while PostgreSQL takes this one in."""
    handoff: queue.Queue = queue.Queue(maxsize=2)
    stop = object()

    def produce() -> None:
        try:
            for batch in batches:
                handoff.put(batch)
            handoff.put(stop)
        except BaseException as error:  # noqa: BLE001 (handed to the consumer, raised there)
            handoff.put(error)

    thread = threading.Thread(target=produce, name="generate_load", daemon=True)
    thread.start()
    while (item := handoff.get()) is not stop:
        if isinstance(item, BaseException):
            raise item
        yield item
    thread.join()


def incidents(count: int, years: float, seed: int, reports: list[Report]) -> int:
    """`count` incidents over the last `years` years, with their forwards, causes, actions,
    timelines and access-log rows."""
    from incidents.models import ReferenceCounter

    started = time.perf_counter()
    writer = wording.Writer(seed)
    world = _world(writer)
    ids = {table: _next_id(table) for table in LOADED_TABLES}
    first = dict(ids)
    counters = dict(ReferenceCounter.objects.values_list("year", "last"))
    tables = {
        "incidents_incident": INCIDENT_COLUMNS,
        "incidents_forward": FORWARD_COLUMNS,
        "incidents_cause": CAUSE_COLUMNS,
        "incidents_action": ACTION_COLUMNS,
        "incidents_timelineentry": TIMELINE_COLUMNS,
        "accounts_accesslog": READ_COLUMNS,
    }
    for batch in _in_background(_batches(count, years, seed, world, writer, ids, counters)):
        for (table, columns), lines in zip(tables.items(), batch.tables(), strict=True):
            _copy_text(table, columns, "".join(lines))
    for year, last in counters.items():
        ReferenceCounter.objects.update_or_create(year=year, defaults={"last": last})
    for table in LOADED_TABLES:
        _reset_sequence(table)
    # The ids were handed out one by one: how far each went is how many rows each table got.
    written = {table: ids[table] - first[table] for table in LOADED_TABLES}
    reports.append(Report("incidents", written["incidents_incident"], time.perf_counter() - started))
    for name, table in (
        ("forwards", "incidents_forward"),
        ("causes", "incidents_cause"),
        ("actions", "incidents_action"),
        ("timeline", "incidents_timelineentry"),
        ("access log", "accounts_accesslog"),
    ):
        reports.append(Report(f"  {name}", written[table], 0.0))
    return written["incidents_incident"]


# --- Indexes -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetAside:
    """An index (or the constraint it backs) dropped for a bulk write, and the statement
    that creates it again exactly: its own definition from `pg_indexes`, or the constraint's
    from `pg_get_constraintdef` (which builds the index under the same name)."""

    table: str
    name: str
    drop: str
    create: str


def droppable_indexes(tables: tuple[str, ...]) -> list[SetAside]:
    """Every index on `tables` that no foreign key depends on and that can be made again
    exactly: plain indexes whose definition PostgreSQL gives back the same when it is run
    (`_round_trips`), and the unique and primary-key constraints that nothing references (a
    referenced key stays, and with it the check of the rows' keys while they go in)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.tablename, i.indexname,
                   CASE WHEN k.conname IS NULL THEN format('DROP INDEX %%I.%%I', i.schemaname, i.indexname)
                        ELSE format('ALTER TABLE %%I.%%I DROP CONSTRAINT %%I', i.schemaname, i.tablename, k.conname)
                   END,
                   CASE WHEN k.conname IS NULL THEN i.indexdef
                        ELSE format('ALTER TABLE %%I.%%I ADD CONSTRAINT %%I %%s', i.schemaname, i.tablename, k.conname,
                                    pg_get_constraintdef(k.oid))
                   END
            FROM pg_indexes i
            JOIN pg_namespace n ON n.nspname = i.schemaname
            JOIN pg_class x ON x.relname = i.indexname AND x.relnamespace = n.oid
            LEFT JOIN pg_constraint k ON k.conindid = x.oid AND k.contype IN ('p', 'u', 'x')
                 AND k.conrelid = (quote_ident(i.schemaname) || '.' || quote_ident(i.tablename))::regclass
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = x.oid)
            ORDER BY i.tablename, i.indexname
            """,
            [list(tables)],
        )
        found = [SetAside(*row) for row in cursor.fetchall()]
    return [index for index in found if index.create.startswith("ALTER") or _round_trips(index)]


_INDEX_HEAD = re.compile(r"^CREATE (UNIQUE )?INDEX \S+ ON \S+ USING ")


def _round_trips(index: SetAside) -> bool:
    """Whether the index's definition, run on an empty copy of its table, gives back the same
    definition. Not always so: an expression like `state = ANY (ARRAY[...]::text[])` is read
    back with the cast moved into the array, a different (if equivalent) index."""
    savepoint = transaction.savepoint()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE TEMP TABLE psweb_probe (LIKE "{index.table}")')
            cursor.execute(_INDEX_HEAD.sub(r"CREATE \1INDEX psweb_probe_index ON psweb_probe USING ", index.create))
            cursor.execute("SELECT pg_get_indexdef('psweb_probe_index'::regclass)")
            again = cursor.fetchone()[0]
    finally:
        transaction.savepoint_rollback(savepoint)
    return _INDEX_HEAD.sub("", again) == _INDEX_HEAD.sub("", index.create)


def _existing(tables: tuple[str, ...]) -> tuple[str, ...]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename = ANY(%s)",
            [list(tables)],
        )
        found = {row[0] for row in cursor.fetchall()}
    return tuple(table for table in tables if table in found)


def drop_indexes(tables: tuple[str, ...]) -> list[SetAside]:
    """Drop the droppable indexes of `tables` (those that exist) and say how to rebuild them."""
    indexes = droppable_indexes(_existing(tables))
    with connection.cursor() as cursor:
        for index in indexes:
            cursor.execute(index.drop)
    return indexes


def create_indexes(indexes: list[SetAside]) -> int:
    """The dropped indexes again; the primary keys and unique constraints first, so that a
    plain index on the same columns cannot be mistaken for theirs."""
    with connection.cursor() as cursor:
        for index in sorted(indexes, key=lambda index: not index.create.startswith("ALTER")):
            cursor.execute(index.create)
    return len(indexes)


def _holds_at_most(table: str, rows: int) -> bool:
    """Whether `table` holds no more than `rows` rows (counting no further than that; the
    planner's estimate is no guide here, CREATE INDEX sets it even in a transaction rolled back)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT %s) AS first", [rows + 1])  # noqa: S608
        return cursor.fetchone()[0] <= rows


# --- Measurements -------------------------------------------------------------------------------------


def measurements(count: int, rng: random.Random, reports: list[Report]) -> int:
    """About `count` monthly measurements: every indicator for the wards, going back as many
    months as it takes."""
    from indicators.models import IndicatorDefinition, Kind, Measurement

    indicators = list(IndicatorDefinition.objects.filter(is_active=True))
    wards = list(OrgUnit.objects.filter(is_active=True, kind__code="enhet").values_list("pk", flat=True))
    actor = User.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True).first()
    per_month = len(indicators) * len(wards)
    months = max(1, -(-count // per_month))
    today = timezone.localdate().replace(day=1)
    existing = set(Measurement.objects.values_list("indicator_id", "unit_id", "period_start"))
    now = timezone.now()

    def rows():
        made = 0
        for back in range(1, months + 1):
            index = today.year * 12 + today.month - 1 - back
            start = dt.date(index // 12, index % 12 + 1, 1)
            end = (dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)) - dt.timedelta(days=1)
            for indicator in indicators:
                for ward in wards:
                    if made >= count:
                        return
                    if (indicator.pk, ward, start) in existing:
                        continue
                    denominator = Decimal(rng.randint(10, 200))
                    if indicator.kind == Kind.COUNT:
                        numerator, denominator = Decimal(rng.randint(0, 20)), None
                        value = numerator
                    else:
                        if indicator.kind == Kind.MEAN:
                            numerator = (denominator * Decimal(rng.uniform(3.2, 4.6))).quantize(Decimal("0.01"))
                        else:
                            numerator = Decimal(int(denominator * Decimal(rng.uniform(0.02, 0.98))))
                        value = (numerator * indicator.multiplier / denominator).quantize(Decimal("0.000001"))
                    made += 1
                    yield (
                        indicator.pk,
                        ward,
                        start,
                        end,
                        "month",
                        numerator,
                        denominator,
                        value,
                        "",
                        "generate_load",
                        "",
                        True,
                        "",
                        actor,
                        now,
                        now,
                        None,  # no import batch
                    )

    from indicators.services import NEW_COLUMNS  # the columns the import copies, in its order

    return _timed("measurements", reports, lambda: _copy("indicators_measurement", NEW_COLUMNS, rows()))


# --- The whole load ----------------------------------------------------------------------------------


def _reach_rebuild() -> Callable[[], object] | None:
    """The rebuild of the incidents' reach (which units see each one), where the app has
    it: like the cubes, it is kept by triggers that did not fire for the copied rows."""
    try:
        from incidents import reach
    except ImportError:
        return None
    return getattr(reach, "rebuild_all", None)


def _without_indexes(tables: tuple[str, ...], work: Callable[[], object]) -> None:
    """`work` (counting a table afresh) with the tables' indexes dropped and built after."""
    dropped = drop_indexes(tables)
    work()
    create_indexes(dropped)


@dataclass
class _Job:
    report: Report
    work: Callable[[], object]

    def run(self) -> None:
        started = time.perf_counter()
        self.work()
        self.report.seconds = time.perf_counter() - started


def _in_two_sessions(lanes: list[Callable[[], None]]) -> None:
    """Each lane in a thread of its own, with its own database connection: the machine's
    two cores both at work on the finishing steps. Raises the first lane's error."""
    errors: list[BaseException] = []

    def run(lane: Callable[[], None]) -> None:
        try:
            lane()
        except BaseException as error:  # noqa: BLE001 (raised in the calling thread)
            errors.append(error)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(lane,), name="generate_load") for lane in lanes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def _finishing(dropped: list[SetAside], reports: list[Report]) -> list[list[_Job]]:
    """What remains after the COPY, in two lanes of about equal work (measured at 500 000
    national incidents): the indexes and the reach (where it exists), and the statistics
    cubes, which the triggers would have kept."""
    from incident_stats import cube

    of_incidents = [index for index in dropped if index.table == "incidents_incident"]
    of_rows = [index for index in dropped if index.table != "incidents_incident"]
    lanes: list[list[_Job]] = [[], []]
    if dropped:
        lanes[0].append(_Job(Report("indexes", len(of_incidents), 0.0), lambda: create_indexes(of_incidents)))
        lanes[0].append(_Job(Report("  of the rows", len(of_rows), 0.0), lambda: create_indexes(of_rows)))
    lanes[1].append(_Job(Report("statistics", None, 0.0), lambda: _without_indexes(CUBE_TABLES, cube.rebuild)))
    reach = _reach_rebuild()
    if reach is not None:
        lanes[0].append(_Job(Report("reach", None, 0.0), lambda: _without_indexes(REACH_TABLES, reach)))
    # The search lexicon (incidents.search), which the triggers would have kept too.
    from incidents.search import rebuild_search_words

    lanes[1].append(_Job(Report("search words", None, 0.0), rebuild_search_words))
    reports += sorted((job.report for lane in lanes for job in lane), key=_report_order)
    return lanes


def _report_order(report: Report) -> int:
    return ["indexes", "  of the rows", "statistics", "reach", "search words"].index(report.what)


# Below this many incidents the finishing steps run in the load's own transaction; above it
# the load commits first and they run two at a time, each in a session of its own.
PARALLEL_FROM = 100_000


def generate(
    *,
    incident_count: int,
    measurement_count: int,
    complaint_count: int = 0,
    units: int,
    users: int,
    years: float,
    seed: int,
    national: bool = False,
) -> list[Report]:
    """Everything in one transaction when called inside one (tests) or for a small load;
    otherwise the rows are committed first and the indexes, cubes and reach are built in
    two sessions at once (each step in a transaction of its own)."""
    parallel = incident_count >= PARALLEL_FROM and not connection.in_atomic_block
    reports: list[Report] = []
    with transaction.atomic():
        lanes = _load(
            reports,
            incident_count=incident_count,
            measurement_count=measurement_count,
            complaint_count=complaint_count,
            units=units,
            users=users,
            years=years,
            seed=seed,
            national=national,
        )
        if not parallel:
            for job in sorted((job for lane in lanes for job in lane), key=lambda job: _report_order(job.report)):
                job.run()
    if parallel:
        started = time.perf_counter()

        def lane_of(jobs: list[_Job]) -> Callable[[], None]:
            def lane() -> None:
                for job in jobs:
                    with transaction.atomic():
                        _session_for_bulk_work(parallel_workers=False)
                        job.run()

            return lane

        _in_two_sessions([lane_of(jobs) for jobs in lanes])
        reports.append(Report("  two at once", None, time.perf_counter() - started))
    return reports


def _load(
    reports: list[Report], *, incident_count, measurement_count, complaint_count, units, users, years, seed, national
):
    """Units, staff, incidents and measurements; returns the finishing steps, not yet run."""
    rng = random.Random(seed)
    if not national:
        _timed("units", reports, lambda: grow_units(units))  # through the service, as a person would
    _session_for_bulk_work()
    if national:
        from devdata import national as country

        _timed("units", reports, country.build)
    _timed("staff", reports, lambda: staff(users, rng) + (officers() if national else 0))
    lanes: list[list[_Job]] = [[], []]
    finishing: list[Report] = []  # reported after the measurements, where they always were
    if incident_count:
        # Building an index at the end is far cheaper than keeping it up to date row by row,
        # unless the table already holds more than the load adds.
        dropped = drop_indexes(LOADED_TABLES) if _holds_at_most("incidents_incident", incident_count) else []
        incidents(incident_count, years, seed, reports)
        # The statistics triggers did not fire for the copied rows: count everything afresh.
        lanes = _finishing(dropped, finishing)
    if measurement_count:
        measurements(measurement_count, rng, reports)
    if complaint_count:
        from devdata.load_complaints import complaints

        complaints(complaint_count, years, seed, reports)
    reports += finishing
    return lanes


ANALYZED = (
    # Two lanes of about equal size (the incidents and the access log are the largest).
    ("incidents_incident", "accounts_accesslog", "accounts_orgunit", "accounts_user", "accounts_membership"),
    (
        "incidents_timelineentry",
        "incidents_cause",
        "incidents_action",
        "incidents_forward",
        "indicators_incidentcube",
        "indicators_sidecube",
        "indicators_measurement",
        "complaints_complaint",
        "complaints_complaint_units",
    ),
)


def analyze() -> float:
    """VACUUM ANALYZE the big tables (outside a transaction), two at a time: fresh statistics
    for the planner and visibility maps for index-only scans."""
    started = time.perf_counter()

    def lane(tables: tuple[str, ...]) -> Callable[[], None]:
        def run() -> None:
            with connection.cursor() as cursor:
                for table in _existing(tables):
                    cursor.execute(f"VACUUM ANALYZE {table}")

        return run

    _in_two_sessions([lane(ANALYZED[0] + REACH_TABLES), lane(ANALYZED[1])])
    return time.perf_counter() - started
