"""Investigations (vårdskadeutredning): from one or more incidents to conclusions, actions and
their follow-up (DESIGN §4, DOMAIN.md "Investigations").

An investigation is opened from incidents by a manager or the chief physician, who also
decides the method. An analysis leader runs it with a team; team members may come from
another care provider and then see this investigation and its linked incidents, nothing
else. Actions are the incidents' own `Action` rows (so they show on the incident too and the
reminders cover them), linked here to the causes they address and evaluated at follow-up.
Nothing is deleted; every change goes through `investigations.services` and writes a
`TimelineEntry` of the investigation.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit
from actions.models import Action
from incidents.models import CauseArea, Incident
from psweb.models import TimelineEntryBase


class Method(models.TextChoices):
    SIMPLE = "simple", _("Simple investigation (enklare utredning)")
    INTERNAL = "internal", _("Internal investigation (internutredning)")
    EVENT_ANALYSIS = "event_analysis", _("Event analysis (händelseanalys)")


class Status(models.TextChoices):
    INITIATED = "initiated", _("Initiated")
    IN_PROGRESS = "in_progress", _("In progress")
    REPORT_READY = "report_ready", _("Report ready")
    FOLLOW_UP = "follow_up", _("Follow-up")
    CLOSED = "closed", _("Closed")


# name → (from states, to state). Services check this table.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "start": (frozenset({Status.INITIATED}), Status.IN_PROGRESS),
    "report_ready": (frozenset({Status.IN_PROGRESS}), Status.REPORT_READY),
    "resume": (frozenset({Status.REPORT_READY}), Status.IN_PROGRESS),
    "follow_up": (frozenset({Status.REPORT_READY}), Status.FOLLOW_UP),
    "close": (frozenset({Status.REPORT_READY, Status.FOLLOW_UP}), Status.CLOSED),
}
# The working space (course of events, causes, patient's account, conclusions, actions).
WORK_STATES = frozenset({Status.INITIATED, Status.IN_PROGRESS})


class CareInjury(models.TextChoices):
    YES = "yes", _("Yes, a care injury")
    NO = "no", _("No care injury")
    CANNOT_JUDGE = "cannot_judge", _("Cannot be judged")


class InvestigationQuerySet(models.QuerySet):
    def visible_to(self, user) -> InvestigationQuerySet:
        """DESIGN §3: `investigation.view` in the scope of the investigation's unit or of a
        linked incident's unit; and the leader and team members, whatever their provider."""
        from accounts.access import scope_q
        from accounts.roles import Perm

        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        linked_in_scope = InvestigationIncident.objects.filter(
            scope_q(user, Perm.INVESTIGATION_VIEW, "incident__unit")
            | scope_q(user, Perm.INVESTIGATION_VIEW, "incident__responsible_unit")
        ).values("investigation_id")
        on_team = TeamMember.objects.filter(user=user, removed_at__isnull=True).values("investigation_id")
        return self.filter(
            scope_q(user, Perm.INVESTIGATION_VIEW, "unit")
            | Q(pk__in=linked_in_scope)
            | Q(leader=user)
            | Q(pk__in=on_team)
        )


@pghistory.track(exclude=["sync_xid"])
class Investigation(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.INITIATED)
    version = models.PositiveIntegerField(default=1, help_text="Incremented by every change; stale edits are refused.")
    title = models.CharField(_("title"), max_length=200)
    # The unit responsible for the investigation (the first incident's responsible unit).
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    incidents = models.ManyToManyField(
        Incident, through="InvestigationIncident", related_name="investigations", verbose_name=_("incidents")
    )

    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    method_reason = models.TextField(_("reason for the method"))
    method_decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    method_decided_at = models.DateTimeField(default=timezone.now)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_investigations",
        verbose_name=_("analysis leader"),
    )

    # The patient's and relatives' participation (always invited in an event analysis).
    patient_invited = models.BooleanField(_("patient or relatives invited"), null=True, blank=True)
    patient_invited_on = models.DateField(_("invited on"), null=True, blank=True)
    patient_not_invited_reason = models.TextField(_("why not invited"), blank=True)
    patient_account = models.TextField(_("their account, in their own words"), blank=True)

    # Conclusions (PSL 1 kap. 5 §).
    care_injury = models.CharField(_("care injury"), max_length=20, choices=CareInjury.choices, blank=True)
    avoidable = models.BooleanField(_("avoidable with adequate measures"), null=True, blank=True)
    serious_permanent = models.BooleanField(_("permanent and not minor"), default=False)
    serious_increased_care = models.BooleanField(_("substantially increased need of care"), default=False)
    serious_death = models.BooleanField(_("death"), default=False)
    conclusions = models.TextField(_("conclusions"), blank=True)

    follow_up_on = models.DateField(_("follow-up date"), null=True, blank=True)

    # Optional cost estimate (kvalitetsbristkostnad), whole kronor.
    extra_care_days = models.DecimalField(_("extra care days"), max_digits=6, decimal_places=1, null=True, blank=True)
    cost_per_care_day = models.PositiveIntegerField(_("cost per care day (kr)"), null=True, blank=True)
    other_costs = models.PositiveIntegerField(_("other costs (kr)"), null=True, blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # The transaction that last wrote the row, set by the trigger psweb_sync_stamp (psweb/sync.py).
    sync_xid = models.BigIntegerField(db_default=0, editable=False)
    report_ready_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = InvestigationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("investigation")
        verbose_name_plural = _("investigations")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in Status]), name="investigation_status_known"
            ),
            models.CheckConstraint(
                condition=Q(method__in=[m.value for m in Method]), name="investigation_method_known"
            ),
        ]
        indexes = [
            # `?updated_since=` (psweb/sync.py) reads in this order.
            models.Index(fields=["sync_xid", "id"], name="investigation_sync"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def serious(self) -> bool:
        """A serious care injury by at least one of the three criteria of PSL 1 kap. 5 §."""
        return self.care_injury == CareInjury.YES and (
            self.serious_permanent or self.serious_increased_care or self.serious_death
        )

    @property
    def quality_cost(self) -> int | None:
        """Extra care days × cost per day + other costs, in whole kronor (half up); None
        until something is entered."""
        if self.extra_care_days is None and self.other_costs is None:
            return None
        days = Decimal(self.extra_care_days or 0) * Decimal(self.cost_per_care_day or 0)
        total = days + Decimal(self.other_costs or 0)
        return int(total.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


class InvestigationIncident(models.Model):
    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="links")
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="+")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["linked_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["investigation", "incident"], name="investigation_incident_once")
        ]

    def __str__(self) -> str:
        return f"{self.investigation_id} ← {self.incident_id}"


@pghistory.track()
class TeamMember(models.Model):
    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="team")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # What they bring ("sjuksköterska, hemsjukvården"), shown in the report.
    role = models.CharField(_("role in the team"), max_length=120, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["investigation", "user"],
                condition=Q(removed_at__isnull=True),
                name="team_member_once",
            )
        ]

    def __str__(self) -> str:
        return str(self.user)


