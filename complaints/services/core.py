"""Every write to a complaint's own fields and state, one function per operation (DESIGN §4).

Each locks the row, checks who (permissions, 403), the version (StaleVersionError, 409) and
the state (ConflictError, 409), validates the input (ValidationError naming each field),
changes the complaint, bumps its version and writes a timeline entry in the same
transaction. Notifications go through the outbox with a reference and a link only: never
the patient's identity, the complainant's name or the complaint's words.

The due date (`due_date_for`): the patientnämnd's date when it set one, else the receipt plus
the provider's `answer_days` (default 28); with `weekend_moves_due` a date on a Saturday or
Sunday moves to the Monday after. A pause (`complaint_pause`, with a reason) stops the clock;
resuming moves the due date by the days paused. Answering while paused ends the pause.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import personnummer
from accounts.models import OrgUnit, User
from accounts.roles import Perm
from accounts.selectors import users_with_perm_in
from actions.models import Action
from actions.services import action_create
from complaints import permissions
from complaints.models import (
    AWAITING_ANSWER,
    BOARD_KIND,
    CLASSIFICATION,
    OPEN_STATES,
    TRANSITIONS,
    AnswerWay,
    Channel,
    ComplainantType,
    Complaint,
    ComplaintSettings,
    Contact,
    Pause,
    TimelineEntry,
)
from psweb.cases import (
    MAX_TEXT,
    CaseKit,
    ConflictError,
    as_date,
    bump,
    clean_past_date,
    clean_text,
    person_name,
    raise_errors,
    record,
    require,
)

KIT = CaseKit(
    transitions=TRANSITIONS,
    stale_message=gettext_lazy(
        "Someone else changed this complaint meanwhile. Reload to see the changes, then try again."
    ),
    state_message=gettext_lazy("This cannot be done while the complaint is %(status)s."),
    lock_related=("unit", "board_unit"),
    reference_prefix="KL",
    counter_table="complaints_referencecounter",
)

# The fields of a complaint a handler may change after registering it (`complaint_update`).
EDITABLE = (
    "channel",
    "complainant_type",
    "patient_consent",
    "received_on",
    "unit",
    "units",
    "area",
    "subarea",
    "summary",
    "description",
    "patient_identifier",
    "board_reference",
)
CONTACT_FIELDS = ("name", "address", "phone", "email")
LETTER_FIELDS = (
    "answer_what_happened",
    "answer_why",
    "answer_actions",
    "answer_apology",
    "answer_where_else",
)


def default_where_else() -> str:
    """PSL 8 kap. 7 § and lag 2017:372: an answer tells where else the patient can turn."""
    return _(
        "If you are not satisfied with our answer, you can turn to the patient board (patientnämnden) "
        "in your region, which can help you for free. You can also complain to the Health and Social "
        "Care Inspectorate (IVO) about a serious injury. If you were injured in the care you can claim "
        "compensation from the patient insurance (Löf, Landstingens Ömsesidiga Försäkringsbolag)."
    )


def case_path(complaint: Complaint) -> str:
    return reverse("complaints:detail", kwargs={"pk": complaint.pk})


def _notify(complaint: Complaint, user: User, template: str, dedupe_key: str, actor=None, **context) -> None:
    from outbox.services import notify

    notify(
        user=user,
        template=f"complaints/email/{template}",
        context={"reference": complaint.reference, **context},
        path=case_path(complaint),
        actor=actor,
        dedupe_key=dedupe_key,
    )


def handlers_of(complaint: Complaint):
    """Who is told: the complaint's handler, or without one every handler of its unit."""
    if complaint.handler_id and complaint.handler.is_active:
        return [complaint.handler]
    return list(users_with_perm_in(unit=complaint.unit, perm=Perm.COMPLAINT_HANDLE))


# --- The due date ----------------------------------------------------------------------------


def _off_weekend(day: dt.date, settings: ComplaintSettings) -> dt.date:
    if settings.weekend_moves_due and day.weekday() >= 5:
        return day + dt.timedelta(days=7 - day.weekday())
    return day


def due_date_for(unit: OrgUnit, received_on: dt.date, *, board_due_on: dt.date | None = None) -> dt.date:
    """When the answer is due: the patientnämnd's date as given, else receipt + the provider's
    days, off a weekend when the provider so configured."""
    if board_due_on is not None:
        return board_due_on
    settings = ComplaintSettings.for_unit(unit)
    return _off_weekend(received_on + dt.timedelta(days=settings.answer_days), settings)


