"""The user's notification list (the bell)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from outbox import services
from outbox.models import Notification
from psweb.html import ScopedListView


class NotificationListView(ScopedListView):
    model = Notification
    template_name = "outbox/notifications.html"
    paginate_by = 50
    extra_context = {"title": _("Notifications")}


@login_required
@require_POST
def notification_open(request, pk: int):
    """Mark one notification read and go to what it is about."""
    notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
    services.notifications_mark_read(user=request.user, notification_ids=[notification.pk])
    if url_has_allowed_host_and_scheme(notification.link, allowed_hosts={request.get_host()}):
        return redirect(notification.link)
    return redirect("notifications")


@login_required
@require_POST
def notifications_read_all(request):
    services.notifications_mark_read(user=request.user)
    return redirect("notifications")
