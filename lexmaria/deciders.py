"""Who decides on Lex Maria for a care provider: the designation, deputies and delegations.

PSL (2010:659) 3 kap. 5 § puts the duty to report to IVO on the care provider; IVO's
regulations (HSLF-FS 2017:41, 4 §) have the report made by the person the care provider has
designated — the chefläkare in a region, the cheftandläkare in dental care, the MAS in a
municipality. The care provider documents how that responsibility is distributed (PSL 3 kap.
9 §; SOSFS 2011:9, 4 kap.), and a designated person away on leave needs a deputy
(ställföreträdare) or a time-limited delegation, so that "snarast" still holds in July.

The rule, in `decider_capacity` and nowhere else:
- a care provider that has a `designated` row in force today: exactly the persons with a row
  in force decide (the designated, a deputy or a delegate within the period); the chief
  physician's role alone no longer does;
- a care provider without one: the chief physician by role decides as before, and a deputy's or
  delegate's row in force adds its person.
A row counts only while its person is active and still works with Lex Maria in the care
provider (`lexmaria.view` somewhere in its tree: a chief physician, a patient-safety officer or
a manager); that is also who may be given a row (`decider_errors`).

Who manages the rows (`may_manage`): the system administrator of the care provider (all three
kinds, also in the Django admin) and its decider — the designated person, or while there is
none the chief physician of the whole care provider — who adds deputies and delegations and
ends them early. A deputy or a delegate does not delegate further.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import Allowed, Decision, Denied, has_perm, scope_paths
from accounts.models import Membership, OrgUnit, User, local_today
from accounts.roles import Perm, roles_with
from lexmaria.models import Capacity, Decider
from psweb.cases import clean_text, person_name, raise_errors, require

# The order in which a person's own rows count when she holds several on one day.
_PRECEDENCE = {Capacity.DESIGNATED: 0, Capacity.DEPUTY: 1, Capacity.DELEGATE: 2}


def provider_of(unit: OrgUnit) -> OrgUnit:
    return unit.care_provider if unit.care_provider_id and unit.care_provider_id != unit.pk else unit


def works_with_lex_maria(user, provider: OrgUnit) -> bool:
    """Does `user` (active) hold `lexmaria.view` in the care provider's tree today?"""
    if user is None or not getattr(user, "is_active", False):
        return False
    paths = scope_paths(user).get(Perm.LEXMARIA_VIEW, ())
    return any(path.startswith(provider.path) or provider.path.startswith(path) for path in paths)


def rows_in_force(provider: OrgUnit, day: dt.date | None = None) -> list[Decider]:
    return list(
        Decider.objects.valid_on(day).filter(care_provider=provider, user__is_active=True).select_related("user")
    )


def decider_capacity(user, unit: OrgUnit) -> tuple[str, Decider | None] | None:
    """In what capacity `user` decides on Lex Maria for a case of `unit` today: (capacity, the
    row it rests on, None for the role), or None when she does not."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    provider = provider_of(unit)
    rows = rows_in_force(provider)
    mine = sorted((row for row in rows if row.user_id == user.pk), key=lambda row: _PRECEDENCE[row.capacity])
    if mine and works_with_lex_maria(user, provider):
        return mine[0].capacity, mine[0]
    if any(row.capacity == Capacity.DESIGNATED for row in rows):
        return None
    if has_perm(user, Perm.LEXMARIA_DECIDE, unit):
        return Capacity.ROLE, None
    return None


def designated_in_force(provider: OrgUnit) -> list[Decider]:
    return [row for row in rows_in_force(provider) if row.capacity == Capacity.DESIGNATED]


def providers_decided_for(user) -> list[int]:
    """The care providers whose Lex Maria cases `user` sees because she decides for them today
    (a row in force; `LexMariaCase.objects.visible_to`)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    rows = Decider.objects.valid_on().filter(user=user).select_related("care_provider")
    return [row.care_provider_id for row in rows if works_with_lex_maria(user, row.care_provider)]