# --- Input -------------------------------------------------------------------------------------


def _care_unit(value, field: str, errors: dict) -> OrgUnit | None:
    unit = value if isinstance(value, OrgUnit) else OrgUnit.objects.filter(pk=value).first() if value else None
    if unit is None:
        errors[field] = _("Choose a unit.")
    elif not unit.is_active:
        errors[field] = _("The unit is closed.")
    return unit


def _clean(fields: dict[str, Any], errors: dict, *, current: Complaint | None) -> dict[str, Any]:
    """The given fields checked; missing ones are left out (a partial update)."""
    cleaned: dict[str, Any] = {}
    required = current is None
    if "channel" in fields or required:
        if fields.get("channel") not in Channel.values:
            errors["channel"] = _("Choose how the complaint came in.")
        else:
            cleaned["channel"] = fields["channel"]
    if "complainant_type" in fields or required:
        if fields.get("complainant_type") not in ComplainantType.values:
            errors["complainant_type"] = _("Choose who complains.")
        else:
            cleaned["complainant_type"] = fields["complainant_type"]
    if "patient_consent" in fields:
        cleaned["patient_consent"] = bool(fields["patient_consent"])
    if "received_on" in fields or required:
        cleaned["received_on"] = clean_past_date(
            as_date(fields.get("received_on")), "received_on", errors, required=_("Give the date it was received.")
        )
    if "unit" in fields or required:
        cleaned["unit"] = _care_unit(fields.get("unit"), "unit", errors)
    if "units" in fields:
        units = []
        for value in fields.get("units") or ():
            unit = value if isinstance(value, OrgUnit) else OrgUnit.objects.filter(pk=value).first()
            if unit is None or not unit.is_active:
                errors["units"] = _("Choose active units.")
                break
            units.append(unit)
        cleaned["units"] = units
    area = fields.get("area", current.area if current else None)
    if "area" in fields or required:
        if area not in CLASSIFICATION:
            errors["area"] = _("Choose the problem area.")
        else:
            cleaned["area"] = area
    if "subarea" in fields or "area" in fields:
        subarea = fields.get("subarea", "") or ""
        if subarea and subarea not in CLASSIFICATION.get(area, ("", {}))[1]:
            errors["subarea"] = _("Choose a subarea of the problem area.")
        else:
            cleaned["subarea"] = subarea
    if "summary" in fields or required:
        summary = clean_text(
            fields.get("summary"), "summary", errors, required=_("Write a short summary."), max_length=200
        )
        if personnummer.IN_TEXT.search(summary):
            errors["summary"] = _("The summary is shown in lists: write it without a personal identity number.")
        cleaned["summary"] = summary
    if "description" in fields or required:
        cleaned["description"] = clean_text(
            fields.get("description"), "description", errors, required=_("Write what the complaint says.")
        )
    if "patient_identifier" in fields:
        value = (fields.get("patient_identifier") or "").strip()
        try:
            cleaned["patient_identifier"] = personnummer.normalise(value) if value else ""
        except ValidationError as error:
            errors["patient_identifier"] = error.messages[0]
    if "board_reference" in fields:
        cleaned["board_reference"] = clean_text(fields.get("board_reference"), "board_reference", errors, max_length=60)
    return cleaned


def _clean_contact(contact: dict[str, Any] | None, errors: dict) -> dict[str, str]:
    cleaned = {}
    for name in CONTACT_FIELDS:
        if contact and name in contact:
            limit = {"name": 200, "phone": 40, "email": 254}.get(name, 2000)
            cleaned[name] = clean_text(contact.get(name), f"contact_{name}", errors, max_length=limit)
    email = cleaned.get("email")
    if email:
        from django.core.validators import validate_email

        try:
            validate_email(email)
        except ValidationError:
            errors["contact_email"] = _("Give a valid e-mail address.")
    return cleaned


# --- Registering -------------------------------------------------------------------------------


