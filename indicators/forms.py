"""Forms of the indicator pages: each parses the input of one service; the services check
every rule again (the form, the API and the import give the same answers)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from indicators.models import Direction, Frequency, IndicatorDefinition, TargetKind
from indicators.services import DEFINITION_FIELDS


def _date(label, *, required: bool = True, help_text=""):
    return forms.DateField(
        label=label, required=required, help_text=help_text, widget=forms.DateInput(attrs={"type": "date"})
    )


class MeasurementForm(forms.Form):
    indicator = forms.ModelChoiceField(
        label=_("Indicator"), queryset=IndicatorDefinition.objects.filter(is_active=True), to_field_name="code"
    )
    unit = forms.ChoiceField(label=_("Unit"))
    period_start = _date(_("Period from"), help_text=_("For a point-prevalence measurement: the day it was made."))
    period_end = _date(_("Period to"), required=False, help_text=_("Leave empty for a point-prevalence day."))
    numerator = forms.CharField(label=_("Numerator"), max_length=30)
    denominator = forms.CharField(label=_("Denominator"), max_length=30, required=False)
    method = forms.CharField(
        label=_("Method"), max_length=40, required=False, help_text=_("Leave empty for the method in use then.")
    )
    comment = forms.CharField(
        label=_("Comment"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(str(unit.pk), unit.indented) for unit in units]
        self.units = {str(unit.pk): unit for unit in units}
        self.fields["indicator"].label_from_instance = lambda ind: f"{ind.code} – {ind.name}"

    def clean_unit(self):
        return self.units[self.cleaned_data["unit"]]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_(
            "The first row names the columns: indikator, enhet, period_fran, period_till, taljare, namnare, metod, "
            "kommentar. Nothing is saved before you have seen the preview."
        ),
    )


class InvalidateForm(forms.Form):
    reason = forms.CharField(label=_("Why is the measurement invalid?"), max_length=2000)


class DefinitionForm(forms.ModelForm):
    class Meta:
        model = IndicatorDefinition
        fields = list(DEFINITION_FIELDS)
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_kind"].choices = TargetKind.choices
        self.fields["direction"].choices = Direction.choices
        self.fields["frequency"].choices = Frequency.choices
