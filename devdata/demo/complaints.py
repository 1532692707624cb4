"""Demo complaints (klagomål och synpunkter): last calendar year of the region's complaints,
shaped like Kronoberg's patientsäkerhetsberättelse 2024 (about 940 cases, two thirds
answered in time), and a few weeks of open ones this year.

What it holds, and why:
- ~930 complaints received last year: most about vård och behandling and kommunikation, then
  tillgänglighet and vårdansvar och organisation (the nämnder's published order); 1177's
  e-service the main channel of those that came straight to the region; about three in ten
  sent by the patientnämnd with its own number and date; two thirds answered by the due date
  (Kronoberg: 66 %), the rest late, a few forwarded or withdrawn.
- Some linked to the demo incidents (ComplaintIncident), a few IVO complaint cases and LÖF
  claims with their decisions and amounts.
- This year's last weeks through the services (`complaints.services`): new, acknowledged,
  under investigation, one paused, some overdue, some with actions in the register.
- The patientnämnd as a unit of the region (kind `patientnamnd`) with its officer, and a
  complaint handler for the whole region (`devdata.demo.accounts.USERS`, in the README).

Last year is written in bulk (a year of cases through the services took too long for `make
run`), keeping what the services keep: the reference series and its counter, a contact row
and the units concerned for each case, and the timeline's RECEIVED, ACKNOWLEDGED, ANSWERED,
CLOSED (or FORWARDED, WITHDRAWN) entries at their dates. The hand-entered PN-SVAR figure of the
demo indicators for that year is marked invalid (psweb computes it now), and the feed
(`complaints.indicator`) writes the computed points. Deterministic and idempotent: a second
run finds last year's first reference and does nothing.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OrgUnit, User
from actions.models import EffectClass
from complaints import services
from complaints.indicator import pn_svar_feed, system_user
from complaints.models import (
    BOARD_KIND,
    Channel,
    Complaint,
    ComplaintIncident,
    Contact,
    ExternalCase,
    ExternalDecision,
    ExternalKind,
    Status,
    TimelineEntry,
)
from devdata.demo.accounts import PATIENT_BOARD, REGION
from incidents.models import Incident
from indicators import services as indicator_services
from indicators.models import Measurement

BOARD = PATIENT_BOARD
HANDLER = "klagomal"  # both in `devdata.demo.accounts.USERS`, made by seed_demo before this runs
BOARD_OFFICER = "pn.handlaggare"

LAST_YEAR_CASES = 930
BOARD_SHARE = 0.30
IN_TIME = 0.66
# (area, weight, [(subarea, summary)]): the nämnder's main areas in their published order.
AREAS = [
    (
        "care",
        38,
        [
            ("assessment", "Upplever att undersökningen var bristfällig"),
            ("diagnosis", "Frakturen upptäcktes först vid återbesöket"),
            ("treatment", "Ifrågasätter valet av behandling"),
            ("medication", "Fick fel dos av sitt läkemedel"),
            ("nursing", "Fick vänta länge på hjälp nattetid"),
            ("result", "Besvär kvar efter operationen"),
        ],
    ),
    (
        "communication",
        27,
        [
            ("attitude", "Otrevligt bemötande vid besöket"),
            ("information", "Fick ingen information om provsvaren"),
            ("participation", "Inte delaktig i beslutet om utskrivning"),
        ],
    ),
    (
        "accessibility",
        14,
        [
            ("reach", "Kom inte fram på telefon"),
            ("waiting", "Lång väntetid på akutmottagningen"),
            ("care_guarantee", "Vårdgarantin hölls inte"),
        ],
    ),
    (
        "responsibility",
        11,
        [
            ("cooperation", "Remissen skickades mellan enheterna"),
            ("responsibility", "Ingen tog ansvar vid överflyttningen"),
            ("resources", "För lite personal på avdelningen"),
        ],
    ),
    ("records", 4, [("record_keeping", "Felaktiga uppgifter i journalen"), ("certificates", "Intyget dröjde")]),
    ("finance", 3, [("fees", "Ifrågasätter patientavgiften")]),
    ("administration", 2, [("handling", "Kallelsen kom efter besöket")]),
    ("other", 1, [("other", "Synpunkt på skyltningen i entrén")]),
]
# Complaints that came straight to the region, by channel.
DIRECT_CHANNELS = [
    (Channel.E_SERVICE, 44),
    (Channel.PHONE, 20),
    (Channel.LETTER, 12),
    (Channel.EMAIL, 9),
    (Channel.IN_PERSON, 8),
    (Channel.STAFF, 4),
    (Channel.OTHER_PROVIDER, 2),
    (Channel.IVO, 1),
]
# Where care is given, with how often each is complained about.
UNITS = [
    ("Akutmottagningen Västerås", 14),
    ("Avdelning 5, medicin", 6),
    ("Avdelning 6, medicin", 5),
    ("Medicinmottagningen", 5),
    ("Avdelning 12, ortopedi", 5),
    ("Ortopedmottagningen", 6),
    ("Avdelning 8, kirurgi", 5),
    ("Dagkirurgiska enheten", 3),
    ("Förlossningen", 4),
    ("BB-avdelningen", 3),
    ("Barnavdelning 4", 2),
    ("Ambulansstation Västerås", 2),
    ("Röntgenkliniken", 2),
    ("Medicinavdelningen Köping", 3),
    ("Medicinavdelningen Sala", 2),
    ("Akutmottagningen Fagersta", 3),
    ("Psykiatrisk avdelning 71", 6),
    ("Närvården Bäckby", 5),
    ("Närvården Hemdal", 5),
    ("Närvården Sala-Väsby", 3),
]
ANSWERS = [
    "Vi har gått igenom journalen och talat med personalen som träffade dig.",
    "Verksamhetschefen har läst ditt klagomål och gått igenom händelsen med avdelningen.",
    "Vi har tagit upp det du beskriver på arbetsplatsträffen.",
]
ANSWER_WAYS = ["letter", "letter", "e_service", "phone", "meeting"]
# Recent complaints that lead to an action for the medicine clinic's manager (`chef.med`).
ACTION_CASES = (2, 7, 13)
MEDICINE_WARD = "Avdelning 5, medicin"


def seed_complaints() -> int:
    """Create the demo complaints that are missing; returns how many complaints were new."""
    region = OrgUnit.objects.filter(parent=None, name=REGION).first()
    if region is None:
        return 0
    board = _board_unit(region)
    users = _users(region, board)
    year = timezone.localdate().year - 1
    if Complaint.objects.filter(reference=f"KL-{year}-000001").exists():
        return 0
    units = {u.name: u for u in OrgUnit.objects.filter(path__startswith=region.path, name__in=[n for n, _w in UNITS])}
    rng = random.Random(17)
    created = _last_year(rng, year, units, board, users)
    created += _recent(rng, units, board, users)
    _feed_pn_svar(year)
    return created


# --- The nämnd and the users ----------------------------------------------------------------------


def _board_unit(region: OrgUnit) -> OrgUnit:
    """The nämnd unit `seed_demo` made from `devdata.demo.accounts.TREE`."""
    return OrgUnit.objects.get(parent=region, name=BOARD, kind__code=BOARD_KIND)


def _users(region: OrgUnit, board: OrgUnit) -> dict[str, User]:
    """The demo's complaint handler and nämnd officer (`devdata.demo.accounts.USERS`)."""
    return {user.username: user for user in User.objects.filter(username__in=[HANDLER, BOARD_OFFICER])}


