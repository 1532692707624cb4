"""Users, the organisation tree, memberships and the log of reads of sensitive data.

The org tree is stored with a materialised path (`/1/7/42/`): a subtree is one indexed
`LIKE '/1/7/%'` query. Paths are maintained only by `accounts.services` (create and move).
"""

from __future__ import annotations

import datetime as dt

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.roles import Role


def local_today() -> dt.date:
    return timezone.localdate()


class UserQuerySet(models.QuerySet):
    def visible_to(self, user) -> UserQuerySet:
        """Users are listed only to themselves and system administrators (via the admin)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(pk=user.pk)


class PswebUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


@pghistory.track(exclude=["password", "last_login"])
class User(AbstractUser):
    hsa_id = models.CharField(
        _("HSA-id"),
        max_length=64,
        blank=True,
        help_text=_("The person's id in the HSA catalogue, if any."),
    )
    title = models.CharField(_("title"), max_length=100, blank=True)

    objects = PswebUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(fields=["hsa_id"], condition=~Q(hsa_id=""), name="user_hsa_id_unique"),
        ]

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username


@pghistory.track()
class OrgUnitKind(models.Model):
    """A level of the org tree (vårdgivare, förvaltning, område, verksamhet, enhet): data, not code."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    rank = models.PositiveSmallIntegerField(_("rank"), default=0, help_text=_("Typical depth; used for sorting."))

    class Meta:
        ordering = ["rank", "name"]
        verbose_name = _("org unit kind")
        verbose_name_plural = _("org unit kinds")

    def __str__(self) -> str:
        return self.name


class OrgUnitQuerySet(models.QuerySet):
    def visible_to(self, user) -> OrgUnitQuerySet:
        """Every signed-in user may see the org tree: reports can be filed for any unit,
        including other care providers' units. Unit names are not sensitive."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.all()

    def subtree_of(self, unit: OrgUnit) -> OrgUnitQuerySet:
        return self.filter(path__startswith=unit.path)

    def roots(self) -> OrgUnitQuerySet:
        return self.filter(parent__isnull=True)

    def tree_version(self) -> str:
        """A value that changes whenever any unit is added, changed or removed, in whichever
        process and by whatever means (admin, import, SQL): the newest history event (the
        history trigger writes one for every insert and update) and the number of units. Two
        index reads, whatever the size of the tree, for keying caches of unit lists."""
        from django.db import connection

        events = connection.ops.quote_name(OrgUnit.pgh_event_model._meta.db_table)
        units = connection.ops.quote_name(OrgUnit._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT (SELECT max(pgh_id) FROM {events}), (SELECT count(*) FROM {units})")  # noqa: S608
            newest, count = cursor.fetchone()
        return f"{newest or 0}-{count}"


@pghistory.track()
class OrgUnit(models.Model):
    name = models.CharField(_("name"), max_length=200)
    kind = models.ForeignKey(OrgUnitKind, on_delete=models.PROTECT, verbose_name=_("kind"))
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent unit")
    )
    # The root of this unit's tree: the care provider (vårdgivare). A root points at itself.
    care_provider = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, editable=False, related_name="+", verbose_name=_("care provider")
    )
    path = models.CharField(max_length=255, editable=False, db_index=False)
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    hsa_id = models.CharField(_("HSA-id"), max_length=64, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        indexes = [
            # LIKE 'prefix%' uses this index whatever the database collation is.
            models.Index(fields=["path"], name="orgunit_path_prefix", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["path"], name="orgunit_path_unique"),
            models.UniqueConstraint(fields=["hsa_id"], condition=~Q(hsa_id=""), name="orgunit_hsa_id_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_care_provider(self) -> bool:
        return self.parent_id is None

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]


class MembershipQuerySet(models.QuerySet):
    def valid_on(self, day: dt.date | None = None) -> MembershipQuerySet:
        day = day or local_today()
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))

    def visible_to(self, user) -> MembershipQuerySet:
        """Memberships of the units in the user's `membership.view` scope (managers see
        who works in their units), plus the user's own."""
        from accounts.access import scope_q
        from accounts.roles import Perm

        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(scope_q(user, Perm.MEMBERSHIP_VIEW, "unit") | Q(user=user))


@pghistory.track()
class Membership(models.Model):
    """A user holds a role in a unit and, through it, in every unit below it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("user")
    )
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("unit"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    valid_from = models.DateField(_("valid from"), default=local_today)
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("Last day; empty = until further notice.")
    )
    # Given by a commission (medarbetaruppdrag) the region's identity provider or HSA named,
    # not by a person in psweb: single sign-on (sso/) grants it at sign-in, the HSA sync
    # (hsa/) takes such a membership over and ends it when the commission ends.
    from_commission = models.BooleanField(_("from a commission"), default=False, db_default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["unit__path", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role", "valid_from"], name="membership_unique"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="membership_valid_period",
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_known"),
        ]
        indexes = [models.Index(fields=["user", "valid_from", "valid_to"], name="membership_user_validity")]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.unit}"

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)


class UserSession(models.Model):
    """A signed-in session of a user, so that deactivating the user ends every one of them
    (Django's session table cannot be searched by user without decoding each session)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user"], name="user_session_user")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.created_at:%Y-%m-%d %H:%M}"


class AccessLogQuerySet(models.QuerySet):
    def visible_to(self, user) -> AccessLogQuerySet:
        """Log rows about the care providers where the user may review logs (PDL 4 kap. 3 §)."""
        from accounts.access import scope_q
        from accounts.roles import Perm

        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(scope_q(user, Perm.ACCESSLOG_VIEW, "unit"))


class AccessLog(models.Model):
    """One read of sensitive data (patient identity, case content). Append-only: the
    database refuses UPDATE and DELETE on this table."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        VIEW_PATIENT = "view_patient", _("Viewed patient identity")
        EXPORT = "export", _("Exported")
        PRINT = "print", _("Printed")
        SEARCH = "search", _("Searched")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    action = models.CharField(pgettext_lazy("access log", "action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    object_label = models.CharField(_("object"), max_length=200, blank=True)
    # The unit the object belongs to; it decides who may review the row.
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    # Normalised personnummer / samordningsnummer (12 digits), empty when no patient.
    patient_identifier = models.CharField(_("patient identifier"), max_length=12, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [
            models.Index(fields=["user", "at"], name="accesslog_user_at"),
            models.Index(fields=["patient_identifier", "at"], name="accesslog_patient_at"),
            models.Index(fields=["unit", "at"], name="accesslog_unit_at"),
        ]
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.action} {self.object_type}#{self.object_id}"
