"""Who reads what under an oversight agreement, and the agreements a user may see.

The named users of an agreement valid today read the provider's reported incidents (when it
covers incidents) and its Lex Maria cases with their reports to IVO (when it covers them):
registered in `apps.py` as visibility extensions and read grants of `incidents.hooks` and
`lexmaria.hooks`. A grant gives reading only: the handling predicates decide by role in the
units, which an agreement never gives.
"""

from __future__ import annotations

from django.contrib.postgres.aggregates import ArrayAgg
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import has_perm, scope_paths, scope_q
from accounts.roles import Perm
from incidents.hooks import ReadGrant
from oversight.models import Agreement


def current_agreements(user) -> list[Agreement]:
    """The agreements valid today that name `user`, read once per request (kept on the user
    object for the day: a list of cases asks for every row)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    today = timezone.localdate()
    cached = getattr(user, "_oversight_current", None)
    if cached is not None and cached[0] == today:
        return cached[1]
    found = list(Agreement.objects.valid_on(today).naming(user).select_related("provider", "purchaser"))
    user._oversight_current = (today, found)
    return found


def _providers(user, flag: str) -> list[int]:
    return sorted({a.provider_id for a in current_agreements(user) if getattr(a, flag)})


def incident_in(providers, prefix: str = "") -> Q:
    return Q(**{f"{prefix}unit__care_provider_id__in": providers}) | Q(
        **{f"{prefix}responsible_unit__care_provider_id__in": providers}
    )


def incidents_overseen(user) -> Q:
    """`incidents.hooks.VISIBILITY_EXTENSIONS`: the incidents of the care providers an agreement
    valid today lets the user read (where it happened or the responsible unit)."""
    providers = _providers(user, "incidents")
    if not providers:
        return Q(pk__in=[])
    return incident_in(providers) & Q(reported_at__isnull=False)


def _agreement_for(user, flag: str, provider_ids: set[int]) -> Agreement | None:
    for agreement in current_agreements(user):
        if getattr(agreement, flag) and agreement.provider_id in provider_ids:
            return agreement
    return None


def _grant(agreement: Agreement) -> ReadGrant:
    return ReadGrant(
        label=_("read under the oversight agreement of %(purchaser)s (%(period)s)")
        % {"purchaser": agreement.purchaser.name, "period": f"{agreement.valid_from}–{agreement.valid_to}"},
        patient_identity=agreement.with_patient_identity,
    )


def incident_grant(user, incident) -> ReadGrant | None:
    """`incidents.hooks.READ_GRANTS`: the agreement under which `user` reads `incident`."""
    if not current_agreements(user) or incident.reported_at is None:
        return None
    providers = {unit.care_provider_id for unit in (incident.unit, incident.responsible_unit) if unit is not None}
    agreement = _agreement_for(user, "incidents", providers)
    return _grant(agreement) if agreement else None


def lexmaria_overseen(user) -> Q:
    """`lexmaria.hooks.VISIBILITY_EXTENSIONS`: the Lex Maria cases of the care providers an
    agreement valid today lets the user read."""
    providers = _providers(user, "lexmaria")
    if not providers:
        return Q(pk__in=[])
    return Q(unit__care_provider_id__in=providers)


def lexmaria_grant(user, case) -> ReadGrant | None:
    """`lexmaria.hooks.READ_GRANTS`: the agreement under which `user` reads `case`."""
    if not current_agreements(user):
        return None
    agreement = _agreement_for(user, "lexmaria", {case.unit.care_provider_id})
    return _grant(agreement) if agreement else None


# --- The page ------------------------------------------------------------------------------


def overseeing_us(user):
    """Agreements in which a care provider where `user` sees incidents at the top (its chief
    physician, its patient-safety officer) is overseen: "Who oversees us"."""
    return (
        Agreement.objects.filter(scope_q(user, Perm.INCIDENT_VIEW, "provider"))
        .select_related("purchaser", "provider")
        .prefetch_related("named__user")
    )


def our_agreements(user):
    """Agreements of a purchaser: those naming `user`, and those of a purchaser unit where she
    sees incidents (its manager, the region's chief physician)."""
    return (
        Agreement.objects.filter(Q(named__user=user) | scope_q(user, Perm.INCIDENT_VIEW, "purchaser"))
        .distinct()
        .select_related("purchaser", "provider")
        .prefetch_related("named__user")
    )


# The menu asks on every page; it reads the parties of all agreements (a few dozen rows) from
# the cache, so that the menu costs no query of its own. A change to an agreement or its
# named users clears it (`apps.py`); another process's copy lives at most PARTIES_TIMEOUT.
PARTIES_KEY = "oversight:parties"
PARTIES_TIMEOUT = 300


def parties() -> tuple[frozenset[int], frozenset[str]]:
    """(the ids of every named user, the paths of every provider and purchaser)."""
    found = cache.get(PARTIES_KEY)
    if found is None:
        rows = (
            Agreement.objects.order_by()
            .values("provider__path", "purchaser__path")
            .annotate(named=ArrayAgg("named__user_id", default=Value([])))
        )
        named: set[int] = set()
        paths: set[str] = set()
        for row in rows:
            paths |= {row["provider__path"], row["purchaser__path"]}
            named |= {user_id for user_id in row["named"] if user_id is not None}
        found = (frozenset(named), frozenset(paths))
        cache.set(PARTIES_KEY, found, PARTIES_TIMEOUT)
    return found


def forget_parties(**kwargs) -> None:
    cache.delete(PARTIES_KEY)
    transaction.on_commit(lambda: cache.delete(PARTIES_KEY))


def in_menu(user) -> bool:
    """The menu entry, from the cached parties: named in an agreement, or seeing incidents
    where an agreement's provider or purchaser lies. The page itself asks the database."""
    named, paths = parties()
    if user.pk in named:
        return True
    scopes = scope_paths(user).get(Perm.INCIDENT_VIEW, ())
    return any(path.startswith(scope) for path in paths for scope in scopes)


def sees_oversight_page(user) -> bool:
    """The page: for those named in an agreement and those who see incidents where an
    agreement's provider or purchaser is."""
    if not getattr(user, "is_authenticated", False):
        return False
    if Agreement.objects.naming(user).exists():
        return True
    if not has_perm(user, Perm.INCIDENT_VIEW):
        return False
    return Agreement.objects.filter(
        scope_q(user, Perm.INCIDENT_VIEW, "provider") | scope_q(user, Perm.INCIDENT_VIEW, "purchaser")
    ).exists()
