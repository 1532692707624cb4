"""Access-log review (PDL 4 kap. 3 §): the filter form, the scoped search and the CSV rows.

Reviewers search by user, patient, period and action. A patient identifier is a search
term that must never reach a URL, so the form is only ever posted. Searching the log by
patient, and exporting it, are themselves reads of patient data and are logged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts import personnummer
from accounts.access import scope_paths
from accounts.models import AccessLog, OrgUnit
from accounts.roles import Perm
from accounts.services import accesslog_record
from psweb.exports import formula_safe

SCREEN_LIMIT = 500
EXPORT_LIMIT = 100_000


class AccessLogFilterForm(forms.Form):
    username = forms.CharField(label=_("User name"), required=False, max_length=150)
    patient = forms.CharField(
        label=_("Patient's personal identity number"),
        required=False,
        max_length=20,
        help_text=_("YYYYMMDD-XXXX or YYMMDD-XXXX. Coordination numbers (samordningsnummer) work too."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}),
    )
    date_from = forms.DateField(
        label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("To date (inclusive)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    action = forms.ChoiceField(
        label=pgettext_lazy("access log", "Action"),
        required=False,
        choices=[("", pgettext_lazy("access log", "All actions")), *AccessLog.Action.choices],
    )

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip()

    def clean_patient(self) -> str:
        value = self.cleaned_data["patient"].strip()
        return personnummer.normalise(value) if value else ""

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The to date is before the from date."))
        return cleaned


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def accesslog_search(*, user, filters: dict | None = None) -> QuerySet[AccessLog]:
    """The log rows `user` may review, narrowed by the cleaned filters, newest first."""
    filters = filters or {}
    qs = AccessLog.objects.visible_to(user).select_related("user", "unit")
    if filters.get("username"):
        qs = qs.filter(user__username__iexact=filters["username"])
    if filters.get("patient"):
        qs = qs.filter(patient_identifier=filters["patient"])
    if filters.get("date_from"):
        qs = qs.filter(at__gte=_start_of(filters["date_from"]))
    if filters.get("date_to"):
        # The whole last day, in Swedish local time.
        qs = qs.filter(at__lt=_start_of(filters["date_to"] + dt.timedelta(days=1)))
    if filters.get("action"):
        qs = qs.filter(action=filters["action"])
    return qs.order_by("-at", "-id")


def accesslog_review_record(*, request, action: str, filters: dict, rows: int | None = None) -> list[AccessLog]:
    """Log that the reviewer read the access log (a search by patient, or an export).

    The read covers every part of the tree where the reviewer may review logs, so one row
    is written per such unit: each care provider sees that its log was read.
    """
    paths = scope_paths(request.user).get(Perm.ACCESSLOG_VIEW, ())
    label = _describe(action, filters, rows)
    return [
        accesslog_record(
            request=request,
            action=action,
            obj=AccessLog,
            unit=unit,
            patient_identifier=filters.get("patient", ""),
            label=label,
        )
        for unit in OrgUnit.objects.filter(path__in=paths)
    ]


def _describe(action: str, filters: dict, rows: int | None) -> str:
    """What was searched, without the patient identifier (it has its own column)."""
    parts = [gettext("Access log export") if action == AccessLog.Action.EXPORT else gettext("Access log search")]
    if filters.get("username"):
        parts.append(gettext("user %(username)s") % {"username": filters["username"]})
    if filters.get("date_from") or filters.get("date_to"):
        start = filters["date_from"].isoformat() if filters.get("date_from") else ""
        end = filters["date_to"].isoformat() if filters.get("date_to") else ""
        parts.append(f"{start}–{end}")
    if filters.get("action"):
        parts.append(str(AccessLog.Action(filters["action"]).label))
    if rows is not None:
        parts.append(gettext("%(rows)d rows") % {"rows": rows})
    return ", ".join(parts)


def review_row(entry: AccessLog) -> dict:
    """One log row as the reviewer reads it, on screen and in the CSV file."""
    object_text = entry.object_label or entry.object_type
    if entry.object_id:
        object_text = f"{object_text} ({entry.object_type} {entry.object_id})"
    return {
        "pk": entry.pk,
        "at": timezone.localtime(entry.at),
        "user_name": entry.user.get_full_name(),
        "username": entry.user.username,
        "action": entry.get_action_display(),
        "object": object_text,
        "unit": entry.unit.name,
        "patient": personnummer.display(entry.patient_identifier),
        "ip_address": entry.ip_address or "",
        "request_id": entry.request_id,
    }


CSV_COLUMNS = [
    ("at", _("Time")),
    ("user_name", _("Name")),
    ("username", _("User name")),
    ("action", pgettext_lazy("access log", "Action")),
    ("object", _("Object")),
    ("unit", _("Unit")),
    ("patient", _("Patient identifier")),
    ("ip_address", _("IP address")),
    ("request_id", _("Request id")),
]


def _cell(value) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return formula_safe(str(value))  # the one escape of every export


def csv_records(entries: Iterable[AccessLog]) -> Iterator[list[str]]:
    """The header, then one list of cells per log row."""
    yield [str(label) for _key, label in CSV_COLUMNS]
    for entry in entries:
        row = review_row(entry)
        yield [_cell(row[key]) for key, _label in CSV_COLUMNS]
