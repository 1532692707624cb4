"""Who a single sign-on is: the user by HSA-id, created just in time, and her memberships.

A person is identified by her HSA-id (`OIDC_CLAIM_HSA_ID`), never by e-mail: an existing
user with that HSA-id is signed in and her names and e-mail are updated from the claims; a
new HSA-id creates a user (user name from the HSA-id, no usable password).

The commission's unit (`OIDC_CLAIM_UNIT_HSA_ID`) gives her the reporter role in the active
org unit with that HSA-id, from today, unless she already holds a role there — so every
member of staff can report from her first day (PSL 6 kap. 4 §). The membership is marked
`from_commission`: the HSA sync (hsa/) takes it over and ends it with the commission; a
membership the sync gave her from a later start begins today instead of being doubled. A unit HSA-id that no
active unit has still signs her in, without a membership (she chooses the unit when she
reports), and is recorded as an `UnmatchedCommission` for the administrator.

`OIDC_ROLE_CLAIM`, when set, names a claim holding a list (or a space-separated string) of
`"<role>@<unit HSA-id>"`, e.g. `"handler@SE2321000016-ABCD"`: each known role in an active
unit becomes a membership from today, if she has none with that role there. Values with an
unknown role or unit are ignored. Roles are only added this way, never ended: ending a
role is done in psweb (or by the HSA synchronisation).

Everything happens in one transaction, after every check of the ID token has passed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, OrgUnit, User, local_today
from accounts.roles import Role
from accounts.services import membership_grant
from sso.models import UnmatchedCommission

logger = logging.getLogger(__name__)

HSA_ID_MAX_LENGTH = 64


class SignInRefusedError(Exception):
    """The claims do not let psweb sign the person in; `code` is logged, never the claims."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Identity:
    hsa_id: str
    unit_hsa_id: str
    given_name: str
    family_name: str
    email: str
    roles: tuple[tuple[str, str], ...]  # (role, unit HSA-id)


def _text(claims: Mapping, name: str, max_length: int) -> str:
    value = claims.get(name) if name else None
    if value is None:
        return ""
    if isinstance(value, list):  # some providers send single values as lists
        value = value[0] if value else ""
    return str(value).strip()[:max_length]


def role_pairs(values) -> tuple[tuple[str, str], ...]:
    """`"<role>@<unit HSA-id>"` values (each may hold several, space-separated) as (role, unit
    HSA-id) pairs; values with an unknown role or no unit are left out."""
    pairs = []
    for value in values:
        for item in str(value).split():
            role, at, unit = item.partition("@")
            if at and role in Role.values and unit:
                pairs.append((role, unit))
    return tuple(pairs)


def _role_values(claims: Mapping) -> tuple[tuple[str, str], ...]:
    name = settings.OIDC_ROLE_CLAIM
    value = claims.get(name) if name else None
    if not value:
        return ()
    return role_pairs([value] if isinstance(value, str) else value)


def identity_from(read, names: tuple[str, str, str, str, str], roles: tuple[tuple[str, str], ...]) -> Identity:
    """The identity whatever the protocol: `read(name, max_length)` gives one value of the
    claims or attributes named in `names` (HSA-id, unit HSA-id, given name, family name,
    e-mail), "" when absent. A missing or too long HSA-id refuses the sign-in."""
    hsa_name, unit_name, given_name, family_name, email_name = names
    hsa_id = read(hsa_name, HSA_ID_MAX_LENGTH + 1)
    if not hsa_id:
        raise SignInRefusedError("missing-hsa-id")
    if len(hsa_id) > HSA_ID_MAX_LENGTH:
        raise SignInRefusedError("hsa-id-too-long")
    return Identity(
        hsa_id=hsa_id,
        unit_hsa_id=read(unit_name, HSA_ID_MAX_LENGTH),
        given_name=read(given_name, 150),
        family_name=read(family_name, 150),
        email=read(email_name, 254),
        roles=roles,
    )


def identity_from_claims(claims: Mapping) -> Identity:
    return identity_from(
        lambda name, max_length: _text(claims, name, max_length),
        (
            settings.OIDC_CLAIM_HSA_ID,
            settings.OIDC_CLAIM_UNIT_HSA_ID,
            settings.OIDC_CLAIM_GIVEN_NAME,
            settings.OIDC_CLAIM_FAMILY_NAME,
            settings.OIDC_CLAIM_EMAIL,
        ),
        _role_values(claims),
    )


def _free_username(hsa_id: str) -> str:
    """The HSA-id itself, or with a number if a local account already has that name."""
    base = "".join(c for c in hsa_id if c.isalnum() or c in "@.+-_")[:140] or "hsa"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _ensure_role(user: User, unit: OrgUnit, role: str, *, any_role: bool) -> Membership | None:
    held = Membership.objects.valid_on().filter(user=user, unit=unit)
    if not any_role:
        held = held.filter(role=role)
    if held.exists():
        return None
    today = local_today()
    if not any_role:  # a role from OIDC_ROLE_CLAIM: the identity provider's, not a commission's
        return membership_grant(user=user, unit=unit, role=role, actor=None, valid_from=today)
    # The HSA sync (hsa/) may have given her this role from a commission's later start: the
    # identity provider says the commission holds today, so that membership begins today
    # rather than a second one being made beside it.
    ahead = (
        Membership.objects.select_for_update()
        .filter(user=user, unit=unit, role=role, from_commission=True, valid_from__gt=today)
        .order_by("valid_from")
        .first()
    )
    if ahead is not None:
        ahead.valid_from = today
        ahead.save(update_fields=["valid_from"])
        return ahead
    return membership_grant(user=user, unit=unit, role=role, actor=None, valid_from=today, from_commission=True)


@transaction.atomic
def sign_in_user(identity: Identity) -> User:
    """The user the identity is, created or updated, with her commission's memberships."""
    user = User.objects.select_for_update().filter(hsa_id=identity.hsa_id).first()
    if user is None:
        user = User(username=_free_username(identity.hsa_id), hsa_id=identity.hsa_id)
        user.set_unusable_password()
        created = True
    else:
        created = False
        if not user.is_active:
            raise SignInRefusedError("inactive-user")
    changed = []
    for field, value in (
        ("first_name", identity.given_name),
        ("last_name", identity.family_name),
        ("email", identity.email),
    ):
        if value and getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if created:
        user.save()
    elif changed:
        user.save(update_fields=changed)

    if identity.unit_hsa_id:
        unit = OrgUnit.objects.filter(hsa_id=identity.unit_hsa_id, is_active=True).first()
        if unit is None:
            unmatched, made = UnmatchedCommission.objects.get_or_create(user=user, unit_hsa_id=identity.unit_hsa_id)
            if not made:
                unmatched.resolved = False
                unmatched.last_seen = timezone.now()
                unmatched.save(update_fields=["resolved", "last_seen"])
        else:
            _ensure_role(user, unit, Role.REPORTER, any_role=True)
            UnmatchedCommission.objects.filter(user=user, unit_hsa_id=identity.unit_hsa_id, resolved=False).update(
                resolved=True
            )

    for role, unit_hsa_id in identity.roles:
        unit = OrgUnit.objects.filter(hsa_id=unit_hsa_id, is_active=True).first()
        if unit is not None:
            _ensure_role(user, unit, role, any_role=False)

    logger.info("sso: signed in (user %s, %s)", user.pk, "created" if created else "existing")
    return user
