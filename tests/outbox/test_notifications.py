"""The in-app notification list: own notifications only, unread count, mark as read."""

from __future__ import annotations

import pytest
from django.urls import reverse

from outbox.models import Notification, OutboxMessage
from outbox.services import notify

pytestmark = pytest.mark.django_db


def _notify(user, reference="AV-2026-000001", key=""):
    return notify(
        user=user,
        template="incidents/email/handler_notice",
        context={"reference": reference, "unit": "Medicinkliniken", "reason": "submitted"},
        path="/avvikelser/1/",
        dedupe_key=key,
    )


def test_a_notification_goes_to_the_list_and_by_e_mail(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = _notify(cast.handler)

    assert "AV-2026-000001" in notification.subject
    assert notification.link == "/avvikelser/1/"
    message = OutboxMessage.objects.get()
    assert message.recipient == cast.handler.email
    assert "/avvikelser/1/" in message.body


def test_the_same_event_notifies_each_person_once(cast):
    _notify(cast.handler, key="incident:1:submitted")
    _notify(cast.handler, key="incident:1:submitted")
    _notify(cast.manager, key="incident:1:submitted")
    assert Notification.objects.count() == 2
    assert OutboxMessage.objects.count() == 2


def test_a_user_without_an_e_mail_address_still_gets_the_notification(cast):
    cast.handler.email = ""
    cast.handler.save()
    _notify(cast.handler)
    assert Notification.objects.filter(user=cast.handler).count() == 1
    assert not OutboxMessage.objects.exists()


def test_the_list_shows_only_ones_own_and_opening_marks_read(cast, login):
    mine = _notify(cast.handler, "AV-2026-000007")
    _notify(cast.manager, "AV-2026-000008")
    client = login(cast.handler)

    page = client.get(reverse("notifications")).content.decode()
    assert "AV-2026-000007" in page and "AV-2026-000008" not in page

    response = client.post(reverse("notification-open", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == "/avvikelser/1/"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_unread_ones_are_counted_and_can_be_marked_read_through_the_api(cast, api_client):
    _notify(cast.handler, "AV-2026-000001")
    _notify(cast.handler, "AV-2026-000002")
    api_client.force_authenticate(cast.handler)

    assert len(api_client.get("/api/v1/notifications/?unread=true").json()["results"]) == 2
    assert api_client.post("/api/v1/notifications/read-all/").json() == {"marked": 2}
    assert api_client.get("/api/v1/notifications/?unread=true").json()["results"] == []


def test_every_page_shows_the_unread_count_until_they_are_read(cast, login):
    _notify(cast.handler, "AV-2026-000001")
    _notify(cast.handler, "AV-2026-000002")
    _notify(cast.reporter, "AV-2026-000003")  # someone else's: not counted
    client = login(cast.handler)

    page = client.get(reverse("home")).content.decode()
    assert 'data-unread="2"' in page
    assert '2<span class="visually-hidden"> olästa</span>' in page

    client.post(reverse("notifications-read-all"))
    page = client.get(reverse("home")).content.decode()
    assert "data-unread" not in page
    assert "olästa" not in page
