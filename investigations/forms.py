"""Forms of the investigation pages: each parses the input of one service, nothing more.

Forms that change the investigation itself carry its `version` (hidden), so the service
can refuse a change made from an old page. People are posted by user name; the services
check every rule again.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, User
from accounts.roles import Role
from accounts.selectors import staff_of
from actions.models import EffectClass
from incidents.deciders import investigation_deciders
from incidents.forms.case import UserChoiceField
from incidents.models import CauseArea, Incident
from investigations.models import CareInjury, Investigation, InvestigationCause, Method, Outcome
from psweb.cases import MAX_TEXT

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
YES_NO_UNKNOWN = [("yes", _("Yes")), ("no", _("No")), ("", _("Cannot be judged"))]


def _text_area(label, *, rows: int = 3, required: bool = True, help_text: str = ""):
    return forms.CharField(
        label=label,
        max_length=MAX_TEXT,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def people_for(investigation: Investigation):
    """Who can lead or be responsible: staff of the investigation's unit (and above), the
    analysis leaders of its care provider, and the team."""
    staff = staff_of(unit=investigation.unit).values("pk")
    provider = investigation.unit.care_provider or investigation.unit
    analysts = (
        Membership.objects.valid_on().filter(role=Role.ANALYST, unit__path__startswith=provider.path).values("user_id")
    )
    team = investigation.team.filter(removed_at__isnull=True).values("user_id")
    return User.objects.filter(
        Q(pk__in=staff) | Q(pk__in=analysts) | Q(pk__in=team) | Q(pk=investigation.leader_id), is_active=True
    ).order_by("last_name", "first_name", "username")


class InvestigationForm(forms.Form):
    """A form about one investigation, posting the version the user saw."""

    slug = "investigation"
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, investigation: Investigation, item=None, **kwargs):
        self.investigation = investigation
        self.item = item
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", investigation.version)
        kwargs.setdefault("auto_id", f"id_{self.slug}_%s")
        super().__init__(*args, **kwargs)


class ItemForm(InvestigationForm):
    """A form about one row of the investigation (no version of its own)."""

    def __init__(self, *args, investigation: Investigation, item=None, **kwargs):
        if item is not None:
            self.slug = f"{self.slug}_{item.pk}"
        super().__init__(*args, investigation=investigation, item=item, **kwargs)
        del self.fields["version"]


class VersionOnlyForm(InvestigationForm):
    pass


class StartForm(VersionOnlyForm):
    slug = "start"


class ReportReadyForm(VersionOnlyForm):
    slug = "report_ready"


class FollowUpForm(VersionOnlyForm):
    slug = "follow_up"


class CloseForm(VersionOnlyForm):
    slug = "close"


class ReasonForm(InvestigationForm):
    slug = "resume"
    reason = _text_area(_("Why is the work resumed?"))


class DeclineRequestForm(forms.Form):
    """Declining a request for an investigation: why (the requester reads it on the timeline)."""

    reason = forms.CharField(
        label=_("Why is the incident not investigated?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, incident: Incident, **kwargs):
        kwargs.setdefault("prefix", f"request-{incident.pk}")
        super().__init__(*args, **kwargs)
        self.incident = incident
        if not self.is_bound:
            self.fields["version"].initial = incident.version


class OpenForm(forms.Form):
    """Open an investigation of an incident (the incident is in the URL's query)."""

    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices, widget=forms.RadioSelect)
    reason = _text_area(_("Why this method?"))
    leader = UserChoiceField(
        label=_("Analysis leader"), queryset=User.objects.none(), to_field_name="username", required=False
    )

    def __init__(self, *args, incident: Incident, **kwargs):
        kwargs.setdefault("auto_id", "id_open_%s")
        super().__init__(*args, **kwargs)
        unit = incident.responsible_unit or incident.unit
        provider = unit.care_provider or unit
        analysts = (
            Membership.objects.valid_on()
            .filter(role=Role.ANALYST, unit__path__startswith=provider.path)
            .values("user_id")
        )
        staff = investigation_deciders(unit).values("pk")
        self.fields["leader"].queryset = User.objects.filter(
            Q(pk__in=analysts) | Q(pk__in=staff), is_active=True
        ).order_by("last_name", "first_name", "username")
        self.fields["leader"].empty_label = _("Later")


