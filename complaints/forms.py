"""Forms of the complaint's case page: each parses the input of one service, nothing more.
Forms that change the complaint carry its `version` (hidden); the services check every rule
again (who, the state, the input).

Two fields hold identity and are never filled in from the stored complaint: the patient's
personal identity number (the details form asks for a new one, or to remove it) and the
complainant's contact details (that form is built only where the details are shown, after a
logged "Show contact details")."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit, User
from accounts.roles import Perm
from accounts.selectors import staff_of, users_with_perm_in
from actions.models import EffectClass
from complaints.models import (
    AREA_CHOICES,
    BOARD_KIND,
    CLASSIFICATION,
    AnswerWay,
    Channel,
    ComplainantType,
    Complaint,
)
from complaints.services import LETTER_FIELDS, default_where_else
from incidents.forms.case import UnitChoiceField, UserChoiceField
from psweb.cases import MAX_TEXT


def _text(label, *, rows: int = 3, required: bool = True, help_text: str = "", max_length: int = MAX_TEXT):
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _date(label, *, required: bool = True):
    return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))


def _care_units(complaint: Complaint):
    """The units of the complaint's care provider a complaint may concern (not a patientnämnd)."""
    provider = complaint.unit.care_provider or complaint.unit
    return (
        OrgUnit.objects.filter(path__startswith=provider.path, is_active=True)
        .exclude(kind__code=BOARD_KIND)
        .select_related("care_provider")
        .order_by("path")
    )


class CaseForm(forms.Form):
    """A form about one complaint, posting the version the user saw. `slug` tells the page's
    forms apart (and names the fields' ids)."""

    slug = "case"
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, complaint: Complaint, **kwargs):
        self.complaint = complaint
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", complaint.version)
        kwargs.setdefault("auto_id", f"id_{self.slug}_%s")
        super().__init__(*args, **kwargs)


class TakeForm(CaseForm):
    slug = "take"


class AssignForm(CaseForm):
    """Any complaint handler of the responsible unit (`permissions.may_handle`)."""

    slug = "assign"
    handler = UserChoiceField(label=_("Handler"), queryset=User.objects.none(), to_field_name="username")

    def __init__(self, *args, complaint: Complaint, **kwargs):
        super().__init__(*args, complaint=complaint, **kwargs)
        self.fields["handler"].queryset = users_with_perm_in(unit=complaint.unit, perm=Perm.COMPLAINT_HANDLE)


