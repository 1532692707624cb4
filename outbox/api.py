"""API for the user's notifications: list (with `unread=true`), mark one or all as read."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from outbox import services
from outbox.models import Notification
from psweb.api import ModelSerializer, ScopedReadOnlyViewSet


class NotificationSerializer(ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "subject", "link", "created_at", "read_at"]


class NotificationFilterSet(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label="Only unread ones")

    class Meta:
        model = Notification
        fields = ["unread"]


_Count = inline_serializer("NotificationsMarked", {"marked": serializers.IntegerField()})


class NotificationViewSet(ScopedReadOnlyViewSet):
    """The signed-in user's own notifications, newest first."""

    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilterSet

    @extend_schema(request=None, responses=_Count, summary="Mark one notification as read")
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        return Response(
            {"marked": services.notifications_mark_read(user=request.user, notification_ids=[notification.pk])}
        )

    @extend_schema(request=None, responses=_Count, summary="Mark all notifications as read")
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": services.notifications_mark_read(user=request.user)})


router = SimpleRouter()
router.register("notifications", NotificationViewSet, basename="notification")
urlpatterns = router.urls