@pghistory.track()
class CourseEvent(models.Model):
    """One step of the course of events (händelseförlopp)."""

    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="course")
    at = models.DateTimeField(_("when"))
    description = models.TextField(_("what happened"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.description[:60]}"


@pghistory.track()
class InvestigationCause(models.Model):
    """A cause or contributing factor (orsaksområde with detail)."""

    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="causes")
    area = models.ForeignKey(CauseArea, on_delete=models.PROTECT, related_name="+", verbose_name=_("cause area"))
    detail = models.TextField(_("detail"), blank=True)
    contributing = models.BooleanField(_("contributing factor"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.area.name}: {self.detail[:60]}" if self.detail else self.area.name


class Outcome(models.TextChoices):
    WORKED = "worked", _("Worked")
    PARTLY = "partly", _("Partly worked")
    DID_NOT_WORK = "did_not_work", _("Did not work")
    TOO_EARLY = "too_early", _("Too early to tell")


@pghistory.track()
class InvestigationAction(models.Model):
    """An action of this investigation (in the action register, with the investigation as its
    source): the incident it answers, the causes it addresses, and its evaluation at follow-up."""

    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="actions")
    action = models.OneToOneField(Action, on_delete=models.PROTECT, related_name="investigation_link")
    # The investigated incident the action answers (the action itself belongs to the investigation).
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("incident")
    )
    causes = models.ManyToManyField(InvestigationCause, blank=True, related_name="actions")
    evaluated_at = models.DateTimeField(null=True, blank=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    carried_out = models.BooleanField(_("carried out"), null=True, blank=True)
    outcome = models.CharField(_("did it work"), max_length=20, choices=Outcome.choices, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)

    class Meta:
        ordering = ["action__due_date", "id"]

    def __str__(self) -> str:
        return f"{self.investigation_id}: {self.action_id}"


class ReferenceCounter(models.Model):
    """The last investigation number handed out per year (UT-2026-000012)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class TimelineEntry(TimelineEntryBase):
    """One line of the investigation's timeline (who, when, what). Append-only."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Investigation opened")
        INCIDENT_LINKED = "incident_linked", _("Incident linked")
        METHOD_DECIDED = "method_decided", _("Method decided")
        LEADER_ASSIGNED = "leader_assigned", _("Analysis leader assigned")
        MEMBER_ADDED = "member_added", _("Team member added")
        MEMBER_REMOVED = "member_removed", _("Team member removed")
        STARTED = "started", _("Started")
        COURSE_ADDED = "course_added", _("Course of events added to")
        COURSE_REMOVED = "course_removed", _("Course of events entry removed")
        CAUSE_ADDED = "cause_added", _("Cause added")
        CAUSE_REMOVED = "cause_removed", _("Cause removed")
        PATIENT_PARTICIPATION = "patient_participation", _("Patient participation recorded")
        CONCLUSIONS = "conclusions", _("Conclusions recorded")
        COSTS = "costs", _("Cost estimate recorded")
        ACTION_ADDED = "action_added", _("Action added")
        ACTION_CHANGED = "action_changed", _("Action changed")
        REPORT_READY = "report_ready", _("Report ready")
        RESUMED = "resumed", _("Work resumed")
        FOLLOW_UP = "follow_up", _("Follow-up started")
        ACTION_EVALUATED = "action_evaluated", _("Action evaluated")
        CLOSED = "closed", _("Closed")

    investigation = models.ForeignKey(Investigation, on_delete=models.PROTECT, related_name="timeline")
    kind = models.CharField(max_length=40, choices=Kind.choices)

    class Meta(TimelineEntryBase.Meta):
        indexes = [models.Index(fields=["investigation", "at"], name="inv_timeline_at")]
