"""The incident's rules for the case kit (psweb.cases): its transitions, the words its
refusals use, and its reference numbers (AV-<year>-<6 digits>)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from incidents.models import TRANSITIONS
from psweb.cases import CaseKit, ConflictError, StaleVersionError, bump, record, require

__all__ = [
    "KIT",
    "ConflictError",
    "StaleVersionError",
    "bump",
    "check_transition",
    "check_version",
    "lock",
    "record",
    "require",
]

KIT = CaseKit(
    transitions=TRANSITIONS,
    stale_message=gettext_lazy(
        "Someone else changed this incident meanwhile. Reload to see the changes, then try again."
    ),
    state_message=gettext_lazy("This cannot be done while the incident is %(status)s."),
    reference_prefix="AV",
    counter_table="incidents_referencecounter",
)

lock = KIT.lock
check_version = KIT.check_version
check_transition = KIT.check_transition
