"""Demo egenkontroll (issue 18): last year's medication self-audit, six months of hygiene
observations feeding BHK, and this month's PVK/KAD check, written through `audits.services`
with the clock set back (`devdata.demo_time.as_of`), so that timelines, notifications,
actions and indicator measurements are the real ones, dated when they happened.

What it holds, and why:
- Last year's medication round (LAKEMEDEL, done yearly), sent by the region's patient-safety
  strategist to every "enhet" of the region. About a third never answered — Jämtland
  Härjedalen's yearly round had 54 of 135 units "ej svarat" — and stayed overdue until the
  round was closed; the others answered mostly "på plats", some "under införande" or
  "planerad", and "saknas" with a comment and an action in the register. The unit's
  manager submitted, and approved most of them later.
- Monthly hygiene observations (BHK-OBS) for the last six complete months on the wards the
  demo indicators use (`devdata.demo.indicators.WARDS`): 10–30 people observed a ward and
  month, 65–90 % compliant in all eight steps (Västmanland 2023: 74,1 %), submitted, so the
  counts are the BHK indicators from then on (`audits.feeds`). Each month's round is the
  previous one's recurrence. Most results are under the template's 90 %, so the threshold
  rule required an action each time; those of the months before last are done.
- This month's PVK/KAD check, open: one ward has submitted 16 of 20 catheters documented
  (80 %, under Kronoberg's 85 %), so the threshold rule has required an action; another has
  submitted a result above it; the rest are still to answer.

A unit's manager is the one `audits.services.managers_of` finds. The demo users
(`devdata.demo.accounts.USERS`) manage only the medicine and orthopaedic clinics, so the
clinics and hospitals whose wards answer here get a verksamhetschef of their own
(`UNIT_MANAGERS`, without a password: they sign nothing in the demo but their units'
responses). Units without a manager cannot submit and stay unanswered.

Every random draw comes from a `random.Random` seeded by the unit and the period, so a
unit's answers stay the same whoever else exists. Idempotent: a round already there (by
template and period) is left as it is.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from accounts import services as account_services
from accounts.models import Membership, OrgUnit, User
from accounts.roles import Role
from actions.services import action_update
from audits import services
from audits.examples import HYGIENE, MEDICATION, PVK_KAD
from audits.models import RequiredAction, Response, Round, Scale, Template
from devdata.demo.accounts import MEMBERSHIPS_VALID_FROM, REGION
from devdata.demo.indicators import WARDS
from devdata.demo_time import as_of
from indicators.periods import add_months, month_end

SAFETY_OFFICER = "psstrateg"  # Eva Persson, the region's patientsäkerhetsstrateg
NURSE = ("sjukskoterska", "Avdelning 5, medicin")  # answers for her own ward
SEED = 18

# (username, first name, last name, title, the unit they manage).
UNIT_MANAGERS = (
    ("chef.kirurgi", "Ulrika", "Lund", "Verksamhetschef", "Kirurgkliniken"),
    ("chef.barn", "Mikael", "Holmberg", "Verksamhetschef", "Barn- och ungdomskliniken"),
    ("chef.psykiatri", "Camilla", "Nyström", "Verksamhetschef", "Vuxenpsykiatri"),
    ("chef.koping", "Annika", "Sjöberg", "Sjukhuschef", "Västmanlands sjukhus Köping"),
    ("chef.sala", "Peter", "Wikström", "Sjukhuschef", "Västmanlands sjukhus Sala"),
)

MEDICATION_TITLE = "Egenkontroll läkemedelshantering"
HYGIENE_TITLE = "Hygienobservation basala hygienrutiner"
PVK_TITLE = "Kontroll av PVK och KAD"
PVK_WARDS = (
    "Avdelning 5, medicin",
    "Avdelning 6, medicin",
    "Avdelning 12, ortopedi",
    "Avdelning 8, kirurgi",
    "Barnavdelning 4",
)
PVK_UNDER = "Avdelning 6, medicin"  # submitted 16 of 20: under the threshold
PVK_OVER = "Avdelning 12, ortopedi"  # submitted 19 of 20

# What a ward did about a hygiene result under the threshold.
HYGIENE_DONE = "Basala hygienrutiner genomgångna på arbetsplatsträffen; hygienombudet följer upp på plats."

STATUS_WEIGHTS = (("in_place", 72), ("introducing", 12), ("planned", 7), ("missing", 9))
# What a unit writes when something is missing, and the action it decides.
MISSING = {
    "lokala-rutiner": (
        "Rutinen är inte fastställd sedan omorganisationen i våras.",
        "Verksamhetschefen fastställer den lokala rutinen för läkemedelshantering.",
    ),
    "delegering": (
        "Flera delegeringar har gått ut utan att förnyas.",
        "Gå igenom alla delegeringar och förnya eller avsluta dem.",
    ),
    "narkotikakontroll": (
        "Kontrollen har inte gjorts sedan den narkotikaansvariga slutade.",
        "Utse ny narkotikaansvarig sjuksköterska och schemalägg månadskontrollen.",
    ),
    "svinn": (
        "Svinn tas upp muntligt men rapporteras inte i avvikelsesystemet.",
        "Ta upp rapportering av svinn på arbetsplatsträffen.",
    ),
    "introduktion": (
        "Nyanställda får ingen särskild introduktion i läkemedelshantering.",
        "Lägg in läkemedelshantering i introduktionsprogrammet.",
    ),
    "ordinationer": (
        "Läkemedelslistan stäms inte av vid inskrivning.",
        "Inför avstämning av läkemedelslistan vid inskrivning.",
    ),
    "akut-behov": (
        "Det finns ingen skriven rutin för läkemedel vid akut behov.",
        "Skriv en rutin för läkemedel vid akut behov.",
    ),
}
ONGOING = {
    "introducing": "Rutinen är beslutad och införs under hösten.",
    "planned": "Planeras till nästa år.",
}


def seed_audits() -> int:
    """Create the demo rounds that are missing; returns how many rounds were new."""
    region = OrgUnit.objects.filter(parent=None, name=REGION).first()
    officer = User.objects.filter(username=SAFETY_OFFICER, is_active=True).first()
    if region is None or officer is None or not Template.objects.filter(code=MEDICATION).exists():
        return 0
    _unit_managers(region)
    units = {u.name: u for u in OrgUnit.objects.filter(path__startswith=region.path, is_active=True)}
    created = _medication_round(officer, region)
    created += _hygiene_rounds(officer, [units[name] for name in WARDS if name in units])
    created += _pvk_round(officer, [units[name] for name in PVK_WARDS if name in units])
    return created


# --- Helpers ------------------------------------------------------------------------------


def _unit_managers(region: OrgUnit) -> None:
    for username, first, last, title, unit_name in UNIT_MANAGERS:
        unit = OrgUnit.objects.filter(path__startswith=region.path, name=unit_name).first()
        if unit is None:
            continue
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "title": title,
                "email": f"{username}@example.invalid",
            },
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        if not Membership.objects.valid_on().filter(user=user, unit=unit, role=Role.MANAGER).exists():
            account_services.membership_grant(
                user=user, unit=unit, role=Role.MANAGER, actor=None, valid_from=MEMBERSHIPS_VALID_FROM
            )


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _rng(*parts) -> random.Random:
    return random.Random(":".join(str(part) for part in (SEED, *parts)))


def _template_version(code: str):
    return Template.objects.get(code=code).current_version()


def _round_of(code: str, period_start: dt.date) -> Round | None:
    return Round.objects.filter(template_version__template__code=code, period_start=period_start).first()


def _manager(unit: OrgUnit) -> User | None:
    managers = services.managers_of(unit)
    return managers[0] if managers else None


def _answerer(unit: OrgUnit, manager: User) -> User:
    if unit.name == NURSE[1]:
        return User.objects.filter(username=NURSE[0], is_active=True).first() or manager
    return manager


def _response(round_: Round, unit: OrgUnit) -> Response:
    return Response.objects.get(round=round_, unit=unit)


# --- Last year's medication round ---------------------------------------------------------


def _medication_round(officer: User, region: OrgUnit) -> int:
    year = timezone.localdate().year - 1
    if _round_of(MEDICATION, dt.date(year, 1, 1)) is not None:
        return 0
    units = list(
        OrgUnit.objects.filter(path__startswith=region.path, kind__code="enhet", is_active=True).order_by("path")
    )
    if not units:
        return 0
    opens, due = dt.date(year, 9, 1), dt.date(year, 10, 15)
    with as_of(_at(opens, 8)):
        round_ = services.round_create(
            actor=officer,
            version=_template_version(MEDICATION),
            units=units,
            fields={
                "title": MEDICATION_TITLE,
                "period_start": dt.date(year, 1, 1),
                "period_end": dt.date(year, 12, 31),
                "opens_on": opens,
                "due_on": due,
                # Sent once: a yearly recurrence would have the daily sweep send this year's
                # round at once with every date already past, overdue and escalated.
                "recurrence": "",
            },
        )
    managers = {unit.pk: _manager(unit) for unit in units}
    # About a third never answer: those without a manager, then the ones the draw puts last.
    target = round(len(units) / 3)
    silent = {unit.pk for unit in units if managers[unit.pk] is None}
    ranked = sorted((u for u in units if u.pk not in silent), key=lambda u: _rng(MEDICATION, year, u.name).random())
    silent |= {unit.pk for unit in ranked[: max(target - len(silent), 0)]}
    statements = list(round_.template_version.statements.order_by("position"))
    for unit in units:
        response = _response(round_, unit)
        if unit.pk in silent:
            with as_of(_at(due + dt.timedelta(days=1), 6)):
                services.mark_overdue(response=response)
            continue
        _answer_medication(_rng(MEDICATION, year, unit.name, "answers"), response, unit, managers[unit.pk], statements)
    with as_of(_at(dt.date(year, 12, 15), 10)):
        services.round_close(round_=round_, actor=officer)
    return 1


def _answer_medication(rng: random.Random, response: Response, unit: OrgUnit, manager: User, statements) -> None:
    round_ = response.round
    answered_on = round_.opens_on + dt.timedelta(days=rng.randint(3, 30))
    answerer = _answerer(unit, manager)
    with as_of(_at(answered_on, 10)):
        for statement in statements:
            value = rng.choices([v for v, _w in STATUS_WEIGHTS], [w for _v, w in STATUS_WEIGHTS])[0]
            comment = ""
            if value == "missing":
                comment = MISSING[statement.key][0]
            elif value in ONGOING and rng.random() < 0.5:
                comment = ONGOING[value]
            services.answer_save(
                response=response, actor=answerer, statement=statement, fields={"value": value, "comment": comment}
            )
            if value == "missing":
                services.action_add(
                    response=response,
                    actor=manager,
                    statement=statement,
                    fields={
                        "description": MISSING[statement.key][1],
                        "responsible": manager,
                        "due_date": answered_on + dt.timedelta(days=rng.choice([30, 60, 90])),
                    },
                )
    submitted_on = min(answered_on + dt.timedelta(days=rng.randint(1, 5)), round_.due_on)
    with as_of(_at(submitted_on, 14)):
        response = services.submit(response=response, actor=manager)
    if rng.random() < 0.7:
        with as_of(_at(submitted_on + dt.timedelta(days=rng.randint(7, 40)), 9)):
            services.approve(response=response, actor=manager)


# --- Six months of hygiene observations ---------------------------------------------------


def _months() -> list[dt.date]:
    this_month = timezone.localdate().replace(day=1)
    return [add_months(this_month, -n) for n in range(6, 0, -1)]


def _hygiene_rounds(officer: User, wards: list[OrgUnit]) -> int:
    if not wards:
        return 0
    created, previous = 0, None
    for month in _months():
        existing = _round_of(HYGIENE, month)
        if existing is not None:
            previous = existing
            continue
        with as_of(_at(month, 8)):
            if previous is not None and previous.recurrence:
                round_ = services.round_recur(round_=previous)
            else:
                round_ = services.round_create(
                    actor=officer,
                    version=_template_version(HYGIENE),
                    units=wards,
                    fields={
                        "title": HYGIENE_TITLE,
                        "period_start": month,
                        "period_end": month_end(month),
                        "opens_on": month,
                        "due_on": month_end(month) + dt.timedelta(days=10),
                        "recurrence": "monthly",
                    },
                )
        if round_ is None:
            continue
        created += 1
        previous = round_
        statements = list(round_.template_version.statements.order_by("position"))
        for response in round_.responses.select_related("unit"):
            manager = _manager(response.unit)
            if manager is not None:
                _observe(_rng(HYGIENE, month, response.unit.name), response, manager, statements)
    return created


def _observe(rng: random.Random, response: Response, manager: User, statements) -> None:
    round_ = response.round
    observed = rng.randint(10, 30)
    all_steps = round(observed * rng.uniform(0.65, 0.90))
    observed_on = round_.period_start + dt.timedelta(days=rng.randint(5, 25))
    answerer = _answerer(response.unit, manager)
    with as_of(_at(observed_on, 11)):
        for statement in statements:
            if statement.scale != Scale.COUNT:
                continue
            compliant = all_steps if statement.key == "alla-steg" else rng.randint(all_steps, observed)
            services.answer_save(
                response=response,
                actor=answerer,
                statement=statement,
                fields={"observed": observed, "compliant": compliant},
            )
    submitted_on = round_.period_end + dt.timedelta(days=rng.randint(1, 8))
    with as_of(_at(submitted_on, 15)):
        services.submit(response=response, actor=manager)
    # The threshold rule's actions of the months before last are done by now.
    done_on = submitted_on + dt.timedelta(days=rng.randint(10, 25))
    if done_on < add_months(timezone.localdate().replace(day=1), -1):
        for required in RequiredAction.objects.filter(response=response).select_related("action"):
            with as_of(_at(done_on, 13)):
                action_update(action=required.action, actor=manager, state="done", progress_note=HYGIENE_DONE)


# --- This month's PVK/KAD check -----------------------------------------------------------


def _pvk_round(officer: User, wards: list[OrgUnit]) -> int:
    today = timezone.localdate()
    month = today.replace(day=1)
    if not wards or _round_of(PVK_KAD, month) is not None:
        return 0
    with as_of(_at(month, 8)):
        round_ = services.round_create(
            actor=officer,
            version=_template_version(PVK_KAD),
            units=wards,
            fields={
                "title": PVK_TITLE,
                "period_start": month,
                "period_end": month_end(month),
                "opens_on": month,
                "due_on": month_end(month),
                "recurrence": "",
            },
        )
    statements = list(round_.template_version.statements.order_by("position"))
    for ward, pvk in ((PVK_UNDER, (20, 16)), (PVK_OVER, (20, 19))):
        response = round_.responses.select_related("unit").filter(unit__name=ward).first()
        manager = _manager(response.unit) if response is not None else None
        if manager is None:
            continue
        with as_of(_at(today, 9)):
            for statement in statements:
                if statement.scale == Scale.COUNT:
                    observed, compliant = pvk if statement.key == "pvk-dokumenterad" else (12, 11)
                    fields = {"observed": observed, "compliant": compliant}
                else:
                    fields = {"value": "in_place"}
                services.answer_save(response=response, actor=manager, statement=statement, fields=fields)
            services.submit(response=response, actor=manager)
    return 1
