"""Demo Lex Maria cases: one for every demo incident whose handler asked for a Lex Maria
assessment, taken along the decision paths the chief physician and IVO really take.

The newest requests wait for a decision, or for the report to be sent; older ones were
reported and IVO asked for a supplement or decided; some were not reported (one of them
reopened on new information); the oldest were closed after IVO's decision and their actions
followed up a year after the report. Written through `lexmaria.services` at the moments the
steps happened (`devdata.demo_time.as_of`), so timelines, clocks and the yearly follow-up read
like real ones. Deterministic and idempotent: an incident that already has a case is skipped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, User
from accounts.roles import Perm
from accounts.selectors import users_with_perm_in
from actions.models import Action
from devdata.demo.incidents import CARE_TEXTS
from devdata.demo_time import as_of, schedule
from incidents.models import LEX_MARIA_CLASSES, EventClass, Incident
from investigations.models import InvestigationIncident
from lexmaria import services
from lexmaria.models import CaseIncident, Decision, IvoDecision, LexMariaCase
from lexmaria.selectors import action_blockers, local_date


@dataclass(frozen=True)
class Path:
    name: str
    steps: tuple[tuple[str, float], ...]  # (step, nominal days after the request)
    waits_since: float | None = None  # left waiting: the last step came this many days ago


PATHS = {
    path.name: path
    for path in [
        Path("assessment", ()),
        Path("decided_to_report", (("decide_report", 8),), waits_since=4),
        Path("reported", (("decide_report", 7), ("report", 18)), waits_since=25),
        Path(
            "supplement_requested",
            (("decide_report", 7), ("report", 20), ("supplement_request", 50)),
            waits_since=6,
        ),
        Path(
            "supplement_sent",
            (("decide_report", 6), ("report", 17), ("supplement_request", 40), ("supplement_send", 52)),
            waits_since=12,
        ),
        Path(
            "ivo_decision",
            (("decide_report", 6), ("report", 16), ("ivo_criticism", 140)),
            waits_since=10,
        ),
        Path("no_report", (("decide_no_report", 7),)),
        Path("reopened", (("decide_no_report", 6), ("reopen", 20)), waits_since=3),
        Path(
            "closed_after_ivo",
            (("decide_report", 9), ("report", 21), ("ivo_without_criticism", 150), ("close", 153)),
        ),
        Path(
            "closed_after_supplement",
            (
                ("decide_report", 5),
                ("report", 15),
                ("supplement_request", 45),
                ("supplement_send", 58),
                ("ivo_without_criticism", 160),
                ("close", 162),
            ),
        ),
    ]
}
# The newest request first. Beyond the list, the oldest cases alternate between the last three.
ORDER = (
    "assessment",
    "decided_to_report",
    "reported",
    "supplement_requested",
    "ivo_decision",
    "supplement_sent",
    "no_report",
    "reopened",
    "closed_after_ivo",
    "closed_after_supplement",
)
OLDEST = ("closed_after_ivo", "no_report", "closed_after_supplement")
# Paths on which the report goes to IVO: they need actions with a named responsible person.
REPORTING = frozenset(name for name, path in PATHS.items() if any(step == "report" for step, _ in path.steps))

REASON = "Händelsen kan ha medfört en allvarlig vårdskada; bedömning enligt Lex Maria begärs av chefläkaren."
MOTIVATION_REPORT = {
    EventClass.SERIOUS_HARM: (
        "Händelsen har medfört en allvarlig vårdskada (väsentligt ökat vårdbehov) som hade kunnat undvikas med "
        "adekvata åtgärder. Den anmäls till IVO enligt 3 kap. 5 § patientsäkerhetslagen."
    ),
    EventClass.SERIOUS_HARM_RISK: (
        "Händelsen hade kunnat medföra en allvarlig vårdskada: felet upptäcktes av en slump och inte av någon "
        "barriär i vårdprocessen. Den anmäls till IVO enligt 3 kap. 5 § patientsäkerhetslagen."
    ),
}
MOTIVATION_NO_REPORT = (
    "Utredningen visar att patientens försämring var ett förväntat förlopp av grundsjukdomen. Händelsen har inte "
    "medfört och hade inte kunnat medföra en allvarlig vårdskada. Anmäls inte till IVO; lärdomarna tas om hand "
    "i avvikelseärendet."
)
REOPEN_REASON = "Anhöriga har lämnat nya uppgifter om förloppet under natten; bedömningen görs om."
SUPPLEMENT_WHAT = (
    "IVO begär komplettering: åtgärdsplanen saknar tidplan, och det framgår inte vem som ansvarar för "
    "införandet av dubbelkontrollen."
)
SUPPLEMENT_ANSWER = "Reviderad åtgärdsplan insänd med tidplan och namngiven ansvarig för varje åtgärd."
IVO_TEXT = {
    IvoDecision.CLOSED_WITHOUT_CRITICISM: (
        "IVO bedömer att vårdgivaren har utrett händelsen i tillräcklig omfattning och vidtagit de åtgärder som "
        "krävs. Ärendet avslutas."
    ),
    IvoDecision.CLOSED_WITH_CRITICISM: (
        "IVO riktar kritik mot vårdgivaren för brister i rutinerna för överrapportering mellan enheterna. "
        "Vårdgivaren har vidtagit åtgärder och ärendet avslutas."
    ),
}
EVIDENCE = (
    "Egenkontroll i november: rutinen följdes i 19 av 20 granskade journaler.",
    "Checklistan är inbyggd i journalsystemet och går inte att hoppa över.",
    "Utbildningen är genomförd för 41 av 44 sjuksköterskor på enheten.",
)


def seed_lex_maria() -> int:
    """Create the demo cases that do not exist yet; returns how many were new."""
    newest_first = _requested_incidents()
    paths = [ORDER[n] if n < len(ORDER) else OLDEST[(n - len(ORDER)) % len(OLDEST)] for n in range(len(newest_first))]
    assessed = set(CaseIncident.objects.filter(incident__in=newest_first).values_list("incident_id", flat=True))
    created = 0
    # Opened oldest first, so that the references count up with time.
    for incident, name in reversed(list(zip(newest_first, paths, strict=True))):
        if incident.pk not in assessed and _take(incident, PATHS[name]) is not None:
            created += 1
    return created


def _requested_incidents() -> list[Incident]:
    """Demo incidents of a serious event class with a Lex Maria request, newest request first."""
    return list(
        Incident.objects.filter(
            event_class__in=LEX_MARIA_CLASSES,
            lex_maria_requested_at__isnull=False,
            description__in=[description for _, description, _ in CARE_TEXTS],
        )
        .select_related("responsible_unit", "unit", "handler")
        .order_by("-lex_maria_requested_at", "-pk")
    )


def _in_office_since(users: list[User]) -> dt.datetime:
    """The first moment all `users` held their roles (the demo acts only when they did)."""
    days = [
        Membership.objects.filter(user=user).order_by("valid_from").values_list("valid_from", flat=True).first()
        for user in users
    ]
    latest = max(day for day in days if day is not None)
    return timezone.make_aware(dt.datetime.combine(latest, dt.time(8)))


def _people(incident: Incident) -> tuple[User, User] | None:
    """Who decides for the incident's unit (the chief physician, or the MAS of a municipality)
    and who prepares (a patient-safety officer, else the decider). None: nobody decides there."""
    unit = incident.responsible_unit or incident.unit
    deciders = list(users_with_perm_in(unit=unit, perm=Perm.LEXMARIA_DECIDE))
    if not deciders:
        return None
    decider = deciders[0]
    preparers = [user for user in users_with_perm_in(unit=unit, perm=Perm.LEXMARIA_PREPARE) if user not in deciders]
    return decider, (preparers[0] if preparers else decider)


def _reportable(incident: Incident) -> bool:
    actions = Action.objects.filter(incident=incident).exclude(state=Action.State.CANCELLED)
    return not action_blockers(actions.select_related("incident", "responsible"))


@transaction.atomic
def _take(incident: Incident, path: Path) -> LexMariaCase | None:
    people = _people(incident)
    if people is None:
        return None
    decider, preparer = people
    if path.name in REPORTING and not _reportable(incident):
        path = PATHS["no_report"]
    requested = max(incident.lex_maria_requested_at, _in_office_since([decider, preparer]))
    now = timezone.now()
    waits = now - dt.timedelta(days=path.waits_since) if path.waits_since is not None else None
    moments = schedule(requested, [offset for _, offset in path.steps], end=now - dt.timedelta(hours=2), last_at=waits)

    with as_of(requested):
        case = services.case_open_from_request(incident=incident, actor=incident.handler or preparer, reason=REASON)
    with as_of(requested + dt.timedelta(hours=20)):
        case = services.case_assign_owner(case=case, actor=preparer, owner=preparer)
    for (step, _offset), moment in zip(path.steps, moments, strict=True):
        with as_of(moment):
            case = _step(step, LexMariaCase.objects.get(pk=case.pk), incident, decider, preparer)
    _follow_up(case, preparer)
    return case


def _step(step: str, case: LexMariaCase, incident: Incident, decider: User, preparer: User) -> LexMariaCase:
    today = timezone.localdate()
    if step in ("decide_report", "decide_no_report"):
        _link_investigation(case, incident, preparer)
        case = LexMariaCase.objects.get(pk=case.pk)
        if step == "decide_report":
            motivation = MOTIVATION_REPORT.get(incident.event_class, MOTIVATION_REPORT[EventClass.SERIOUS_HARM])
            return services.case_decide(case=case, actor=decider, decision=Decision.REPORT, motivation=motivation)
        return services.case_decide(
            case=case, actor=decider, decision=Decision.NO_REPORT, motivation=MOTIVATION_NO_REPORT
        )
    if step == "reopen":
        return services.case_reopen(case=case, actor=decider, reason=REOPEN_REASON)
    if step == "report":
        year = local_date(case.decided_at).year
        reference = f"3.7.1-{10000 + (incident.pk * 7919) % 89999}/{year}"
        return services.case_mark_reported(case=case, actor=preparer, ivo_reference=reference, sent_on=today)
    if step == "supplement_request":
        services.supplement_request(
            case=case, actor=preparer, what=SUPPLEMENT_WHAT, requested_on=today, due_on=today + dt.timedelta(days=21)
        )
        return case
    if step == "supplement_send":
        services.supplement_send(case=case, actor=preparer, answer=SUPPLEMENT_ANSWER, sent_on=today)
        return case
    if step in ("ivo_criticism", "ivo_without_criticism"):
        kind = IvoDecision.CLOSED_WITH_CRITICISM if step == "ivo_criticism" else IvoDecision.CLOSED_WITHOUT_CRITICISM
        return services.ivo_decision_record(case=case, actor=preparer, kind=kind, decided_on=today, text=IVO_TEXT[kind])
    if step == "close":
        return services.case_close(case=case, actor=preparer)
    raise ValueError(f"unknown demo step {step!r}")


def _link_investigation(case: LexMariaCase, incident: Incident, preparer: User) -> None:
    """The incident's investigation, if one had been opened by then."""
    link = (
        InvestigationIncident.objects.filter(incident=incident, investigation__created_at__lte=timezone.now())
        .select_related("investigation")
        .first()
    )
    if link is not None and case.investigation_id is None:
        services.investigation_link(case=case, actor=preparer, investigation=link.investigation)


def _follow_up(case: LexMariaCase, preparer: User) -> None:
    """A year after the report, the actions promised to IVO are followed up: all carried out
    but the last of every third case (Västmanland: 69 of 71)."""
    case = LexMariaCase.objects.get(pk=case.pk)
    if case.sent_on is None:
        return
    moment = timezone.make_aware(dt.datetime.combine(case.sent_on + dt.timedelta(days=365), dt.time(10)))
    if moment >= timezone.now():
        return
    promised = list(case.promised_actions.select_related("action").order_by("pk"))
    with as_of(moment):
        for number, row in enumerate(promised):
            done = not (case.pk % 3 == 0 and number == len(promised) - 1)
            case = LexMariaCase.objects.get(pk=case.pk)
            services.action_follow_up(
                case=case,
                actor=preparer,
                action=row.action,
                carried_out=done,
                effect_class=row.action.effect_class,
                evidence=EVIDENCE[number % len(EVIDENCE)] if done else "Åtgärden har skjutits upp till våren.",
            )


__all__ = ["ORDER", "PATHS", "seed_lex_maria"]
