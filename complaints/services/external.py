"""IVO complaint cases and patient-insurance claims (LÖF) of a complaint (issue 17, item 5).

- IVO: an individual complaint ("enskilt klagomål", PSL 7 kap. 10 §) the inspectorate asks
  the care provider to give a statement on; IVO closes it with or without criticism.
- LÖF: a claim to the patient insurance (patientskadelagen 1996:799) the provider is asked
  to comment on; LÖF decides whether to compensate, and how much.

Each is an `ExternalCase` of the complaint, with its own number, dates and decision, written
by the complaint's handlers (`permissions.can_handle`). Such a case often arrives months
after the answer, so it may be registered and updated whatever the complaint's state. Every
change bumps the complaint's version and writes its timeline (which fields changed, never the
statement's or the decision's text).
"""

from __future__ import annotations

import decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from complaints import permissions
from complaints.models import Complaint, ExternalCase, ExternalDecision, ExternalKind, TimelineEntry
from complaints.services.core import KIT
from psweb.cases import as_date, bump, clean_past_date, clean_text, raise_errors, record, require

# What `external_update` may change; the kind and the complaint stay.
EXTERNAL_FIELDS = (
    "external_reference",
    "received_on",
    "question",
    "due_on",
    "statement",
    "statement_sent_on",
    "decision",
    "decided_on",
    "decision_text",
    "amount",
)


def decisions_for(kind: str) -> tuple[str, ...]:
    """The decisions IVO (without or with criticism) or LÖF (compensated or not) takes."""
    return ExternalCase.LOF_DECISIONS if kind == ExternalKind.LOF else ExternalCase.IVO_DECISIONS


def _amount(value, errors: dict) -> decimal.Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = decimal.Decimal(str(value).replace(" ", "").replace(",", "."))
    except decimal.InvalidOperation:
        errors["amount"] = _("Give the amount in kronor, for example 25000.")
        return None
    if not amount.is_finite() or amount < 0:
        errors["amount"] = _("The amount cannot be negative.")
    elif amount >= 10**10:
        errors["amount"] = _("The amount is too large.")
    return amount.quantize(decimal.Decimal("0.01")) if amount.is_finite() else None


def _clean(kind: str, fields: dict[str, Any], current: ExternalCase | None, errors: dict) -> dict[str, Any]:
    """The given fields checked against each other and the case as it is."""
    cleaned: dict[str, Any] = {}
    if "external_reference" in fields or current is None:
        cleaned["external_reference"] = clean_text(
            fields.get("external_reference"),
            "external_reference",
            errors,
            required=_("Give the case number IVO or LÖF gave it."),
            max_length=60,
        )
    if "received_on" in fields or current is None:
        cleaned["received_on"] = clean_past_date(
            as_date(fields.get("received_on")), "received_on", errors, required=_("Give the date it was received.")
        )
    received = cleaned.get("received_on") or (current.received_on if current else None)
    invalid = _("Give a valid date.")
    for name in ("question", "statement", "decision_text"):
        if name in fields:
            cleaned[name] = clean_text(fields.get(name), name, errors)
    if "due_on" in fields:
        due = fields.get("due_on")
        cleaned["due_on"] = as_date(due)
        if due not in (None, "") and cleaned["due_on"] is None:
            errors["due_on"] = _("Give a valid date.")
        elif cleaned["due_on"] and received and cleaned["due_on"] < received:
            errors["due_on"] = _("The due date lies before the date it was received.")
    if "statement_sent_on" in fields:
        sent = fields.get("statement_sent_on")
        cleaned["statement_sent_on"] = (
            clean_past_date(as_date(sent), "statement_sent_on", errors, required=invalid, not_before=received)
            if sent not in (None, "")
            else None
        )
    if "decision" in fields:
        decision = fields.get("decision") or ""
        if decision and decision not in decisions_for(kind):
            errors["decision"] = (
                _("LÖF decides to compensate or not.")
                if kind == ExternalKind.LOF
                else _("IVO closes a case with or without criticism.")
            )
        cleaned["decision"] = decision
    if "decided_on" in fields:
        decided = fields.get("decided_on")
        cleaned["decided_on"] = (
            clean_past_date(as_date(decided), "decided_on", errors, required=invalid, not_before=received)
            if decided not in (None, "")
            else None
        )
    if "amount" in fields:
        cleaned["amount"] = _amount(fields.get("amount"), errors)
        if cleaned["amount"] is not None and kind != ExternalKind.LOF:
            errors["amount"] = _("Only a patient insurance claim has an amount.")
    # Across the fields, as they will be.
    decision = cleaned.get("decision", current.decision if current else "")
    decided_on = cleaned.get("decided_on", current.decided_on if current else None)
    amount = cleaned.get("amount", current.amount if current else None)
    if decision and decided_on is None and "decided_on" not in errors:
        errors["decided_on"] = _("Give the date of the decision.")
    if not decision and decided_on is not None and "decision" not in errors:
        errors["decision"] = _("Choose the decision taken on that date.")
    if amount and decision != ExternalDecision.COMPENSATED and "amount" not in errors:
        errors["amount"] = _("An amount goes with a decision to compensate.")
    return cleaned


@transaction.atomic
def external_add(
    *,
    complaint: Complaint,
    actor,
    kind: str,
    external_reference: str,
    received_on,
    question: str = "",
    due_on=None,
    version: int | None = None,
) -> ExternalCase:
    """Register an IVO complaint case or a LÖF claim against the complaint."""
    complaint = KIT.lock(complaint)
    require(permissions.can_handle(actor, complaint))
    KIT.check_version(complaint, version)
    errors: dict[str, str] = {}
    if kind not in ExternalKind.values:
        errors["kind"] = _("Choose IVO or LÖF.")
    fields = {
        "external_reference": external_reference,
        "received_on": received_on,
        "question": question,
        "due_on": due_on,
    }
    cleaned = _clean(kind, fields, None, errors)
    raise_errors(errors)
    case = ExternalCase.objects.create(complaint=complaint, kind=kind, created_by=actor, **cleaned)
    bump(complaint)
    record(
        complaint,
        actor=actor,
        kind=TimelineEntry.Kind.EXTERNAL_ADDED,
        message=f"{case.get_kind_display()} {case.external_reference}",
        external_id=case.pk,
    )
    return case


@transaction.atomic
def external_update(*, case: ExternalCase, actor, version: int | None = None, **fields: Any) -> ExternalCase:
    """Change an IVO or LÖF case: the statement and when it was sent, the decision (IVO's for
    IVO, LÖF's for LÖF) and its date and text, the amount (LÖF only, not negative). `version`
    is the complaint's."""
    complaint = KIT.lock(case.complaint)
    require(permissions.can_handle(actor, complaint))
    KIT.check_version(complaint, version)
    case = ExternalCase.objects.select_for_update().get(pk=case.pk, complaint=complaint)
    unknown = set(fields) - set(EXTERNAL_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in sorted(unknown)})
    errors: dict[str, str] = {}
    cleaned = _clean(case.kind, fields, case, errors)
    raise_errors(errors)
    changed = [name for name, value in cleaned.items() if getattr(case, name) != value]
    if not changed:
        return case
    for name in changed:
        setattr(case, name, cleaned[name])
    case.save(update_fields=changed)
    bump(complaint)
    names = ", ".join(str(ExternalCase._meta.get_field(name).verbose_name) for name in changed)
    record(
        complaint,
        actor=actor,
        kind=TimelineEntry.Kind.EXTERNAL_CHANGED,
        message=f"{case.get_kind_display()} {case.external_reference}: {names}",
        external_id=case.pk,
        fields=changed,
    )
    return case
