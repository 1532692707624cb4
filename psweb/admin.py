"""Admin building blocks shared by the apps."""

from __future__ import annotations


class NoDeleteMixin:
    """Nothing in psweb is deleted: end it, deactivate it, or mark it withdrawn instead."""

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdminMixin(NoDeleteMixin):
    """For records written only by the system (history, outbox): viewable, never edited by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
