"""What a reporter does: start and autosave a draft, submit it, comment afterwards.

`incident_report` is the one way a whole report is sent, by the report form and by the API
alike: the draft, its attachments and the submission in one transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import personnummer
from accounts.models import OrgUnit
from accounts.roles import Perm
from accounts.selectors import memberships_valid_for, users_with_perm_in
from incidents import attachments as incident_attachments
from incidents import permissions
from incidents.models import (
    EVENT_CLASS_FROM_REPORTED_KIND,
    CaseType,
    Comment,
    Incident,
    ProviderSettings,
    ReportedKind,
    Status,
    TimelineEntry,
)
from incidents.services.common import KIT, bump, check_transition, check_version, lock, record, require
from psweb.cases import MAX_TEXT

# Fields a reporter may set on a draft. Everything else is set by services.
DRAFT_FIELDS = (
    "unit",
    "occurred_at",
    "description",
    "immediate_actions",
    "suggested_improvement",
    "case_type",
    "reported_kind",
    "patient_involved",
    "patient_identifier",
)
# Required to submit; the rest is optional.
REQUIRED_TO_SUBMIT = ("unit", "occurred_at", "description", "case_type", "reported_kind")


def default_unit_for(user) -> OrgUnit | None:
    """The reporter's own unit: the deepest unit of their valid memberships."""
    memberships = memberships_valid_for(user=user)
    if not memberships:
        return None
    return max(memberships, key=lambda m: m.unit.depth).unit