@transaction.atomic
def complaint_register(
    *,
    actor,
    fields: dict[str, Any],
    contact: dict[str, Any] | None = None,
    board_unit: OrgUnit | None = None,
    board_due_on=None,
) -> Complaint:
    """A new complaint: by a complaint handler of the responsible unit, or — with
    `board_unit` — by the patientnämnd's officer for a case her nämnd sends, with its number
    (`board_reference`) and the date it set for the answer (`board_due_on`)."""
    errors: dict[str, str] = {}
    if board_unit is not None:
        require(permissions.can_register_for_board(actor, board_unit))
        fields = {**fields, "channel": Channel.PATIENT_BOARD}
    cleaned = _clean(fields, errors, current=None)
    contact_fields = _clean_contact(contact, errors)
    unit = cleaned.get("unit")
    if board_unit is None and unit is not None:
        require(permissions.can_register(actor, unit))
    if unit is not None and unit.kind.code == BOARD_KIND:
        errors["unit"] = _("Choose a unit of the care provider, not the patient board.")
    if board_unit is not None and board_unit.kind.code != BOARD_KIND:
        raise ValidationError({"board_unit": _("Choose a patient board.")})
    board_due = None
    if board_unit is not None:
        if not cleaned.get("board_reference"):
            errors["board_reference"] = _("Give the patient board's case number.")
        board_due = as_date(board_due_on)
        if board_due is None:
            errors["board_due_on"] = _("Give the date the patient board set for the answer.")
        elif cleaned.get("received_on") and board_due < cleaned["received_on"]:
            errors["board_due_on"] = _("The due date lies before the date it was received.")
    raise_errors(errors)

    units = cleaned.pop("units", [])
    complaint = Complaint(
        **cleaned,
        board_unit=board_unit,
        due_on=due_date_for(unit, cleaned["received_on"], board_due_on=board_due),
        created_by=actor,
    )
    complaint.reference = KIT.next_reference(timezone.localdate().year)
    complaint.save()
    complaint.units.set({unit, *units})
    Contact.objects.create(complaint=complaint, **contact_fields)
    record(complaint, actor=actor, kind=TimelineEntry.Kind.RECEIVED, message=complaint.get_channel_display())
    for user in handlers_of(complaint):
        if user.pk != actor.pk:
            _notify(complaint, user, "received", f"complaint:{complaint.pk}:received", actor=actor)
    return complaint


# --- Changing the details -----------------------------------------------------------------------


@transaction.atomic
def complaint_update(*, complaint: Complaint, actor, fields: dict[str, Any], version: int | None = None) -> Complaint:
    """The handler corrects the details (the responsible unit too). Not once closed."""
    complaint = KIT.lock(complaint)
    require(permissions.can_handle(actor, complaint))
    KIT.check_version(complaint, version)
    _check_open(complaint)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in sorted(unknown)})
    errors: dict[str, str] = {}
    cleaned = _clean(fields, errors, current=complaint)
    if "unit" in cleaned and cleaned["unit"] is not None and cleaned["unit"].pk != complaint.unit_id:
        # Moving the responsibility: the actor must handle complaints there too.
        require(permissions.can_register(actor, cleaned["unit"]))
    raise_errors(errors)
    units = cleaned.pop("units", None)
    changed = [name for name, value in cleaned.items() if getattr(complaint, name) != value]
    for name in changed:
        setattr(complaint, name, cleaned[name])
    if units is not None:
        new_units = {complaint.unit, *units}
        if {u.pk for u in new_units} != set(complaint.units.values_list("pk", flat=True)):
            complaint.units.set(new_units)
            changed.append("units")
    elif "unit" in changed:
        complaint.units.add(complaint.unit)
    if "received_on" in changed and complaint.board_unit_id is None:
        paused = sum(
            ((p.ended_on or timezone.localdate()) - p.started_on).days
            for p in complaint.pauses.filter(ended_on__isnull=False)
        )
        complaint.due_on = due_date_for(complaint.unit, complaint.received_on) + dt.timedelta(days=paused)
        changed.append("due_on")
    if not changed:
        return complaint
    bump(complaint, *[name for name in changed if name != "units"])
    record(
        complaint,
        actor=actor,
        kind=TimelineEntry.Kind.CHANGED,
        message=", ".join(str(Complaint._meta.get_field(name).verbose_name) for name in changed),
        fields=changed,
    )
    return complaint


