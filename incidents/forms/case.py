"""Forms of the case page: each parses the input of one operation (`incidents.operations`),
nothing more.

Every form carries the incident's `version` (hidden): the service refuses a change made
from an old version and the page shows what changed meanwhile. Choices are narrowed to what
makes sense for this incident; the services check again. Choices are posted as stable codes
(category and cause-area codes, user names) where such a code exists. A form about one row
of the case (an action, a forward) takes it as `item`, as the case kit passes it.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit, User
from accounts.roles import Perm
from accounts.selectors import staff_of, users_with_perm_in
from actions.models import Action, EffectClass
from incidents.models import (
    CaseType,
    Category,
    Cause,
    CauseArea,
    EventClass,
    Forward,
    Incident,
    PatientInformation,
    ProviderSettings,
)
from incidents.selectors import active_causes
from psweb.cases import MAX_TEXT
from psweb.models import PSL_3_8_POINTS
from psweb.widgets import ManyOptionsSelect


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.username})" if full else obj.username


def _category_label(category: Category) -> str:
    label = category.name
    return label if category.is_active else _("%(name)s (no longer in use)") % {"name": label}


def _category_groups(categories) -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices: per case type, each main category followed by its subcategories."""
    by_parent: dict[int | None, list[Category]] = {}
    for category in categories:
        by_parent.setdefault(category.parent_id, []).append(category)
    groups = []
    for case_type in CaseType:
        options = []
        for main in sorted(by_parent.get(None, []), key=lambda c: (c.sort, c.name)):
            if main.case_type != case_type:
                continue
            options.append((main.code, _category_label(main)))
            for child in sorted(by_parent.get(main.pk, []), key=lambda c: (c.sort, c.name)):
                options.append((child.code, f"{main.name} › {_category_label(child)}"))
        if options:
            groups.append((case_type.label, options))
    return groups


class UnitChoiceField(forms.ModelChoiceField):
    widget = ManyOptionsSelect  # every unit of the region: hundreds of options

    def label_from_instance(self, obj: OrgUnit) -> str:
        provider = obj.care_provider
        if provider is None or provider.pk == obj.pk:
            return obj.name
        return f"{obj.name} ({provider.name})"


