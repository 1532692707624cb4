"""factory_boy factories. Org units are created through the service so paths are right."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from accounts import services
from accounts.models import Membership, OrgUnit, OrgUnitKind, User
from accounts.roles import Role
from outbox.models import OutboxMessage

DEFAULT_PASSWORD = "psweb-test-password"


_KIND_NAMES = {
    "vardgivare": "Vårdgivare",
    "forvaltning": "Förvaltning",
    "omrade": "Område",
    "verksamhet": "Verksamhet",
    "enhet": "Enhet",
}


def kind(code: str) -> OrgUnitKind:
    # get_or_create: transactional tests (browser, integration) flush the rows the data migration made.
    rank = list(_KIND_NAMES).index(code) if code in _KIND_NAMES else 9
    return OrgUnitKind.objects.get_or_create(code=code, defaults={"name": _KIND_NAMES.get(code, code), "rank": rank})[0]


def make_unit(name: str, parent: OrgUnit | None = None, kind_code: str | None = None, hsa_id: str = "") -> OrgUnit:
    if kind_code is None:
        kind_code = "vardgivare" if parent is None else "enhet"
    return services.orgunit_create(name=name, kind=kind(kind_code), parent=parent, hsa_id=hsa_id)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="sv_SE")
    last_name = factory.Faker("last_name", locale="sv_SE")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.django.Password(DEFAULT_PASSWORD)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    unit = None
    role = Role.REPORTER


def make_outbox_message(**kwargs):
    """An outbox message that is due (created a while ago), with overridable fields."""
    now = timezone.now()
    defaults = {
        "recipient": "someone@example.invalid",
        "subject": "psweb: you have been given a role",
        "body": "Hello",
        "created_at": now - timedelta(minutes=5),
        "next_attempt_at": now - timedelta(minutes=1),
    }
    return OutboxMessage.objects.create(**{**defaults, **kwargs})


def api_token_for(user: User, name: str = "test") -> str:
    """The secret of a new API token of `user` (apitokens), for `Authorization: Token <secret>`."""
    from apitokens.services import api_token_create

    return api_token_create(user=user, name=name)[1]
