"""Forms of the Lex Maria pages: each parses the input of one service, nothing more. Forms
that change the case carry its `version` (hidden); the services check every rule again."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit, User
from accounts.selectors import staff_of
from actions.models import EffectClass
from incidents.forms.case import UserChoiceField
from investigations.models import Investigation
from lexmaria.models import Capacity, Decision, IvoDecision, LexMariaCase
from psweb.cases import MAX_TEXT

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _text(label, *, rows: int = 3, required: bool = True, help_text: str = ""):
    return forms.CharField(
        label=label,
        max_length=MAX_TEXT,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _date(label, *, required: bool = True):
    return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))


class CaseForm(forms.Form):
    slug = "case"
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, case: LexMariaCase, item=None, **kwargs):
        self.case = case
        self.item = item
        if item is not None:
            self.slug = f"{self.slug}_{item.pk}"
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", case.version)
        kwargs.setdefault("auto_id", f"id_{self.slug}_%s")
        super().__init__(*args, **kwargs)


class ActionForm(CaseForm):
    """An action of the case itself, for someone of the case's unit or a unit above it."""

    slug = "action"
    description = _text(_("Action"))
    responsible = UserChoiceField(label=_("Responsible person"), queryset=User.objects.none(), to_field_name="username")
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    effect_class = forms.ChoiceField(
        label=_("Expected effect"), choices=[("", _("Not assessed")), *EffectClass.choices], required=False
    )

    def __init__(self, *args, case: LexMariaCase, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["responsible"].queryset = staff_of(unit=case.unit)


class OpenForm(forms.Form):
    reason = _text(_("Why is a Lex Maria assessment needed?"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_open_%s")
        super().__init__(*args, **kwargs)


class DecideForm(CaseForm):
    slug = "decide"
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect)
    motivation = _text(_("Motivation"), rows=5, help_text=_("Why the event is, or is not, reported to IVO."))


class ReasonForm(CaseForm):
    slug = "reopen"
    reason = _text(_("Why is the decision reopened?"))


class LinkInvestigationForm(CaseForm):
    slug = "investigation"
    reference = forms.CharField(
        label=_("Reference of the investigation"), max_length=20, help_text=_("For example UT-2026-000012.")
    )

    def __init__(self, *args, visible=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.visible = visible if visible is not None else Investigation.objects.none()

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip().upper()
        investigation = self.visible.filter(reference=reference).first()
        if investigation is None:
            raise forms.ValidationError(_("There is no investigation with that reference that you may see."))
        self.cleaned_data["investigation"] = investigation
        return reference


class MarkReportedForm(CaseForm):
    slug = "reported"
    ivo_reference = forms.CharField(label=_("IVO's reference"), max_length=60)
    sent_on = _date(_("Sent to IVO on"))

    def clean_sent_on(self):
        sent = self.cleaned_data["sent_on"]
        if sent > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return sent


class SupplementRequestForm(CaseForm):
    slug = "supplement"
    what = _text(_("What IVO asks for"))
    requested_on = _date(_("Requested on"))
    due_on = _date(_("Answer due"))


class SupplementSendForm(CaseForm):
    slug = "supplement_sent"
    answer = _text(_("The answer in brief"))
    sent_on = _date(_("Sent on"))


class IvoDecisionForm(CaseForm):
    slug = "ivo_decision"
    kind = forms.ChoiceField(label=_("IVO's decision"), choices=IvoDecision.choices, widget=forms.RadioSelect)
    decided_on = _date(_("IVO decided on"))
    text = _text(_("IVO's decision in brief"), required=False)


class CloseForm(CaseForm):
    slug = "close"


class FollowUpForm(CaseForm):
    slug = "follow_up"
    carried_out = forms.ChoiceField(label=_("Was the action carried out?"), choices=YES_NO, widget=forms.RadioSelect)
    effect_class = forms.ChoiceField(
        label=_("Effect"), choices=[("", _("As expected")), *EffectClass.choices], required=False
    )
    evidence = _text(
        _("Evidence"), required=False, help_text=_("For example a measurement, an audit or a changed routine.")
    )


class DeciderForm(forms.Form):
    """A deputy or a delegation (the administrator: also the designation) for one of the care
    providers `user` manages (`lexmaria.deciders`). The service checks every rule again."""

    care_provider = forms.ModelChoiceField(label=_("Care provider"), queryset=OrgUnit.objects.none())
    user = UserChoiceField(label=_("Person"), queryset=User.objects.none(), to_field_name="username")
    capacity = forms.ChoiceField(label=_("As"), widget=forms.RadioSelect)
    title = forms.CharField(
        label=_("Title"),
        max_length=80,
        required=False,
        help_text=_("For a designation: chefläkare, cheftandläkare or MAS, as the decision will say."),
    )
    valid_from = _date(_("First day"))
    valid_to = _date(_("Last day"), required=False)
    note = _text(_("Note"), rows=2, required=False, help_text=_("For example: during my holiday."))

    def __init__(self, *args, providers: list, capacities: list[tuple[str, str]], people, **kwargs):
        kwargs.setdefault("auto_id", "id_decider_%s")
        super().__init__(*args, **kwargs)
        self.fields["care_provider"].queryset = OrgUnit.objects.filter(pk__in=[p.pk for p in providers])
        if len(providers) == 1:
            self.fields["care_provider"].initial = providers[0].pk
            self.fields["care_provider"].widget = forms.HiddenInput()
        self.fields["user"].queryset = people
        self.fields["capacity"].choices = capacities
        self.fields["capacity"].initial = Capacity.DELEGATE
        self.fields["valid_to"].help_text = _("Required for a deputy or a delegation.")