def capacity_text(capacity: str, row: Decider | None) -> str:
    """How the decision names the decider's capacity, for the timeline ("as deputy for the
    chefläkare")."""
    if capacity == Capacity.ROLE:
        return _("as chief physician")
    if capacity == Capacity.DESIGNATED:
        return _("as %(title)s, designated by the care provider") % {"title": row.title or _("the designated decider")}
    designated = designated_in_force(row.care_provider) if row is not None else []
    title = designated[0].title if designated and designated[0].title else _("the designated decider")
    if capacity == Capacity.DEPUTY:
        return _("as deputy for %(title)s") % {"title": title}
    return _("by delegation from %(name)s") % {"name": person_name(row.created_by)}


# --- Who manages the rows ------------------------------------------------------------------------


def is_administrator(user, provider: OrgUnit) -> bool:
    return has_perm(user, Perm.ORG_ADMIN, provider)


def may_manage(user, provider: OrgUnit) -> Decision:
    """The care provider's system administrator, or its decider: the designated person in force,
    or — while none is designated — the chief physician of the whole care provider."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Denied(gettext_lazy("Sign in."))
    if is_administrator(user, provider):
        return Allowed
    designated = designated_in_force(provider)
    if designated:
        if any(row.user_id == user.pk for row in designated) and works_with_lex_maria(user, provider):
            return Allowed
    elif has_perm(user, Perm.LEXMARIA_DECIDE, provider):
        return Allowed
    return Denied(
        gettext_lazy(
            "Only the person who decides on Lex Maria for the care provider, or its administrator, "
            "manages deputies and delegations."
        )
    )


def managed_providers(user) -> list[OrgUnit]:
    """The care providers whose deciders `user` may manage, in tree order."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    candidates = set(Decider.objects.valid_on().filter(user=user).values_list("care_provider_id", flat=True))
    for perm in (Perm.ORG_ADMIN, Perm.LEXMARIA_DECIDE):
        for path in scope_paths(user).get(perm, ()):
            root = path.strip("/").split("/")[0]
            candidates.add(int(root))
    providers = OrgUnit.objects.filter(pk__in=candidates, parent__isnull=True).order_by("path")
    return [provider for provider in providers if may_manage(user, provider)]


def capacities_for(user, provider: OrgUnit) -> list[tuple[str, str]]:
    """What `user` may add: the administrator every kind, the decider a deputy or a delegation."""
    kinds = [Capacity.DEPUTY, Capacity.DELEGATE]
    if is_administrator(user, provider):
        kinds = [Capacity.DESIGNATED, *kinds]
    return [(kind.value, kind.label) for kind in kinds]


def may_end(user, row: Decider) -> Decision:
    decision = may_manage(user, row.care_provider)
    if not decision:
        return decision
    if row.ended_at is not None:
        return Denied(gettext_lazy("This has already been ended."))
    if row.capacity == Capacity.DESIGNATED and not is_administrator(user, row.care_provider):
        return Denied(gettext_lazy("Only the administrator ends a designation."))
    return Allowed


def eligible_people(provider: OrgUnit):
    """Who may be given a row: active users holding `lexmaria.view` in the care provider's tree
    today (or above it), for the form's select."""
    ancestors = ["/" + "/".join(provider.path.strip("/").split("/")[:i]) + "/" for i in range(1, provider.depth + 2)]
    memberships = Membership.objects.valid_on().filter(
        Q(unit__path__startswith=provider.path) | Q(unit__path__in=ancestors),
        role__in=roles_with(Perm.LEXMARIA_VIEW),
        unit__is_active=True,
    )
    return User.objects.filter(is_active=True, pk__in=memberships.values("user_id")).order_by(
        "last_name", "first_name", "username"
    )


# --- The checks and the writes -------------------------------------------------------------------


