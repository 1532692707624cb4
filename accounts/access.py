"""The scope rule, in one place.

A membership grants its role's permissions in its unit and every unit below it, while it is
valid (valid_from ≤ today ≤ valid_to, Swedish local date). `scope_q` turns "the units where
this user holds permission P" into a filter on any model with a unit foreign key; every
`visible_to(user)` is built from it. The user's scope is read with one query and kept on the
user object for the rest of the request, so an access change takes effect on the next request.

Decisions are values: `Allowed` or `Denied("reason")`, so a page can say why a button is off.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.functional import Promise

from accounts.roles import ROLE_PERMISSIONS, roles_with

_CACHE_ATTR = "_psweb_scope_paths"
_IDS_ATTR = "_psweb_scope_unit_ids"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str | Promise = ""

    def __bool__(self) -> bool:
        return self.allowed


Allowed = Decision(True)


def Denied(reason: str | Promise) -> Decision:  # noqa: N802 - reads like a value, as Allowed does
    return Decision(False, reason)


def _valid_memberships(user):
    from accounts.models import Membership

    return Membership.objects.valid_on().filter(user=user, user__is_active=True, unit__is_active=True)


def scope_paths(user) -> dict[str, tuple[str, ...]]:
    """For each permission the user holds somewhere: the tree paths where it holds it,
    with nested paths folded into their ancestor."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    by_perm: dict[str, set[str]] = {}
    for role, path in _valid_memberships(user).values_list("role", "unit__path"):
        for perm in ROLE_PERMISSIONS.get(role, ()):
            by_perm.setdefault(perm, set()).add(path)
    folded = {perm: _fold(paths) for perm, paths in by_perm.items()}
    setattr(user, _CACHE_ATTR, folded)
    return folded


def forget_scope(user) -> None:
    """Drop the per-request cache (after a membership change within the same request)."""
    for attribute in (_CACHE_ATTR, _IDS_ATTR):
        if hasattr(user, attribute):
            delattr(user, attribute)


def _fold(paths: set[str]) -> tuple[str, ...]:
    kept: list[str] = []
    for path in sorted(paths, key=len):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(sorted(kept))


def scope_unit_ids(user, perm: str) -> tuple[int, ...]:
    """The ids of every unit in the subtrees where `user` holds `perm` (one query per
    permission, kept on the user object for the request like the paths)."""
    paths = scope_paths(user).get(perm, ())
    if not paths:
        return ()
    cache = getattr(user, _IDS_ATTR, None)
    if cache is None:
        cache = {}
        setattr(user, _IDS_ATTR, cache)
    key = paths
    if key not in cache:
        from accounts.models import OrgUnit

        query = Q()
        for path in paths:
            query |= Q(path__startswith=path)
        cache[key] = tuple(OrgUnit.objects.filter(query).values_list("pk", flat=True))
    return cache[key]


def scope_q(user, perm: str, unit_field: str) -> Q:
    """A filter: the object's unit (`unit_field`, a foreign key to OrgUnit) lies in a subtree
    where `user` holds `perm`. Matches nothing when the user holds it nowhere.

    The subtrees are given as a list of unit ids, not as a join to the units with a LIKE on
    their paths: the incident table's unit indexes then serve the filter, even inside an OR
    (a million incidents: the work queue went from 800 ms to 480 ms, see docs/benchmarks.md).
    The ids go as one array parameter (`__any`, psweb/lookups.py)."""
    roles_with(perm)  # an unknown permission is a programming error, not an empty scope
    ids = scope_unit_ids(user, perm)
    if not ids:
        return Q(pk__in=[])
    return Q(**{f"{unit_field}__any": ids})


def has_perm(user, perm: str, unit=None) -> bool:
    """Does `user` hold `perm` in `unit` (or anywhere, when unit is None)?"""
    roles_with(perm)
    paths = scope_paths(user).get(perm, ())
    if unit is None:
        return bool(paths)
    return any(unit.path.startswith(p) for p in paths)


def check_perm(user, perm: str, unit, reason: str | Promise) -> Decision:
    return Allowed if has_perm(user, perm, unit) else Denied(reason)
