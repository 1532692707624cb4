"""The content of the report to IVO (HSLF-FS 2017:41), assembled from the case.

IVO has no API: the report is made on IVO's form through its e-service (or by post, never
e-mail), so psweb gathers what the form asks for and gives it as sections (`ivo_report`) and
as plain text to paste (`ivo_report_text`). The patient appears only as age at the event and
sex, both derived from the personnummer; never the number or a name. Free text copied from
incidents and the investigation has anything that looks like a personal identity number
replaced, since reporters sometimes type one into a description.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from actions.models import EffectClass
from incidents.models import Cause, EventClass, Incident, PatientInformation
from investigations.models import CareInjury, InvestigationCause, Method
from investigations.models import Status as InvestigationStatus
from lexmaria.models import Capacity, CaseIncident, LexMariaCase
from lexmaria.selectors import action_blockers, case_actions, local_date
from psweb.models import PSL_3_8_POINTS

# YYMMDD or YYYYMMDD, an optional separator, four digits; not part of a longer number.
_IDENTITY_NUMBER = re.compile(r"(?<!\d)(?:\d{2})?\d{6}[-+ ]?\d{4}(?!\d)")
_COORDINATION_DAY_OFFSET = 60


@dataclass(frozen=True)
class IvoEvent:
    reference: str
    occurred_at: dt.datetime | None  # Swedish local time
    unit: str  # where it happened
    event_class: str
    description: str


@dataclass(frozen=True)
class IvoPatient:
    incident_reference: str
    age: int | None  # whole years at the event
    sex: str  # "man", "woman" (translated) or "" when no personnummer was recorded


@dataclass(frozen=True)
class IvoConsequences:
    patients: list[IvoPatient]
    event_classes: list[str]
    care_injury: str  # from the investigation's conclusions, or ""
    serious_criteria: list[str]
    avoidable: bool | None


@dataclass(frozen=True)
class IvoInvestigation:
    reference: str
    method: str
    status: str
    conclusions: str
    report_ready_on: dt.date | None


@dataclass(frozen=True)
class IvoAction:
    description: str
    responsible: str
    due_date: dt.date | None
    effect: str
    state: str


@dataclass(frozen=True)
class IvoPatientInformation:
    incident_reference: str
    informed: bool
    informed_on: dt.date | None
    told: list[str]
    not_told: list[str]
    record_note_made: bool
    not_informed_reason: str


@dataclass(frozen=True)
class IvoReport:
    reference: str
    care_provider: str
    care_provider_hsa_id: str
    unit: str
    unit_hsa_id: str
    reported_by: str  # the person who decided to report (HSLF-FS 2017:41 4 §)
    events: list[IvoEvent]
    consequences: IvoConsequences
    investigation: IvoInvestigation | None  # None: the investigation follows later
    causes: list[str]
    actions: list[IvoAction]
    patient_information: list[IvoPatientInformation]
    patient_invited: bool | None
    patient_not_invited_reason: str
    patient_account: str
    # What is still incomplete, for the preparer (not part of the text sent to IVO).
    missing: list[str]


def _decider(case) -> str:
    """Who decided to report, and in what capacity (PSL 3 kap. 5 §, HSLF-FS 2017:41: the
    person the care provider designated, her deputy or a delegate; `lexmaria.deciders`)."""
    if not case.decided_by_id:
        return ""
    if case.decided_as not in (Capacity.DEPUTY, Capacity.DELEGATE):  # the decider in her own right
        return _person(case.decided_by)
    return f"{_person(case.decided_by)} ({case.get_decided_as_display()})"


def redact(text: str) -> str:
    """Free text with anything that looks like a personal identity number replaced."""
    return _IDENTITY_NUMBER.sub(_("[identity number removed]"), text or "").strip()


def _birth_date(identifier: str) -> dt.date | None:
    if len(identifier) != 12 or not identifier.isdigit():
        return None
    day = int(identifier[6:8])
    if day > _COORDINATION_DAY_OFFSET:  # samordningsnummer
        day -= _COORDINATION_DAY_OFFSET
    try:
        return dt.date(int(identifier[:4]), int(identifier[4:6]), day)
    except ValueError:
        return None


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def patient_of(incident: Incident) -> IvoPatient:
    """Age at the event and sex from the stored personnummer (12 digits): the ninth digit of
    the ten-digit form (the third from the end) is odd for a man, even for a woman."""
    identifier = incident.patient_identifier or ""
    born = _birth_date(identifier)
    on = local_date(incident.occurred_at) or timezone.localdate()
    if born is None:
        return IvoPatient(incident.reference, None, "")
    sex = _("man") if int(identifier[-2]) % 2 else _("woman")
    return IvoPatient(incident.reference, _age(born, on), sex)


def _label(choices, value: str, empty: str = "") -> str:
    return str(choices(value).label) if value in choices.values else empty


def ivo_report(case: LexMariaCase) -> IvoReport:
    """Everything IVO's form asks for, from the case, its incidents and its investigation."""
    case = LexMariaCase.objects.select_related(
        "unit", "unit__care_provider", "decided_by", "investigation", "investigation__unit"
    ).get(pk=case.pk)
    incident_ids = CaseIncident.objects.filter(case=case).values("incident_id")
    incidents = list(Incident.objects.filter(pk__in=incident_ids).select_related("unit").order_by("occurred_at", "pk"))
    investigation = case.investigation
    missing: list[str] = []

    events = [
        IvoEvent(
            reference=incident.reference,
            occurred_at=timezone.localtime(incident.occurred_at) if incident.occurred_at else None,
            unit=incident.unit.name if incident.unit_id else "",
            event_class=_label(EventClass, incident.event_class),
            description=redact(incident.description),
        )
        for incident in incidents
    ]

    patients = [patient_of(incident) for incident in incidents if incident.patient_involved]
    consequences = IvoConsequences(
        patients=patients,
        event_classes=sorted({event.event_class for event in events if event.event_class}),
        care_injury=_label(CareInjury, investigation.care_injury) if investigation else "",
        serious_criteria=_serious_criteria(investigation),
        avoidable=investigation.avoidable if investigation else None,
    )
    if any(patient.age is None for patient in patients):
        missing.append(_("The patient's personal identity number is not recorded: age and sex cannot be given."))

    ivo_investigation = None
    if investigation is None:
        missing.append(_("No investigation is linked: the report will say that it follows later."))
    else:
        ivo_investigation = IvoInvestigation(
            reference=investigation.reference,
            method=_label(Method, investigation.method),
            status=_label(InvestigationStatus, investigation.status),
            conclusions=redact(investigation.conclusions),
            report_ready_on=local_date(investigation.report_ready_at),
        )
        if not investigation.conclusions.strip():
            missing.append(_("The investigation has no conclusions yet."))

    actions = list(case_actions(case))
    missing.extend(str(text) for text in action_blockers(actions))

    information = {
        row.incident_id: row for row in PatientInformation.objects.filter(incident_id__in=[i.pk for i in incidents])
    }
    informed_rows = []
    for incident in incidents:
        row = information.get(incident.pk)
        if row is None:
            if incident.patient_involved:
                missing.append(
                    _("%(reference)s: record whether and how the patient was informed (PSL 3 kap. 8 §).")
                    % {"reference": incident.reference}
                )
            continue
        informed_rows.append(_patient_information(incident, row))
        if row.informed and not all(getattr(row, name) for name in PSL_3_8_POINTS):
            missing.append(
                _("%(reference)s: not every point of PSL 3 kap. 8 § is recorded as told to the patient.")
                % {"reference": incident.reference}
            )
    if investigation is not None and investigation.patient_invited is None:
        missing.append(_("Record whether the patient or relatives were invited to tell their account."))

    provider = case.unit.care_provider or case.unit
    return IvoReport(
        reference=case.reference,
        care_provider=provider.name,
        care_provider_hsa_id=provider.hsa_id,
        unit=case.unit.name,
        unit_hsa_id=case.unit.hsa_id,
        reported_by=_decider(case),
        events=events,
        consequences=consequences,
        investigation=ivo_investigation,
        causes=_causes(investigation, incidents),
        actions=[
            IvoAction(
                description=redact(action.description),
                responsible=_person(action.responsible) if action.responsible_id else "",
                due_date=action.due_date,
                effect=_label(EffectClass, action.effect_class, _("not classified")),
                state=str(action.get_state_display()),
            )
            for action in actions
        ],
        patient_information=informed_rows,
        patient_invited=investigation.patient_invited if investigation else None,
        patient_not_invited_reason=redact(investigation.patient_not_invited_reason) if investigation else "",
        patient_account=redact(investigation.patient_account) if investigation else "",
        missing=missing,
    )


