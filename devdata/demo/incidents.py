"""Demo incidents over the last two years, in every state, with realistic proportions.

The rows are written directly (not through the services) so that they can carry historical
dates: reported two years ago, triaged a few days later, closed within a month or three.
Everything the services would write is written here too (timeline, causes, actions,
forwards, feedback, patient information), and the reference counters are moved past the
numbers used, so that new reports continue the series. Deterministic and idempotent:
each demo incident has a fixed client key; existing ones are skipped.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Membership, OrgUnit, User
from accounts.roles import Perm, roles_with
from accounts.selectors import users_with_perm_in
from actions.models import Action, EffectClass
from incidents.models import (
    EVENT_CLASS_FROM_REPORTED_KIND,
    HARM_CLASSES,
    LEX_MARIA_CLASSES,
    PATIENT_HARMED_CLASSES,
    CaseType,
    Category,
    Cause,
    CauseArea,
    EventClass,
    Forward,
    Incident,
    PatientInformation,
    ReferenceCounter,
    ReportedKind,
    Status,
    TimelineEntry,
)

NAMESPACE = uuid.UUID("6d1f9a4e-3c1b-4f5e-9a57-2b0c6f1d2e83")
Kind = TimelineEntry.Kind

# (category code, what happened, immediate action)
CARE_TEXTS = [
    (
        "lakemedel-administrering",
        "Patienten fick sin kvällsdos Waran två gånger; upptäcktes vid överrapporteringen.",
        "Läkare kontaktad, INR kontrollerat.",
    ),
    (
        "lakemedel-ordination",
        "Ordinationen av insulin saknades i journalen efter överflyttning från akuten.",
        "Ordination inhämtad från jourläkare.",
    ),
    (
        "lakemedel-forvaring",
        "Narkotikaförrådet stämde inte vid kontrollräkning, en ampull morfin saknades.",
        "Anmält till enhetschef, förrådet inventerat.",
    ),
    ("fall", "Patienten föll vid toalettbesök nattetid, slog huvudet i handfatet.", "Tillsyn av läkare, DT skalle."),
    ("fall-utan-vittne", "Patienten hittades på golvet bredvid sängen, ingen såg fallet.", "Vitalparametrar tagna."),
    (
        "trycksar",
        "Trycksår kategori 2 på hälen upptäcktes vid utskrivning, ingen riskbedömning gjord.",
        "Avlastning påbörjad.",
    ),
    (
        "vri",
        "Patienten fick feber och rodnad runt PVK efter fyra dygn, infarten hade inte bytts.",
        "PVK avlägsnad, odling tagen.",
    ),
    ("provsvar", "Provsvar med kraftigt förhöjt kalium vidimerades inte förrän nästa dag.", "Patienten kallad åter."),
    (
        "fordrojd-diagnos",
        "Fraktur i handleden missades vid första besöket, upptäcktes vid återbesök efter en vecka.",
        "Gipsad, patienten informerad.",
    ),
    (
        "vardovergang",
        "Läkemedelslistan följde inte med patienten till hemsjukvården vid utskrivning.",
        "Listan faxad i efterhand.",
    ),
    (
        "utskrivning",
        "Patienten skrevs ut utan att hemtjänsten informerats; ingen mötte upp i hemmet.",
        "Kommunen kontaktad samma kväll.",
    ),
    ("remiss", "Remiss till kardiologen skickades aldrig; patienten väntade i fyra månader.", "Remiss skickad."),
    ("utrustning", "Infusionspumpen larmade inte när slangen var avklämd.", "Pumpen tagen ur bruk och märkt."),
    (
        "journalsystem",
        "Journalsystemet låg nere i två timmar under kvällen; läkemedelslistor gick inte att se.",
        "Reservrutin med papperslistor.",
    ),
    (
        "overbelaggning",
        "Fem överbeläggningar på avdelningen; patient fick ligga i korridoren över natten.",
        "Jourhavande chef informerad.",
    ),
    ("blasoverfyllnad", "Patienten hade 1 200 ml i blåsan vid bladderscan efter operation.", "Kateteriserad."),
    ("overvakning", "Postoperativ patient övervakades inte enligt rutin under natten.", "Kontroller återupptagna."),
    ("suicid", "Patient med suicidrisk lämnade avdelningen obemärkt.", "Polis larmad, patienten återfunnen."),
    ("infart", "CVK-förbandet hade inte bytts på tio dagar.", "Förband bytt, odling tagen."),
    ("personuppgiftsincident", "Epikris skickades till fel patient.", "Mottagaren kontaktad, dokumentet återtaget."),
]
WORK_TEXTS = [
    ("am-hot-vald", "Anhörig blev hotfull i receptionen och slog mot disken.", "Väktare tillkallad."),
    ("am-stickskada", "Undersköterska stack sig på en använd kanyl som låg i sängen.", "Provtagning enligt rutin."),
    ("am-belastning", "Personal skadade ryggen vid förflyttning utan lyfthjälpmedel.", "Taklyft beställd."),
    ("am-miljoutslapp", "Desinfektionsmedel läckte ut i förrådet.", "Saneringen utförd."),
]
ACTIONS = [
    ("Införa dubbelkontroll vid iordningställande av högriskläkemedel.", EffectClass.LIMITED),
    ("Ta upp händelsen på arbetsplatsträff (APT).", EffectClass.LIMITED),
    ("Uppdatera rutinen för överrapportering och utbilda personalen.", EffectClass.EFFECTIVE),
    ("Checklista vid utskrivning till kommunal hälso- och sjukvård.", EffectClass.EFFECTIVE),
    ("Byta infusionspumpar till modell med tryckvakt.", EffectClass.VERY_EFFECTIVE),
    ("Fallriskbedömning vid inskrivning för alla patienter över 65 år.", EffectClass.EFFECTIVE),
    ("Låst läkemedelsskåp med kortläsare på avdelningen.", EffectClass.VERY_EFFECTIVE),
]
FEEDBACK = [
    "Tack för din rapport. Vi har gått igenom händelsen på APT och infört en checklista.",
    "Tack! Händelsen är utredd; rutinen för överrapportering är uppdaterad.",
    "Tack för att du rapporterade. Utrustningen är utbytt och leverantören informerad.",
]


@dataclass
class _World:
    units: list[OrgUnit]
    reporters_by_provider: dict[int, list[User]]
    handler_for: dict[int, User]
    categories: dict[str, Category]
    areas: list[CauseArea]
    fallback: User
    # Units where someone decides on Lex Maria: only there does the demo request an assessment,
    # so every request has a case (a provider without a decider, Capio's, asks for none).
    deciding: set[int]


def _world() -> _World | None:
    units = list(OrgUnit.objects.filter(is_active=True, kind__code__in=["enhet", "verksamhet"]))
    if not units:
        return None
    members = Membership.objects.valid_on().select_related("user", "unit")
    reporters: dict[int, list[User]] = {}
    for m in members:
        reporters.setdefault(m.unit.care_provider_id, []).append(m.user)
    triage_roles = set(roles_with(Perm.INCIDENT_TRIAGE))
    triage = [m for m in members if m.role in triage_roles]
    handler_for: dict[int, User] = {}
    for unit in units:
        # the closest handler above the unit (deepest membership whose path is a prefix)
        candidates = [m for m in triage if unit.path.startswith(m.unit.path)]
        if candidates:
            handler_for[unit.pk] = max(candidates, key=lambda m: m.unit.depth).user
    fallback = User.objects.filter(is_active=True).order_by("pk").first()
    if fallback is None:
        return None
    return _World(
        units=units,
        reporters_by_provider=reporters,
        handler_for=handler_for,
        categories={c.code: c for c in Category.objects.all()},
        areas=list(CauseArea.objects.filter(is_active=True)),
        fallback=fallback,
        deciding={unit.pk for unit in units if users_with_perm_in(unit=unit, perm=Perm.LEXMARIA_DECIDE).exists()},
    )


def _pick_state(rng: random.Random, age_days: float) -> str:
    if age_days < 10:
        return rng.choices([Status.SUBMITTED, Status.IN_PROGRESS, Status.CLOSED], [6, 3, 1])[0]
    if age_days < 60:
        return rng.choices([Status.SUBMITTED, Status.IN_PROGRESS, Status.CLOSED, Status.WITHDRAWN], [2, 4, 6, 0.3])[0]
    return rng.choices([Status.IN_PROGRESS, Status.CLOSED, Status.WITHDRAWN], [1, 12, 0.4])[0]


def _event_class(rng: random.Random, case_type: str) -> tuple[str, str]:
    if case_type == CaseType.WORK_ENVIRONMENT:
        kind = rng.choices([ReportedKind.RISK, ReportedKind.NEAR_MISS, ReportedKind.HAPPENED], [3, 3, 4])[0]
        return kind, EVENT_CLASS_FROM_REPORTED_KIND[kind]
    event = rng.choices(
        [EventClass.RISK, EventClass.NEAR_MISS, EventClass.HARM, EventClass.SERIOUS_HARM_RISK, EventClass.SERIOUS_HARM],
        [20, 30, 45, 3, 2],
    )[0]
    kind = {EventClass.RISK: ReportedKind.RISK, EventClass.NEAR_MISS: ReportedKind.NEAR_MISS}.get(
        event, ReportedKind.HAPPENED
    )
    return kind, event


def _daytime(rng: random.Random, day: dt.datetime) -> dt.datetime:
    # Reported around the clock, most in daytime.
    hour = rng.choices(range(24), [1, 1, 1, 1, 1, 1, 2, 5, 7, 8, 8, 7, 6, 7, 8, 8, 7, 5, 4, 4, 3, 3, 2, 1])[0]
    return day.replace(hour=hour, minute=rng.randrange(60), second=0, microsecond=0)


@transaction.atomic
def seed_incidents(*, count: int = 320, seed: int = 2026, drafts: int = 3) -> int:
    """Create up to `count` demo incidents (and a few drafts); returns how many were new."""
    world = _world()
    if world is None:
        return 0
    rng = random.Random(seed)
    now = timezone.now()
    existing = set(
        Incident.objects.filter(
            client_key__in=[uuid.uuid5(NAMESPACE, f"demo-{i}") for i in range(count + drafts)]
        ).values_list("client_key", flat=True)
    )
    created = 0
    used_numbers: dict[int, int] = {}
    for i in range(count):
        key = uuid.uuid5(NAMESPACE, f"demo-{i}")
        # Draw the random values even for existing rows, so the sequence stays the same.
        plan = _plan(rng, world, now, i)
        if key in existing:
            continue
        _create(world, plan, key, rng, used_numbers)
        created += 1
    created += _drafts(world, now, drafts, count, existing)
    _advance_counters(used_numbers)
    return created


def _plan(rng: random.Random, world: _World, now: dt.datetime, i: int) -> dict:
    age_days = rng.random() ** 1.3 * 730
    occurred = _daytime(rng, now - dt.timedelta(days=age_days))
    delay_hours = rng.choices([rng.uniform(0.2, 20), rng.uniform(20, 72), rng.uniform(73, 400)], [80, 12, 8])[0]
    reported = min(occurred + dt.timedelta(hours=delay_hours), now - dt.timedelta(minutes=30))
    case_type = rng.choices([CaseType.CARE, CaseType.WORK_ENVIRONMENT], [70, 30])[0]
    kind, event = _event_class(rng, case_type)
    text = rng.choice(CARE_TEXTS if case_type == CaseType.CARE else WORK_TEXTS)
    unit = rng.choice(world.units)
    reporters = world.reporters_by_provider.get(unit.care_provider_id) or [world.fallback]
    return {
        "number": i,
        "occurred": occurred,
        "reported": reported,
        "age_days": (now - reported).total_seconds() / 86400,
        "case_type": case_type,
        "kind": kind,
        "event": event,
        "text": text,
        "unit": unit,
        "reporter": rng.choice(reporters),
        "state": _pick_state(rng, (now - reported).total_seconds() / 86400),
        # Care concerns a patient (issue 13): most care reports have one; the rest are near
        # misses and risks without a patient. The same draw as before, so the sequence stays.
        "patient": case_type == CaseType.CARE and rng.random() < 0.9,
        "triage_days": rng.uniform(0.1, 9),
        "close_days": rng.uniform(5, 90),
        "forward": rng.random() < 0.06,
        "probability": rng.randint(1, 4),
        "consequence": rng.randint(1, 4),
        "cause_areas": rng.sample(range(7), k=rng.randint(1, 2)),
        "actions": rng.sample(range(len(ACTIONS)), k=rng.randint(1, 2)),
        "feedback": rng.choice(FEEDBACK),
        "pn": _fake_personnummer(rng),
    }


def _fake_personnummer(rng: random.Random) -> str:
    from accounts.personnummer import luhn_check_digit

    year, month, day = rng.randint(1925, 2015), rng.randint(1, 12), rng.randint(1, 28)
    serial = rng.randint(100, 999)
    nine = f"{year % 100:02d}{month:02d}{day:02d}{serial:03d}"
    return f"{year // 100:02d}{nine}{luhn_check_digit(nine)}"


def _create(world: _World, plan: dict, key: uuid.UUID, rng: random.Random, used: dict[int, int]) -> None:
    unit: OrgUnit = plan["unit"]
    reporter: User = plan["reporter"]
    handler = world.handler_for.get(unit.pk, world.fallback)
    reported: dt.datetime = plan["reported"]
    year = timezone.localtime(reported).year
    used[year] = used.get(year, _last_number(year)) + 1
    category_code, description, immediate = plan["text"]
    state = plan["state"]
    event = plan["event"]
    responsible = unit
    to_unit = None
    # Every other forward asks for an answer and keeps the case (a samverkansavvikelse); the
    # rest hand it over. Chosen by number, not by a draw, so the random sequence stays as it was.
    asking = plan["number"] % 2 == 1
    if plan["forward"] and state != Status.WITHDRAWN:
        others = [u for u in world.units if u.care_provider_id != unit.care_provider_id] or world.units
        to_unit = rng.choice(others)
        if not asking:
            responsible = to_unit
    # A case handed over is handled by the receiving unit's handler from then on.
    sender, handler = handler, world.handler_for.get(responsible.pk, handler)
    triaged = reported + dt.timedelta(days=plan["triage_days"]) if state != Status.SUBMITTED else None
    closed = (triaged or reported) + dt.timedelta(days=plan["close_days"]) if state == Status.CLOSED else None
    if closed and closed > timezone.now():
        closed = timezone.now() - dt.timedelta(hours=1)
    handled = state in (Status.IN_PROGRESS, Status.CLOSED)
    incident = Incident.objects.create(
        reference=f"AV-{year}-{used[year]:06d}",
        status=state,
        client_key=key,
        reporter=reporter,
        unit=unit,
        responsible_unit=responsible,
        occurred_at=plan["occurred"],
        reported_at=reported,
        late_report=(reported - plan["occurred"]) > dt.timedelta(hours=72),
        description=description,
        immediate_actions=immediate,
        case_type=plan["case_type"],
        reported_kind=plan["kind"],
        patient_involved=plan["patient"],
        patient_identifier=plan["pn"] if plan["patient"] else "",
        event_class=event,
        category=world.categories.get(category_code) if handled else None,
        handler=handler if handled else None,
        risk_probability=plan["probability"] if handled else None,
        risk_consequence=plan["consequence"] if handled else None,
        feedback=plan["feedback"] if state == Status.CLOSED else "",
        feedback_at=closed,
        lex_maria_requested_at=(
            triaged if handled and event in LEX_MARIA_CLASSES and responsible.pk in world.deciding else None
        ),
        investigation_requested_at=(triaged if handled and event in LEX_MARIA_CLASSES else None),
        triaged_at=triaged,
        closed_at=closed,
        created_at=plan["occurred"],
        version=1,
    )
    entries = [(plan["occurred"], reporter, Kind.CREATED, ""), (reported, reporter, Kind.SUBMITTED, "")]
    if to_unit is not None:
        entries += _forward(world, plan, incident, sender, to_unit, asking=asking, closed=closed)
    if handled and triaged:
        entries += [
            (triaged, handler, Kind.TAKEN, ""),
            (triaged, handler, Kind.CLASSIFIED, ""),
            (triaged, handler, Kind.RISK_ASSESSED, ""),
        ]
        if event in HARM_CLASSES:
            causes = [
                Cause.objects.create(
                    incident=incident,
                    area=world.areas[a % len(world.areas)],
                    detail="Se händelseanalysen.",
                    created_by=handler,
                    created_at=triaged,
                )
                for a in plan["cause_areas"]
            ]
            entries += [(triaged, handler, Kind.CAUSE_ADDED, "") for _ in causes]
            for position, a in enumerate(plan["actions"]):
                description_, effect = ACTIONS[a]
                # The handler shows the reporter the first action ("Detta görs nu", issue 13).
                shown = position == 0
                due = (triaged + dt.timedelta(days=45)).date()
                done = state == Status.CLOSED
                action = Action.objects.create(
                    incident=incident,
                    description=description_,
                    responsible=handler,
                    due_date=due,
                    state=Action.State.DONE if done else Action.State.IN_PROGRESS,
                    effect_class=effect,
                    created_by=handler,
                    created_at=triaged,
                    done_at=closed if done else None,
                    shown_to_reporter=shown,
                )
                action.causes.set(causes)
                entries.append((triaged, handler, Kind.ACTION_ADDED, ""))
                if shown:
                    entries.append((triaged, handler, Kind.REPORTER_UPDATED, ""))
        if event in LEX_MARIA_CLASSES:
            entries += [
                (triaged, handler, Kind.INVESTIGATION_REQUESTED, ""),
                (triaged, handler, Kind.LEX_MARIA_REQUESTED, ""),
            ]
        if state == Status.CLOSED and event in PATIENT_HARMED_CLASSES and plan["patient"]:
            PatientInformation.objects.create(
                incident=incident,
                informed=True,
                informed_on=triaged.date(),
                informed_by=handler.get_full_name(),
                told_event=True,
                told_measures=True,
                told_complaint_provider=True,
                told_patient_board=True,
                told_complaint_ivo=True,
                told_compensation=True,
                record_note_made=True,
                recorded_by=handler,
                recorded_at=triaged,
            )
            entries.append((triaged, handler, Kind.PATIENT_INFORMED, ""))
    if closed:
        entries += [(closed, handler, Kind.FEEDBACK, ""), (closed, handler, Kind.CLOSED, "")]
    if state == Status.WITHDRAWN:
        entries.append((reported + dt.timedelta(days=1), handler, Kind.WITHDRAWN, "Dubblettrapport."))
    TimelineEntry.objects.bulk_create(
        TimelineEntry(incident=incident, at=at, actor=actor, kind=kind, message=message, data={"version": 1})
        for at, actor, kind, message in entries
    )


def _forward(world: _World, plan: dict, incident: Incident, sender: User, to_unit: OrgUnit, *, asking, closed) -> list:
    """A hand-over or a question to another care provider's unit, as the services write it. An
    answer is always given by a handler of the receiving unit (`forward_answer_complete`):
    questions of closed cases and every other open one are answered, the rest still wait; a
    hand-over's message is answered once the case is closed there."""
    forwarded = plan["reported"] + dt.timedelta(hours=6)
    answerer = world.handler_for.get(to_unit.pk)
    answered = (closed is not None or (asking and plan["number"] % 4 == 1)) and answerer is not None
    answered_at = min(forwarded + dt.timedelta(days=5), closed or timezone.now())
    due = (forwarded + dt.timedelta(days=14)).date()
    forward = Forward.objects.create(
        incident=incident,
        from_unit=incident.unit,
        to_unit=to_unit,
        kind=Forward.Kind.ASK if asking else Forward.Kind.HAND_OVER,
        message=(
            "Patienten skrevs ut till er; kan ni svara på hur informationen togs emot?"
            if asking
            else "Händelsen inträffade i er verksamhet; vi lämnar över ärendet till er för utredning."
        ),
        # A hand-over may go without a date; every other one has one, as the form suggests.
        answer_due=due if asking or plan["number"] % 4 == 0 else None,
        forwarded_by=sender,
        forwarded_at=forwarded,
        answer=(
            (
                "Informationen kom fram först dagen efter; vi ser över mottagningsrutinen."
                if asking
                else "Vi har tagit över ärendet."
            )
            if answered
            else ""
        ),
        answered_by=answerer if answered else None,
        answered_at=answered_at if answered else None,
    )
    entries = [
        (
            forwarded,
            sender,
            Kind.ANSWER_ASKED if asking else Kind.FORWARDED,
            f"{forward.from_unit.name} → {to_unit.name}",
        )
    ]
    if answered:
        entries.append((answered_at, answerer, Kind.FORWARD_ANSWERED, to_unit.name))
    return entries


