"""Subscribers in the admin: the administrator registers one and sees its secret once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from webhooks.models import Subscriber

pytestmark = pytest.mark.django_db

ADD = "admin:webhooks_subscriber_add"


def form(tree, **fields):
    return {
        "name": "Ledningssystemet",
        "url": "https://hooks.example.invalid/psweb",
        "care_provider": tree.region.pk,
        "event_types": ["incident.created", "incident.updated"],
        "active": "on",
        **fields,
    }


def test_the_administrator_sees_the_secret_once(cast, tree, login):
    # given
    client = login(cast.admin)

    # when
    response = client.post(reverse(ADD), form(tree))

    # then
    assert response.status_code == 200
    subscriber = Subscriber.objects.get()
    assert subscriber.secret.startswith("whsec_")
    assert subscriber.secret in response.content.decode()
    assert subscriber.created_by == cast.admin
    assert subscriber.event_types == ["incident.created", "incident.updated"]
    change = client.get(reverse("admin:webhooks_subscriber_change", args=[subscriber.pk]))
    changelist = client.get(reverse("admin:webhooks_subscriber_changelist"))
    assert change.status_code == changelist.status_code == 200
    assert subscriber.secret not in change.content.decode()
    assert subscriber.secret not in changelist.content.decode()
    assert "Ledningssystemet" in changelist.content.decode()


def test_a_change_keeps_the_secret(cast, tree, login, subscribe):
    subscriber = subscribe(tree.region)
    secret = subscriber.secret

    response = login(cast.admin).post(
        reverse("admin:webhooks_subscriber_change", args=[subscriber.pk]), form(tree, event_types=["action.updated"])
    )

    assert response.status_code == 302
    subscriber.refresh_from_db()
    assert subscriber.secret == secret
    assert subscriber.event_types == ["action.updated"]


def test_plain_http_is_refused_outside_development(cast, tree, login, settings):
    settings.WEBHOOK_ALLOW_HTTP = False

    response = login(cast.admin).post(reverse(ADD), form(tree, url="http://hooks.example.invalid/psweb"))

    assert response.status_code == 200
    assert [error.code for error in response.context_data["adminform"].form.errors.as_data()["url"]] == [
        "https_required"
    ]
    assert not Subscriber.objects.exists()


def test_only_a_care_provider_can_be_chosen(cast, tree, login):
    response = login(cast.admin).post(reverse(ADD), form(tree, care_provider=tree.medicin.pk))

    assert response.status_code == 200
    assert not Subscriber.objects.exists()


def test_an_unknown_event_type_is_refused(cast, tree, login):
    response = login(cast.admin).post(reverse(ADD), form(tree, event_types=["incident.deleted"]))

    assert response.status_code == 200
    assert not Subscriber.objects.exists()


def test_others_cannot_reach_the_subscribers(cast, login):
    response = login(cast.handler).get(reverse("admin:webhooks_subscriber_changelist"))

    assert response.status_code == 302