def _person(user) -> str:
    return user.get_full_name() or user.username


def _serious_criteria(investigation) -> list[str]:
    if investigation is None:
        return []
    criteria = [
        (investigation.serious_permanent, _("permanent and not minor")),
        (investigation.serious_increased_care, _("substantially increased need of care")),
        (investigation.serious_death, _("death")),
    ]
    return [label for present, label in criteria if present]


def _causes(investigation, incidents: list[Incident]) -> list[str]:
    """The investigation's causes; without an investigation (or causes in it), the incidents'."""
    rows = []
    if investigation is not None:
        rows = list(
            InvestigationCause.objects.filter(investigation=investigation, removed_at__isnull=True).select_related(
                "area"
            )
        )
    if not rows:
        rows = list(
            Cause.objects.filter(incident__in=incidents, removed_at__isnull=True)
            .select_related("area")
            .order_by("created_at", "id")
        )
    return [f"{row.area.name}: {redact(row.detail)}" if row.detail.strip() else row.area.name for row in rows]


def _patient_information(incident: Incident, row: PatientInformation) -> IvoPatientInformation:
    labels = {name: str(PatientInformation._meta.get_field(name).verbose_name) for name in PSL_3_8_POINTS}
    return IvoPatientInformation(
        incident_reference=incident.reference,
        informed=row.informed,
        informed_on=row.informed_on,
        told=[labels[name] for name in PSL_3_8_POINTS if getattr(row, name)],
        not_told=[labels[name] for name in PSL_3_8_POINTS if not getattr(row, name)] if row.informed else [],
        record_note_made=row.record_note_made,
        not_informed_reason=redact(row.not_informed_reason),
    )


