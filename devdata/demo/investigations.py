"""Demo investigations: six investigations of demo incidents, in every state and with every
method, written through `investigations.services` so that their timelines are real.

Each scenario is a realistic Swedish case (a double dose of Waran, a discharge to municipal
home care without the medication list, a fall at night, an unread critical lab result, an
infusion pump that did not alarm, a pressure ulcer), investigated from a demo incident of a
serious event class that matches it when there is one (any incident that caused or could
have caused harm otherwise). The analysis leader is the demo analyst; the chief physician
opens them; the discharge analysis has the municipality's MAS on its team.

Each phase is written at the moment it happened (`devdata.demo_time.as_of`): opened a few
days after the incident was triaged, the work done over the following weeks, the report
ready after about six weeks and the follow-up some eight months after opening. A scenario
that needs a long history prefers an incident old enough for it. Deterministic and
idempotent: a scenario whose title exists is skipped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, OrgUnit, User
from actions.models import Action, EffectClass
from devdata.demo import accounts as accounts_demo
from devdata.demo.incidents import CARE_TEXTS
from devdata.demo_time import as_of, schedule
from incidents.models import HARM_CLASSES, LEX_MARIA_CLASSES, CaseType, CauseArea, Incident
from incidents.models import Status as IncidentStatus
from incidents.services.handling import action_update
from investigations import services
from investigations.models import CareInjury, Investigation, InvestigationIncident, Method, Outcome, Status

LEADER = "analysledare"
OPENER = "chefslakare"

# Days after opening: start, the work (course, causes, account, conclusions, actions), the
# report ready, the follow-up (with the evaluations), closing.
PHASES = (2, 20, 45, 235, 240)
# How far each target state goes into PHASES, and so how old an incident it wants.
REACHES = {
    Status.INITIATED: 0,
    Status.IN_PROGRESS: 2,
    Status.REPORT_READY: 3,
    Status.FOLLOW_UP: 4,
    Status.CLOSED: 5,
}


@dataclass(frozen=True)
class Step:
    """A step of the course of events, `minutes` after the incident occurred (negative: before)."""

    minutes: int
    text: str
    by: str = LEADER  # the team member who writes it down


@dataclass(frozen=True)
class CauseSpec:
    area: str  # CauseArea code
    detail: str
    contributing: bool = False


@dataclass(frozen=True)
class Evaluation:
    carried_out: bool
    outcome: str
    evidence: str


@dataclass(frozen=True)
class ActionSpec:
    description: str
    responsible: str  # username
    due_in_days: int
    effect: str
    causes: tuple[int, ...]  # indexes into the scenario's causes
    evaluation: Evaluation | None = None
    state: str = ""  # the action's state on the incident afterwards, when it changed


@dataclass(frozen=True)
class Participation:
    invited: bool
    days_after: int = 0  # invited this many days after the event
    account: str = ""
    not_invited_reason: str = ""


@dataclass(frozen=True)
class Conclusions:
    care_injury: str
    avoidable: bool | None
    text: str
    serious_permanent: bool = False
    serious_increased_care: bool = False
    serious_death: bool = False


@dataclass(frozen=True)
class Scenario:
    title: str
    method: str
    reason: str
    target: str  # the state the investigation is left in
    prefers: tuple[str, ...]  # codes of the devdata.demo.incidents.CARE_TEXTS that fit the story, best first
    team: tuple[tuple[str, str], ...] = ()  # (username, role in the team)
    course: tuple[Step, ...] = ()
    causes: tuple[CauseSpec, ...] = ()
    participation: Participation | None = None
    conclusions: Conclusions | None = None
    costs: dict = field(default_factory=dict)
    actions: tuple[ActionSpec, ...] = ()


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        title="Händelseanalys: Waran gavs två gånger vid kvällsmedicineringen",
        method=Method.EVENT_ANALYSIS,
        reason="Risk för allvarlig vårdskada vid dubbel dos antikoagulantia; flera yrkesgrupper och "
        "både rutiner och journalsystem berörs.",
        target=Status.CLOSED,
        prefers=("lakemedel-administrering",),
        team=(
            ("samordnare.med", "Avvikelsesamordnare, Medicinkliniken"),
            ("sjukskoterska", "Sjuksköterska, vårdavdelning"),
        ),
        course=(
            Step(
                -150,
                "Sjuksköterska 1 delade kvällens läkemedel kl 17.30 och gav Waran enligt läkemedelslistan. "
                "Signeringen skulle göras i efterhand vid datorn i expeditionen.",
            ),
            Step(
                -60,
                "Sjuksköterska 1 flyttades till andra sidan av avdelningen för en akut inläggning. "
                "Överrapporteringen till sjuksköterska 2 gjordes muntligt i korridoren.",
                by="sjukskoterska",
            ),
            Step(
                0,
                "Sjuksköterska 2 såg att Waran inte var signerad och gav dosen. Patienten sa att hon redan "
                "hade fått sin tablett, men uppgiften togs inte på allvar.",
            ),
            Step(
                150,
                "Vid överrapporteringen till natten upptäcktes att dosen var signerad två gånger. "
                "Jourhavande läkare kontaktades och ordinerade INR-kontroll.",
            ),
            Step(900, "INR 4,6 på morgonen. Waran gjordes uppehåll med i två dygn och INR följdes dagligen."),
        ),
        causes=(
            CauseSpec(
                "kommunikation",
                "Överrapporteringen vid byte av ansvarig sjuksköterska mitt i passet var muntlig och utan "
                "struktur; att Waran redan var given nämndes inte.",
            ),
            CauseSpec(
                "procedurer",
                "Läkemedel signerades i efterhand i stället för direkt vid administreringen, vilket "
                "rutinen inte förbjuder vid hög arbetsbelastning.",
            ),
            CauseSpec(
                "teknik",
                "Läkemedelsmodulen varnar inte när samma dos av ett högriskläkemedel signeras två gånger "
                "inom samma dygn.",
            ),
            CauseSpec(
                "organisation",
                "Två akuta inläggningar samtidigt och en sjuksköterska mindre än planerat under kvällen.",
                contributing=True,
            ),
        ),
        participation=Participation(
            invited=True,
            days_after=4,
            account="Jag sa till sköterskan att jag redan hade fått min Waran, men hon tittade i datorn och "
            "sa att det inte stod där. Jag ville inte vara besvärlig. Sedan fick jag ta blodprov varje dag "
            "och var rädd för att börja blöda. Jag vill att man lyssnar på patienten.",
        ),
        conclusions=Conclusions(
            care_injury=CareInjury.YES,
            avoidable=True,
            text="Händelsen orsakade en vårdskada (förhöjt INR med extra provtagning och övervakning) som "
            "hade kunnat undvikas. Den bedöms inte som allvarlig: ingen bestående skada och inget väsentligt "
            "ökat vårdbehov. Grundorsakerna är ostrukturerad överrapportering vid byte av ansvarig "
            "sjuksköterska och signering i efterhand; journalsystemet saknar spärr mot dubbel signering.",
        ),
        actions=(
            ActionSpec(
                "Strukturerad överrapportering enligt SBAR vid byte av ansvarig sjuksköterska under passet, "
                "med läkemedelsstatus som egen punkt.",
                "chef.med",
                0,
                EffectClass.EFFECTIVE,
                (0,),
                Evaluation(
                    True,
                    Outcome.WORKED,
                    "Observation av 20 överrapporteringar: SBAR användes i 18, läkemedelsstatus togs upp i alla 18.",
                ),
                state=Action.State.DONE,
            ),
            ActionSpec(
                "Spärr i läkemedelsmodulen mot att samma dos av ett högriskläkemedel signeras två gånger, "
                "beställd hos leverantören och testad av förvaltningen.",
                "admin",
                0,
                EffectClass.VERY_EFFECTIVE,
                (2,),
                Evaluation(
                    True,
                    Outcome.WORKED,
                    "Spärren infördes i journalsystemets senaste version; två stoppade dubbelsigneringar "
                    "har rapporterats sedan dess.",
                ),
                state=Action.State.DONE,
            ),
            ActionSpec(
                "Läkemedel signeras vid patienten direkt efter administreringen; rutinen uppdaterad och "
                "genomgången på arbetsplatsträff.",
                "samordnare.med",
                0,
                EffectClass.LIMITED,
                (1, 3),
                Evaluation(
                    True, Outcome.PARTLY, "Egenkontroll: 7 av 10 signeringar gjordes direkt vid administreringen."
                ),
                state=Action.State.DONE,
            ),
        ),
    ),
    Scenario(
        title="Händelseanalys: läkemedelslistan följde inte med vid utskrivning till hemsjukvården",
        method=Method.EVENT_ANALYSIS,
        reason="Allvarlig händelse i vårdövergången mellan region och kommun; händelseanalys med deltagare "
        "från båda huvudmännen.",
        target=Status.FOLLOW_UP,
        prefers=("vardovergang", "utskrivning"),
        team=(
            ("mas.vasteras", "Medicinskt ansvarig sjuksköterska (MAS), Västerås stad"),
            ("samordnare.med", "Avvikelsesamordnare, Medicinkliniken"),
            ("sjukskoterska", "Sjuksköterska, vårdavdelning"),
        ),
        course=(
            Step(
                -1440,
                "Beslut om utskrivning fattades på ronden. Läkemedelslistan ändrades: den vätskedrivande "
                "dosen halverades och Metformin sattes ut.",
            ),
            Step(
                -240,
                "Utskrivningsmeddelandet skickades till kommunen i samordningssystemet, utan bifogad läkemedelslista.",
                by="samordnare.med",
            ),
            Step(
                0,
                "Patienten skrevs ut med taxi kl 15 på fredagen. Den uppdaterade läkemedelslistan skrevs ut "
                "men följde inte med patienten.",
            ),
            Step(
                1200,
                "Hemsjukvårdens sjuksköterska delade dosetten enligt den tidigare listan eftersom ingen ny "
                "lista hade kommit.",
                by="mas.vasteras",
            ),
            Step(
                4320,
                "Patienten blev yr och uttorkad och lades in på nytt via akutmottagningen efter tre dygn.",
            ),
        ),
        causes=(
            CauseSpec(
                "kommunikation",
                "Läkemedelslistan skickades inte med utskrivningsmeddelandet och ingen muntlig "
                "överrapportering gjordes till hemsjukvården.",
            ),
            CauseSpec(
                "procedurer",
                "Regionen och kommunen saknar en gemensam checklista för utskrivning; ingen av rutinerna "
                "säger vem som skickar läkemedelslistan.",
            ),
            CauseSpec(
                "organisation",
                "Utskrivningen skedde sent en fredag när hemsjukvården har reducerad bemanning.",
                contributing=True,
            ),
            CauseSpec(
                "patient",
                "Patienten har en kognitiv svikt och kunde inte själv redogöra för ändringarna.",
                contributing=True,
            ),
        ),
        participation=Participation(
            invited=True,
            days_after=6,
            account="Dottern berättar: Pappa kom hem på fredagen och ingen visste att hans mediciner hade "
            "ändrats. Vi ringde avdelningen på lördagen men fick inget besked. Han blev sämre för varje dag "
            "och vi kände oss helt ensamma med det.",
        ),
        conclusions=Conclusions(
            care_injury=CareInjury.YES,
            avoidable=True,
            serious_increased_care=True,
            text="Vårdskada som hade kunnat undvikas. Den är allvarlig: patienten fick ett väsentligt ökat "
            "vårdbehov med en ny inläggning i fyra dygn. Grundorsaken är brister i informationsöverföringen "
            "mellan region och kommun vid utskrivning. Händelsen bedöms vara anmälningspliktig enligt lex Maria.",
        ),
        actions=(
            ActionSpec(
                "Checklista vid utskrivning till kommunal hälso- och sjukvård: läkemedelslistan bifogas "
                "utskrivningsmeddelandet och gås igenom muntligt med hemsjukvården.",
                "chef.med",
                0,
                EffectClass.EFFECTIVE,
                (0, 1),
                Evaluation(
                    True,
                    Outcome.PARTLY,
                    "Stickprov av 15 utskrivningar till hemsjukvården: checklistan ifylld i 11, "
                    "läkemedelslistan bifogad i 13.",
                ),
                state=Action.State.DONE,
            ),
            ActionSpec(
                "Gemensam rutin region–kommun: ingen utskrivning till hemsjukvården efter kl 14 på fredagar "
                "utan telefonkontakt med kommunens sjuksköterska.",
                "mas.vasteras",
                5,
                EffectClass.EFFECTIVE,
                (1, 2),
                state=Action.State.IN_PROGRESS,
            ),
            ActionSpec(
                "Utbildning om utskrivningsprocessen och samordnad individuell plan för avdelningens sjuksköterskor.",
                "samordnare.med",
                30,
                EffectClass.LIMITED,
                (0,),
            ),
        ),
    ),
    Scenario(
        title="Internutredning: fall nattetid med skallskada",
        method=Method.INTERNAL,
        reason="Patienten skadades vid fallet. Förloppet är avgränsat till en enhet; internutredning räcker.",
        target=Status.REPORT_READY,
        prefers=("fall", "fall-utan-vittne"),
        team=(("sjukskoterska", "Sjuksköterska, nattpersonal"),),
        course=(
            Step(
                -600,
                "Vid inskrivningen på eftermiddagen gjordes ingen fallriskbedömning, trots att patienten hade "
                "fallit två gånger hemma den senaste månaden.",
            ),
            Step(-120, "Patienten fick sömnmedel kl 22 enligt vid behovs-ordination."),
            Step(
                0,
                "Patienten gick själv till toaletten nattetid, föll och slog huvudet i handfatet. "
                "Larmknappen satt på sänggaveln, utom räckhåll.",
                by="sjukskoterska",
            ),
            Step(25, "Undersköterskan hittade patienten på golvet. Jourhavande läkare undersökte patienten."),
            Step(180, "DT skalle visade en mindre subdural blödning. Patienten flyttades till övervakningen."),
        ),
        causes=(
            CauseSpec(
                "procedurer",
                "Fallriskbedömning enligt rutin gjordes inte vid inskrivningen; rutinen var okänd för flera "
                "i personalen.",
            ),
            CauseSpec(
                "omgivning",
                "Larmknappen var inte inom räckhåll och nattbelysningen på toaletten fungerade inte.",
            ),
            CauseSpec(
                "kunskap",
                "Sömnmedel gavs till en äldre patient utan att fallrisken vägdes in.",
                contributing=True,
            ),
            CauseSpec(
                "organisation",
                "En sjuksköterska och en undersköterska på 24 patienter nattetid.",
                contributing=True,
            ),
        ),
        participation=Participation(
            invited=True,
            days_after=3,
            account="Jag ville inte ringa på natten, de hade så mycket att göra. Jag hittade inte lampknappen "
            "på toaletten. Nu är jag rädd för att gå själv.",
        ),
        conclusions=Conclusions(
            care_injury=CareInjury.YES,
            avoidable=True,
            serious_increased_care=True,
            text="Vårdskada som hade kunnat undvikas med fallriskbedömning och enkla åtgärder i miljön. "
            "Den är allvarlig: väsentligt ökat vårdbehov med övervakning och sex dygns förlängd vårdtid. "
            "Om skadan blir bestående kan ännu inte bedömas.",
        ),
        costs={"extra_care_days": "6", "cost_per_care_day": 9_800, "other_costs": 14_500},
        actions=(
            ActionSpec(
                "Fallriskbedömning med Downton Fall Risk Index vid inskrivning av alla patienter över 65 år, "
                "dokumenterad i journalens inskrivningsmall.",
                "samordnare.med",
                45,
                EffectClass.EFFECTIVE,
                (0,),
            ),
            ActionSpec(
                "Rörelselarm vid sängen för patienter med hög fallrisk och fast nattbelysning "
                "på alla patienttoaletter.",
                "chef.med",
                90,
                EffectClass.VERY_EFFECTIVE,
                (1,),
            ),
            ActionSpec(
                "Läkemedelsgenomgång med fokus på fallriskhöjande läkemedel för inneliggande patienter över 75 år.",
                "chefslakare",
                60,
                EffectClass.EFFECTIVE,
                (2,),
            ),
        ),
    ),
    Scenario(
        title="Internutredning: provsvar med kritiskt värde vidimerades inte i tid",
        method=Method.INTERNAL,
        reason="Fördröjd handläggning av ett kritiskt provsvar; oklart om patienten skadades. "
        "Provsvarsflödet behöver kartläggas.",
        target=Status.IN_PROGRESS,
        prefers=("provsvar",),
        team=(("samordnare.med", "Avvikelsesamordnare, Medicinkliniken"),),
        course=(
            Step(
                0,
                "Kaliumvärdet 6,9 mmol/l kom till journalen kl 14.20. Laboratoriet ringde enhetens allmänna "
                "nummer; ansvarig läkare var på hembesök.",
            ),
            Step(
                1100,
                "Provsvaret vidimerades nästa morgon och patienten kallades till akutmottagningen.",
                by="samordnare.med",
            ),
        ),
        causes=(
            CauseSpec(
                "kommunikation",
                "Ingen rutin för vem som tar emot kritiska provsvar när ansvarig läkare inte är på plats.",
            ),
            CauseSpec(
                "teknik",
                "Journalsystemet markerar inte kritiska värden i inkorgen för vidimering.",
                contributing=True,
            ),
        ),
        participation=Participation(invited=True, days_after=2),
        conclusions=Conclusions(
            care_injury=CareInjury.CANNOT_JUDGE,
            avoidable=None,
            text="Preliminärt: om fördröjningen orsakade någon skada kan inte bedömas förrän kardiologens "
            "bedömning av EKG-förändringarna finns.",
        ),
        actions=(
            ActionSpec(
                "Rutin för kritiska provsvar: laboratoriet ringer jourhavande läkare direkt när ansvarig "
                "läkare inte nås.",
                "chef.med",
                6,
                EffectClass.EFFECTIVE,
                (0,),
            ),
        ),
    ),
    Scenario(
        title="Enklare utredning: infusionspumpen larmade inte vid avklämd slang",
        method=Method.SIMPLE,
        reason="Avgränsad teknisk händelse; enklare utredning enligt mall.",
        target=Status.CLOSED,
        prefers=("utrustning",),
        course=(
            Step(
                0,
                "Under pågående infusion upptäckte sjuksköterskan att slangen var avklämd mellan sängen och "
                "sänggrinden; pumpen hade inte larmat.",
            ),
            Step(60, "Pumpen togs ur bruk, märktes och lämnades till medicinteknik."),
            Step(
                2880,
                "Medicinteknik fann att tryckgränsen för ocklusionslarmet stod på högsta nivå efter service.",
            ),
        ),
        causes=(
            CauseSpec("teknik", "Ocklusionslarmets tryckgräns var felaktigt inställd efter service."),
            CauseSpec(
                "procedurer",
                "Larmen funktionskontrollerades inte efter service innan pumpen återgick till avdelningen.",
                contributing=True,
            ),
        ),
        participation=Participation(
            invited=False,
            not_invited_reason="Patienten märkte inget av händelsen och fick ingen skada; ansvarig läkare "
            "informerade patienten samma dag. Enklare utredning enligt mall.",
        ),
        conclusions=Conclusions(
            care_injury=CareInjury.NO,
            avoidable=None,
            text="Ingen vårdskada: infusionen fördröjdes ungefär en timme utan påverkan på patientens tillstånd. "
            "Risken hanteras i avvikelseärendet genom kontroll av samtliga pumpar av samma modell.",
        ),
    ),
    Scenario(
        title="Enklare utredning: trycksår kategori 2 upptäckt vid utskrivning",
        method=Method.SIMPLE,
        reason="Trycksår som uppkommit under vårdtiden; enklare utredning enligt mall.",
        target=Status.INITIATED,
        prefers=("trycksar",),
        team=(("matansvarig", "Hygien- och trycksårsombud"),),
    ),
)

TITLES = tuple(scenario.title for scenario in SCENARIOS)


@transaction.atomic
def seed_investigations() -> int:
    """Create the demo investigations that do not exist yet; returns how many were new."""
    people = {user.username: user for user in User.objects.filter(username__in=_usernames(), is_active=True)}
    if LEADER not in people or OPENER not in people:
        return 0
    existing = set(Investigation.objects.filter(title__in=TITLES).values_list("title", flat=True))
    candidates = _candidates()
    hospitals = _hospital_paths()
    created = 0
    for scenario in SCENARIOS:
        if scenario.title in existing:
            continue
        incident = _pick(scenario, candidates, hospitals)
        if incident is None:
            continue
        candidates.remove(incident)
        _investigate(scenario, incident, people)
        created += 1
    return created


def _usernames() -> set[str]:
    names = {LEADER, OPENER}
    for scenario in SCENARIOS:
        names |= {username for username, _ in scenario.team}
        names |= {step.by for step in scenario.course}
        names |= {action.responsible for action in scenario.actions}
    return names


def _candidates() -> list[Incident]:
    """Reported demo care incidents that caused or could have caused harm, in the region (where
    the demo chief physician decides), not investigated yet; the most recent first."""
    region = OrgUnit.objects.filter(parent=None, name=accounts_demo.REGION).first()
    if region is None:
        return []
    investigated = InvestigationIncident.objects.values("incident_id")
    return list(
        Incident.objects.filter(
            case_type=CaseType.CARE,
            event_class__in=HARM_CLASSES,
            status__in=[IncidentStatus.SUBMITTED, IncidentStatus.IN_PROGRESS, IncidentStatus.CLOSED],
            description__in=[description for _, description, _ in CARE_TEXTS],
            responsible_unit__care_provider=region,
        )
        .exclude(pk__in=investigated)
        .select_related("responsible_unit")
        .order_by("-reported_at", "-pk")
    )


def _hospital_paths() -> list[str]:
    hospitals = OrgUnit.objects.filter(parent__parent=None, parent__name=accounts_demo.REGION, kind__code="forvaltning")
    return [unit.path for unit in hospitals if unit.name.startswith("Västmanlands sjukhus")]


def _pick(scenario: Scenario, candidates: list[Incident], hospitals: list[str]) -> Incident | None:
    """The incident that fits the story best: its text, then old enough for the state the
    scenario reaches, then a serious event class (so Lex Maria cases have investigations),
    then a hospital unit (the stories happen on wards), then one a handler has taken on;
    among equals the most recent."""
    texts = {code: description for code, description, _ in CARE_TEXTS}
    rank = {texts[code]: number for number, code in enumerate(scenario.prefers)}
    reach = REACHES[scenario.target]
    needed = dt.timedelta(days=(PHASES[reach - 1] if reach else 0) + 10)
    now = timezone.now()

    def fit(ranked: tuple[int, Incident]) -> tuple:
        order, incident = ranked
        return (
            rank.get(incident.description, len(rank)),
            now - _opened_at(incident) < needed,
            incident.event_class not in LEX_MARIA_CLASSES,
            not any(incident.responsible_unit.path.startswith(path) for path in hospitals),
            incident.status == IncidentStatus.SUBMITTED,
            order,
        )

    best = min(enumerate(candidates), key=fit, default=None)
    return best[1] if best else None


def _opened_at(incident: Incident) -> dt.datetime:
    """A few days after the incident was triaged (or reported)."""
    return (incident.triaged_at or incident.reported_at or incident.occurred_at) + dt.timedelta(days=3)


def _in_office_since(people: dict[str, User]) -> dt.datetime:
    first = Membership.objects.filter(user__in=people.values()).order_by("-valid_from").first()
    day = first.valid_from if first else timezone.localdate()
    return timezone.make_aware(dt.datetime.combine(day, dt.time(8)))


def _investigate(scenario: Scenario, incident: Incident, people: dict[str, User]) -> Investigation:
    opened = max(_opened_at(incident), _in_office_since(people))
    reach = REACHES[scenario.target]
    moments = [opened, *schedule(opened, list(PHASES[:reach]), end=timezone.now() - dt.timedelta(hours=2))]
    phases = [as_of(moment) for moment in moments]
    with phases[0]:
        investigation = _open(scenario, incident, people)
    for number, phase in enumerate(phases[1:], start=1):
        with phase:
            investigation = Investigation.objects.get(pk=investigation.pk)
            _PHASE_STEPS[number](scenario, investigation, incident, people)
    return investigation


def _open(scenario: Scenario, incident: Incident, people: dict[str, User]) -> Investigation:
    leader, opener = people[LEADER], people[OPENER]
    investigation = services.investigation_open(
        incidents=[incident],
        actor=opener,
        method=scenario.method,
        reason=scenario.reason,
        title=scenario.title,
        leader=leader,
    )
    for username, role in scenario.team:
        services.member_add(investigation=investigation, actor=leader, user=people[username], role=role)
    return investigation


def _start(scenario: Scenario, investigation: Investigation, incident: Incident, people: dict[str, User]) -> None:
    services.investigation_start(investigation=investigation, actor=people[LEADER])


def _work(scenario: Scenario, investigation: Investigation, incident: Incident, people: dict[str, User]) -> None:
    leader = people[LEADER]
    now = timezone.now()
    for step in scenario.course:
        at = min(incident.occurred_at + dt.timedelta(minutes=step.minutes), now - dt.timedelta(minutes=1))
        services.course_add(investigation=investigation, actor=people[step.by], at=at, description=step.text)
    areas = {area.code: area for area in CauseArea.objects.filter(is_active=True)}
    causes = [
        services.cause_add(
            investigation=investigation,
            actor=leader,
            area=areas.get(cause.area) or next(iter(areas.values())),
            detail=cause.detail,
            contributing=cause.contributing,
        )
        for cause in scenario.causes
    ]
    if scenario.participation is not None:
        taking_part = scenario.participation
        invited_on = timezone.localtime(incident.occurred_at).date() + dt.timedelta(days=taking_part.days_after)
        services.patient_participation_record(
            investigation=investigation,
            actor=leader,
            invited=taking_part.invited,
            invited_on=min(invited_on, timezone.localdate()) if taking_part.invited else None,
            account=taking_part.account,
            not_invited_reason=taking_part.not_invited_reason,
        )
    if scenario.conclusions is not None:
        conclusions = scenario.conclusions
        services.conclusions_record(
            investigation=investigation,
            actor=leader,
            care_injury=conclusions.care_injury,
            avoidable=conclusions.avoidable,
            serious_permanent=conclusions.serious_permanent,
            serious_increased_care=conclusions.serious_increased_care,
            serious_death=conclusions.serious_death,
            conclusions=conclusions.text,
        )
    if scenario.costs:
        services.costs_record(investigation=investigation, actor=leader, **scenario.costs)
    today = timezone.localdate()
    for spec in scenario.actions:
        services.action_add(
            investigation=investigation,
            actor=leader,
            description=spec.description,
            responsible=people[spec.responsible],
            due_date=today + dt.timedelta(days=spec.due_in_days),
            effect_class=spec.effect,
            causes=[causes[i] for i in spec.causes],
        )


def _report_ready(
    scenario: Scenario, investigation: Investigation, incident: Incident, people: dict[str, User]
) -> None:
    services.report_ready(investigation=investigation, actor=people[LEADER])


def _follow_up(scenario: Scenario, investigation: Investigation, incident: Incident, people: dict[str, User]) -> None:
    leader, opener = people[LEADER], people[OPENER]
    links = list(investigation.actions.select_related("action").order_by("pk"))
    if not links:
        return
    services.follow_up_start(investigation=investigation, actor=leader)
    for spec, link in zip(scenario.actions, links, strict=True):
        if spec.evaluation is not None:
            services.action_evaluate(
                investigation=investigation,
                actor=leader,
                link=link,
                carried_out=spec.evaluation.carried_out,
                outcome=spec.evaluation.outcome,
                evidence=spec.evaluation.evidence,
            )
        if spec.state:
            # The action itself belongs to the incident: its handler marks it done there.
            action_update(action=link.action, actor=opener, state=spec.state)


def _close(scenario: Scenario, investigation: Investigation, incident: Incident, people: dict[str, User]) -> None:
    services.investigation_close(investigation=investigation, actor=people[LEADER])


# The step of each phase after opening (1 = PHASES[0], ...).
_PHASE_STEPS = {1: _start, 2: _work, 3: _report_ready, 4: _follow_up, 5: _close}


__all__ = ["SCENARIOS", "TITLES", "seed_investigations"]
