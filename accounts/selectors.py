"""Reads for the organisation and access model, always for a given user."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from accounts.models import Membership
from accounts.roles import Role


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


# Roles whose holders may be named on a case: responsible for an action, an investigation's
# leader. Every role but the management's statistics-only view (it reports, like everyone,
# but works with no case); the system administrator is staff too and stays nameable.
NAMEABLE_ROLES = tuple(role for role in Role.values if role not in (Role.VIEWER, Role.PATIENT_BOARD))


def _ancestor_paths(unit) -> list[str]:
    parts = unit.path.strip("/").split("/")
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def nameable_for(*, unit):
    """Who may be named responsible for an action, or lead an investigation, of a case of
    `unit`: active users with a membership valid today, in an active unit of the same care
    provider (or above it), in a role that works with cases (`NAMEABLE_ROLES`). The one rule
    the forms (which offer the unit's own staff, `staff_of`) and the API (which may name
    anyone of the care provider, issue 12: an action may go to another clinic) both check
    with `may_be_named`. A case type may add people of its own (an investigation's team)."""
    from accounts.models import User

    provider = unit.care_provider or unit
    memberships = Membership.objects.valid_on().filter(
        Q(unit__path__startswith=provider.path) | Q(unit__path__in=_ancestor_paths(provider)),
        role__in=NAMEABLE_ROLES,
        unit__is_active=True,
    )
    return User.objects.filter(is_active=True, pk__in=memberships.values("user_id"))


def staff_of(*, unit):
    """The people a form offers to name for a case of `unit`: those of `nameable_for` who
    work in the unit or a unit above it (the select stays short in a region of 20 000)."""
    memberships = Membership.objects.valid_on().filter(
        role__in=NAMEABLE_ROLES, unit__path__in=_ancestor_paths(unit), unit__is_active=True
    )
    return nameable_for(unit=unit).filter(pk__in=memberships.values("user_id")).order_by("pk")


def may_be_named(user, *, unit, also=None) -> bool:
    """Whether `user` may be named on a case of `unit` (`nameable_for`), or is one of `also`
    (a queryset of users the case type adds, such as an investigation's team)."""
    if user is None or not getattr(user, "pk", None) or not user.is_active:
        return False
    if nameable_for(unit=unit).filter(pk=user.pk).exists():
        return True
    return also is not None and also.filter(pk=user.pk).exists()


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
