"""Reads for the organisation and access model, always for a given user."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import Membership


def memberships_valid_for(*, user) -> list[Membership]:
    """The user's own memberships that grant something today (valid today, in an active
    unit), in tree order."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.valid_on()
        .filter(user=user, unit__is_active=True)
        .select_related("unit", "unit__kind", "unit__care_provider")
    )


@dataclass(frozen=True)
class Me:
    username: str
    full_name: str
    memberships: list[Membership]


def me_get(*, user) -> Me:
    """Who the caller is, as the API's `/me/` shows it."""
    return Me(username=user.username, full_name=user.get_full_name(), memberships=memberships_valid_for(user=user))


def users_with_perm_in(*, unit, perm: str):
    """Active users who hold `perm` in `unit` today (through a membership in it or above it)."""
    from accounts.models import User
    from accounts.roles import roles_with

    ancestor_paths = []
    parts = unit.path.strip("/").split("/")
    for i in range(1, len(parts) + 1):
        ancestor_paths.append("/" + "/".join(parts[:i]) + "/")
    memberships = Membership.objects.valid_on().filter(
        role__in=roles_with(perm), unit__path__in=ancestor_paths, unit__is_active=True
    )
    return User.objects.filter(is_active=True, pk__in=memberships.values("user_id")).order_by("pk")
