"""Forms of the reporting pages: the report itself, a comment, an attachment.

Forms parse and validate input; the services in `incidents.services` (and
`incidents.attachments`) decide and write. The report form is used three ways: to send
(every required field checked), to save a draft (nothing required), and for autosave (only
the fields the browser sent, each valid one saved on its own).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import personnummer
from accounts.models import OrgUnit
from accounts.selectors import memberships_valid_for
from incidents import attachments
from incidents.models import CaseType, ReportedKind
from incidents.services.reporting import DRAFT_FIELDS
from psweb.cases import MAX_TEXT

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
# How many units the plain <select> lists at most (own units, or the matches of a search).
UNIT_CHOICES_LIMIT = 60

# The same words as the services use when something required is missing.
REQUIRED_MESSAGES = {
    "unit": _("Choose where it happened."),
    "occurred_at": _("Give the date and time it happened."),
    "description": _("Describe what happened."),
    "case_type": _("Choose care or work environment."),
    "reported_kind": _("Choose what kind of event it was."),
}


def unit_label(unit: OrgUnit) -> str:
    """A unit as a reporter recognises it: its name, the unit above it and the care provider."""
    context = [u.name for u in (unit.parent, unit.care_provider) if u is not None and u.pk != unit.pk]
    unique = list(dict.fromkeys(context))
    return f"{unit.name} ({' · '.join(unique)})" if unique else unit.name


def _units():
    return OrgUnit.objects.filter(is_active=True).select_related("parent", "care_provider")


def units_matching(query: str, limit: int = UNIT_CHOICES_LIMIT) -> list[OrgUnit]:
    """Active units anywhere in the tree (every care provider) whose name contains `query`,
    or whose HSA-id is `query`."""
    query = (query or "").strip()[:100]
    if not query:
        return []
    return list(_units().filter(Q(name__icontains=query) | Q(hsa_id__iexact=query)).order_by("name", "path")[:limit])


def units_of(user, limit: int = UNIT_CHOICES_LIMIT) -> list[OrgUnit]:
    """The reporter's own units and the units below them, in tree order."""
    paths = [m.unit.path for m in memberships_valid_for(user=user)]
    if not paths:
        return []
    in_subtree = Q()
    for path in paths:
        in_subtree |= Q(path__startswith=path)
    return list(_units().filter(in_subtree).order_by("path")[:limit])


def unit_choices(*, user, query: str = "", selected: OrgUnit | None = None) -> list[tuple[str, str]]:
    """Options for the unit <select>: the matches of a search, or else the user's own units;
    the selected unit always stays in the list."""
    units = units_matching(query) if query else units_of(user)
    if selected is not None and selected.pk not in {u.pk for u in units}:
        units.insert(0, selected)
    return [("", _("Choose a unit"))] + [(str(u.pk), unit_label(u)) for u in units]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by `incidents.attachments`."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        errors = []
        for file in files:
            try:
                attachments.attachment_validate(file)
            except ValidationError as exc:
                errors.append(
                    ValidationError("%(name)s: %(error)s", params={"name": file.name, "error": exc.messages[0]})
                )
        if errors:
            raise ValidationError(errors)
        return list(files)


