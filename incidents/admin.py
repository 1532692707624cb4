"""Admin for the incident taxonomies: categories, cause areas and per-provider settings.

Incidents themselves are not in the admin: the system administrator manages the
organisation and the taxonomies, not case content (DESIGN §1).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from incidents.models import Category, CauseArea, ProviderSettings
from psweb.admin import NoDeleteMixin


@admin.register(Category)
class CategoryAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["__str__", "code", "case_type", "is_active", "sort"]
    list_filter = ["case_type", "is_active"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    ordering = ["case_type", "parent__sort", "sort", "name"]
    fieldsets = [
        (None, {"fields": ["name", "code", "case_type", "parent", "sort"]}),
        (
            _("Use"),
            {
                "fields": ["is_active"],
                "description": _(
                    "Retire a category instead of deleting it: old cases keep it, new ones cannot choose it."
                ),
            },
        ),
    ]


@admin.register(CauseArea)
class CauseAreaAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "code", "is_active", "sort"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]


@admin.register(ProviderSettings)
class ProviderSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "late_report_hours", "triage_days", "forward_answer_days", "investigation_score"]
    autocomplete_fields = ["care_provider"]
    fieldsets = [
        (None, {"fields": ["care_provider"]}),
        (
            _("Risk matrix"),
            {
                "fields": [
                    "probability_labels",
                    "consequence_labels",
                    "risk_levels",
                    "investigation_score",
                    "investigation_consequence",
                ]
            },
        ),
        (_("Deadlines"), {"fields": ["late_report_hours", "triage_days", "forward_answer_days"]}),
        (_("Investigations"), {"fields": ["investigation_method_decided_by"]}),
    ]
