"""Filter fields the lists of every app share (django-filter, for the API and the pages)."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _


class HandlerField(forms.CharField):
    """A user id, or `me` for the signed-in user."""

    default_error_messages = {"invalid": _("Give a user id (a number) or “me”.")}

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        if value == "me":
            return "me"
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if number < 1:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class StrictBooleanField(forms.NullBooleanField):
    """true/false (also 1/0, yes/no); anything else is an error, not "no filter"."""

    widget = forms.TextInput
    default_error_messages = {"invalid": _("Give true or false.")}
    VALUES = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        try:
            return self.VALUES[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value):
        pass


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField
