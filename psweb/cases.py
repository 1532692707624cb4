"""The case kit: what every versioned case (incident, investigation, Lex Maria case, and the
case types to come) shares in its services, written once.

DESIGN §4: a transition locks the row, checks who may (403) and from which state (409),
refuses a change made from an old version (409), saves with the version bumped, and writes
a timeline entry in the same transaction. A case model has `status`, `version`, `updated_at`
and a `timeline` of entries (`psweb.models.TimelineEntryBase`) with `actor`, `kind`,
`message` and `data`.

A case type describes itself once with a `CaseKit` (its TRANSITIONS table, the words its
refusals use, its reference prefix and counter table) and its services call the kit:

    KIT = CaseKit(
        transitions=TRANSITIONS,
        stale_message=gettext_lazy("Someone else changed this complaint meanwhile. …"),
        state_message=gettext_lazy("This cannot be done while the complaint is %(status)s."),
        reference_prefix="KL",
        counter_table="complaints_referencecounter",
    )

    def complaint_close(*, complaint, actor, version=None):
        with transaction.atomic():
            complaint = KIT.lock(complaint)
            require(permissions.can_close(actor, complaint))
            KIT.check_version(complaint, version)
            complaint.status = KIT.check_transition(complaint, "close")
            bump(complaint, "status")
            record(complaint, actor=actor, kind="closed")

Input is validated into one dict of errors per call (`clean_text`, `clean_date`, then
`raise_errors`), so that a form or an API client is told about every field at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from psweb.references import candidate_references, parse_reference, register_prefix

# The longest free text a case field takes (a page of A4 is about 3 000 characters).
MAX_TEXT = 20_000


class ConflictError(Exception):
    """The case's state does not allow this (HTTP 409). `blockers` may list what stands in
    the way, in words a person understands."""

    def __init__(self, message: str, blockers: list | None = None):
        super().__init__(message)
        self.message = message
        if blockers is not None:
            self.blockers = blockers


class StaleVersionError(ConflictError):
    """The change was based on an old version (HTTP 409). `changes` lists what happened since."""

    def __init__(self, message: str, changes: list):
        super().__init__(message)
        self.changes = changes


def require(decision) -> None:
    """Raise PermissionDenied with the decision's reason when it is a Denied."""
    if not decision:
        raise PermissionDenied(decision.reason)


@dataclass(frozen=True)
class CaseKit:
    """One case type's rules for the shared steps: which transitions exist, what a refusal
    says, which rows to read with the locked case, and how its references are numbered."""

    transitions: dict
    # Both lazy translations: said to the user in the language of the request.
    stale_message: str
    state_message: str  # may use %(status)s, the current state's name
    lock_related: tuple[str, ...] = ()
    reference_prefix: str = ""
    counter_table: str = ""

    def __post_init__(self):
        register_prefix(self.reference_prefix)  # so that a search reads "UT-…" as a reference

    def lock(self, case: Model) -> Model:
        """The row, locked for the rest of the transaction, as it is in the database now.
        Only the case's own row is locked, not the rows `lock_related` joins in."""
        manager = type(case).objects.select_for_update(of=("self",))
        return manager.select_related(*self.lock_related).get(pk=case.pk)

    def check_version(self, case: Model, expected: int | None) -> None:
        """Refuse a change made from an old version, naming what changed meanwhile."""
        if expected is None or expected == case.version:
            return
        since = list(case.timeline.select_related("actor").filter(data__version__gt=expected).order_by("at", "id"))
        raise StaleVersionError(str(self.stale_message), since)

    def check_transition(self, case: Model, transition: str) -> str:
        """The target state of `transition` from the case's state, or ConflictError."""
        sources, target = self.transitions[transition]
        if case.status not in sources:
            raise ConflictError(self.refusal(case))
        return target

    def refusal(self, case: Model) -> str:
        """ "This cannot be done while the case is <state>." for the case's current state."""
        return str(self.state_message) % {"status": case.get_status_display().lower()}

    def next_reference(self, year: int) -> str:
        """<prefix>-<year>-<6 digits>: one counter row per year, incremented atomically."""
        return f"{self.reference_prefix}-{year}-{next_number(self.counter_table, year):06d}"

    def references_for(self, text: str | None) -> list[str] | None:
        """The references of this case type a search text can mean (`av-2026-189`, `000189`:
        psweb.references), or None when the text does not read as a reference."""
        query = parse_reference(text)
        if query is None:
            return None
        return candidate_references(query, prefix=self.reference_prefix, counter_table=self.counter_table)


def bump(case: Model, *fields: str) -> None:
    """Save `fields` and increment the version in the same UPDATE."""
    case.version = F("version") + 1
    case.save(update_fields=[*fields, "version", "updated_at"])
    case.refresh_from_db(fields=["version"])


def record(case: Model, *, actor, kind: str, message: str = "", **data):
    """Write one timeline entry (never patient identity). `data["version"]` is the case's
    version after the change, so a stale editor can be shown what came after."""
    return case.timeline.create(actor=actor, kind=kind, message=message, data={"version": case.version, **data})


def next_number(counter_table: str, year: int) -> int:
    """The next number of `year` from a (year, last) counter table, incremented atomically."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(counter_table)} (year, last) VALUES (%s, 1) "  # noqa: S608
            f"ON CONFLICT (year) DO UPDATE SET last = {connection.ops.quote_name(counter_table)}.last + 1 "
            "RETURNING last",
            [year],
        )
        return cursor.fetchone()[0]


# --- Input: every field checked, every error reported at once ---------------------------------


def person_name(user) -> str:
    """A user as the name people know them by (full name, else the username)."""
    return user.get_full_name() or user.username


def clean_text(value, field: str, errors: dict, *, required: str | None = None, max_length: int = MAX_TEXT) -> str:
    """The stripped text; an error under `field` when it is required and blank, or too long."""
    text = (value or "").strip()
    if required and not text:
        errors[field] = required
    elif len(text) > max_length:
        errors[field] = _("The text is too long (at most %(max)s characters).") % {"max": max_length}
    return text


def clean_past_date(
    value, field: str, errors: dict, *, required: str, not_before: dt.date | None = None
) -> dt.date | None:
    """A date (not a time) that is not in the future and not before `not_before`."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        errors[field] = required
        return None
    if value > timezone.localdate():
        errors[field] = _("The date lies in the future.")
    elif not_before is not None and value < not_before:
        errors[field] = _("The date lies before %(date)s.") % {"date": not_before.isoformat()}
    return value


def as_date(value) -> dt.date | None:
    """A date from a date, a datetime (its local day) or an ISO string; None otherwise."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def fresh_instance(model, value):
    """`value` (an instance or a primary key) read afresh from the database, or None when not
    found: a stale instance must not pass a check like "still in use"."""
    if value is None or value == "":
        return None
    if isinstance(value, model):
        value = value.pk
    try:
        return model.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        return None


def raise_errors(errors: dict) -> None:
    """ValidationError naming each field, when there is any error."""
    if errors:
        raise ValidationError(errors)
