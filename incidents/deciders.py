"""Who decides on an investigation — whether to investigate, the method, its leader and team —
for a unit's care provider: the one rule the investigation's permissions, its work queue, the
notice of a request and the reminders all ask.

By default a manager or the chief physician (`investigation.decide`). A care provider may set
`ProviderSettings.investigation_method_decided_by` to "the chief physician only" (Region
Kronoberg lets only the chefläkare decide); then only those holding the chief physician's
`lexmaria.decide` in the unit decide, and managers see the request but cannot decide it.
HSLF-FS 2017:40 3 kap. has the care provider investigate events and leaves the organising to
it; SOSFS 2011:9 4 kap. has it document who does what.

Lives in `incidents` because a request for an investigation is made on an incident and
`incidents` may not import `investigations` (docs/architecture.md).
"""

from __future__ import annotations

from django.db.models import Q

from accounts.access import has_perm, scope_q
from accounts.roles import Perm
from incidents.models import InvestigationDeciders, ProviderSettings


def chief_only(unit) -> bool:
    return ProviderSettings.for_unit(unit).investigation_method_decided_by == InvestigationDeciders.CHIEF_ONLY


def decider_perm(unit) -> str:
    """The permission that decides on an investigation of `unit`."""
    return Perm.LEXMARIA_DECIDE if chief_only(unit) else Perm.INVESTIGATION_DECIDE


def may_decide_investigation(user, unit) -> bool:
    """Does `user` decide on investigations of `unit`? (The caller gives the reason.) Only a
    manager's answer depends on the setting, so only hers reads it."""
    if not has_perm(user, Perm.INVESTIGATION_DECIDE, unit):
        return False
    return has_perm(user, Perm.LEXMARIA_DECIDE, unit) or not chief_only(unit)


def investigation_deciders(unit):
    """The active users who decide on investigations of `unit` today (to notify, to offer)."""
    from accounts.selectors import users_with_perm_in

    return users_with_perm_in(unit=unit, perm=decider_perm(unit))


def investigation_deciders_q(user, unit_field: str) -> Q:
    """A filter: the row's unit (`unit_field`) is one whose investigations `user` decides.
    One read of the (few) settings rows; the care providers that let only the chief physician
    decide leave managers out."""
    rows, default = ProviderSettings.by_provider()
    chief = InvestigationDeciders.CHIEF_ONLY
    provider = f"{unit_field}__care_provider_id__in"
    if default.investigation_method_decided_by == chief:
        managers_allowed = Q(
            **{provider: [pk for pk, row in rows.items() if row.investigation_method_decided_by != chief]}
        )
    else:
        managers_allowed = ~Q(
            **{provider: [pk for pk, row in rows.items() if row.investigation_method_decided_by == chief]}
        )
    return (scope_q(user, Perm.INVESTIGATION_DECIDE, unit_field) & managers_allowed) | (
        scope_q(user, Perm.INVESTIGATION_DECIDE, unit_field) & scope_q(user, Perm.LEXMARIA_DECIDE, unit_field)
    )