@transaction.atomic
def contact_update(*, complaint: Complaint, actor, contact: dict[str, Any], version: int | None = None) -> Contact:
    """The complainant's contact details: the handlers' only; the timeline says that they
    changed, never what they are."""
    complaint = KIT.lock(complaint)
    require(permissions.can_view_contact(actor, complaint))
    KIT.check_version(complaint, version)
    errors: dict[str, str] = {}
    cleaned = _clean_contact(contact, errors)
    raise_errors(errors)
    row, _created = Contact.objects.select_for_update().get_or_create(complaint=complaint)
    changed = [name for name, value in cleaned.items() if getattr(row, name) != value]
    if not changed:
        return row
    for name in changed:
        setattr(row, name, cleaned[name])
    row.save(update_fields=changed)
    bump(complaint)
    record(complaint, actor=actor, kind=TimelineEntry.Kind.CONTACT_CHANGED)
    return row


@transaction.atomic
def complaint_assign(*, complaint: Complaint, actor, handler: User | None, version: int | None = None) -> Complaint:
    """Make `handler` (a complaint handler of the unit; the actor herself to take it) the one
    who handles it; she is told."""
    complaint = KIT.lock(complaint)
    require(permissions.can_handle(actor, complaint))
    KIT.check_version(complaint, version)
    _check_open(complaint)
    decision = permissions.may_handle(handler, complaint)
    if not decision:
        raise ValidationError({"handler": str(decision.reason)})
    if complaint.handler_id == handler.pk:
        return complaint
    complaint.handler = handler
    bump(complaint, "handler")
    record(complaint, actor=actor, kind=TimelineEntry.Kind.HANDLER_ASSIGNED, message=person_name(handler))
    if handler.pk != actor.pk:
        _notify(complaint, handler, "assigned", f"complaint:{complaint.pk}:assigned:{complaint.version}", actor=actor)
    return complaint


# --- The workflow -------------------------------------------------------------------------------


def _check_open(complaint: Complaint) -> None:
    if complaint.status not in OPEN_STATES:
        raise ConflictError(KIT.refusal(complaint))


def _step(complaint: Complaint, actor, transition: str, version) -> Complaint:
    complaint = KIT.lock(complaint)
    require(permissions.can_handle(actor, complaint))
    KIT.check_version(complaint, version)
    complaint.status = KIT.check_transition(complaint, transition)
    return complaint


def _take_if_nobody(complaint: Complaint, actor, fields: list[str]) -> None:
    if complaint.handler_id is None and permissions.may_handle(actor, complaint):
        complaint.handler = actor
        fields.append("handler")


@transaction.atomic
def complaint_acknowledge(
    *, complaint: Complaint, actor, acknowledged_on=None, version: int | None = None
) -> Complaint:
    """The receipt is sent (the complainant learns that the complaint arrived and when to
    expect an answer); the actor takes the case if nobody has it."""
    complaint = _step(complaint, actor, "acknowledge", version)
    errors: dict[str, str] = {}
    day = as_date(acknowledged_on) if acknowledged_on else timezone.localdate()
    day = clean_past_date(
        day, "acknowledged_on", errors, required=_("Give the date of the receipt."), not_before=complaint.received_on
    )
    raise_errors(errors)
    complaint.acknowledged_on = day
    fields = ["status", "acknowledged_on"]
    _take_if_nobody(complaint, actor, fields)
    bump(complaint, *fields)
    record(complaint, actor=actor, kind=TimelineEntry.Kind.ACKNOWLEDGED, message=day.isoformat())
    return complaint


@transaction.atomic
def complaint_investigate(*, complaint: Complaint, actor, version: int | None = None) -> Complaint:
    """The handler starts looking into it (asks the unit, reads the record)."""
    complaint = _step(complaint, actor, "investigate", version)
    fields = ["status"]
    _take_if_nobody(complaint, actor, fields)
    bump(complaint, *fields)
    record(complaint, actor=actor, kind=TimelineEntry.Kind.INVESTIGATING)
    return complaint


@transaction.atomic
def complaint_pause(*, complaint: Complaint, actor, reason: str, version: int | None = None) -> Complaint:
    """Stop the due date's clock, with a reason (waiting for the patient's consent, for a
    record from another provider…)."""
    complaint = KIT.lock(complaint)
    require(permissions.can_handle(actor, complaint))
    KIT.check_version(complaint, version)
    if complaint.status not in AWAITING_ANSWER:
        raise ConflictError(KIT.refusal(complaint))
    if complaint.paused_since is not None:
        raise ConflictError(_("The due date is already paused."))
    errors: dict[str, str] = {}
    reason = clean_text(reason, "reason", errors, required=_("Say why the due date is paused."), max_length=2000)
    raise_errors(errors)
    today = timezone.localdate()
    complaint.paused_since = today
    complaint.pause_reason = reason
    Pause.objects.create(complaint=complaint, started_on=today, reason=reason, started_by=actor)
    bump(complaint, "paused_since", "pause_reason")
    record(complaint, actor=actor, kind=TimelineEntry.Kind.PAUSED, message=reason)
    return complaint