def _yes_no(value: bool | None) -> str:
    if value is None:
        return _("not stated")
    return _("yes") if value else _("no")


def ivo_report_text(report: IvoReport) -> str:
    """The report as structured plain text, with headings in the active language (Swedish by
    default), to paste into IVO's e-service."""
    lines: list[str] = [_("Lex Maria report to IVO — %(reference)s") % {"reference": report.reference}, ""]

    def heading(number: int, title: str) -> None:
        if lines[-1] != "":
            lines.append("")
        lines.append(f"{number}. {title}")

    heading(1, _("Care provider"))
    lines.append(_with_hsa(report.care_provider, report.care_provider_hsa_id))
    if report.reported_by:
        lines.append(_("Reported by: %(person)s") % {"person": report.reported_by})

    heading(2, _("Unit"))
    lines.append(_with_hsa(report.unit, report.unit_hsa_id))

    heading(3, _("What happened and when"))
    for event in report.events:
        when = event.occurred_at.strftime("%Y-%m-%d %H:%M") if event.occurred_at else _("time not known")
        lines.append(
            f"{event.reference}, {when}, {event.unit}" + (f" ({event.event_class})" if event.event_class else "")
        )
        lines.append(event.description)
        lines.append("")

    heading(4, _("The patient and the consequences"))
    for patient in report.consequences.patients:
        age = _("%(age)s years") % {"age": patient.age} if patient.age is not None else _("not known")
        lines.append(_("Age at the event: %(age)s. Sex: %(sex)s.") % {"age": age, "sex": patient.sex or _("not known")})
    if report.consequences.care_injury:
        lines.append(_("Care injury: %(answer)s") % {"answer": report.consequences.care_injury})
    if report.consequences.serious_criteria:
        lines.append(
            _("Serious care injury: %(criteria)s") % {"criteria": ", ".join(report.consequences.serious_criteria)}
        )
    if report.consequences.avoidable is not None:
        lines.append(
            _("Avoidable with adequate measures: %(answer)s") % {"answer": _yes_no(report.consequences.avoidable)}
        )
    if report.consequences.event_classes:
        lines.append(_("Event class: %(classes)s") % {"classes": ", ".join(report.consequences.event_classes)})

    heading(5, _("The investigation"))
    if report.investigation is None:
        lines.append(_("The investigation follows later."))
    else:
        inv = report.investigation
        lines.append(f"{inv.reference}, {inv.method} ({inv.status})")
        lines.append(inv.conclusions or _("The conclusions follow later."))

    heading(6, _("Causes"))
    lines.extend(f"- {cause}" for cause in report.causes)
    if not report.causes:
        lines.append(_("Not yet known."))

    heading(7, _("Actions"))
    for action in report.actions:
        due = action.due_date.isoformat() if action.due_date else _("no due date")
        lines.append(f"- {action.description}")
        lines.append(
            "  "
            + _("Responsible: %(person)s. Due: %(date)s. Expected effect: %(effect)s.")
            % {"person": action.responsible or _("nobody named"), "date": due, "effect": action.effect}
        )
    if not report.actions:
        lines.append(_("No actions have been decided."))

    heading(8, _("Information to the patient (PSL 3 kap. 8 §)"))
    for row in report.patient_information:
        if row.informed:
            lines.append(
                _("%(reference)s: the patient was informed on %(date)s.")
                % {"reference": row.incident_reference, "date": row.informed_on.isoformat()}
            )
            lines.extend(f"- {point}" for point in row.told)
            if row.not_told:
                lines.append(_("Not told: %(points)s") % {"points": ", ".join(row.not_told)})
            lines.append(_("Noted in the patient record: %(answer)s") % {"answer": _yes_no(row.record_note_made)})
        else:
            lines.append(
                _("%(reference)s: the patient was not informed. Reason: %(reason)s")
                % {"reference": row.incident_reference, "reason": row.not_informed_reason}
            )
    if not report.patient_information:
        lines.append(_("Not recorded."))

    heading(9, _("The patient's own account"))
    if report.patient_invited is None:
        lines.append(_("Not recorded."))
    elif not report.patient_invited:
        lines.append(_("The patient and relatives were not invited to tell their account."))
        if report.patient_not_invited_reason:
            lines.append(_("Reason: %(reason)s") % {"reason": report.patient_not_invited_reason})
    else:
        lines.append(report.patient_account or _("The patient was invited; no account was given."))

    return "\n".join(lines).rstrip() + "\n"


def _with_hsa(name: str, hsa_id: str) -> str:
    return _("%(name)s (HSA-id %(hsa)s)") % {"name": name, "hsa": hsa_id} if hsa_id else name
