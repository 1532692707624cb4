"""Lex Maria cases (PSL 3 kap. 5 §): the chief physician's assessment of whether an event
that caused or could have caused a serious care injury is reported to IVO, the report, the
dialogue with IVO, and the follow-up of the actions promised in it (DESIGN §4, DOMAIN.md).

A case is opened when a handler requests an assessment on an incident (through the
`incidents.hooks.lex_maria_requested` signal) or directly by the chief physician or the
patient-safety officer, from incidents or an investigation. Only `lexmaria.decide` decides.
A decision not to report closes the case (it can be reopened with a reason); a decision to
report leads to `decided_to_report` until the report is sent, then the IVO dialogue.

The law says "snarast" (as soon as possible) and sets no day count: the deadlines here are
the care provider's own internal ones (`LexMariaSettings`), never called legal deadlines.
Nothing is deleted; every change goes through `lexmaria.services` and writes a
`TimelineEntry` of the case.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit
from actions.models import Action, EffectClass
from incidents.models import Incident
from investigations.models import Investigation
from psweb.models import PerProviderSettings, TimelineEntryBase


class Status(models.TextChoices):
    ASSESSMENT = "assessment", _("Assessment")
    DECIDED_TO_REPORT = "decided_to_report", _("Decided to report, not yet sent")
    REPORTED = "reported", _("Reported to IVO")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested by IVO")
    SUPPLEMENT_SENT = "supplement_sent", _("Supplement sent")
    IVO_DECISION = "ivo_decision", _("IVO has decided")
    CLOSED = "closed", _("Closed")


class Decision(models.TextChoices):
    REPORT = "report", _("Report to IVO")
    NO_REPORT = "no_report", _("Do not report")


class Capacity(models.TextChoices):
    """In what capacity a person decides on Lex Maria (`Decider`, `LexMariaCase.decided_as`)."""

    ROLE = "role", _("chief physician (by role)")
    DESIGNATED = "designated", _("designated decider")
    DEPUTY = "deputy", _("deputy (ställföreträdare)")
    DELEGATE = "delegate", _("delegate")


class IvoDecision(models.TextChoices):
    CLOSED_WITHOUT_CRITICISM = "closed_without_criticism", _("Closed without criticism")
    CLOSED_WITH_CRITICISM = "closed_with_criticism", _("Closed with criticism")
    OTHER = "other", _("Other decision")


# name → (from states, to state). Services check this table. A decision not to report
# closes the case in one step; the status `closed` with decision `no_report` is what DESIGN §4
# calls "not reported", and only such a case is reopened (the services check that too).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "decide_report": (frozenset({Status.ASSESSMENT}), Status.DECIDED_TO_REPORT),
    "decide_no_report": (frozenset({Status.ASSESSMENT}), Status.CLOSED),
    "reopen": (frozenset({Status.CLOSED}), Status.ASSESSMENT),
    "mark_reported": (frozenset({Status.DECIDED_TO_REPORT}), Status.REPORTED),
    "supplement_request": (frozenset({Status.REPORTED, Status.SUPPLEMENT_SENT}), Status.SUPPLEMENT_REQUESTED),
    "supplement_send": (frozenset({Status.SUPPLEMENT_REQUESTED}), Status.SUPPLEMENT_SENT),
    "ivo_decision": (frozenset({Status.REPORTED, Status.SUPPLEMENT_SENT}), Status.IVO_DECISION),
    "close": (frozenset({Status.IVO_DECISION}), Status.CLOSED),
}
# The report has gone to IVO: its reference and date are known.
REPORTED_STATES = frozenset({Status.REPORTED, Status.SUPPLEMENT_REQUESTED, Status.SUPPLEMENT_SENT, Status.IVO_DECISION})
# Still being worked on (owner, investigation and incidents can be changed).
OPEN_STATES = frozenset(set(Status.values) - {Status.CLOSED})


class LexMariaCaseQuerySet(models.QuerySet):
    def visible_to(self, user) -> LexMariaCaseQuerySet:
        """DESIGN §3: `lexmaria.view` in the scope of the case's unit or of a linked incident's
        unit or responsible unit: the chief physician and the patient-safety officer of the
        care provider, and managers of the units involved. Nobody else."""
        from accounts.access import scope_q
        from accounts.roles import Perm

        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        linked_in_scope = CaseIncident.objects.filter(
            scope_q(user, Perm.LEXMARIA_VIEW, "incident__unit")
            | scope_q(user, Perm.LEXMARIA_VIEW, "incident__responsible_unit")
        ).values("case_id")
        seen = scope_q(user, Perm.LEXMARIA_VIEW, "unit") | Q(pk__in=linked_in_scope)
        # The care provider's designated decider, deputy or delegate sees its cases while in force.
        from lexmaria.deciders import providers_decided_for

        decides_for = providers_decided_for(user)
        if decides_for:
            seen |= Q(unit__care_provider_id__in=decides_for)
        # Cases read for another app's reason (an oversight agreement, `lexmaria.hooks`).
        from lexmaria.hooks import VISIBILITY_EXTENSIONS

        for extension in VISIBILITY_EXTENSIONS:
            seen |= extension(user)
        return self.filter(seen)


@pghistory.track(exclude=["sync_xid"])
class LexMariaCase(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    status = models.CharField(_("status"), max_length=30, choices=Status.choices, default=Status.ASSESSMENT)
    version = models.PositiveIntegerField(default=1, help_text="Incremented by every change; stale edits are refused.")
    # The unit responsible: the first incident's responsible unit, or the investigation's unit.
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    incidents = models.ManyToManyField(
        Incident, through="CaseIncident", related_name="lex_maria_cases", verbose_name=_("incidents")
    )
    investigation = models.ForeignKey(
        Investigation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lex_maria_cases",
        verbose_name=_("investigation"),
    )
    # The earliest linked incident's time: the law's "snarast" counts from the event.
    event_occurred_at = models.DateTimeField(_("when the event happened"), null=True, blank=True)

    requested_at = models.DateTimeField(_("assessment requested"), default=timezone.now)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    request_reason = models.TextField(_("why an assessment is needed"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lex_maria_cases",
        verbose_name=_("prepared by"),
    )

    # The care provider's internal deadlines, fixed when the request or decision is made.
    decision_due_on = models.DateField(_("decision due (internal)"), null=True, blank=True)
    report_due_on = models.DateField(_("report to IVO due (internal)"), null=True, blank=True)

    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, blank=True)
    motivation = models.TextField(_("motivation"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    # In what capacity `decided_by` decided (`Capacity`): by role, as the designated decider,
    # as her deputy or by delegation. Blank while undecided (and for decisions made before).
    decided_as = models.CharField(_("decided as"), max_length=20, choices=Capacity.choices, blank=True)

    ivo_reference = models.CharField(_("IVO's reference"), max_length=60, blank=True)
    sent_on = models.DateField(_("sent to IVO on"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    ivo_decision = models.CharField(_("IVO's decision"), max_length=30, choices=IvoDecision.choices, blank=True)
    ivo_decided_on = models.DateField(_("IVO decided on"), null=True, blank=True)
    ivo_decision_text = models.TextField(_("IVO's decision in brief"), blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # The transaction that last wrote the row, set by the trigger psweb_sync_stamp (psweb/sync.py).
    sync_xid = models.BigIntegerField(db_default=0, editable=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = LexMariaCaseQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("Lex Maria case")
        verbose_name_plural = _("Lex Maria cases")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="lexmaria_status_known"),
            models.CheckConstraint(condition=Q(decision__in=["", *Decision.values]), name="lexmaria_decision_known"),
            models.CheckConstraint(
                condition=Q(ivo_decision__in=["", *IvoDecision.values]), name="lexmaria_ivo_decision_known"
            ),
            models.CheckConstraint(
                condition=Q(decided_as__in=["", *Capacity.values]), name="lexmaria_decided_as_known"
            ),
            # Undecided exactly while in assessment; decided by someone at some time otherwise.
            models.CheckConstraint(
                condition=(Q(status=Status.ASSESSMENT) & Q(decision=""))
                | (~Q(status=Status.ASSESSMENT) & ~Q(decision="") & Q(decided_at__isnull=False)),
                name="lexmaria_decided_after_assessment",
            ),
            # Past the decision to report, the report's IVO reference and date are known.
            models.CheckConstraint(
                condition=Q(status__in=[Status.ASSESSMENT, Status.DECIDED_TO_REPORT])
                | Q(decision=Decision.NO_REPORT)
                | (~Q(ivo_reference="") & Q(sent_on__isnull=False)),
                name="lexmaria_reported_has_reference",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.CLOSED) | Q(closed_at__isnull=False), name="lexmaria_closed_has_time"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "requested_at"], name="lexmaria_status_requested"),
            # `?updated_since=` (psweb/sync.py) reads in this order.
            models.Index(fields=["sync_xid", "id"], name="lexmaria_sync"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def not_reported(self) -> bool:
        """Closed by a decision not to report (DESIGN §4's "not reported")."""
        return self.status == Status.CLOSED and self.decision == Decision.NO_REPORT


class CaseIncident(models.Model):
    """An incident assessed in the case. One event, one assessment: an incident belongs to at
    most one Lex Maria case (a decision not to report is reopened, not assessed anew)."""

    case = models.ForeignKey(LexMariaCase, on_delete=models.PROTECT, related_name="links")
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="+")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["linked_at", "id"]
        constraints = [models.UniqueConstraint(fields=["incident"], name="lexmaria_incident_one_case")]

    def __str__(self) -> str:
        return f"{self.case_id} ← {self.incident_id}"


