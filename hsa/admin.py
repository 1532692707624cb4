"""The admin page "Organisation från HSA": the last applied sync and its diff, and the runs
before it (read-only; runs are written only by `sync_hsa`)."""

from __future__ import annotations

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from hsa.describe import describe
from hsa.models import SyncRun
from psweb.admin import ReadOnlyAdminMixin

SHOWN_LINES = 2000  # the first run of a region lists its whole staff


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["started_at", "file_name", "dry_run"]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            return super().changelist_view(request, extra_context)
        runs = list(SyncRun.objects.all()[:20])
        last = next((run for run in runs if not run.dry_run), None)
        return self._page(request, last, runs, _("Organisation from HSA"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        if run is None or not self.has_view_permission(request, run):
            return super().change_view(request, object_id, form_url, extra_context)
        return self._page(request, run, [], str(run))

    def _page(self, request, run, runs, title):
        lines = describe(run.diff) if run else []
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "run": run,
            "counts": [(name, count) for name, count in run.counts.items() if count] if run else [],
            "lines": lines[:SHOWN_LINES],
            "more": max(0, len(lines) - SHOWN_LINES),
            "runs": runs,
        }
        return TemplateResponse(request, "admin/hsa/syncrun/page.html", context)