def _drafts(world: _World, now: dt.datetime, drafts: int, offset: int, existing: set) -> int:
    created = 0
    for n in range(drafts):
        key = uuid.uuid5(NAMESPACE, f"demo-{offset + n}")
        if key in existing:
            continue
        unit = world.units[n % len(world.units)]
        reporter = (world.reporters_by_provider.get(unit.care_provider_id) or [world.fallback])[0]
        incident = Incident.objects.create(
            status=Status.DRAFT,
            client_key=key,
            reporter=reporter,
            unit=unit,
            occurred_at=now - dt.timedelta(hours=n + 1),
            description="Patienten var orolig under natten och",
            case_type=CaseType.CARE,
            patient_involved=True,
        )
        TimelineEntry.objects.create(incident=incident, actor=reporter, kind=Kind.CREATED, data={"version": 1})
        created += 1
    return created


def _last_number(year: int) -> int:
    counter = ReferenceCounter.objects.filter(year=year).first()
    return counter.last if counter else 0


def _advance_counters(used: dict[int, int]) -> None:
    for year, last in used.items():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO incidents_referencecounter (year, last) VALUES (%s, %s) "
                "ON CONFLICT (year) DO UPDATE SET last = GREATEST(incidents_referencecounter.last, EXCLUDED.last)",
                [year, last],
            )


def demo_counts() -> dict[str, int]:
    """How many demo incidents there are per state (for the command's summary)."""
    rows = Incident.objects.filter(client_key__isnull=False).values_list("status")
    counts: dict[str, int] = {}
    for (status,) in rows:
        counts[status] = counts.get(status, 0) + 1
    return counts


__all__ = ["demo_counts", "seed_incidents"]
