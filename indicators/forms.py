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


class PeriodForm(forms.Form):
    """Which unit and period the measurements are for (the first step of entering)."""

    enhet = forms.ChoiceField(label=_("Unit"))
    fran = _date(_("Period from"), help_text=_("For a point-prevalence measurement: the day it was made."))
    till = _date(_("Period to"), required=False, help_text=_("Leave empty for a point-prevalence day."))

    def __init__(self, *args, units=(), **kwargs):
        kwargs.setdefault("auto_id", "id_%s")
        super().__init__(*args, **kwargs)
        self.fields["enhet"].choices = [(str(unit.pk), unit.indented) for unit in units]
        self.units = {str(unit.pk): unit for unit in units}

    def clean(self):
        data = super().clean()
        if data.get("enhet"):
            data["unit"] = self.units[data["enhet"]]
        if data.get("fran") and not data.get("till"):
            data["till"] = data["fran"]
        if data.get("fran") and data.get("till") and data["till"] < data["fran"]:
            self.add_error("till", _("The period cannot end before it begins."))
        return data


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
