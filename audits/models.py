"""Egenkontroll (issue 18): self-audits with checklists and observation rounds, the second
case type added on the case kit (docs/architecture.md, "Adding a case type").

What the law asks, and what this model relies on:
- SOSFS 2011:9 (ledningssystem för systematiskt kvalitetsarbete) 5 kap. 2 §: the care
  provider follows up its own work through egenkontroll, as often and to the extent its
  quality demands — checking that routines are followed (checklists), measuring (observation
  rounds) and comparing results over time; 5 kap. 3 §… and 7 kap. 2 § ask it to tell in the
  yearly patientsäkerhetsberättelse how that follow-up was done and what it showed.
- The regions' practice, in `../shared/seeds/`: Jämtland Härjedalen's yearly self-audit of
  medication handling, answered per unit on the scale *på plats / under införande / planerad /
  saknas*, counts the units that never answered ("ej svarat", 54 of 135 for the first
  statement) — here an unanswered unit is a `Response` without an `Answer` and is counted,
  never dropped; Västmanland's observations of basala hygienrutiner och klädregler count the
  people observed and how many followed each of the eight steps (SKR's PPM-BHK method), and
  those counts are the BHK indicators (`feeds.py`); Kronoberg's rule that a PVK result under
  85 % requires an action for the unit is `Statement.threshold`.

The structure: a `Template` (a checklist) has numbered `TemplateVersion`s; a version's
`Area`s hold its `Statement`s, each with its answer scale. A version is a draft until it is
published, and never changes after: a `Round` keeps the version it was sent with, so a new
version alters no answer already given. A round sends the version to a set of units with a
period and a due date; each unit's `Response` moves `planned → open → overdue → submitted →
approved`, its `Answer`s saved one by one as they are given.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import OrgUnit
from psweb.models import TimelineEntryBase


class Kind(models.TextChoices):
    CHECKLIST = "checklist", _("Checklist")
    OBSERVATION = "observation", _("Observation protocol")


class Scale(models.TextChoices):
    STATUS = "status", _("In place / being introduced / planned / missing")
    YES_NO = "yes_no", _("Yes / no / not applicable")
    COUNT = "count", _("Count: observed and compliant")


class Value(models.TextChoices):
    IN_PLACE = "in_place", _("In place")
    INTRODUCING = "introducing", _("Being introduced")
    PLANNED = "planned", _("Planned")
    MISSING = "missing", _("Missing")
    YES = "yes", _("Yes")
    NO = "no", _("No")
    NOT_APPLICABLE = "not_applicable", pgettext_lazy("self-audit", "Not applicable")


# The values each scale offers, in the order they are shown (a count has none: two numbers).
SCALE_VALUES: dict[str, tuple[str, ...]] = {
    Scale.STATUS: (Value.IN_PLACE, Value.INTRODUCING, Value.PLANNED, Value.MISSING),
    Scale.YES_NO: (Value.YES, Value.NO, Value.NOT_APPLICABLE),
    Scale.COUNT: (),
}
# A negative answer needs a comment (what is missing, and why).
NEGATIVE = frozenset({Value.MISSING, Value.NO})


class Recurrence(models.TextChoices):
    NONE = "", _("Once")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


class RoundStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Status(models.TextChoices):
    """A unit's response."""

    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Open")
    OVERDUE = "overdue", _("Overdue")
    SUBMITTED = "submitted", pgettext_lazy("self-audit", "Submitted")
    APPROVED = "approved", _("Approved")


# name → (from states, to state), checked by psweb.cases.CaseKit.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "open": (frozenset({Status.PLANNED}), Status.OPEN),
    "overdue": (frozenset({Status.OPEN}), Status.OVERDUE),
    "submit": (frozenset({Status.OPEN, Status.OVERDUE}), Status.SUBMITTED),
    "approve": (frozenset({Status.SUBMITTED}), Status.APPROVED),
    # The manager sends it back for more work: open again, or overdue past the due date.
    "return": (frozenset({Status.SUBMITTED}), Status.OPEN),
}
# Answers may be given and changed.
ANSWERABLE = frozenset({Status.OPEN, Status.OVERDUE})
# The unit has answered: these responses count as answered in the results.
ANSWERED = frozenset({Status.SUBMITTED, Status.APPROVED})


