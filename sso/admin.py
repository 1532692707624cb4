from django.contrib import admin

from sso.models import UnmatchedCommission


@admin.register(UnmatchedCommission)
class UnmatchedCommissionAdmin(admin.ModelAdmin):
    """ "Omatchade medarbetaruppdrag": sign-ins whose unit HSA-id no active unit has."""

    list_display = ["unit_hsa_id", "user", "first_seen", "last_seen", "resolved"]
    list_filter = ["resolved"]
    search_fields = ["unit_hsa_id"]
    readonly_fields = ["user", "unit_hsa_id", "first_seen", "last_seen"]
    list_editable = ["resolved"]

    def has_add_permission(self, request):
        return False