class LinkIncidentForm(InvestigationForm):
    slug = "link"
    reference = forms.CharField(
        label=_("Reference of the incident"), max_length=20, help_text=_("For example AV-2026-000123.")
    )

    def __init__(self, *args, investigation: Investigation, visible=None, **kwargs):
        super().__init__(*args, investigation=investigation, **kwargs)
        self.visible = visible if visible is not None else Incident.objects.none()

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip().upper()
        incident = self.visible.filter(reference=reference).first()
        if incident is None:
            raise forms.ValidationError(_("There is no incident with that reference that you may see."))
        self.cleaned_data["incident"] = incident
        return reference


class MethodForm(InvestigationForm):
    slug = "method"
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices, widget=forms.RadioSelect)
    reason = _text_area(_("Why this method?"))

    def __init__(self, *args, investigation: Investigation, **kwargs):
        super().__init__(*args, investigation=investigation, **kwargs)
        self.fields["method"].initial = investigation.method


class LeaderForm(InvestigationForm):
    slug = "leader"
    leader = UserChoiceField(label=_("Analysis leader"), queryset=User.objects.none(), to_field_name="username")

    def __init__(self, *args, investigation: Investigation, people=None, **kwargs):
        super().__init__(*args, investigation=investigation, **kwargs)
        self.fields["leader"].queryset = people if people is not None else people_for(investigation)
        if investigation.leader_id:
            self.fields["leader"].initial = investigation.leader.username


class MemberAddForm(InvestigationForm):
    slug = "member"
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        help_text=_("Team members may come from another care provider, e.g. the municipality."),
    )
    role = forms.CharField(
        label=_("Role in the team"),
        max_length=120,
        required=False,
        help_text=_("For example “nurse, home health care”."),
    )

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("There is no active user with that user name."))
        self.cleaned_data["user"] = user
        return username


class MemberRemoveForm(InvestigationForm):
    slug = "member_remove"


