"""Lex Maria in the Django admin: only the care providers' internal deadlines. Cases are
worked on their own pages, never edited here."""

from __future__ import annotations

from django.contrib import admin

from lexmaria.models import LexMariaSettings
from psweb.admin import NoDeleteMixin


@admin.register(LexMariaSettings)
class LexMariaSettingsAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["__str__", "decision_days", "report_days", "warn_days_before"]
    autocomplete_fields = ["care_provider"]
    fields = ["care_provider", "decision_days", "report_days", "warn_days_before"]
