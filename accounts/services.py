"""Writes for the organisation and access model. Views, the admin and commands call these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from accounts.models import AccessLog, Membership, OrgUnit, OrgUnitKind, User, local_today
from accounts.roles import Role
from apitokens.services import api_credentials_revoke_all


@transaction.atomic
def orgunit_create(*, name: str, kind: OrgUnitKind, parent: OrgUnit | None = None, hsa_id: str = "") -> OrgUnit:
    unit = OrgUnit(name=name, kind=kind, parent=parent, hsa_id=hsa_id)
    # The path needs the primary key: insert with a unique placeholder, then set it.
    unit.path = f"~new~{id(unit)}"
    unit.full_clean(exclude=["path", "care_provider"])
    unit.save()
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.depth = parent.depth + 1 if parent else 0
    unit.care_provider_id = parent.care_provider_id if parent else unit.pk
    unit.save(update_fields=["path", "depth", "care_provider"])
    return unit


@transaction.atomic
def orgunit_update(
    *, unit: OrgUnit, name: str, kind: OrgUnitKind, parent: OrgUnit | None, hsa_id: str, is_active: bool
) -> OrgUnit:
    """Rename, re-classify or move a unit. A move carries the whole subtree along in one
    UPDATE (paths, depths and care provider)."""
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    if parent is not None:
        parent = OrgUnit.objects.select_for_update().get(pk=parent.pk)
        if parent.path.startswith(unit.path):
            raise ValidationError({"parent": _("A unit cannot be moved below itself or one of its own units.")})
    unit.name, unit.kind, unit.hsa_id, unit.is_active = name, kind, hsa_id, is_active
    unit.full_clean(exclude=["path", "care_provider", "parent"])
    moved = unit.parent_id != (parent.pk if parent else None)
    unit.parent = parent
    unit.save(update_fields=["name", "kind", "hsa_id", "is_active", "parent"])
    if moved:
        old_path = unit.path
        new_path = f"{parent.path if parent else '/'}{unit.pk}/"
        depth_delta = (parent.depth + 1 if parent else 0) - unit.depth
        new_provider = parent.care_provider_id if parent else unit.pk
        OrgUnit.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + depth_delta,
            care_provider_id=new_provider,
        )
        unit.refresh_from_db()
    return unit


@transaction.atomic
def membership_grant(
    *,
    user: User,
    unit: OrgUnit,
    role: str,
    actor: User | None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    from_commission: bool = False,
) -> Membership:
    """Give `user` a role in `unit`, and tell them by e-mail (through the outbox).
    `from_commission`: the role comes from a commission, not from a person (`Membership`)."""
    from outbox.services import email_enqueue

    membership = Membership(
        user=user,
        unit=unit,
        role=Role(role),
        valid_from=valid_from or local_today(),
        valid_to=valid_to,
        from_commission=from_commission,
    )
    membership.full_clean()
    membership.save()
    if user.email:
        email_enqueue(
            to=user.email,
            template="accounts/email/membership_granted",
            context={
                "first_name": user.first_name or user.username,
                "role": str(membership.get_role_display()),
                "unit": unit.name,
                "valid_from": membership.valid_from.isoformat(),
                "valid_to": membership.valid_to.isoformat() if membership.valid_to else "",
            },
            actor=actor,
            dedupe_key=f"membership-granted:{membership.pk}",
        )
    return membership


@transaction.atomic
def membership_end(*, membership: Membership, last_day: dt.date, actor: User | None) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    membership.valid_to = last_day
    membership.full_clean()
    membership.save(update_fields=["valid_to"])
    return membership


def accesslog_record(
    *,
    request,
    action: str,
    obj,
    unit: OrgUnit,
    patient_identifier: str = "",
    label: str = "",
) -> AccessLog:
    """Record that `request.user` read sensitive data of `obj` (PDL 4 kap. 3 §).

    `obj` is a model instance, or a model class for a read across many rows of it (a search
    or an export); the object id is then left empty."""
    from psweb.middleware import client_ip, request_id_of

    return AccessLog.objects.create(
        user=request.user,
        action=action,
        object_type=obj._meta.label_lower,
        object_id="" if isinstance(obj, type) else str(obj.pk),
        object_label=label[:200],
        unit=unit,
        patient_identifier=patient_identifier,
        ip_address=client_ip(request),
        request_id=request_id_of(request),
    )


def accesslog_record_many(*, request, action: str, entries: Iterable[tuple[Any, OrgUnit | int, str]]) -> int:
    """Record one read per (object, unit or unit id, label) in `entries`, in batches: a list,
    a search result or an export that showed many cases read under a grant (an oversight
    agreement), each found by a review of its own unit. Returns how many were written."""
    from psweb.middleware import client_ip, request_id_of

    common = {
        "user": request.user,
        "action": action,
        "ip_address": client_ip(request),
        "request_id": request_id_of(request),
    }
    written, batch = 0, []
    for obj, unit, label in entries:
        unit_id = unit if isinstance(unit, int) else unit.pk
        batch.append(
            AccessLog(
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                object_label=label[:200],
                unit_id=unit_id,
                **common,
            )
        )
        if len(batch) == 1000:
            written += len(AccessLog.objects.bulk_create(batch))
            batch = []
    if batch:
        written += len(AccessLog.objects.bulk_create(batch))
    return written


def accesslog_record_patients(
    *, request, action: str, obj, patients: Iterable[tuple[str, int]], label: str = ""
) -> list[AccessLog]:
    """Record one read of `obj` for each (patient identifier, unit id) in `patients`: a page or
    a file that showed many patients' identity numbers (the access log's own review) is found
    by a review of any one of them."""
    from psweb.middleware import client_ip, request_id_of

    common = {
        "user": request.user,
        "action": action,
        "object_type": obj._meta.label_lower,
        "object_id": "",
        "object_label": label[:200],
        "ip_address": client_ip(request),
        "request_id": request_id_of(request),
    }
    rows = [
        AccessLog(unit_id=unit_id, patient_identifier=patient, **common)
        for patient, unit_id in sorted(set(patients))
        if patient
    ]
    return AccessLog.objects.bulk_create(rows, batch_size=1000)


def session_remember(*, user: User, session_key: str) -> None:
    """Note a new signed-in session of `user` (the `user_logged_in` signal calls this)."""
    from accounts.models import UserSession

    if session_key:
        UserSession.objects.get_or_create(session_key=session_key, defaults={"user": user})


def sessions_prune() -> int:
    """Expired sessions, and the notes of sessions that no longer exist (daily)."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from accounts.models import UserSession

    Session.objects.filter(expire_date__lt=timezone.now()).delete()
    gone, _ = UserSession.objects.exclude(session_key__in=Session.objects.values("session_key")).delete()
    return gone


@transaction.atomic
def user_sessions_end(*, user: User) -> int:
    """End every signed-in session of `user` and revoke their API credentials; returns how many
    sessions ended. Called when a user is deactivated: access ends at once, everywhere."""
    from django.contrib.sessions.models import Session

    from accounts.models import UserSession

    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    ended, _ = Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()
    api_credentials_revoke_all(user=user)
    return ended


@transaction.atomic
def user_deactivate(*, user: User, actor: User | None) -> User:
    """The person has left: they can no longer sign in, their sessions and token end now.
    Nothing of theirs is deleted (the audit trail refers to them)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.is_active = False
    user.save(update_fields=["is_active"])
    user_sessions_end(user=user)
    return user
