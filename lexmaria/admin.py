"""Lex Maria in the Django admin: the care providers' internal deadlines, and who decides
(the designation, deputies and delegations, `lexmaria.deciders`; the decider manages deputies
and delegations on the page "Who decides on Lex Maria" too). Cases are worked on their own
pages, never edited here."""

from __future__ import annotations

from django.contrib import admin

from lexmaria.models import Decider, LexMariaSettings
from psweb.admin import NoDeleteMixin


@admin.register(LexMariaSettings)
class LexMariaSettingsAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["__str__", "decision_days", "report_days", "warn_days_before"]
    autocomplete_fields = ["care_provider"]
    fields = ["care_provider", "decision_days", "report_days", "warn_days_before"]


@admin.register(Decider)
class DeciderAdmin(NoDeleteMixin, admin.ModelAdmin):
    """Rows are never deleted: one that should no longer count is ended early."""

    list_display = ["care_provider", "user", "capacity", "title", "valid_from", "valid_to", "ended_at"]
    list_filter = ["capacity"]
    autocomplete_fields = ["care_provider", "user"]
    fields = ["care_provider", "user", "capacity", "title", "valid_from", "valid_to", "note", "ended_at", "ended_by"]
    readonly_fields = ["ended_at", "ended_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