def _clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise reporter-supplied fields; ValidationError names each bad one."""
    unknown = set(fields) - set(DRAFT_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in sorted(unknown)})
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, value in fields.items():
        if name == "unit":
            if value in (None, ""):
                cleaned[name] = None
                continue
            unit = value if isinstance(value, OrgUnit) else OrgUnit.objects.filter(pk=_int_or_none(value)).first()
            if unit is None or not unit.is_active:
                errors[name] = _("Choose a unit from the list.")
            else:
                cleaned[name] = unit
        elif name == "occurred_at":
            if value in (None, ""):
                cleaned[name] = None
            elif not isinstance(value, dt.datetime):
                errors[name] = _("Give the date and time it happened.")
            elif value > timezone.now() + dt.timedelta(minutes=5):
                errors[name] = _("The time lies in the future. Check the date and time.")
            else:
                cleaned[name] = value
        elif name in ("description", "immediate_actions", "suggested_improvement"):
            text = (value or "").strip()
            if len(text) > MAX_TEXT:
                errors[name] = _("The text is too long (at most %(max)s characters).") % {"max": MAX_TEXT}
            cleaned[name] = text
        elif name == "case_type":
            if value and value not in CaseType.values:
                errors[name] = _("Choose care or work environment.")
            cleaned[name] = value or ""
        elif name == "reported_kind":
            if value and value not in ReportedKind.values:
                errors[name] = _("Choose what kind of event it was.")
            cleaned[name] = value or ""
        elif name == "patient_involved":
            cleaned[name] = bool(value)
        elif name == "patient_identifier":
            if value:
                try:
                    cleaned[name] = personnummer.normalise(value)
                except ValidationError as exc:
                    errors[name] = exc.messages[0]
            else:
                cleaned[name] = ""
    if errors:
        raise ValidationError(errors)
    if cleaned.get("patient_identifier"):
        cleaned["patient_involved"] = True
    return cleaned


def _care_means_a_patient(cleaned: dict[str, Any], *, was_care: bool) -> None:
    """Issue 13: care concerns a patient. Choosing care records a patient as involved unless
    the reporter says otherwise (`patient_involved` given as false), so that the duty to
    inform the patient and the Lex Maria assessment are not misled by a box left unticked."""
    if cleaned.get("case_type") == CaseType.CARE and not was_care and "patient_involved" not in cleaned:
        cleaned["patient_involved"] = True


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@transaction.atomic
def draft_start(*, actor, client_key: uuid.UUID | None = None, fields: dict[str, Any] | None = None) -> Incident:
    """Start a draft for `actor`. With a `client_key` already used by this reporter, the
    existing incident is returned unchanged (a retried request creates nothing)."""
    require(permissions.can_report(actor))
    if client_key is not None:
        existing = Incident.objects.filter(client_key=client_key).first()
        if existing is not None:
            if existing.reporter_id != actor.pk:
                raise ValidationError({"client_key": _("This key has already been used.")})
            return existing
    cleaned = _clean_fields(fields or {})
    _care_means_a_patient(cleaned, was_care=False)
    cleaned.setdefault("unit", default_unit_for(actor))
    cleaned.setdefault("occurred_at", timezone.now().replace(second=0, microsecond=0))
    incident = Incident(reporter=actor, client_key=client_key, status=Status.DRAFT, **cleaned)
    try:
        with transaction.atomic():
            incident.save()
    except IntegrityError:
        # A concurrent request with the same key won the race: return its incident.
        existing = Incident.objects.get(client_key=client_key)
        if existing.reporter_id != actor.pk:
            raise ValidationError({"client_key": _("This key has already been used.")}) from None
        return existing
    record(incident, actor=actor, kind=TimelineEntry.Kind.CREATED)
    return incident


@transaction.atomic
def draft_save(*, incident: Incident, actor, fields: dict[str, Any], version: int | None = None) -> Incident:
    """Autosave: store the given fields of a draft. Only its author may, only while a draft.
    Autosaves do not write timeline entries (the history triggers keep every version)."""
    incident = lock(incident)
    require(permissions.can_edit_draft(actor, incident))
    check_version(incident, version)
    cleaned = _clean_fields(fields)
    _care_means_a_patient(cleaned, was_care=incident.case_type == CaseType.CARE)
    if not cleaned:
        return incident
    for name, value in cleaned.items():
        setattr(incident, name, value)
    bump(incident, *cleaned)
    return incident


def _missing_to_submit(incident: Incident) -> dict[str, str]:
    messages = {
        "unit": _("Choose where it happened."),
        "occurred_at": _("Give the date and time it happened."),
        "description": _("Describe what happened."),
        "case_type": _("Choose care or work environment."),
        "reported_kind": _("Choose what kind of event it was."),
    }
    return {name: messages[name] for name in REQUIRED_TO_SUBMIT if not getattr(incident, name)}


@transaction.atomic
def incident_submit(*, incident: Incident, actor, version: int | None = None) -> Incident:
    """Send the report. Submitting an already submitted report again returns it unchanged
    (a double click or a retry never makes two reports)."""
    incident = lock(incident)
    if incident.reporter_id == actor.pk and incident.status != Status.DRAFT and incident.reference:
        return incident
    require(permissions.can_edit_draft(actor, incident))
    check_version(incident, version)
    check_transition(incident, "submit")
    missing = _missing_to_submit(incident)
    if missing:
        raise ValidationError(missing)

    now = timezone.now()
    settings_ = ProviderSettings.for_unit(incident.unit)
    incident.reference = KIT.next_reference(timezone.localtime(now).year)
    incident.status = Status.SUBMITTED
    incident.reported_at = now
    incident.late_report = now - incident.occurred_at > dt.timedelta(hours=settings_.late_report_hours)
    incident.responsible_unit = incident.unit
    incident.event_class = EVENT_CLASS_FROM_REPORTED_KIND[ReportedKind(incident.reported_kind)]
    if not incident.patient_involved:
        incident.patient_identifier = ""
    bump(
        incident,
        "reference",
        "status",
        "reported_at",
        "late_report",
        "responsible_unit",
        "event_class",
        "patient_identifier",
    )
    record(incident, actor=actor, kind=TimelineEntry.Kind.SUBMITTED, late=incident.late_report)
    # Written in this transaction (DESIGN §5); the e-mails are sent after commit.
    notify_handlers(incident_id=incident.pk, reason="submitted")
    return incident


@transaction.atomic
def incident_report(
    *,
    actor,
    client_key: uuid.UUID | None,
    fields: dict[str, Any],
    attachments: Iterable = (),
    incident: Incident | None = None,
    version: int | None = None,
    send: bool = True,
) -> tuple[Incident, bool]:
    """The whole report at once (the API's POST, and the report form posted whole): store
    `fields` on the draft (a new one for `client_key`, or the reporter's `incident` as it was
    at `version`), add the `attachments` (uploaded files) and, with `send`, submit it.

    One transaction with the row locked from the start, so that a double click or a retried
    request waits for the first one and then finds the report already sent: the same client
    key returns the same incident. Returns (incident, created); created is False when the
    report had been sent before this call, which then changed nothing."""
    if incident is None:
        if client_key is not None:
            existing = Incident.objects.filter(client_key=client_key, reporter=actor).first()
            if existing is not None and existing.status != Status.DRAFT:
                return existing, False
        incident = draft_start(actor=actor, client_key=client_key)
    incident = lock(incident)
    if incident.status != Status.DRAFT:
        # A concurrent request with the same key, or a second click, sent it first.
        return incident, False
    incident = draft_save(incident=incident, actor=actor, fields=fields, version=version)
    for file in attachments:
        incident_attachments.attachment_add(incident=incident, actor=actor, file=file)
    if send:
        incident = incident_submit(incident=incident, actor=actor)
    return incident, True


@transaction.atomic
def comment_add(*, incident: Incident, actor, text: str, to_reporter: bool = False) -> Comment:
    """A comment from the reporter reaches the handlers; a handler's comment stays among the
    staff unless it is addressed to the reporter, who is then told (link only)."""
    incident = lock(incident)
    require(permissions.can_comment(actor, incident))
    if to_reporter:
        require(permissions.can_share_comment(actor, incident))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write a comment.")})
    if len(text) > MAX_TEXT:
        raise ValidationError({"text": _("The text is too long (at most %(max)s characters).") % {"max": MAX_TEXT}})
    comment = Comment.objects.create(incident=incident, author=actor, text=text, to_reporter=to_reporter)
    bump(incident)
    record(incident, actor=actor, kind=TimelineEntry.Kind.COMMENTED, comment_id=comment.pk)
    if actor.pk == incident.reporter_id:
        notify_handlers(incident_id=incident.pk, reason="commented")
    elif to_reporter:
        notify_reporter_comment(incident=incident, comment=comment)
    return comment


def notify_reporter_comment(*, incident: Incident, comment: Comment) -> None:
    """Tell the reporter a handler wrote to them: reference and link, never the text."""
    from outbox.services import notify

    if not incident.reporter.is_active:
        return
    notify(
        user=incident.reporter,
        template="incidents/email/comment_notice",
        context={"reference": incident.reference},
        path=reverse("incidents:mine-detail", kwargs={"pk": incident.pk}) + "#comments",
        dedupe_key=f"incident:{incident.pk}:comment:{comment.pk}",
    )


@transaction.atomic
def incident_withdraw(*, incident: Incident, actor, reason: str, version: int | None = None) -> Incident:
    """Withdraw with a reason (a discarded draft, a duplicate, a report in error). Nothing
    is deleted: the incident stays, withdrawn, with the reason in its timeline."""
    incident = lock(incident)
    require(permissions.can_withdraw(actor, incident))
    check_version(incident, version)
    target = check_transition(incident, "withdraw")
    reason = (reason or "").strip()
    if not reason and incident.status != Status.DRAFT:
        raise ValidationError({"reason": _("Say why the incident is withdrawn.")})
    incident.status = target
    bump(incident, "status")
    record(incident, actor=actor, kind=TimelineEntry.Kind.WITHDRAWN, message=reason[:2000])
    return incident


def incident_withdraw_draft(*, incident: Incident, actor) -> Incident:
    """The reporter discards their own draft."""
    return incident_withdraw(incident=incident, actor=actor, reason=_("The draft was discarded by its author."))


def notify_handlers(*, incident_id: int, reason: str) -> int:
    """Tell the handlers of the responsible unit (in-app and e-mail): reference and link only,
    never free text or patient data. Returns how many people were notified."""
    from outbox.services import notify

    incident = Incident.objects.select_related("responsible_unit").get(pk=incident_id)
    path = reverse("incidents:detail", kwargs={"pk": incident.pk})
    count = 0
    for user in users_with_perm_in(unit=incident.responsible_unit, perm=Perm.INCIDENT_TRIAGE):
        if user.pk == incident.reporter_id:
            continue
        notify(
            user=user,
            template="incidents/email/handler_notice",
            context={"reference": incident.reference, "unit": incident.responsible_unit.name, "reason": reason},
            path=path,
            dedupe_key=f"incident:{incident.pk}:{reason}:{incident.version}",
        )
        count += 1
    return count
