"""Incidents (avvikelser): the report, its handling, and the taxonomies they use.

An incident is a draft from the first keystroke (saved on the server, visible only to its
author), becomes `submitted` with a reference number, and is then handled by the
responsible unit until it is closed. Nothing is deleted: withdrawn is a state. Every state
change goes through `incidents.services` and writes a `TimelineEntry` for the timeline.
"""

from __future__ import annotations

import uuid

import pghistory
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit
from psweb.models import PatientInformedBase, PerProviderSettings, TimelineEntryBase

# --- Taxonomies: seeded from DOMAIN.md, edited by the administrator ------------------------


class CaseType(models.TextChoices):
    CARE = "care", _("Care (patient-related)")
    WORK_ENVIRONMENT = "work_environment", _("Work environment")


class EventClass(models.TextChoices):
    RISK = "risk", _("Risk")
    NEAR_MISS = "near_miss", _("Near miss")
    HARM = "harm", _("Harm or care injury")
    SERIOUS_HARM_RISK = "serious_harm_risk", _("Risk of serious care injury")
    SERIOUS_HARM = "serious_harm", _("Serious care injury")


# Event classes that need a Lex Maria assessment before the incident can close (DESIGN §4).
LEX_MARIA_CLASSES = frozenset({EventClass.SERIOUS_HARM_RISK, EventClass.SERIOUS_HARM})
# Event classes that caused or could have caused harm: causes are required to close.
HARM_CLASSES = frozenset({EventClass.HARM, EventClass.SERIOUS_HARM_RISK, EventClass.SERIOUS_HARM})
# Event classes where the patient was harmed: informing the patient must be recorded.
PATIENT_HARMED_CLASSES = frozenset({EventClass.HARM, EventClass.SERIOUS_HARM})


class ReportedKind(models.TextChoices):
    """What the reporter says happened, in plain words; the handler sets the event class."""

    RISK = "risk", _("A risk: something could happen")
    NEAR_MISS = "near_miss", _("Something almost happened, but was stopped in time")
    HAPPENED = "happened", _("Something happened that harmed or could have harmed someone")


# The event class a report starts with, from the reporter's words.
EVENT_CLASS_FROM_REPORTED_KIND = {
    ReportedKind.RISK: EventClass.RISK,
    ReportedKind.NEAR_MISS: EventClass.NEAR_MISS,
    ReportedKind.HAPPENED: EventClass.HARM,
}