def _end_pause(complaint: Complaint, actor, day: dt.date) -> int:
    """End the running pause on `day`; the due date moves by the days it lasted."""
    pause = complaint.pauses.filter(ended_on__isnull=True).order_by("-started_on", "-id").first()
    days = max((day - complaint.paused_since).days, 0)
    if pause is not None:
        pause.ended_on = max(day, pause.started_on)
        pause.ended_by = actor
        pause.save(update_fields=["ended_on", "ended_by"])
    complaint.due_on = _off_weekend(
        complaint.due_on + dt.timedelta(days=days), ComplaintSettings.for_unit(complaint.unit)
    )
    complaint.paused_since = None
    complaint.pause_reason = ""
    return days


@transaction.atomic
def complaint_resume(*, complaint: Complaint, actor, version: int | None = None) -> Complaint:
    complaint = KIT.lock(complaint)
    require(permissions.can_handle(actor, complaint))
    KIT.check_version(complaint, version)
    if complaint.paused_since is None:
        raise ConflictError(_("The due date is not paused."))
    days = _end_pause(complaint, actor, timezone.localdate())
    bump(complaint, "due_on", "paused_since", "pause_reason")
    record(
        complaint,
        actor=actor,
        kind=TimelineEntry.Kind.RESUMED,
        message=_("Paused %(days)s days; the answer is now due %(date)s.")
        % {"days": days, "date": complaint.due_on.isoformat()},
    )
    return complaint


@transaction.atomic
def letter_save(*, complaint: Complaint, actor, letter: dict[str, Any], version: int | None = None) -> Complaint:
    """Compose the answer (what happened, why, what is done, an apology, where else to turn)
    before it is sent; saved as often as the handler likes, no state changes."""
    complaint = KIT.lock(complaint)
    require(permissions.can_handle(actor, complaint))
    KIT.check_version(complaint, version)
    if complaint.status not in AWAITING_ANSWER:
        raise ConflictError(KIT.refusal(complaint))
    errors: dict[str, str] = {}
    cleaned = {
        name: clean_text(letter.get(name), name, errors, max_length=MAX_TEXT)
        for name in LETTER_FIELDS
        if name in letter
    }
    raise_errors(errors)
    changed = [name for name, value in cleaned.items() if getattr(complaint, name) != value]
    for name in changed:
        setattr(complaint, name, cleaned[name])
    if changed:
        bump(complaint, *changed)
    return complaint


@transaction.atomic
def complaint_answer(
    *,
    complaint: Complaint,
    actor,
    answered_on,
    way: str,
    letter: dict[str, Any] | None = None,
    version: int | None = None,
) -> Complaint:
    """The answer is recorded as sent (date and way), with the letter's text as sent. A
    running pause ends on the day it was sent."""
    complaint = _step(complaint, actor, "answer", version)
    errors: dict[str, str] = {}
    for name in LETTER_FIELDS:
        if letter and name in letter:
            setattr(complaint, name, clean_text(letter.get(name), name, errors, max_length=MAX_TEXT))
    if not complaint.answer_what_happened.strip():
        errors["answer_what_happened"] = _("Write what happened: the answer must explain it.")
    if not complaint.answer_where_else.strip():
        complaint.answer_where_else = default_where_else()
    day = clean_past_date(
        as_date(answered_on),
        "answered_on",
        errors,
        required=_("Give the date the answer was sent."),
        not_before=complaint.received_on,
    )
    if way not in AnswerWay.values:
        errors["answer_way"] = _("Choose how the answer was sent.")
    raise_errors(errors)
    fields = ["status", "answered_on", "answer_way", "answered_by", *LETTER_FIELDS]
    if complaint.paused_since is not None:
        _end_pause(complaint, actor, day)
        fields += ["due_on", "paused_since", "pause_reason"]
    complaint.answered_on = day
    complaint.answer_way = way
    complaint.answered_by = actor
    _take_if_nobody(complaint, actor, fields)
    bump(complaint, *fields)
    in_time = complaint.answered_in_time()
    record(
        complaint,
        actor=actor,
        kind=TimelineEntry.Kind.ANSWERED,
        message=(_("Sent %(date)s, in time.") if in_time else _("Sent %(date)s, after the due date %(due)s."))
        % {"date": day.isoformat(), "due": complaint.due_on.isoformat()},
        in_time=in_time,
    )
    return complaint