class CourseForm(forms.Form):
    slug = "course"
    at = forms.DateTimeField(
        label=_("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    description = _text_area(_("What happened"))

    def __init__(self, *args, investigation: Investigation, **kwargs):
        self.investigation = investigation
        kwargs.setdefault("auto_id", "id_course_%s")
        super().__init__(*args, **kwargs)

    def clean_at(self):
        at = self.cleaned_data["at"]
        if at > timezone.now():
            raise forms.ValidationError(_("The time cannot be in the future."))
        return at


class CauseForm(forms.Form):
    slug = "cause"
    area = forms.ModelChoiceField(
        label=_("Cause area"), queryset=CauseArea.objects.none(), to_field_name="code", empty_label=_("Choose")
    )
    detail = _text_area(_("Detail"), required=False)
    contributing = forms.BooleanField(label=_("A contributing factor (not a root cause)"), required=False)

    def __init__(self, *args, investigation: Investigation, **kwargs):
        self.investigation = investigation
        kwargs.setdefault("auto_id", "id_cause_%s")
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = CauseArea.objects.filter(is_active=True).order_by("sort", "name")


class PatientForm(InvestigationForm):
    slug = "patient"
    invited = forms.ChoiceField(
        label=_("Were the patient or relatives invited to tell their account?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    invited_on = forms.DateField(label=_("Invited on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    not_invited_reason = _text_area(_("Why not invited"), required=False)
    account = _text_area(
        _("Their account, in their own words"),
        rows=6,
        required=False,
        help_text=_("Write down what the patient or relatives told, as they told it."),
    )

    def __init__(self, *args, investigation: Investigation, **kwargs):
        super().__init__(*args, investigation=investigation, **kwargs)
        inv = investigation
        if inv.patient_invited is not None:
            self.fields["invited"].initial = "yes" if inv.patient_invited else "no"
        self.fields["invited_on"].initial = inv.patient_invited_on
        self.fields["not_invited_reason"].initial = inv.patient_not_invited_reason
        self.fields["account"].initial = inv.patient_account


class ConclusionsForm(InvestigationForm):
    slug = "conclusions"
    care_injury = forms.ChoiceField(label=_("Care injury"), choices=CareInjury.choices, widget=forms.RadioSelect)
    avoidable = forms.ChoiceField(
        label=_("Avoidable with adequate measures?"), choices=YES_NO_UNKNOWN, widget=forms.RadioSelect, required=False
    )
    serious_permanent = forms.BooleanField(label=_("Permanent and not minor"), required=False)
    serious_increased_care = forms.BooleanField(label=_("Substantially increased need of care"), required=False)
    serious_death = forms.BooleanField(label=_("Death"), required=False)
    conclusions = _text_area(_("Conclusions"), rows=6)

    def __init__(self, *args, investigation: Investigation, **kwargs):
        super().__init__(*args, investigation=investigation, **kwargs)
        inv = investigation
        self.fields["care_injury"].initial = inv.care_injury
        self.fields["avoidable"].initial = {True: "yes", False: "no"}.get(inv.avoidable, "")
        for name in ("serious_permanent", "serious_increased_care", "serious_death", "conclusions"):
            self.fields[name].initial = getattr(inv, name)


class CostsForm(InvestigationForm):
    slug = "costs"
    extra_care_days = forms.DecimalField(
        label=_("Extra care days"), required=False, min_value=0, max_value=9999, decimal_places=1
    )
    cost_per_care_day = forms.IntegerField(
        label=_("Cost per care day (kr)"), required=False, min_value=0, max_value=2_000_000_000
    )
    other_costs = forms.IntegerField(label=_("Other costs (kr)"), required=False, min_value=0, max_value=2_000_000_000)

    def __init__(self, *args, investigation: Investigation, **kwargs):
        super().__init__(*args, investigation=investigation, **kwargs)
        for name in ("extra_care_days", "cost_per_care_day", "other_costs"):
            self.fields[name].initial = getattr(investigation, name)
            self.fields[name].localize = True
            self.fields[name].widget.is_localized = True


class ActionForm(forms.Form):
    slug = "action"
    description = _text_area(_("Action"))
    responsible = UserChoiceField(label=_("Responsible person"), queryset=User.objects.none(), to_field_name="username")
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    effect_class = forms.ChoiceField(
        label=_("Expected effect"), choices=[("", _("Not assessed")), *EffectClass.choices], required=False
    )
    causes = forms.ModelMultipleChoiceField(
        label=_("Causes it addresses"),
        queryset=InvestigationCause.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    incident = forms.ModelChoiceField(
        label=_("Incident the action belongs to"),
        queryset=Incident.objects.none(),
        to_field_name="reference",
        required=False,
        help_text=_("Without a choice: the first incident investigated."),
    )

    def __init__(self, *args, investigation: Investigation, people=None, causes=None, incidents=None, **kwargs):
        self.investigation = investigation
        kwargs.setdefault("auto_id", "id_action_%s")
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = people if people is not None else people_for(investigation)
        self.fields["causes"].queryset = (
            causes
            if causes is not None
            else investigation.causes.filter(removed_at__isnull=True).select_related("area")
        )
        self.fields["causes"].label_from_instance = lambda c: str(c)
        linked = incidents if incidents is not None else investigation.incidents.order_by("reported_at", "id")
        self.fields["incident"].queryset = linked
        self.fields["incident"].label_from_instance = lambda i: i.reference
        self.fields["incident"].empty_label = None

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        if due < timezone.localdate():
            raise forms.ValidationError(_("The due date cannot be in the past."))
        return due


class EvaluateForm(ItemForm):
    slug = "evaluate"
    carried_out = forms.ChoiceField(label=_("Was the action carried out?"), choices=YES_NO, widget=forms.RadioSelect)
    outcome = forms.ChoiceField(label=_("Did it work?"), choices=Outcome.choices, widget=forms.RadioSelect)
    evidence = _text_area(
        _("Evidence"), required=False, help_text=_("For example a measurement, an audit or a changed routine.")
    )

    def __init__(self, *args, investigation: Investigation, item=None, **kwargs):
        super().__init__(*args, investigation=investigation, item=item, **kwargs)
        if item is not None and item.evaluated_at:
            self.fields["carried_out"].initial = "yes" if item.carried_out else "no"
            self.fields["outcome"].initial = item.outcome
            self.fields["evidence"].initial = item.evidence


class RemoveForm(ItemForm):
    slug = "remove"