class ReportForm(forms.Form):
    """The report. `require_all` when sending; otherwise everything may still be empty."""

    client_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    unit = forms.ModelChoiceField(
        queryset=OrgUnit.objects.filter(is_active=True),
        required=False,
        label=_("Where did it happen?"),
        help_text=_("Your own unit is chosen. Search below if it happened somewhere else."),
        error_messages={"invalid_choice": _("Choose a unit from the list.")},
    )
    unit_q = forms.CharField(
        required=False,
        max_length=100,
        label=_("Happened somewhere else? Search for the unit"),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "enterkeyhint": "search"}),
    )
    occurred_at = forms.DateTimeField(
        required=False,
        label=_("When did it happen?"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        error_messages={"invalid": _("Give the date and time it happened.")},
    )
    description = forms.CharField(
        required=False,
        max_length=MAX_TEXT,
        label=_("What happened?"),
        help_text=_("Describe the event in your own words. Do not write the patient's name here."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    case_type = forms.ChoiceField(
        required=False,
        choices=[
            (CaseType.CARE, _("Care – it concerns a patient")),
            (CaseType.WORK_ENVIRONMENT, _("Work environment")),
        ],
        label=_("What does it concern?"),
        widget=forms.RadioSelect,
    )
    reported_kind = forms.ChoiceField(
        required=False, choices=ReportedKind.choices, label=_("What kind of event?"), widget=forms.RadioSelect
    )
    # Care concerns a patient (issue 13): with care chosen, a patient is involved unless this
    # box is ticked, and it stands beside the choice, not among the optional details.
    no_patient = forms.BooleanField(
        required=False,
        label=_("No patient was involved (e.g. a near miss that was caught in time)"),
        help_text=_("Care concerns a patient: tick this only if no patient was involved."),
    )
    # For work environment (the box under "More details"): was a patient involved after all?
    patient_involved = forms.BooleanField(required=False, label=_("A patient was involved"))
    patient_identifier = forms.CharField(
        required=False,
        max_length=20,
        label=_("The patient's personal identity number or coordination number"),
        help_text=_("YYYYMMDD-XXXX. Only the handlers who may see patient data will see it."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    immediate_actions = forms.CharField(
        required=False,
        max_length=MAX_TEXT,
        label=_("What was done right away?"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    suggested_improvement = forms.CharField(
        required=False,
        max_length=MAX_TEXT,
        label=_("How could it be prevented?"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    attachments = MultipleFileField(required=False, label=_("Attachments"))

    RADIO_FIELDS = ("case_type", "reported_kind")
    OPTIONAL_SECTION = ("patient_involved", "patient_identifier", "immediate_actions", "suggested_improvement")

    def __init__(self, *args, user, require_all: bool = False, unit_query: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.require_all = require_all
        self.fields["attachments"].help_text = attachments.allowed_types_hint()
        selected = self._selected_unit()
        self.fields["unit"].widget.choices = unit_choices(user=user, query=unit_query, selected=selected)
        if require_all:
            for name in REQUIRED_MESSAGES:
                self.fields[name].required = True
                self.fields[name].error_messages["required"] = REQUIRED_MESSAGES[name]

    def _selected_unit(self) -> OrgUnit | None:
        value = self.data.get("unit") if self.is_bound else self.initial.get("unit")
        if isinstance(value, OrgUnit):
            return value
        try:
            return _units().filter(pk=int(value)).first() if value else None
        except (TypeError, ValueError):
            return None

    def clean_patient_identifier(self) -> str:
        value = self.cleaned_data.get("patient_identifier", "")
        if not value:
            return ""
        try:
            return personnummer.normalise(value)
        except ValidationError as exc:
            raise ValidationError(exc.messages[0], code=getattr(exc, "code", "invalid")) from None

    def clean_occurred_at(self):
        value = self.cleaned_data.get("occurred_at")
        if value and value > timezone.now() + dt.timedelta(minutes=5):
            raise ValidationError(_("The time lies in the future. Check the date and time."))
        return value

    def is_care(self) -> bool:
        return self["case_type"].value() == CaseType.CARE

    def clean(self):
        data = super().clean()
        if data.get("case_type") == CaseType.CARE:
            # Care: the plain "no patient" box decides; the work-environment box does not.
            data["patient_involved"] = not data.get("no_patient", False)
        return data

    def draft_fields(self, present=None) -> dict:
        """The cleaned fields the services store; with `present`, only those names (autosave
        sends what the page has; a field that is invalid right now is left as it was)."""
        if present is not None and "no_patient" in present:
            present = {*present, "patient_involved"}
        names = [n for n in DRAFT_FIELDS if n in self.cleaned_data and (present is None or n in present)]
        return {name: self.cleaned_data[name] for name in names}

    def error_links(self) -> list[tuple[str, str]]:
        """(anchor, message) for the error summary; a group of radio buttons links to its first."""
        links = [("", str(error)) for error in self.non_field_errors()]
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.HiddenInput):
                continue
            anchor = self[name].auto_id + ("_0" if name in self.RADIO_FIELDS else "")
            links += [(anchor, str(error)) for error in self.errors.get(name, [])]
        return links

    def has_optional_input(self) -> bool:
        """Open the optional section when something in it is filled in or wrong (the patient
        box there is for work environment: with care chosen, the "no patient" box answers)."""
        filled = [n for n in self.OPTIONAL_SECTION if not (n == "patient_involved" and self.is_care())]
        return any(self[name].value() for name in filled) or any(
            name in self.errors for name in (*self.OPTIONAL_SECTION, "attachments")
        )


class CommentForm(forms.Form):
    text = forms.CharField(
        max_length=MAX_TEXT,
        label=_("Add a comment or something you remembered later"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write a comment.")},
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Attach a file"), error_messages={"required": attachments.NO_FILE})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = attachments.allowed_types_hint()

    def clean_file(self):
        file = self.cleaned_data["file"]
        try:
            attachments.attachment_validate(file)
        except ValidationError as exc:
            raise ValidationError(exc.messages[0]) from None
        return file
