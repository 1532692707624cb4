"""Oversight agreements in the Django admin, for the system administrator: the parties, the
period, what may be read and the named users (who added each is recorded)."""

from __future__ import annotations

from django.contrib import admin

from oversight.models import Agreement, AgreementUser


class AgreementUserInline(admin.TabularInline):
    model = AgreementUser
    fk_name = "agreement"
    extra = 1
    autocomplete_fields = ["user"]
    fields = ["user", "added_by", "added_at"]
    readonly_fields = ["added_by", "added_at"]


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["__str__", "valid_from", "valid_to", "incidents", "lexmaria", "with_patient_identity"]
    list_filter = ["incidents", "lexmaria", "with_patient_identity"]
    autocomplete_fields = ["purchaser", "provider"]
    fields = [
        "purchaser",
        "provider",
        "valid_from",
        "valid_to",
        "incidents",
        "lexmaria",
        "safety_report",
        "with_patient_identity",
    ]
    inlines = [AgreementUserInline]

    def save_formset(self, request, form, formset, change):
        rows = formset.save(commit=False)
        for row in rows:
            if isinstance(row, AgreementUser) and row.added_by_id is None:
                row.added_by = request.user
            row.save()
        for row in formset.deleted_objects:
            row.delete()
        formset.save_m2m()
