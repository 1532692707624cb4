"""Outbox messages for the system administrator: read-only, with "retry now" for dead ones."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from outbox import services
from outbox.models import OutboxMessage
from psweb.admin import ReadOnlyAdminMixin


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "recipient", "subject", "status", "attempts", "short_error", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["recipient", "subject", "dedupe_key"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    actions = ["retry_now"]
    list_select_related = ["created_by"]
    fields = [
        "kind",
        "recipient",
        "subject",
        "body",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "created_by",
        "sent_at",
        "dedupe_key",
    ]

    # Messages change only through delivery and the retry action, never by hand.
    def has_retry_permission(self, request):
        return request.user.has_perm("outbox.change_outboxmessage")

    @admin.display(description=_("last error"))
    def short_error(self, obj: OutboxMessage) -> str:
        return obj.last_error if len(obj.last_error) <= 80 else f"{obj.last_error[:79]}…"

    @admin.action(description=_("Retry now (failed messages only)"), permissions=["retry"])
    def retry_now(self, request, queryset):
        selected = list(queryset.values_list("pk", flat=True))
        count = services.outbox_retry(message_ids=selected, actor=request.user)
        skipped = len(selected) - count
        if count:
            self.message_user(
                request,
                ngettext("%(count)d message will be sent again.", "%(count)d messages will be sent again.", count)
                % {"count": count},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message was left as it was: only failed messages can be retried.",
                    "%(count)d messages were left as they were: only failed messages can be retried.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
