"""Access changes take effect on the next request (issue #6): a user moved to another unit
sees the new unit's cases and not the old one's; a user whose role ended loses access; a
deactivated user's sessions and API token end at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import Membership, UserSession
from accounts.roles import Role
from apitokens.models import ApiToken
from tests.factories import api_token_for
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db


def _end_role(user) -> None:
    """The user's membership ended yesterday (it began a week ago)."""
    today = dt.date.today()
    Membership.objects.filter(user=user).update(valid_from=today - dt.timedelta(days=7))
    services.membership_end(
        membership=Membership.objects.get(user=user), last_day=today - dt.timedelta(days=1), actor=None
    )


def _signed_in(user, password) -> Client:
    client = Client()
    assert client.post(reverse("login"), {"username": user.username, "password": password}).status_code == 302
    return client


def test_a_handler_moved_to_another_clinic_sees_its_cases_at_the_next_request(cast, tree, password):
    medicine = report(cast.reporter, tree.medicin_ward)
    orthopaedics = report(cast.reporter, tree.orto_ward)
    client = _signed_in(cast.handler, password)
    assert client.get(reverse("incidents:detail", args=[medicine.pk])).status_code == 200
    assert client.get(reverse("incidents:detail", args=[orthopaedics.pk])).status_code == 404

    _end_role(cast.handler)
    services.membership_grant(user=cast.handler, unit=tree.orto, role=Role.HANDLER, actor=None)

    assert client.get(reverse("incidents:detail", args=[medicine.pk])).status_code == 404
    assert client.get(reverse("incidents:detail", args=[orthopaedics.pk])).status_code == 200


def test_an_ended_role_ends_access_to_the_api_at_the_next_request(api_client, cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    secret = api_token_for(cast.handler)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert api_client.get(f"/api/v1/incidents/{incident.pk}/").status_code == 200

    _end_role(cast.handler)

    assert api_client.get(f"/api/v1/incidents/{incident.pk}/").status_code == 404


def test_deactivating_a_user_ends_every_session_and_the_token(cast, tree, password, api_client):
    first, second = _signed_in(cast.handler, password), _signed_in(cast.handler, password)
    secret = api_token_for(cast.handler)
    assert UserSession.objects.filter(user=cast.handler).count() == 2

    services.user_deactivate(user=cast.handler, actor=cast.admin)

    for client in (first, second):
        response = client.get(reverse("home"))
        assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not Session.objects.filter(session_key__in=[first.session.session_key, second.session.session_key]).exists()
    assert not ApiToken.objects.usable().filter(user=cast.handler).exists()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert api_client.get("/api/v1/me/").status_code == 401


def test_deactivating_in_the_admin_ends_the_sessions(cast, password, login):
    victim = _signed_in(cast.handler, password)
    admin = login(cast.admin)
    page = admin.get(reverse("admin:accounts_user_change", args=[cast.handler.pk]))
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields}
    data.update(
        {
            "is_active": "",
            "is_staff": "",
            "is_superuser": "",
            "groups": [],
            "user_permissions": [],
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": cast.handler.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": cast.handler.date_joined.strftime("%H:%M:%S"),
            "email": cast.handler.email,
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        }
    )
    data = {key: value for key, value in data.items() if value is not None}

    response = admin.post(reverse("admin:accounts_user_change", args=[cast.handler.pk]), data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    cast.handler.refresh_from_db()
    assert not cast.handler.is_active
    assert not Session.objects.filter(session_key=victim.session.session_key).exists()
    assert not UserSession.objects.filter(user=cast.handler).exists()
    assert victim.get(reverse("home")).status_code == 302


def test_the_daily_prune_forgets_sessions_that_are_gone(cast, password, settings):
    from django.utils import timezone

    from accounts.tasks import accounts_sessions_prune

    client = _signed_in(cast.handler, password)
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=timezone.now())

    assert accounts_sessions_prune() == 1
    assert not UserSession.objects.exists()
    assert settings.CELERY_BEAT_SCHEDULE["sessions-prune"]["task"] == "accounts.sessions_prune"