# --- Last year, in bulk ---------------------------------------------------------------------------


def _pick(rng: random.Random, weighted):
    return rng.choices([item for item, _w in weighted], [w for _i, w in weighted])[0]


def _moment(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _last_year(rng: random.Random, year: int, units: dict, board: OrgUnit, users: dict[str, User]) -> int:
    handler, officer = users[HANDLER], users[BOARD_OFFICER]
    today = timezone.localdate()
    unit_weights = [(units[name], weight) for name, weight in UNITS if name in units]
    area_weights = [((area, subs), weight) for area, weight, subs in AREAS]
    complaints, steps = [], []
    for number in range(1, LAST_YEAR_CASES + 1):
        received = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        from_board = rng.random() < BOARD_SHARE
        area, subs = _pick(rng, area_weights)
        subarea, summary = rng.choice(subs)
        due = received + dt.timedelta(days=rng.choice([21, 28, 28, 28, 35]) if from_board else 28)
        acknowledged = min(received + dt.timedelta(days=rng.randint(1, 5)), today)
        fate = rng.random()
        status, answered, forwarded_to = Status.CLOSED, None, ""
        if fate < 0.02:
            status, forwarded_to = Status.FORWARDED, "Västerås stad, vård och omsorg"
        elif fate < 0.035:
            status = Status.WITHDRAWN
        else:
            if rng.random() < IN_TIME:
                answered = min(received + dt.timedelta(days=rng.randint(6, (due - received).days)), due)
            else:
                answered = due + dt.timedelta(days=rng.randint(1, 45))
            if answered >= today:
                status, answered = Status.INVESTIGATING, None
            elif rng.random() < 0.15:
                status = Status.ANSWERED
        closed = None
        if status in (Status.FORWARDED, Status.WITHDRAWN):
            closed = min(acknowledged + dt.timedelta(days=rng.randint(2, 20)), today)
        elif status == Status.CLOSED:
            closed = min(answered + dt.timedelta(days=rng.randint(1, 10)), today)
        complaint = Complaint(
            reference=f"KL-{year}-{number:06d}",
            status=status,
            channel=Channel.PATIENT_BOARD if from_board else _pick(rng, DIRECT_CHANNELS),
            complainant_type=_pick(rng, [("patient", 70), ("relative", 27), ("staff", 2), ("authority", 1)]),
            patient_consent=True,
            received_on=received,
            unit=_pick(rng, unit_weights),
            area=area,
            subarea=subarea,
            summary=summary,
            description=f"{summary}. Jag vill veta varför och att det inte händer igen.",
            handler=handler,
            board_unit=board if from_board else None,
            board_reference=f"PN-{year}-{number:04d}" if from_board else "",
            acknowledged_on=acknowledged,
            due_on=due,
            answer_what_happened=rng.choice(ANSWERS) if answered else "",
            answer_where_else=services.default_where_else() if answered else "",
            answered_on=answered,
            answer_way=rng.choice(ANSWER_WAYS) if answered else "",
            answered_by=handler if answered else None,
            forwarded_to=forwarded_to,
            closed_at=_moment(closed, 15) if closed else None,
            created_by=officer if from_board else handler,
            created_at=_moment(received, 9),
            version=1 + 1 + bool(answered) + bool(closed),
        )
        complaints.append(complaint)
        steps.append((received, acknowledged, answered, closed))
    Complaint.objects.bulk_create(complaints, batch_size=500)
    _advance_counter(year, LAST_YEAR_CASES)
    Complaint.units.through.objects.bulk_create(
        [Complaint.units.through(complaint_id=c.pk, orgunit_id=c.unit_id) for c in complaints], batch_size=1000
    )
    Contact.objects.bulk_create([Contact(complaint=c) for c in complaints], batch_size=1000)
    TimelineEntry.objects.bulk_create(_timeline(complaints, steps), batch_size=2000)
    _links(rng, complaints, handler)
    _external(rng, complaints, handler)
    return len(complaints)


def _timeline(complaints: list[Complaint], steps) -> list[TimelineEntry]:
    Kind = TimelineEntry.Kind  # noqa: N806 (the model's own name for it)
    entries = []
    for complaint, (received, acknowledged, answered, closed) in zip(complaints, steps, strict=True):
        actor = complaint.created_by
        entries.append(
            TimelineEntry(
                case=complaint,
                actor=actor,
                kind=Kind.RECEIVED,
                at=_moment(received, 9),
                message=complaint.get_channel_display(),
                data={"version": 1},
            )
        )
        entries.append(
            TimelineEntry(
                case=complaint,
                actor=complaint.handler,
                kind=Kind.ACKNOWLEDGED,
                at=_moment(acknowledged, 10),
                message=acknowledged.isoformat(),
                data={"version": 2},
            )
        )
        if answered:
            in_time = answered <= complaint.due_on
            message = _("Sent %(date)s, in time.") if in_time else _("Sent %(date)s, after the due date %(due)s.")
            entries.append(
                TimelineEntry(
                    case=complaint,
                    actor=complaint.handler,
                    kind=Kind.ANSWERED,
                    at=_moment(answered, 14),
                    message=message % {"date": answered.isoformat(), "due": complaint.due_on.isoformat()},
                    data={"version": 3, "in_time": in_time},
                )
            )
        if closed:
            kind = {Status.FORWARDED: Kind.FORWARDED, Status.WITHDRAWN: Kind.WITHDRAWN}.get(
                complaint.status, Kind.CLOSED
            )
            message = complaint.forwarded_to if kind == Kind.FORWARDED else ""
            if kind == Kind.WITHDRAWN:
                message = "Patienten återkallade klagomålet."
            entries.append(
                TimelineEntry(
                    case=complaint,
                    actor=complaint.handler,
                    kind=kind,
                    at=_moment(closed, 15),
                    message=message,
                    data={"version": complaint.version},
                )
            )
    return entries


def _advance_counter(year: int, last: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO complaints_referencecounter (year, last) VALUES (%s, %s) "
            "ON CONFLICT (year) DO UPDATE SET last = GREATEST(complaints_referencecounter.last, EXCLUDED.last)",
            [year, last],
        )


def _links(rng: random.Random, complaints: list[Complaint], handler: User) -> None:
    """About one complaint in twenty about care led to (or met) an incident report."""
    region_units = {c.unit_id for c in complaints}
    incidents = list(
        Incident.objects.filter(client_key__isnull=False, unit_id__in=region_units).values_list("pk", "unit_id")
    )
    by_unit: dict[int, list[int]] = {}
    for pk, unit_id in incidents:
        by_unit.setdefault(unit_id, []).append(pk)
    links = []
    for complaint in complaints:
        candidates = by_unit.get(complaint.unit_id)
        if candidates and complaint.area in ("care", "responsibility") and rng.random() < 0.12:
            links.append(
                ComplaintIncident(
                    complaint=complaint,
                    incident_id=rng.choice(candidates),
                    linked_by=handler,
                    linked_at=_moment(complaint.acknowledged_on, 11),
                )
            )
    ComplaintIncident.objects.bulk_create(links)


def _external(rng: random.Random, complaints: list[Complaint], handler: User) -> None:
    """A few of last year's complaints went on to IVO or to the patient insurance (LÖF)."""
    answered = [c for c in complaints if c.answered_on and c.area == "care"]
    today = timezone.localdate()
    cases = []
    ivo = [ExternalDecision.NO_CRITICISM] * 3 + [ExternalDecision.CRITICISM] * 2 + [""]
    lof = [ExternalDecision.COMPENSATED] * 4 + [ExternalDecision.NOT_COMPENSATED] * 4 + [""]
    for kind, decisions in ((ExternalKind.IVO, ivo), (ExternalKind.LOF, lof)):
        for number, decision in enumerate(decisions, start=1):
            complaint = rng.choice(answered)
            received = min(complaint.answered_on + dt.timedelta(days=rng.randint(20, 60)), today)
            decided = min(received + dt.timedelta(days=rng.randint(60, 200)), today) if decision else None
            sent = min(received + dt.timedelta(days=rng.randint(10, 25)), today)
            amount = (
                rng.choice([4200, 12500, 18000, 36000, 85000]) if decision == ExternalDecision.COMPENSATED else None
            )
            cases.append(
                ExternalCase(
                    complaint=complaint,
                    kind=kind,
                    external_reference=(
                        f"{'IVO' if kind == ExternalKind.IVO else 'LÖF'} {complaint.received_on.year}-{number:04d}"
                    ),
                    received_on=received,
                    question="Vårdgivaren ombeds yttra sig över det patienten anför.",
                    due_on=received + dt.timedelta(days=30),
                    statement="Yttrande lämnat efter genomgång av journalen.",
                    statement_sent_on=sent,
                    decision=decision,
                    decided_on=decided,
                    decision_text=str(ExternalDecision(decision).label) if decision else "",
                    amount=amount,
                    created_by=handler,
                )
            )
    ExternalCase.objects.bulk_create(cases)


# --- This year's last weeks, through the services -------------------------------------------------


def _recent(rng: random.Random, units: dict, board: OrgUnit, users: dict[str, User]) -> int:
    """Two dozen complaints received in the last six weeks, in every waiting state."""
    handler, officer = users[HANDLER], users[BOARD_OFFICER]
    today = timezone.localdate()
    names = [name for name, _w in UNITS if name in units]
    manager = User.objects.filter(username="chef.med", is_active=True).first()
    created = 0
    for number in range(24):
        received = today - dt.timedelta(days=42 - number * 7 // 4)
        area, _weight, subs = AREAS[number % 4]
        subarea, summary = subs[number % len(subs)]
        # The ones that lead to an action are the medicine clinic's, whose manager takes it.
        unit = units[MEDICINE_WARD if number in ACTION_CASES else names[(number * 7) % len(names)]]
        fields = {
            "channel": Channel.E_SERVICE if number % 3 else Channel.PHONE,
            "complainant_type": "patient",
            "received_on": received,
            "unit": unit,
            "area": area,
            "subarea": subarea,
            "summary": summary,
            "description": f"{summary}. Jag vill ha ett svar.",
        }
        if number % 4 == 0:
            complaint = services.complaint_register(
                actor=officer,
                fields={**fields, "board_reference": f"PN-{today.year}-{900 + number}"},
                board_unit=board,
                board_due_on=received + dt.timedelta(days=28),
            )
        else:
            complaint = services.complaint_register(actor=handler, fields=fields, contact={"phone": "021-17 30 00"})
        created += 1
        if number % 5 == 4:
            continue  # still waiting for its receipt
        complaint = services.complaint_acknowledge(
            complaint=complaint, actor=handler, acknowledged_on=received + dt.timedelta(days=2)
        )
        if number % 3 == 0:
            complaint = services.complaint_investigate(complaint=complaint, actor=handler)
        if number == 8:
            services.complaint_pause(
                complaint=complaint, actor=handler, reason="Väntar på patientens samtycke till att anhörig får svaret."
            )
        elif number in ACTION_CASES and manager is not None:
            services.action_add(
                complaint=complaint,
                actor=handler,
                description="Gå igenom rutinen för information vid utskrivning på arbetsplatsträffen.",
                responsible=manager,
                due_date=today + dt.timedelta(days=30),
                effect_class=EffectClass.LIMITED,
            )
        elif number in (1, 5, 10) and received + dt.timedelta(days=20) < today:
            services.complaint_answer(
                complaint=complaint,
                actor=handler,
                answered_on=received + dt.timedelta(days=20),
                way="letter",
                letter={"answer_what_happened": rng.choice(ANSWERS)},
            )
    return created


# --- PN-SVAR ------------------------------------------------------------------------------------------


def _feed_pn_svar(year: int) -> None:
    """PN-SVAR from the cases: the demo indicators' hand-entered figure for the year is left
    out (otherwise the region's year would add both), and the feed writes the months."""
    safety = User.objects.filter(username="psstrateg", is_active=True).first()
    entered = Measurement.objects.filter(
        indicator__code="PN-SVAR", period_start__year=year, is_valid=True, entered_by=safety
    ).exclude(source__startswith="psweb")
    for point in entered if safety else []:
        indicator_services.measurement_invalidate(
            actor=safety,
            measurement=point,
            reason=f"Beräknas ur klagomålen i psweb från {year}: patientnämndens ärenden per enhet och månad.",
        )
    robot = system_user()
    if not robot.email:  # every demo user's address is one that cannot receive mail
        robot.email = f"{robot.username}@example.invalid"
        robot.save(update_fields=["email"])
    pn_svar_feed(year=year)
    pn_svar_feed(year=year + 1)
