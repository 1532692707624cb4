"""Registering a complaint (`/klagomal/ny/`): one form, in two shapes.

- The complaint handler registers what came in to a unit where she holds `complaint.handle`.
- The patientnämnd's officer registers a case her nämnd sends: the nämnd, its case number and
  the date it set for the answer are required, and the channel is the nämnd's.

The form parses and offers; the service (`complaint_register`) decides. The unit selects
accept any active care unit and offer only the user's own, so a unit she may not use reaches
the service and is refused there with its reason (403), as the API refuses it. Every select
works without JavaScript: the subarea is one select of "area: subarea" pairs, grouped by area,
checked against the area chosen.
"""

from __future__ import annotations

import hashlib

from django import forms
from django.core.exceptions import EmptyResultSet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit
from complaints import selectors
from complaints.models import AREA_CHOICES, BOARD_KIND, CLASSIFICATION, Channel, ComplainantType
from psweb.widgets import CachedOptions, ManyOptionsSelect

CONTACT_FIELDS = ("name", "address", "phone", "email")


class ManyOptionsSelectMultiple(ManyOptionsSelect):
    """`ManyOptionsSelect` choosing several (the units a complaint concerns)."""

    allow_multiple_selected = True

    def __init__(self, attrs=None):
        super().__init__({**(attrs or {}), "multiple": True})

    def value_from_datadict(self, data, files, name):
        return forms.SelectMultiple.value_from_datadict(self, data, files, name)

    def value_omitted_from_data(self, data, files, name):
        return False  # an empty multiple select sends nothing: that is a value (none)


def _offer(field, units, *, namespace: str, version: str, empty_label=None) -> None:
    """Render `field`'s options from `units` (names in tree order), built once per user scope,
    language and org tree (`version`) from Django's cache (psweb.widgets)."""
    try:
        scope = hashlib.sha256(str(units.query).encode()).hexdigest()[:16]
    except EmptyResultSet:  # no unit at all (a membership ended meanwhile)
        scope = "none"
    empty = [("", empty_label)] if empty_label is not None else []
    field.widget.cached_options = CachedOptions(
        key=f"{namespace}:{get_language()}:{scope}:{version}",
        build=lambda: [*empty, *units.values_list("pk", "name")],
    )


def _subarea_choices() -> list:
    groups = [
        (label, [(f"{area}:{code}", f"{label}: {sub}") for code, sub in subs.items()])
        for area, (label, subs) in CLASSIFICATION.items()
    ]
    return [("", _("No subarea")), *groups]


class RegisterForm(forms.Form):
    channel = forms.ChoiceField(label=_("How it came in"), choices=[("", "–"), *Channel.choices])
    complainant_type = forms.ChoiceField(label=_("Who complains"), choices=[("", "–"), *ComplainantType.choices])
    patient_consent = forms.BooleanField(
        label=_("The patient's consent is noted"),
        required=False,
        help_text=_("When a relative complains for the patient."),
    )
    received_on = forms.DateField(label=_("Received"), widget=forms.DateInput(attrs={"type": "date"}))
    unit = forms.ModelChoiceField(
        label=_("Responsible unit"),
        queryset=selectors.care_units(),
        widget=ManyOptionsSelect,
        help_text=_("The unit that answers the complaint."),
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Other units concerned"),
        queryset=selectors.care_units(),
        required=False,
        widget=ManyOptionsSelectMultiple,
        help_text=_("Hold Ctrl (or Cmd) to choose several."),
    )
    area = forms.ChoiceField(label=_("Problem area"), choices=[("", "–"), *AREA_CHOICES])
    subarea = forms.ChoiceField(label=_("Subarea"), required=False, widget=ManyOptionsSelect)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=200,
        help_text=_("A short heading, shown in lists: never a name or a personal identity number."),
    )
    description = forms.CharField(label=_("The complaint in the complainant's words"), widget=forms.Textarea)
    patient_identifier = forms.CharField(
        label=_("Patient's personal identity number"),
        max_length=13,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    contact_name = forms.CharField(label=_("Complainant's name"), max_length=200, required=False)
    contact_address = forms.CharField(
        label=_("Postal address"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    contact_phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    contact_email = forms.EmailField(label=_("E-mail"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subarea"].choices = _subarea_choices()
        version = OrgUnit.objects.tree_version()
        _offer(
            self.fields["unit"],
            self.offered_units(user),
            namespace="complaints:register-units",
            version=version,
            empty_label=_("Choose a unit"),
        )
        _offer(
            self.fields["units"], self.concerned_units(user), namespace="complaints:concerned-units", version=version
        )

    def offered_units(self, user):
        return selectors.register_units(user=user)

    def concerned_units(self, user):
        """The active units of the care providers where she registers."""
        providers = selectors.register_units(user=user).values("care_provider_id")
        return selectors.care_units().filter(care_provider_id__in=providers)

    def clean(self):
        data = super().clean()
        pair = data.get("subarea") or ""
        if pair:
            area, _colon, subarea = pair.partition(":")
            if data.get("area") and area != data["area"]:
                self.add_error("subarea", _("Choose a subarea of the problem area."))
            data["subarea"] = subarea
        return data

    def service_fields(self) -> dict:
        """The complaint's fields as `complaint_register(fields=)` takes them."""
        data = self.cleaned_data
        names = ("channel", "complainant_type", "patient_consent", "received_on", "unit", "units", "area")
        fields = {name: data.get(name) for name in names}
        fields.update(
            subarea=data.get("subarea") or "",
            summary=data.get("summary", ""),
            description=data.get("description", ""),
            patient_identifier=data.get("patient_identifier", ""),
        )
        return fields

    def contact(self) -> dict:
        return {name: self.cleaned_data.get(f"contact_{name}", "") for name in CONTACT_FIELDS}


class BoardRegisterForm(RegisterForm):
    """The patientnämnd's officer: her nämnd's case, sent to any care unit."""

    board_unit = forms.ModelChoiceField(
        label=_("Patient board"),
        queryset=OrgUnit.objects.filter(is_active=True, kind__code=BOARD_KIND),
        widget=ManyOptionsSelect,
    )
    board_reference = forms.CharField(label=_("The patient board's case number"), max_length=60)
    board_due_on = forms.DateField(
        label=_("Answer due (the patient board's date)"), widget=forms.DateInput(attrs={"type": "date"})
    )

    field_order = ["board_unit", "board_reference", "board_due_on"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        del self.fields["channel"]  # always "via the patient board" (the service sets it)
        boards = selectors.board_units(user=user)
        self.fields["board_unit"].widget.choices = [(unit.pk, unit.name) for unit in boards]
        if len(self.fields["board_unit"].widget.choices) == 1 and not self.is_bound:
            self.initial.setdefault("board_unit", self.fields["board_unit"].widget.choices[0][0])

    def offered_units(self, user):
        return selectors.care_units()

    def concerned_units(self, user):
        return selectors.care_units()

    def service_fields(self) -> dict:
        return {**super().service_fields(), "board_reference": self.cleaned_data.get("board_reference", "")}