class AcknowledgeForm(CaseForm):
    slug = "acknowledge"
    acknowledged_on = _date(_("Receipt sent on"))

    def __init__(self, *args, complaint: Complaint, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("acknowledged_on", timezone.localdate())
        super().__init__(*args, complaint=complaint, **kwargs)


class InvestigateForm(CaseForm):
    slug = "investigate"


class PauseForm(CaseForm):
    slug = "pause"
    reason = _text(
        _("Why is the due date paused?"),
        max_length=2000,
        help_text=_("For example: waiting for the patient's consent, or for a record from another care provider."),
    )


class ResumeForm(CaseForm):
    slug = "resume"


class LetterForm(CaseForm):
    """The answer letter's five texts, prefilled with what is saved; "where else to turn"
    with the standard text while it is empty."""

    slug = "letter"
    answer_what_happened = _text(_("What happened"), rows=5, required=False)
    answer_why = _text(_("Why it happened"), rows=4, required=False)
    answer_actions = _text(_("What we do so that it does not happen again"), rows=4, required=False)
    answer_apology = _text(_("Apology"), rows=2, required=False, help_text=_("When fitting."))
    answer_where_else = _text(_("Where else you can turn"), rows=4, required=False)

    def __init__(self, *args, complaint: Complaint, **kwargs):
        initial = kwargs.setdefault("initial", {})
        for name in LETTER_FIELDS:
            initial.setdefault(name, getattr(complaint, name))
        if not initial["answer_where_else"].strip():
            initial["answer_where_else"] = default_where_else()
        super().__init__(*args, complaint=complaint, **kwargs)


class AnswerForm(LetterForm):
    """The answer recorded as sent: the date, the way, and the letter as it was sent."""

    slug = "answer"
    answered_on = _date(_("Answer sent on"))
    answer_way = forms.ChoiceField(label=_("Sent by"), choices=AnswerWay.choices)
    field_order = ["answered_on", "answer_way", *LETTER_FIELDS]

    def __init__(self, *args, complaint: Complaint, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("answered_on", timezone.localdate())
        super().__init__(*args, complaint=complaint, **kwargs)


class CloseForm(CaseForm):
    slug = "close"


class ReopenForm(CaseForm):
    slug = "reopen"
    reason = _text(_("Why is the complaint reopened?"), max_length=2000)


class ForwardForm(CaseForm):
    slug = "forward"
    to = forms.CharField(
        label=_("Forwarded to"),
        max_length=200,
        help_text=_("Another care provider, the municipality, IVO…"),
    )
    reason = _text(_("Why"), rows=2, required=False, max_length=2000)


class WithdrawForm(CaseForm):
    slug = "withdraw"
    reason = _text(_("Why is the complaint withdrawn?"), max_length=2000)


def _subarea_choices():
    """Grouped by problem area; the service checks that the subarea belongs to the area."""
    return [("", "–")] + [
        (str(label), [(code, str(sub)) for code, sub in subs.items()])
        for _code, (label, subs) in CLASSIFICATION.items()
    ]


class DetailsForm(CaseForm):
    """The details a handler may correct (`services.complaint_update`). The patient's identity
    number is never shown here: a new one replaces it, or a tick removes it."""

    slug = "details"
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    complainant_type = forms.ChoiceField(label=_("Who complains"), choices=ComplainantType.choices)
    patient_consent = forms.BooleanField(label=_("The patient's consent is noted"), required=False)
    received_on = _date(_("Received"))
    unit = UnitChoiceField(label=_("Responsible unit"), queryset=OrgUnit.objects.none())
    units = forms.ModelMultipleChoiceField(label=_("Units concerned"), queryset=OrgUnit.objects.none(), required=False)
    area = forms.ChoiceField(label=_("Problem area"), choices=AREA_CHOICES)
    subarea = forms.ChoiceField(label=_("Subarea"), choices=_subarea_choices, required=False)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=200,
        help_text=_("Shown in lists: no name and no personal identity number."),
    )
    description = _text(_("The complaint in the complainant's words"), rows=6)
    new_patient_identifier = forms.CharField(
        label=_("New personal identity number of the patient"),
        max_length=13,
        required=False,
        help_text=_("Leave empty to keep the one recorded."),
    )
    remove_patient_identifier = forms.BooleanField(label=_("Remove the recorded identity number"), required=False)
    board_reference = forms.CharField(label=_("The patient board's case number"), max_length=60, required=False)

    def __init__(self, *args, complaint: Complaint, **kwargs):
        initial = kwargs.setdefault("initial", {})
        for name in ("channel", "complainant_type", "patient_consent", "received_on", "area", "subarea", "summary"):
            initial.setdefault(name, getattr(complaint, name))
        initial.setdefault("description", complaint.description)
        initial.setdefault("board_reference", complaint.board_reference)
        initial.setdefault("unit", complaint.unit_id)
        super().__init__(*args, complaint=complaint, **kwargs)
        units = _care_units(complaint)
        self.fields["unit"].queryset = units
        self.fields["units"].queryset = units
        if "units" not in self.initial:
            self.initial["units"] = [unit.pk for unit in complaint.units.all()]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("new_patient_identifier") and cleaned.get("remove_patient_identifier"):
            self.add_error("remove_patient_identifier", _("Give a new number or remove it, not both."))
        return cleaned

    @staticmethod
    def fields_from(data: dict) -> dict:
        """What `complaint_update` takes from the cleaned data: every detail, and the
        identity only when it changes."""
        fields = {
            name: data[name]
            for name in (
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
                "board_reference",
            )
        }
        if data["new_patient_identifier"]:
            fields["patient_identifier"] = data["new_patient_identifier"]
        elif data["remove_patient_identifier"]:
            fields["patient_identifier"] = ""
        return fields


class ContactForm(CaseForm):
    """The complainant's contact details (the handlers' only)."""

    slug = "contact"
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    address = _text(_("Postal address"), rows=3, required=False, max_length=2000)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)


class ActionForm(CaseForm):
    """An action the complaint leads to, for someone of the complaint's unit or a unit above
    it (as the other case types offer: `accounts.selectors.staff_of`)."""

    slug = "action"
    description = _text(_("Action"))
    responsible = UserChoiceField(label=_("Responsible person"), queryset=User.objects.none(), to_field_name="username")
    due_date = _date(_("Due date"))
    effect_class = forms.ChoiceField(
        label=_("Expected effect"), choices=[("", _("Not assessed")), *EffectClass.choices], required=False
    )

    def __init__(self, *args, complaint: Complaint, **kwargs):
        super().__init__(*args, complaint=complaint, **kwargs)
        self.fields["responsible"].queryset = staff_of(unit=complaint.unit)
