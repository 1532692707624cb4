"""The outbox in the admin: a read-only list, and "retry now" for messages that failed for good."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from outbox.models import OutboxMessage
from tests.factories import make_outbox_message as make_message

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:outbox_outboxmessage_changelist"


def test_the_admin_lists_messages_with_their_delivery_state(cast, login):
    # given
    make_message(
        recipient="dead@example.invalid",
        status=OutboxMessage.Status.DEAD,
        attempts=8,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
    )

    # when
    response = login(cast.admin).get(reverse(CHANGELIST))

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "dead@example.invalid" in page
    assert "SMTPServerDisconnected" in page
    assert "retry_now" in page


def test_messages_cannot_be_added_changed_or_deleted_by_hand(cast, login):
    message = make_message()
    client = login(cast.admin)

    assert client.get(reverse("admin:outbox_outboxmessage_add")).status_code == 403
    assert client.get(reverse("admin:outbox_outboxmessage_delete", args=[message.pk])).status_code == 403
    response = client.post(
        reverse("admin:outbox_outboxmessage_change", args=[message.pk]), {"status": "sent", "recipient": "x@y.z"}
    )
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING


def test_retry_now_sends_a_dead_message_again(cast, login, django_capture_on_commit_callbacks):
    # given
    dead = make_message(
        recipient="dead@example.invalid", status=OutboxMessage.Status.DEAD, attempts=8, last_error="SMTPError"
    )
    sent = make_message(recipient="sent@example.invalid", status=OutboxMessage.Status.SENT, attempts=1)
    client = login(cast.admin)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(CHANGELIST), {"action": "retry_now", "_selected_action": [str(dead.pk), str(sent.pk)]}, follow=True
        )

    # then: the dead one is delivered, the sent one is not sent again
    assert response.status_code == 200
    dead.refresh_from_db()
    assert dead.status == OutboxMessage.Status.SENT
    assert dead.attempts == 1
    assert [email.to for email in mail.outbox] == [["dead@example.invalid"]]
    sent.refresh_from_db()
    assert sent.attempts == 1
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 2


def test_only_administrators_see_the_outbox(cast, login):
    make_message()
    response = login(cast.safety_officer).get(reverse(CHANGELIST))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
