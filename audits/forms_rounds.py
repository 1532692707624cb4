"""Sending a round (`/egenkontroll/omgangar/ny/`): the template, the title, the units, the
period, the opening day, the due date and the recurrence.

The form parses and offers; `audits.services.round_create` decides (dates in order, one care
provider, `audit.run` over every unit). Only the units of the user's `audit.run` scope are
offered, so a unit outside it is refused here as an invalid choice, before the service.

The units are chosen in two ways, added together: a whole part of the organisation (every
unit of the kind "enhet" at and below the chosen unit, or the chosen unit itself when there
is none below it: a clinic's wards, not the clinic), and single units.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.access import scope_paths
from accounts.models import OrgUnit
from accounts.roles import Perm
from audits.models import Recurrence, TemplateVersion

# The level of the tree that answers a round: the units where the work is done.
ANSWERING_KIND = "enhet"


def run_units(user):
    """The active units where `user` may send rounds (`audit.run`), in tree order."""
    in_scope = Q(pk__in=[])
    for path in scope_paths(user).get(Perm.AUDIT_RUN, ()):
        in_scope |= Q(path__startswith=path)
    return OrgUnit.objects.filter(in_scope, is_active=True).order_by("path")


def sendable_versions(user):
    """The published current version (the newest published one) of each active template
    `user` may send: those shipped with psweb and her care providers' own."""
    providers = run_units(user).values("care_provider_id")
    newest: dict[int, int] = {}
    rows = (
        TemplateVersion.objects.filter(published_at__isnull=False, template__is_active=True)
        .filter(Q(template__care_provider__isnull=True) | Q(template__care_provider__in=providers))
        .order_by("template_id", "-number")
        .values_list("template_id", "pk")
    )
    for template_id, pk in rows:
        newest.setdefault(template_id, pk)
    return (
        TemplateVersion.objects.filter(pk__in=newest.values())
        .select_related("template")
        .order_by("template__title", "template_id")
    )


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return _("%(title)s (version %(number)s)") % {"title": obj.template.title, "number": obj.number}


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class UnitsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class RoundForm(forms.Form):
    template_version = VersionChoiceField(
        label=_("Template"),
        queryset=TemplateVersion.objects.none(),
        empty_label=_("Choose a template"),
        help_text=_("The template's newest published version is sent; the round keeps it."),
    )
    title = forms.CharField(label=_("Title"), max_length=200, help_text=_("Shown to the units, e.g. “Läkemedel 2026”."))
    subtree = UnitChoiceField(
        label=_("Send to a part of the organisation"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("No part chosen"),
        help_text=_(
            "Every unit of the kind “enhet” at and below the unit you choose answers (the unit itself "
            "when there is none below it)."
        ),
    )
    units = UnitsChoiceField(
        label=_("Or choose single units"),
        queryset=OrgUnit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or Cmd) to choose several. Added to the part chosen above."),
    )
    period_start = forms.DateField(label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("Period to"), widget=forms.DateInput(attrs={"type": "date"}))
    opens_on = forms.DateField(
        label=_("Opens"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The units can answer from this day; the managers are told then."),
    )
    due_on = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))
    recurrence = forms.ChoiceField(label=_("Recurrence"), choices=Recurrence.choices, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = run_units(user)
        self.fields["template_version"].queryset = sendable_versions(user)
        self.fields["subtree"].queryset = units
        self.fields["units"].queryset = units

    def clean(self):
        data = super().clean()
        chosen = list(data.get("units") or [])
        subtree = data.get("subtree")
        if subtree is not None:
            below = list(
                OrgUnit.objects.filter(
                    path__startswith=subtree.path, is_active=True, kind__code=ANSWERING_KIND
                ).order_by("path")
            )
            chosen += below or [subtree]
        if not chosen and not self.has_error("units") and not self.has_error("subtree"):
            self.add_error("units", _("Choose the units that should answer."))
        data["chosen_units"] = list({unit.pk: unit for unit in chosen}.values())
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        names = ("title", "period_start", "period_end", "opens_on", "due_on", "recurrence")
        return {name: data.get(name) for name in names}