@pghistory.track()
class SupplementRequest(models.Model):
    """IVO asked for more (komplettering): what, by when, and the answer sent."""

    case = models.ForeignKey(LexMariaCase, on_delete=models.PROTECT, related_name="supplements")
    what = models.TextField(_("what IVO asks for"))
    requested_on = models.DateField(_("requested on"))
    due_on = models.DateField(_("answer due"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    answer = models.TextField(_("the answer in brief"), blank=True)
    answered_on = models.DateField(_("answer sent on"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["requested_on", "id"]
        verbose_name = _("supplement request")
        verbose_name_plural = _("supplement requests")
        constraints = [
            models.CheckConstraint(
                condition=(Q(answered_on__isnull=True) & Q(answer="")) | (Q(answered_on__isnull=False) & ~Q(answer="")),
                name="lexmaria_supplement_answer_dated",
            ),
            models.CheckConstraint(condition=Q(due_on__gte=models.F("requested_on")), name="lexmaria_supplement_due"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.requested_on:%Y-%m-%d} → {self.due_on:%Y-%m-%d}"


@pghistory.track()
class PromisedAction(models.Model):
    """An action that was in the report (or a supplement) sent to IVO, and its yearly
    follow-up: was it carried out, and with what effect class (LÖF/SKR)."""

    case = models.ForeignKey(LexMariaCase, on_delete=models.PROTECT, related_name="promised_actions")
    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="+")
    promised_on = models.DateField(_("promised to IVO on"))
    carried_out = models.BooleanField(_("carried out"), null=True, blank=True)
    # Blank: the action's own expected effect class counts.
    effect_class = models.CharField(_("effect"), max_length=20, choices=EffectClass.choices, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    followed_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["promised_on", "id"]
        verbose_name = _("action promised to IVO")
        verbose_name_plural = _("actions promised to IVO")
        constraints = [
            models.UniqueConstraint(fields=["case", "action"], name="lexmaria_action_promised_once"),
            models.CheckConstraint(
                condition=Q(effect_class__in=["", *EffectClass.values]), name="lexmaria_promised_effect_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.action_id}"


@pghistory.track()
class LexMariaSettings(PerProviderSettings):
    """Per care provider: the internal deadlines. The row without a care provider holds the
    defaults. The law (PSL 3 kap. 5 §) says "snarast"; these are the provider's own targets."""

    care_provider = models.OneToOneField(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"parent__isnull": True},
        related_name="lex_maria_settings",
        verbose_name=_("care provider"),
    )
    decision_days = models.PositiveSmallIntegerField(_("decide within (days after the request)"), default=14)
    report_days = models.PositiveSmallIntegerField(_("send to IVO within (days after the decision)"), default=14)
    warn_days_before = models.PositiveSmallIntegerField(_("warn (days before a deadline)"), default=3)

    class Meta:
        verbose_name = _("Lex Maria settings")
        verbose_name_plural = _("Lex Maria settings")
        constraints = [
            models.UniqueConstraint(fields=["care_provider"], name="lexmaria_one_settings", nulls_distinct=False),
        ]

    def clean(self):
        errors = {}
        for name in ("decision_days", "report_days"):
            value = getattr(self, name)
            if value is not None and value < 1:
                errors[name] = _("Give at least one day.")
        shortest = min((v for v in (self.decision_days, self.report_days) if v is not None), default=None)
        if None not in (self.warn_days_before, shortest) and not errors and self.warn_days_before >= shortest:
            errors["warn_days_before"] = _("The warning must come before the deadline: fewer days than %(days)s.") % {
                "days": shortest
            }
        if errors:
            raise ValidationError(errors)


class ReferenceCounter(models.Model):
    """The last Lex Maria number handed out per year (LM-2026-000012)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class TimelineEntry(TimelineEntryBase):
    """One line of the case's timeline (who, when, what). Append-only. Never patient data."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Assessment requested")
        INCIDENT_LINKED = "incident_linked", _("Incident linked")
        INVESTIGATION_LINKED = "investigation_linked", _("Investigation linked")
        OWNER_ASSIGNED = "owner_assigned", _("Preparer assigned")
        DECIDED = "decided", _("Decided")
        REOPENED = "reopened", _("Reopened")
        REPORTED = "reported", _("Reported to IVO")
        SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested by IVO")
        SUPPLEMENT_SENT = "supplement_sent", _("Supplement sent")
        IVO_DECISION = "ivo_decision", _("IVO's decision recorded")
        ACTION_ADDED = "action_added", _("Action added")
        ACTION_CHANGED = "action_changed", _("Action changed")
        ACTION_FOLLOWED_UP = "action_followed_up", _("Action followed up")
        CLOSED = "closed", _("Closed")

    case = models.ForeignKey(LexMariaCase, on_delete=models.PROTECT, related_name="timeline")
    kind = models.CharField(max_length=40, choices=Kind.choices)

    class Meta(TimelineEntryBase.Meta):
        indexes = [models.Index(fields=["case", "at"], name="lexmaria_timeline_at")]


class DeciderQuerySet(models.QuerySet):
    def valid_on(self, day=None) -> DeciderQuerySet:
        """Rows in force on `day` (Swedish local date, default today): within their period and
        not ended early."""
        from accounts.models import local_today

        day = day or local_today()
        return self.filter(
            Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day), ended_at__isnull=True
        )

    def current_and_future(self) -> DeciderQuerySet:
        """What a page lists: rows not ended and not yet past."""
        from accounts.models import local_today

        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=local_today()), ended_at__isnull=True)


@pghistory.track()
class Decider(models.Model):
    """Who decides on Lex Maria for a care provider, and for how long.

    PSL (2010:659) 3 kap. 5 § puts the duty to report on the care provider, and IVO's
    regulations (HSLF-FS 2017:41, 4 §) have the report made by the person the care provider
    has designated (in a region the chefläkare, in dental care the cheftandläkare, in a
    municipality the MAS). The care provider documents how that responsibility is distributed
    (PSL 3 kap. 9 §; SOSFS 2011:9, 4 kap.: who does what in the management system), so the
    designation, its deputies (ställföreträdare) and a decider's time-limited delegation
    ("under min semester 2027-07-01–07-31 beslutar X") are rows here, with a period, who
    made each and who ended it. Nothing is deleted: ending a row early sets `ended_at`.

    The rule (`lexmaria.deciders`): while a care provider has a `designated` row in force,
    exactly the persons with a row in force decide; otherwise the chief physician by role
    does, as before, and a deputy's or delegate's row in force adds its person.
    """

    care_provider = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        limit_choices_to={"parent__isnull": True},
        related_name="+",
        verbose_name=_("care provider"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    capacity = models.CharField(
        _("capacity"),
        max_length=20,
        choices=[(c.value, c.label) for c in Capacity if c != Capacity.ROLE],
    )
    title = models.CharField(
        _("title"), max_length=80, blank=True, help_text=_("For example chefläkare, cheftandläkare or MAS.")
    )
    valid_from = models.DateField(_("first day"))
    valid_to = models.DateField(_("last day"), null=True, blank=True, help_text=_("Empty: until further notice."))
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(_("ended early"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = DeciderQuerySet.as_manager()

    class Meta:
        ordering = ["care_provider", "valid_from", "id"]
        verbose_name = _("Lex Maria decider")
        verbose_name_plural = _("Lex Maria deciders")
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__in=[Capacity.DESIGNATED, Capacity.DEPUTY, Capacity.DELEGATE]),
                name="lexmaria_decider_capacity_known",
            ),
            # A deputy and a delegation are for a period; only the designation may be open-ended.
            models.CheckConstraint(
                condition=Q(capacity=Capacity.DESIGNATED) | Q(valid_to__isnull=False),
                name="lexmaria_decider_period_ends",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="lexmaria_decider_period",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_by__isnull=False), name="lexmaria_decider_ended_by"
            ),
        ]
        indexes = [models.Index(fields=["care_provider", "valid_from"], name="lexmaria_decider_provider")]

    def __str__(self) -> str:
        return f"{self.care_provider}: {self.user} ({self.get_capacity_display()})"

    def clean(self):
        """The admin's checks (the page's service checks the same, `lexmaria.deciders`)."""
        from lexmaria.deciders import decider_errors

        if self.care_provider_id and self.user_id and self.valid_from:
            errors = decider_errors(self)
            if errors:
                raise ValidationError(errors)