class CaseForm(forms.Form):
    """A form about one incident (and maybe one of its rows), posting the version the user saw.
    `slug` tells the page's forms apart: the class's, and the row's id after it for a row."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, incident: Incident, item=None, **kwargs):
        self.incident = incident
        self.item = item
        self.slug = self.slug_for(item)
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", incident.version)
        kwargs.setdefault("auto_id", f"id_{self.slug}_%s")
        super().__init__(*args, **kwargs)

    slug = "case"

    @classmethod
    def slug_for(cls, item=None) -> str:
        return cls.slug if item is None else f"{cls.slug}_{item.pk}"


class TakeForm(CaseForm):
    slug = "take"


class CloseForm(CaseForm):
    slug = "close"


class AssignForm(CaseForm):
    slug = "assign"
    handler = UserChoiceField(label=_("Handler"), queryset=User.objects.none(), to_field_name="username")

    def __init__(self, *args, incident: Incident, **kwargs):
        super().__init__(*args, incident=incident, **kwargs)
        unit = incident.responsible_unit
        self.fields["handler"].queryset = (
            users_with_perm_in(unit=unit, perm=Perm.INCIDENT_TRIAGE) if unit else User.objects.none()
        )
        if incident.handler_id:
            self.fields["handler"].initial = incident.handler.username


class ClassifyForm(CaseForm):
    slug = "classify"
    category = forms.ChoiceField(label=_("Category"))
    event_class = forms.ChoiceField(label=_("Event class"), choices=EventClass.choices)
    case_type = forms.ChoiceField(label=_("Case type"), choices=CaseType.choices)

    def __init__(self, *args, incident: Incident, **kwargs):
        super().__init__(*args, incident=incident, **kwargs)
        # A retired category stays selectable on the case that already has it.
        keep = Q(is_active=True) | Q(pk=incident.category_id) if incident.category_id else Q(is_active=True)
        self.categories = {c.code: c for c in Category.objects.filter(keep).select_related("parent")}
        self.fields["category"].choices = [("", _("Choose a category")), *_category_groups(self.categories.values())]
        self.fields["category"].initial = incident.category.code if incident.category_id else None
        self.fields["event_class"].initial = incident.event_class
        self.fields["case_type"].initial = incident.case_type

    def clean_category(self):
        return self.categories[self.cleaned_data["category"]]


class RiskForm(CaseForm):
    """The 4×4 matrix: probability and consequence, labelled from the care provider's settings."""

    slug = "risk"
    probability = forms.TypedChoiceField(label=_("Probability"), coerce=int, widget=forms.RadioSelect)
    consequence = forms.TypedChoiceField(label=_("Consequence"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args, incident: Incident, settings: ProviderSettings | None = None, **kwargs):
        super().__init__(*args, incident=incident, **kwargs)
        settings = settings or _settings_of(incident)
        self.fields["probability"].choices = [
            (i, f"{i} – {label}") for i, label in _numbered(settings.probability_labels)
        ]
        self.fields["consequence"].choices = [
            (i, f"{i} – {label}") for i, label in _numbered(settings.consequence_labels)
        ]
        self.fields["probability"].initial = incident.risk_probability
        self.fields["consequence"].initial = incident.risk_consequence


def _numbered(labels) -> list[tuple[int, str]]:
    return list(enumerate(labels, start=1))


def _settings_of(incident: Incident) -> ProviderSettings:
    """The settings of the care provider responsible for the incident (the page passes the
    ones it has loaded already)."""
    return ProviderSettings.for_unit(incident.responsible_unit or incident.unit)


class CauseAddForm(CaseForm):
    slug = "cause"
    area = forms.ModelChoiceField(
        label=_("Cause area"), queryset=CauseArea.objects.filter(is_active=True), to_field_name="code"
    )
    detail = forms.CharField(
        label=_("What happened in this area"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CauseRemoveForm(CaseForm):
    slug = "cause_remove"


def _staff_of(incident: Incident):
    """People who can be named responsible for an action: members of the responsible unit
    or a unit above it."""
    unit = incident.responsible_unit
    return staff_of(unit=unit) if unit else User.objects.none()


def _cause_label(cause: Cause) -> str:
    return f"{cause.area.name}: {cause.detail[:80]}" if cause.detail else cause.area.name


class ActionForm(CaseForm):
    slug = "action"
    description = forms.CharField(label=_("Action"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}))
    responsible = UserChoiceField(label=_("Responsible person"), queryset=User.objects.none(), to_field_name="username")
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    effect_class = forms.ChoiceField(
        label=_("Expected effect"), choices=[("", _("Not assessed")), *EffectClass.choices], required=False
    )
    causes = forms.ModelMultipleChoiceField(
        label=_("Causes it addresses"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    shown_to_reporter = forms.BooleanField(
        label=_("Show to the reporter"),
        help_text=_(
            "The reporter reads the action, its status and due date under My reports and is notified; "
            "never who is responsible. Write it so that it can be shown: no patient data."
        ),
        required=False,
    )

    def __init__(self, *args, incident: Incident, item: Action | None = None, **kwargs):
        super().__init__(*args, incident=incident, item=item, **kwargs)
        action = item
        self.fields["responsible"].queryset = _staff_of(incident)
        self.fields["causes"].queryset = active_causes(incident).select_related("area")
        self.fields["causes"].label_from_instance = _cause_label
        if action is not None:
            self.fields["description"].initial = action.description
            self.fields["responsible"].initial = action.responsible.username
            self.fields["due_date"].initial = action.due_date
            self.fields["effect_class"].initial = action.effect_class
            self.fields["causes"].initial = [c.pk for c in action.causes.all()]
            self.fields["shown_to_reporter"].initial = action.shown_to_reporter

    def clean_description(self):
        return self.cleaned_data["description"].strip()


class ActionUpdateForm(ActionForm):
    """An action of the incident (`item`); it posts the action's own version."""

    state = forms.ChoiceField(label=_("Status"), choices=Action.State.choices)

    def __init__(self, *args, incident: Incident, item: Action, **kwargs):
        action = item
        kwargs.setdefault("initial", {}).setdefault("version", action.version)
        super().__init__(*args, incident=incident, item=action, **kwargs)
        self.fields["state"].initial = action.state
        # The responsible person keeps being a valid choice even if they have left the unit.
        self.fields["responsible"].queryset = User.objects.filter(
            Q(pk__in=_staff_of(incident).values("pk")) | Q(pk=action.responsible_id)
        ).order_by("pk")


# What each way of sending the case on does, said before the user chooses (issue 13).
FORWARD_CONSEQUENCES = {
    Forward.Kind.HAND_OVER: _(
        "The case moves to the unit you choose. You and your unit are no longer its handlers: the "
        "receiving unit takes it, and until someone there does it shows as reported and cannot be "
        "closed. Your unit still sees the case."
    ),
    Forward.Kind.ASK: _(
        "You keep the case: you remain its handler and its status does not change. The unit you "
        "choose is asked to answer by the date below; its handlers can read the case and answer "
        "it here, without taking it over."
    ),
}


class ForwardForm(CaseForm):
    """Hand the case over, or ask another unit for an answer and keep it: the user chooses
    one, each with its consequence in words, and nothing is preselected."""

    slug = "forward"
    kind = forms.ChoiceField(
        label=_("What do you want to do?"),
        choices=[
            (Forward.Kind.HAND_OVER, _("Hand the case over")),
            (Forward.Kind.ASK, _("Ask for an answer, keep the case")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether to hand the case over or to ask for an answer.")},
    )
    to_unit = UnitChoiceField(label=_("Unit or care provider"), queryset=OrgUnit.objects.none())
    message = forms.CharField(
        label=_("Message or question to the unit"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )
    answer_due = forms.DateField(
        label=_("Answer by"),
        required=False,
        help_text=_("Required when you ask for an answer; optional when you hand the case over."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, incident: Incident, settings: ProviderSettings | None = None, **kwargs):
        super().__init__(*args, incident=incident, **kwargs)
        settings = settings or _settings_of(incident)
        self.fields["to_unit"].queryset = (
            OrgUnit.objects.filter(is_active=True)
            .exclude(pk=incident.responsible_unit_id)
            .select_related("care_provider")
            .order_by("care_provider__name", "path")
        )
        self.fields["answer_due"].initial = timezone.localdate() + dt.timedelta(days=settings.forward_answer_days)

    def kind_choices(self) -> list[dict]:
        """The radio buttons, each with the sentence saying what it does (for the template)."""
        field = self["kind"]
        return [{"choice": choice, "consequence": FORWARD_CONSEQUENCES[choice.data["value"]]} for choice in field]

    def clean_answer_due(self):
        value = self.cleaned_data["answer_due"]
        if value is not None and value < timezone.localdate():
            raise forms.ValidationError(_("The answer cannot be due in the past."))
        return value

    def clean(self):
        data = super().clean()
        if data.get("kind") == Forward.Kind.ASK and not data.get("answer_due") and "answer_due" not in self.errors:
            self.add_error("answer_due", _("Give the date an answer is due."))
        return data


class ForwardAnswerForm(CaseForm):
    """The receiving unit's answer to a forward of the incident (`item`)."""

    slug = "answer"
    answer = forms.CharField(label=_("Answer"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}))


class RequestForm(CaseForm):
    """Request an investigation or a Lex Maria assessment, with an optional reason."""

    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )


class InvestigationRequestForm(RequestForm):
    slug = "investigation"


class LexMariaRequestForm(RequestForm):
    slug = "lex_maria"


class PatientInformationForm(CaseForm):
    """PSL 3 kap. 8 §: that and how the patient was informed, or why not. The six points the
    patient was told about are the model's (`psweb.models.PSL_3_8_POINTS`), with its labels."""

    slug = "patient_info"
    informed = forms.TypedChoiceField(
        label=_("Was the patient informed?"),
        choices=[("yes", _("Yes, the patient was informed")), ("no", _("No, the patient was not informed"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    informed_on = forms.DateField(
        label=_("Date the patient was informed"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    informed_by = forms.CharField(label=_("Informed by"), required=False, max_length=200)
    record_note_made = forms.BooleanField(label=_("Noted in the patient record"), required=False)
    not_informed_reason = forms.CharField(
        label=_("Why the patient was not informed"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, incident: Incident, **kwargs):
        super().__init__(*args, incident=incident, **kwargs)
        for name in PSL_3_8_POINTS:
            label = capfirst(PatientInformation._meta.get_field(name).verbose_name)
            self.fields[name] = forms.BooleanField(label=label, required=False)
        existing = getattr(incident, "patient_information", None) if incident.pk else None
        if existing is not None:
            self.fields["informed"].initial = "yes" if existing.informed else "no"
            for name in (*PSL_3_8_POINTS, "informed_on", "informed_by", "record_note_made", "not_informed_reason"):
                self.fields[name].initial = getattr(existing, name)

    def points(self):
        return [self[name] for name in PSL_3_8_POINTS]

    def clean(self):
        data = super().clean()
        if data.get("informed") is True and not data.get("informed_on"):
            self.add_error("informed_on", _("Give the date the patient was informed."))
        if data.get("informed") is False and not (data.get("not_informed_reason") or "").strip():
            self.add_error("not_informed_reason", _("Say why the patient was not informed."))
        return data


class FeedbackForm(CaseForm):
    slug = "feedback"
    text = forms.CharField(
        label=_("Feedback to the reporter"),
        help_text=_("The reporter reads this. Write what was found and what will be done; no patient data."),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, incident: Incident, **kwargs):
        super().__init__(*args, incident=incident, **kwargs)
        self.fields["text"].initial = incident.feedback


class TitleForm(CaseForm):
    slug = "title"
    title = forms.CharField(
        label=_("Short title"),
        help_text=_(
            "One line that says what happened, e.g. “Wrong dose of Waran at the evening round”. Lists show "
            "it instead of the beginning of the report. No patient data, no names. Leave empty to remove it."
        ),
        max_length=Incident._meta.get_field("title").max_length,
        required=False,
    )

    def __init__(self, *args, incident: Incident, **kwargs):
        super().__init__(*args, incident=incident, **kwargs)
        self.fields["title"].initial = incident.title


class ReasonForm(CaseForm):
    """Reopen or withdraw: a reason is required."""

    reason = forms.CharField(label=_("Reason"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_reason(self):
        value = self.cleaned_data["reason"].strip()
        if not value:
            raise forms.ValidationError(_("Give a reason."))
        return value


class ReopenForm(ReasonForm):
    slug = "reopen"


class WithdrawForm(ReasonForm):
    slug = "withdraw"


class CommentForm(CaseForm):
    slug = "comment"
    text = forms.CharField(label=_("Comment"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}))
    to_reporter = forms.BooleanField(
        label=_("To the reporter"),
        help_text=_("The reporter reads it under My reports and is notified. Otherwise only staff see it."),
        required=False,
    )

    def __init__(self, *args, may_address_reporter: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_address_reporter:
            del self.fields["to_reporter"]