def decider_errors(row: Decider) -> dict[str, str]:
    """What is wrong with `row` (new or changed), field by field; empty when it may be saved."""
    errors: dict[str, str] = {}
    provider = row.care_provider
    if provider.parent_id is not None:
        errors["care_provider"] = _("Choose a care provider (the top of an organisation).")
        return errors
    if not works_with_lex_maria(row.user, provider):
        errors["user"] = _(
            "%(name)s cannot decide on Lex Maria for %(provider)s: only an active chief physician, "
            "patient-safety officer or manager of the care provider can."
        ) % {"name": person_name(row.user), "provider": provider.name}
    if row.capacity != Capacity.DESIGNATED and row.valid_to is None:
        errors["valid_to"] = _("Give the last day: a deputy or a delegation is for a limited period.")
    if row.valid_to is not None and row.valid_from is not None and row.valid_to < row.valid_from:
        errors["valid_to"] = _("The last day cannot be before the first day.")
    if row.pk is None and row.valid_from is not None and row.valid_from < local_today():
        errors["valid_from"] = _("The period cannot start in the past: a decision is never delegated afterwards.")
    if "user" not in errors and row.valid_from is not None and "valid_to" not in errors:
        overlapping = Decider.objects.filter(care_provider=provider, user=row.user, ended_at__isnull=True).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=row.valid_from)
        )
        if row.valid_to is not None:
            overlapping = overlapping.filter(valid_from__lte=row.valid_to)
        other = overlapping.exclude(pk=row.pk).first()
        if other is not None:
            errors["user"] = _("%(name)s already decides in that period (%(period)s, %(capacity)s).") % {
                "name": person_name(row.user),
                "period": _period(other),
                "capacity": other.get_capacity_display(),
            }
    return errors


def _period(row: Decider) -> str:
    return f"{row.valid_from:%Y-%m-%d}–{row.valid_to:%Y-%m-%d}" if row.valid_to else f"{row.valid_from:%Y-%m-%d}–"


@transaction.atomic
def decider_create(
    *,
    actor,
    care_provider: OrgUnit,
    user,
    capacity: str,
    valid_from: dt.date | None,
    valid_to: dt.date | None = None,
    title: str = "",
    note: str = "",
) -> Decider:
    """Designate, add a deputy or delegate. Refused (403) for anyone but the provider's decider
    or administrator, and a designation for anyone but the administrator."""
    OrgUnit.objects.select_for_update().get(pk=care_provider.pk)  # one writer per provider at a time
    require(may_manage(actor, care_provider))
    errors: dict[str, str] = {}
    if capacity not in dict(capacities_for(actor, care_provider)):
        if capacity == Capacity.DESIGNATED:
            require(Denied(gettext_lazy("Only the administrator designates who decides on Lex Maria.")))
        errors["capacity"] = _("Choose a deputy or a delegation.")
    if user is None:
        errors["user"] = _("Choose the person.")
    if valid_from is None:
        errors["valid_from"] = _("Give the first day.")
    title = clean_text(title, "title", errors, max_length=80)
    note = clean_text(note, "note", errors, max_length=2000)
    raise_errors(errors)
    if user.pk == actor.pk and capacity == Capacity.DELEGATE:
        raise ValidationError({"user": _("Choose someone other than yourself: a delegation is to another person.")})
    row = Decider(
        care_provider=care_provider,
        user=user,
        capacity=capacity,
        title=title,
        valid_from=valid_from,
        valid_to=valid_to,
        note=note,
        created_by=actor,
    )
    raise_errors(decider_errors(row))
    row.save()
    return row


@transaction.atomic
def decider_end(*, actor, row: Decider) -> Decider:
    """End a row early, from now: the person no longer decides. The row stays (the history)."""
    row = Decider.objects.select_for_update().select_related("care_provider").get(pk=row.pk)
    require(may_end(actor, row))
    row.ended_at, row.ended_by = timezone.now(), actor
    row.save(update_fields=["ended_at", "ended_by"])
    return row