@pghistory.track()
class Category(models.Model):
    """A node of the category tree (händelsekategori). Retired categories stay on old cases."""

    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    case_type = models.CharField(_("case type"), max_length=20, choices=CaseType.choices)
    is_active = models.BooleanField(_("in use"), default=True, help_text=_("Retired categories stay on old cases."))
    sort = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["case_type", "sort", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name


@pghistory.track()
class CauseArea(models.Model):
    """Orsaksområde, from the Swedish event-analysis method."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("in use"), default=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort", "name"]
        verbose_name = _("cause area")
        verbose_name_plural = _("cause areas")

    def __str__(self) -> str:
        return self.name


def _default_probability_labels():
    return ["Mycket liten", "Liten", "Stor", "Mycket stor"]


def _default_consequence_labels():
    return ["Mindre", "Måttlig", "Betydande", "Katastrofal"]


def _default_risk_levels():
    # [lowest score of the level, label]; the level of a score is the last one it reaches.
    return [[1, "Låg"], [4, "Måttlig"], [8, "Hög"], [12, "Mycket hög"]]


class InvestigationDeciders(models.TextChoices):
    """Who decides on an investigation (whether, the method, its leader) in a care provider
    (`incidents.deciders`). HSLF-FS 2017:40 3 kap. leaves how the care provider organises its
    investigations to it (SOSFS 2011:9: it documents who does what); Region Kronoberg, for
    one, lets only the chefläkare decide."""

    MANAGER_OR_CHIEF = "manager_or_chief", _("a manager or the chief physician")
    CHIEF_ONLY = "chief_only", _("the chief physician only")


@pghistory.track()
class ProviderSettings(PerProviderSettings):
    """Per care provider: the risk matrix and the deadlines. The row without a care
    provider holds the defaults for providers that have none of their own."""

    care_provider = models.OneToOneField(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"parent__isnull": True},
        related_name="incident_settings",
        verbose_name=_("care provider"),
    )
    probability_labels = models.JSONField(_("probability labels (1–4)"), default=_default_probability_labels)
    consequence_labels = models.JSONField(_("consequence labels (1–4)"), default=_default_consequence_labels)
    risk_levels = models.JSONField(_("risk levels [lowest score, label]"), default=_default_risk_levels)
    investigation_score = models.PositiveSmallIntegerField(_("suggest an investigation from risk score"), default=8)
    investigation_consequence = models.PositiveSmallIntegerField(
        _("suggest an investigation from consequence"), default=3
    )
    late_report_hours = models.PositiveSmallIntegerField(_("a report is late after (hours)"), default=72)
    triage_days = models.PositiveSmallIntegerField(_("triage within (days)"), default=7)
    forward_answer_days = models.PositiveSmallIntegerField(_("answer a forwarded incident within (days)"), default=14)
    investigation_method_decided_by = models.CharField(
        _("who decides on investigations and their method"),
        max_length=20,
        choices=InvestigationDeciders.choices,
        default=InvestigationDeciders.MANAGER_OR_CHIEF,
    )

    class Meta:
        verbose_name = _("incident settings")
        verbose_name_plural = _("incident settings")
        constraints = [
            models.UniqueConstraint(fields=["care_provider"], name="one_default_settings", nulls_distinct=False),
            models.CheckConstraint(
                condition=Q(investigation_method_decided_by__in=InvestigationDeciders.values),
                name="incident_settings_investigation_deciders_known",
            ),
        ]

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        for name in ("probability_labels", "consequence_labels"):
            labels = getattr(self, name)
            if not (isinstance(labels, list) and len(labels) == 4 and all(isinstance(x, str) and x for x in labels)):
                errors[name] = _("Give exactly four labels, from the lowest (1) to the highest (4).")
        levels = self.risk_levels
        valid_levels = (
            isinstance(levels, list)
            and levels
            and all(isinstance(x, list) and len(x) == 2 and isinstance(x[0], int) and x[1] for x in levels)
            and levels[0][0] == 1
            and [x[0] for x in levels] == sorted({x[0] for x in levels})
        )
        if not valid_levels:
            errors["risk_levels"] = _("Give levels as [lowest score, label], starting at 1, in rising order.")
        if errors:
            raise ValidationError(errors)

    def risk_level(self, score: int | None) -> str:
        if not score:
            return ""
        label = ""
        for lowest, name in self.risk_levels:
            if score >= lowest:
                label = name
        return label


# --- The incident ---------------------------------------------------------------------------


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The allowed transitions: name → (from states, to state). Services check this table.
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "submit": (frozenset({Status.DRAFT}), Status.SUBMITTED),
    "take": (frozenset({Status.SUBMITTED, Status.IN_PROGRESS}), Status.IN_PROGRESS),
    "assign": (frozenset({Status.SUBMITTED, Status.IN_PROGRESS}), Status.IN_PROGRESS),
    "forward": (frozenset({Status.SUBMITTED, Status.IN_PROGRESS}), Status.SUBMITTED),
    "close": (frozenset({Status.IN_PROGRESS}), Status.CLOSED),
    "reopen": (frozenset({Status.CLOSED}), Status.IN_PROGRESS),
    "withdraw": (frozenset({Status.DRAFT, Status.SUBMITTED, Status.IN_PROGRESS}), Status.WITHDRAWN),
}
# Work on an open case (classify, assess, causes, actions, feedback...) keeps the state.
OPEN_STATES = frozenset({Status.SUBMITTED, Status.IN_PROGRESS})


# Apps further down the dependency chain (investigations) widen who sees an incident without
# this app importing them: each entry maps a user to a Q of extra incidents (DESIGN §2, §3).


def visible_beyond_units_parts(user, *, own_reports: bool = True) -> list[Q]:
    """Incidents a user sees for a reason other than their units' `incident.view` scope: their
    own reports, those forwarded from a unit in that scope or asked of one (a question for an
    answer, `Forward.Kind.ASK`), and the extensions (an investigation's team). Statistics add
    these to the units' counts, so that a user is counted exactly the incidents they may see.

    The forwards and the extensions are read here, into lists of ids: inside the OR of
    `visible_to` a sub-select would stop PostgreSQL from using the incident table's indexes
    (it would read every incident), while a list of ids can use the primary key."""
    from accounts.access import scope_q
    from accounts.roles import Perm

    # Forwarded within the scope, an incident is in the scope anyway: only forwards out of it count.
    from_scope = scope_q(user, Perm.INCIDENT_VIEW, "from_unit")
    to_scope = scope_q(user, Perm.INCIDENT_VIEW, "to_unit")
    # A unit asked for an answer sees the case it is asked about (and, after answering, its
    # answer in it), as the forwarding unit of a hand-over keeps seeing the case it handed on.
    # Asked from within the scope, the case is seen anyway (the asking unit is still
    # responsible, or handed it on, which the first part counts).
    forwards = Forward.objects.filter((from_scope & ~to_scope) | (Q(kind=Forward.Kind.ASK) & to_scope & ~from_scope))
    # One row holding an array: thousands of ids as rows cost more in Python than the query.
    forwarded_ids = ids_of(forwards, "incident_id")
    parts = [Q(reporter=user)] if own_reports else []
    parts.append(Q(pk__any=forwarded_ids))
    parts.append(Q(pk__any=extension_ids(user)))
    return parts


def extension_ids(user) -> frozenset[int]:
    """The incidents an extension (`incidents.hooks.VISIBILITY_EXTENSIONS`: an investigation's
    team) shows `user`, as ids."""
    from incidents.hooks import VISIBILITY_EXTENSIONS

    found: frozenset[int] = frozenset()
    for extension in VISIBILITY_EXTENSIONS:
        found |= ids_of(Incident.objects.filter(extension(user)), "pk")
    return found


def ids_of(queryset, field: str) -> frozenset[int]:
    """The distinct values of `field`, as a frozenset: Django walks a list given to a lookup
    value by value (and again to hash it), which costs milliseconds for thousands of ids."""
    from django.contrib.postgres.aggregates import ArrayAgg

    return frozenset(queryset.order_by().aggregate(ids=ArrayAgg(field, distinct=True, default=Value([])))["ids"])


def visible_beyond_units_q(user) -> Q:
    beyond = Q(pk__in=[])
    for part in visible_beyond_units_parts(user):
        beyond |= part
    return beyond


def case_visible_q(user, prefix: str = "") -> Q:
    """The incidents `user` may see as cases, i.e. to handle or follow them, not as their
    reporter: reported, and with their unit or responsible unit in the user's `incident.view`
    scope, forwarded from it, asked for an answer, or visible through an extension (an
    investigation's team). `prefix` places the rule under a relation (`"incident__"` filters
    actions by their incident).

    The units' part is a row of `Reach` for one of the user's roots (`incidents.reach`): one
    index probe per incident, and no list of forwarded ids in the query."""
    from incidents.reach import reached_q

    seen = reached_q(user, prefix) | Q(**{f"{prefix}pk__any": extension_ids(user)})
    return seen & Q(**{f"{prefix}reported_at__isnull": False})


class IncidentQuerySet(models.QuerySet):
    def visible_to(self, user) -> IncidentQuerySet:
        """DESIGN §3: own reports and drafts; incidents whose unit or responsible unit lies in
        the user's `incident.view` scope, or that were forwarded from a unit in that scope.
        Drafts, and discarded drafts, are only ever visible to their author."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        # Never-sent reports (drafts, and drafts their author discarded) stay the author's own.
        return self.filter(Q(reporter=user) | case_visible_q(user))


@pghistory.track(exclude=["search_vector", "sync_xid"])
class Incident(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True, null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(default=1, help_text="Incremented by every change; stale edits are refused.")
    # Sent by the client when it creates a report; a retry with the same key finds this row.
    client_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reported_incidents",
        verbose_name=_("reporter"),
    )
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name=_("where it happened"),
        null=True,
        blank=True,
    )
    responsible_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="responsible_incidents",
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
    )
    occurred_at = models.DateTimeField(_("when it happened"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported"), null=True, blank=True)
    late_report = models.BooleanField(_("reported late"), default=False)
    description = models.TextField(_("what happened"), blank=True)
    # A short title the handler may set; lists show it, or else the beginning of the description.
    title = models.CharField(_("short title"), max_length=120, blank=True, db_default="")
    immediate_actions = models.TextField(_("immediate actions taken"), blank=True)
    suggested_improvement = models.TextField(_("suggested improvement"), blank=True)
    case_type = models.CharField(_("case type"), max_length=20, choices=CaseType.choices, blank=True)
    reported_kind = models.CharField(_("what kind of event"), max_length=20, choices=ReportedKind.choices, blank=True)

    # Patient identity: shown only with incident.view_patient, every display logged.
    patient_involved = models.BooleanField(_("a patient was involved"), default=False)
    patient_identifier = models.CharField(_("patient's personal identity number"), max_length=12, blank=True)

    # Handling
    event_class = models.CharField(_("event class"), max_length=20, choices=EventClass.choices, blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("category")
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_incidents",
        verbose_name=_("handler"),
    )
    risk_probability = models.PositiveSmallIntegerField(_("probability"), null=True, blank=True)
    risk_consequence = models.PositiveSmallIntegerField(_("consequence"), null=True, blank=True)
    feedback = models.TextField(_("feedback to the reporter"), blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)
    # An open request for an investigation, waiting for a manager's or the chief physician's
    # answer (an investigation opened, or declined with a reason); empty when none is open.
    investigation_requested_at = models.DateTimeField(_("investigation requested"), null=True, blank=True)
    lex_maria_requested_at = models.DateTimeField(_("Lex Maria assessment requested"), null=True, blank=True)
    triaged_at = models.DateTimeField(_("triaged"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # The transaction that last wrote the row, set by the trigger psweb_sync_stamp (psweb/sync.py).
    sync_xid = models.BigIntegerField(db_default=0, editable=False)

    search_vector = models.GeneratedField(
        expression=SearchVector("description", "immediate_actions", "suggested_improvement", config="swedish"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="incident_status_known"),
            # A sent report is complete; a draft is not, nor is a draft its author discarded
            # (withdrawn without ever being sent: it has no reference).
            models.CheckConstraint(
                condition=Q(status=Status.DRAFT)
                | (Q(status=Status.WITHDRAWN) & Q(reported_at__isnull=True))
                | (
                    Q(reference__isnull=False)
                    & Q(reported_at__isnull=False)
                    & Q(unit__isnull=False)
                    & Q(responsible_unit__isnull=False)
                ),
                name="incident_submitted_complete",
            ),
            models.CheckConstraint(
                condition=Q(risk_probability__isnull=True) | Q(risk_probability__range=(1, 4)),
                name="incident_probability_1_4",
            ),
            models.CheckConstraint(
                condition=Q(risk_consequence__isnull=True) | Q(risk_consequence__range=(1, 4)),
                name="incident_consequence_1_4",
            ),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="incident_search"),
            models.Index(fields=["status", "reported_at"], name="incident_status_reported"),
            models.Index(fields=["reporter", "status"], name="incident_reporter_status"),
            # The work queue and the API list page newest first on these keys (filtersets.ORDERINGS):
            # walking the index, a page of 50 is found without sorting everything the user sees.
            models.Index(Coalesce("reported_at", "created_at"), F("id"), name="incident_sort_reported"),
            # The work queue's counts per status, from the indexes alone (queue.unfiltered_status_counts).
            models.Index(
                fields=["unit", "status"], name="incident_unit_status", condition=Q(reported_at__isnull=False)
            ),
            models.Index(
                fields=["responsible_unit", "status"],
                include=["unit"],
                name="incident_responsible_status",
                condition=Q(reported_at__isnull=False),
            ),
            models.Index(Coalesce("occurred_at", "created_at"), F("id"), name="incident_sort_occurred"),
            # `?updated_since=` (psweb/sync.py) reads in this order.
            models.Index(fields=["sync_xid", "id"], name="incident_sync"),
        ]

    def __str__(self) -> str:
        return self.reference or str(_("Draft %(id)s") % {"id": self.pk})

    @property
    def feedback_for_reporter(self) -> str:
        """The feedback as the reporter may read it: once the incident is closed (until then
        the handler may still be rewriting it)."""
        return self.feedback if self.status == Status.CLOSED else ""

    @property
    def report_summary(self) -> str:
        """What happened in one line, from the reporter's own words (never the handler's
        title): for "My reports" (incidents.summaries)."""
        from incidents.summaries import incident_summary

        return incident_summary(self, with_title=False)

    @property
    def risk_score(self) -> int | None:
        if self.risk_probability and self.risk_consequence:
            return self.risk_probability * self.risk_consequence
        return None


class ReferenceCounter(models.Model):
    """The last reference number handed out per year (AV-2026-000123)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class TimelineEntry(TimelineEntryBase):
    """One line of the case timeline (who, when, what). Append-only. Never holds patient identity.

    (Field-level history is separate: pghistory's IncidentEvent, written by triggers.)
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("Draft started")
        SUBMITTED = "submitted", _("Reported")
        TAKEN = "taken", _("Taken by handler")
        ASSIGNED = "assigned", _("Assigned")
        CLASSIFIED = "classified", _("Classified")
        RISK_ASSESSED = "risk_assessed", _("Risk assessed")
        CAUSE_ADDED = "cause_added", _("Cause added")
        CAUSE_REMOVED = "cause_removed", _("Cause removed")
        ACTION_ADDED = "action_added", _("Action added")
        ACTION_CHANGED = "action_changed", _("Action changed")
        FORWARDED = "forwarded", _("Handed over")
        ANSWER_ASKED = "answer_asked", _("Answer asked of another unit")
        FORWARD_ANSWERED = "forward_answered", _("Forward answered")
        INVESTIGATION_REQUESTED = "investigation_requested", _("Investigation requested")
        INVESTIGATION_REQUEST_DECLINED = "investigation_request_declined", _("Investigation request declined")
        LEX_MARIA_REQUESTED = "lex_maria_requested", _("Lex Maria assessment requested")
        PATIENT_INFORMED = "patient_informed", _("Informing the patient recorded")
        FEEDBACK = "feedback", _("Feedback to the reporter")
        REPORTER_UPDATED = "reporter_updated", _("The reporter told what is being done")
        TITLE_SET = "title_set", _("Short title set")
        COMMENTED = "commented", _("Comment")
        ATTACHMENT_ADDED = "attachment_added", _("Attachment added")
        EDITED = "edited", _("Edited")
        CLOSED = "closed", _("Closed")
        REOPENED = "reopened", _("Reopened")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="timeline")
    kind = models.CharField(max_length=40, choices=Kind.choices)

    class Meta(TimelineEntryBase.Meta):
        indexes = [models.Index(fields=["incident", "at"], name="timeline_incident_at")]

    def actor_name_for(self, user) -> str | None:
        """The reporter reads "the reporter" for those who may not know who reported."""
        from incidents.viewing import CaseView

        if self.actor_id is None or not getattr(user, "is_authenticated", False):
            return super().actor_name_for(user)
        return CaseView.of(user, self.incident).name(self.actor)


@pghistory.track()
class Cause(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="causes")
    area = models.ForeignKey(CauseArea, on_delete=models.PROTECT, related_name="+", verbose_name=_("cause area"))
    detail = models.TextField(_("detail"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Removing a cause keeps the row (nothing is deleted) and hides it.
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("cause")
        verbose_name_plural = _("causes")

    def __str__(self) -> str:
        return str(self.area)


@pghistory.track()
class Forward(models.Model):
    """The case sent to another unit (maybe of another care provider), in one of two ways:

    - *hand over* (``Kind.HAND_OVER``): responsibility moves; the case arrives there as
      submitted and unassigned, the sending unit keeps seeing it;
    - *ask for an answer* (``Kind.ASK``): the sending unit keeps the case and its handler and
      asks the other unit a question by a date (a samverkansavvikelse, DOMAIN.md).

    Either way the receiving side may answer; both sides see the answer and which of the two
    they got. An answer has an answerer and a time (``forward_answer_complete``)."""

    class Kind(models.TextChoices):
        HAND_OVER = "hand_over", _("Hand the case over")
        ASK = "ask", _("Ask for an answer, keep the case")

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="forwards")
    from_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("from"))
    to_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("to"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.HAND_OVER)
    message = models.TextField(_("message"))
    answer_due = models.DateField(_("answer due"), null=True, blank=True)
    forwarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    forwarded_at = models.DateTimeField(default=timezone.now)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["forwarded_at", "id"]
        verbose_name = _("forward")
        verbose_name_plural = _("forwards")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["hand_over", "ask"]), name="forward_kind_known"),
            # Asking for an answer without a date to answer by is not asking.
            models.CheckConstraint(condition=~Q(kind="ask") | Q(answer_due__isnull=False), name="forward_ask_has_due"),
            # An answer is someone's, at some time; no answer has neither.
            models.CheckConstraint(
                condition=(Q(answer="") & Q(answered_by__isnull=True) & Q(answered_at__isnull=True))
                | (~Q(answer="") & Q(answered_by__isnull=False) & Q(answered_at__isnull=False)),
                name="forward_answer_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_unit} → {self.to_unit}"


class Reach(models.Model):
    """Which units see an incident: one row per (incident, unit) for the unit where it happened,
    the responsible unit, every unit a forward came from and every unit asked for an answer,
    and each of their ancestors up to the care provider (DESIGN §3; `visible_to`).

    A user holding `incident.view` in a unit sees every incident with a row for that unit, so
    the visibility of a whole subtree is one index range (`reach_queue`), whatever the number
    of forwards: no list of forwarded ids travels with the query (issue 14; before, ~4 000
    ids per request at a million incidents, ~20 000 at five million). `direct` is true when
    the unit is an ancestor of the unit or the responsible unit (the `unit` filter), false when
    it reaches the incident only through a forward.

    Only reported incidents have rows. Kept by the triggers `psweb_reach_*` (migration 0012)
    in the transaction of the change; after a bulk load with COPY, `incidents.reach.rebuild_all()`.
    `ReachCount` holds the number of rows per (unit, status), appended as +1/−1 and folded by
    Celery beat, so the work queue's counts per status cost the same at any size."""

    pk = models.CompositePrimaryKey("incident", "anc")
    incident = models.ForeignKey(
        Incident,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the primary key (incident, anc) serves it
        related_name="reach",
        editable=False,
    )
    anc = models.BigIntegerField()
    direct = models.BooleanField()
    status = models.CharField(max_length=20)
    sort_at = models.DateTimeField()  # reported_at, the queue's default order

    class Meta:
        indexes = [
            models.Index(F("anc"), F("status"), F("sort_at").desc(), F("incident").desc(), name="reach_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.anc} → {self.incident_id}"


class ReachCount(models.Model):
    """Rows of `Reach` per (unit, status): +1/−1 appended by the triggers, folded by
    `psweb_reach_compact()` (no row is shared between two transactions, so concurrent reports
    never wait for each other). A unit's count of a status is the sum of its rows."""

    anc = models.BigIntegerField()
    status = models.CharField(max_length=20)
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["anc", "status"], name="reach_count_anc")]

    def __str__(self) -> str:
        return f"{self.anc} {self.status}: {self.n:+d}"


@pghistory.track()
class PatientInformation(PatientInformedBase):
    """PSL 3 kap. 8 §: that and how the patient was informed after a care injury, or why not."""

    incident = models.OneToOneField(Incident, on_delete=models.PROTECT, related_name="patient_information")
    informed = models.BooleanField(_("the patient was informed"))
    informed_on = models.DateField(_("date"), null=True, blank=True)
    informed_by = models.CharField(_("informed by"), max_length=200, blank=True)
    # The six points of PSL 3 kap. 8 § come from PatientInformedBase.
    record_note_made = models.BooleanField(_("noted in the patient record"), default=False)
    not_informed_reason = models.TextField(_("why the patient was not informed"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("information to the patient")
        verbose_name_plural = _("information to the patient")
        constraints = [
            models.CheckConstraint(
                condition=(Q(informed=True) & Q(informed_on__isnull=False))
                | (Q(informed=False) & ~Q(not_informed_reason="")),
                name="patientinfo_date_or_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident}: {'informed' if self.informed else 'not informed'}"


@pghistory.track()
class Comment(models.Model):
    """A comment or complement after submission (reporter or handler). The reporter reads
    their own and those a handler addressed to them (`to_reporter`): a question, a message."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"))
    to_reporter = models.BooleanField(_("to the reporter"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return self.text[:60]


def attachment_path(instance: Attachment, filename: str) -> str:
    # Server-generated name: the uploaded name is kept only as data, never on disk.
    return f"incidents/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


@pghistory.track()
class Attachment(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name