class Template(models.Model):
    """A checklist or observation protocol, by a care provider's safety team or measurement
    owners (`care_provider` empty: shipped with psweb, for every provider to send)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CHECKLIST)
    description = models.TextField(_("description"), blank=True)
    care_provider = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"parent__isnull": True},
        verbose_name=_("care provider"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("audit template")
        verbose_name_plural = _("audit templates")
        constraints = [models.CheckConstraint(condition=Q(kind__in=Kind.values), name="audit_template_kind_known")]

    def __str__(self) -> str:
        return self.title

    def current_version(self) -> TemplateVersion | None:
        return self.versions.filter(published_at__isnull=False).order_by("-number").first()


@pghistory.track()
class TemplateVersion(models.Model):
    """One version of a template. Published: frozen, may be sent; a round keeps it."""

    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    note = models.TextField(_("what changed"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["template", "number"]
        verbose_name = _("template version")
        verbose_name_plural = _("template versions")
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="audit_version_unique")]

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"


class Area(models.Model):
    version = models.ForeignKey(TemplateVersion, on_delete=models.PROTECT, related_name="areas")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(_("area"), max_length=200)

    class Meta:
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "position"], name="audit_area_position")]

    def __str__(self) -> str:
        return self.title


class Statement(models.Model):
    """One statement of a version. `key` is the same in every version of the template for
    what is the same question, so that a round compares with the previous one across a new
    version."""

    version = models.ForeignKey(TemplateVersion, on_delete=models.PROTECT, related_name="statements")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="statements")
    position = models.PositiveSmallIntegerField()
    key = models.SlugField(_("key"), max_length=60)
    text = models.TextField(_("statement"))
    scale = models.CharField(_("answer scale"), max_length=20, choices=Scale.choices)
    help_text = models.TextField(_("help text"), blank=True)
    routine = models.CharField(_("routine it refers to"), max_length=300, blank=True)
    # Under this share (%) a unit's result requires an action (a count: compliant / observed;
    # a status or yes/no statement: "in place" or "yes" counts as 100 %, anything else 0 %).
    threshold = models.DecimalField(
        _("action required under (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    # The indicator whose measurements a count feeds (observation protocols: BHK-1…8, BHK).
    indicator_code = models.CharField(_("feeds indicator"), max_length=40, blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="audit_statement_position"),
            models.UniqueConstraint(fields=["version", "key"], name="audit_statement_key"),
            models.CheckConstraint(condition=Q(scale__in=Scale.values), name="audit_statement_scale_known"),
            models.CheckConstraint(
                condition=Q(threshold__isnull=True) | Q(threshold__gte=0, threshold__lte=100),
                name="audit_statement_threshold_percent",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def values(self) -> tuple[str, ...]:
        return SCALE_VALUES[self.scale]


class RoundQuerySet(models.QuerySet):
    def visible_to(self, user) -> RoundQuerySet:
        """Rounds with a response in a unit where the user answers, reads results or runs
        rounds, and the rounds she sent."""
        from accounts.access import scope_q
        from accounts.roles import Perm

        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        responses = Response.objects.filter(
            scope_q(user, Perm.AUDIT_ANSWER, "unit")
            | scope_q(user, Perm.AUDIT_VIEW, "unit")
            | scope_q(user, Perm.AUDIT_RUN, "unit")
        )
        return self.filter(Q(created_by=user) | Q(pk__in=responses.values("round_id")))


@pghistory.track()
class Round(models.Model):
    """A template version sent to units, for a period, with a due date."""

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    template_version = models.ForeignKey(TemplateVersion, on_delete=models.PROTECT, related_name="rounds")
    care_provider = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("care provider")
    )
    status = models.CharField(_("status"), max_length=20, choices=RoundStatus.choices, default=RoundStatus.PLANNED)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    opens_on = models.DateField(_("opens"))
    due_on = models.DateField(_("due"))
    recurrence = models.CharField(_("recurrence"), max_length=20, choices=Recurrence.choices, blank=True)
    # The round this one recurs after (compared with it in the results).
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next", verbose_name=_("previous round")
    )
    remind_days_before = models.PositiveSmallIntegerField(_("remind (days before the due date)"), default=7)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_on", "-id"]
        verbose_name = _("audit round")
        verbose_name_plural = _("audit rounds")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RoundStatus.values), name="audit_round_status_known"),
            models.CheckConstraint(condition=Q(recurrence__in=Recurrence.values), name="audit_round_recurrence_known"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="audit_round_period"),
            models.CheckConstraint(condition=Q(due_on__gte=models.F("opens_on")), name="audit_round_due_after_open"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class ResponseQuerySet(models.QuerySet):
    def visible_to(self, user) -> ResponseQuerySet:
        """A unit's response: its members who answer (`audit.answer`), those who read results
        (`audit.view`) or run rounds (`audit.run`) there, and the one who sent the round."""
        from accounts.access import scope_q
        from accounts.roles import Perm

        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.filter(
            scope_q(user, Perm.AUDIT_ANSWER, "unit")
            | scope_q(user, Perm.AUDIT_VIEW, "unit")
            | scope_q(user, Perm.AUDIT_RUN, "unit")
            | Q(round__created_by=user)
        )


@pghistory.track()
class Response(models.Model):
    """One unit's answer to a round: the case the unit works on."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="responses")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    # The round's reference and the unit's number in it (EK-2026-000004/17): the action
    # register's and the timeline's name for it.
    reference = models.CharField(_("reference"), max_length=30, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    reminded_on = models.DateField(null=True, blank=True)
    escalated_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        ordering = ["round", "unit__path"]
        verbose_name = _("audit response")
        verbose_name_plural = _("audit responses")
        constraints = [
            models.UniqueConstraint(fields=["round", "unit"], name="audit_response_one_per_unit"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="audit_response_status_known"),
        ]
        indexes = [models.Index(fields=["unit", "status"], name="audit_response_unit_status")]

    def __str__(self) -> str:
        return self.reference


@pghistory.track()
class Answer(models.Model):
    """One statement answered by one unit. Saved as it is given (the answering page's
    autosave); a negative answer holds its comment."""

    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="answers")
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="answers")
    value = models.CharField(_("answer"), max_length=20, choices=Value.choices, blank=True)
    observed = models.PositiveIntegerField(_("observed"), null=True, blank=True)
    compliant = models.PositiveIntegerField(_("compliant"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["response", "statement__position"]
        constraints = [
            models.UniqueConstraint(fields=["response", "statement"], name="audit_answer_one_per_statement"),
            models.CheckConstraint(condition=Q(value__in=["", *Value.values]), name="audit_answer_value_known"),
            models.CheckConstraint(
                condition=Q(compliant__isnull=True) | Q(observed__isnull=False, compliant__lte=models.F("observed")),
                name="audit_answer_compliant_of_observed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.response}: {self.statement_id}"

    @property
    def share(self):
        """The result in % (count: compliant / observed; in place or yes: 100; otherwise 0;
        not applicable or nothing observed: None)."""
        from decimal import Decimal

        if self.statement.scale == Scale.COUNT:
            if not self.observed:
                return None
            return Decimal(self.compliant or 0) * 100 / Decimal(self.observed)
        if self.value in ("", Value.NOT_APPLICABLE):
            return None
        return Decimal(100) if self.value in (Value.IN_PLACE, Value.YES) else Decimal(0)


class RequiredAction(models.Model):
    """The threshold rule's one required action per unit, round and statement (Kronoberg: a
    PVK result under 85 % must lead to an action for the unit)."""

    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="required_actions")
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="+")
    action = models.OneToOneField("actions.Action", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "statement"], name="audit_required_action_once"),
        ]

    def __str__(self) -> str:
        return f"{self.response}: {self.action_id}"


class ReferenceCounter(models.Model):
    """The last round number handed out per year (EK-2026-000012)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class TimelineEntry(TimelineEntryBase):
    """One line of a unit's response: opened, submitted, approved, returned,
    reminded, actions. Append-only."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        OVERDUE = "overdue", _("Overdue")
        REMINDED = "reminded", _("Reminder sent")
        ESCALATED = "escalated", _("Escalated to the manager")
        SUBMITTED = "submitted", pgettext_lazy("self-audit", "Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned for more work")
        ACTION_ADDED = "action_added", _("Action added")
        ACTION_REQUIRED = "action_required", _("Action required by the threshold")
        ACTION_CHANGED = "action_changed", _("Action changed")

    case = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="timeline")
    kind = models.CharField(max_length=40, choices=Kind.choices)

    class Meta(TimelineEntryBase.Meta):
        indexes = [models.Index(fields=["case", "at"], name="audit_timeline_at")]