@transaction.atomic
def complaint_close(*, complaint: Complaint, actor, version: int | None = None) -> Complaint:
    complaint = _step(complaint, actor, "close", version)
    complaint.closed_at = timezone.now()
    bump(complaint, "status", "closed_at")
    record(complaint, actor=actor, kind=TimelineEntry.Kind.CLOSED)
    return complaint


@transaction.atomic
def complaint_reopen(*, complaint: Complaint, actor, reason: str, version: int | None = None) -> Complaint:
    """Back to investigating (the complainant wrote again, the answer was incomplete). The
    answer sent stays recorded until a new one replaces it."""
    complaint = _step(complaint, actor, "reopen", version)
    errors: dict[str, str] = {}
    reason = clean_text(reason, "reason", errors, required=_("Say why the complaint is reopened."), max_length=2000)
    raise_errors(errors)
    complaint.closed_at = None
    bump(complaint, "status", "closed_at")
    record(complaint, actor=actor, kind=TimelineEntry.Kind.REOPENED, message=reason)
    return complaint


@transaction.atomic
def complaint_forward(
    *, complaint: Complaint, actor, to: str, reason: str = "", version: int | None = None
) -> Complaint:
    """Sent on to whoever should answer it (another care provider, the municipality, IVO);
    not counted among the provider's answers."""
    complaint = _step(complaint, actor, "forward", version)
    errors: dict[str, str] = {}
    to = clean_text(to, "forwarded_to", errors, required=_("Say to whom it was forwarded."), max_length=200)
    reason = clean_text(reason, "reason", errors, max_length=2000)
    raise_errors(errors)
    complaint.forwarded_to = to
    complaint.closed_at = timezone.now()
    fields = ["status", "forwarded_to", "closed_at"]
    if complaint.paused_since is not None:
        _end_pause(complaint, actor, timezone.localdate())
        fields += ["due_on", "paused_since", "pause_reason"]
    bump(complaint, *fields)
    record(complaint, actor=actor, kind=TimelineEntry.Kind.FORWARDED, message=f"{to}. {reason}".strip(". ").strip())
    return complaint


@transaction.atomic
def complaint_withdraw(*, complaint: Complaint, actor, reason: str, version: int | None = None) -> Complaint:
    """The complainant withdrew it (or it was registered twice); not counted as answered."""
    complaint = _step(complaint, actor, "withdraw", version)
    errors: dict[str, str] = {}
    reason = clean_text(reason, "reason", errors, required=_("Say why the complaint is withdrawn."), max_length=2000)
    raise_errors(errors)
    complaint.closed_at = timezone.now()
    fields = ["status", "closed_at"]
    if complaint.paused_since is not None:
        _end_pause(complaint, actor, timezone.localdate())
        fields += ["due_on", "paused_since", "pause_reason"]
    bump(complaint, *fields)
    record(complaint, actor=actor, kind=TimelineEntry.Kind.WITHDRAWN, message=reason)
    return complaint


# --- Actions -------------------------------------------------------------------------------------


@transaction.atomic
def action_add(
    *,
    complaint: Complaint,
    actor,
    description: str,
    responsible,
    due_date,
    effect_class: str = "",
    version: int | None = None,
) -> Action:
    """An action the complaint leads to, in the action register; the responsible person is
    told. The answer letter can say what is done."""
    complaint = KIT.lock(complaint)
    require(permissions.can_handle(actor, complaint))
    KIT.check_version(complaint, version)
    _check_open(complaint)
    action = action_create(
        source=complaint,
        actor=actor,
        fields={
            "description": description,
            "responsible": responsible,
            "due_date": due_date,
            "effect_class": effect_class or "",
        },
    )
    bump(complaint)
    record(
        complaint,
        actor=actor,
        kind=TimelineEntry.Kind.ACTION_ADDED,
        message=_("Responsible: %(person)s, due %(date)s.")
        % {"person": person_name(action.responsible), "date": action.due_date.isoformat()},
        action_id=action.pk,
        action_version=action.version,
    )
    return action
