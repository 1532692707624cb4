"""Complaints (klagomål och synpunkter, issue 17): the first case type built on the case kit
after the incident, the investigation and the Lex Maria case (docs/architecture.md, "Adding a
case type").

What the law asks, and what this model relies on:
- PSL (2010:659) 8 kap. 1–2 §§: the care provider receives complaints from patients and their
  relatives and answers them promptly ("skyndsamt"), with an explanation of what happened,
  why, and what is done so that it does not happen again, an apology where fitting; a
  complaint better handled elsewhere is pointed there (the patientnämnd, IVO, LÖF).
- SOSFS 2011:9 5 kap. 3–6 §§: the provider also takes in complaints and synpunkter from staff,
  other providers and authorities, and uses them in its systematic quality work (which is why
  a complaint links to incidents, investigations and actions here).
- Lag (2017:372) om stöd vid klagomål mot hälso- och sjukvården: the patientnämnd helps the
  patient get an answer from the provider; it does not investigate. It sends the provider the
  case with its own number and a date for the answer, and counts how many answers come in
  time — Kronoberg's patientsäkerhetsberättelse 2024 (`../shared/seeds/004_…`): 943 cases,
  answers due in 28 days, target 90 % in time, result 66 %. That share is the indicator
  `PN-SVAR`, computed here from the cases (`complaints.indicator`).
- IVO's "enskilda klagomål" (PSL 7 kap. 10 §) and patient-insurance claims to LÖF
  (patientskadelagen 1996:799) are `ExternalCase`s with their own dates and decisions.

The problem areas follow the patientnämnder's national categorisation, used since 2018 in the
model IVO proposed with them ("Långsiktig samverkansstruktur för analys och återkoppling av
klagomål", IVO's report on S2015/04952/FS: common main categories, keywords, semi-structured
questions). The main areas and the subareas below are the ones the nämnder's annual reports
publish; most cases fall under vård och behandling and kommunikation, then tillgänglighet and
vårdansvar och organisation (Kronoberg 2024; Stockholm's patientnämnd 2019). The table is
code, not data: a change of the national categorisation is a migration of the check below.

Patient identity (a personnummer) has the incident's protection: shown only with
`complaint.view_patient`, each display logged. The complainant's contact details live in
their own table (`Contact`), read only by the complaint's handlers (`complaint.handle`).
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import OrgUnit
from incidents.models import Incident
from psweb.models import PerProviderSettings, TimelineEntryBase


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    INVESTIGATING = "investigating", _("Being investigated")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    FORWARDED = "forwarded", _("Forwarded elsewhere")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Channel(models.TextChoices):
    E_SERVICE = "e_service", _("1177 e-service")
    LETTER = "letter", _("Letter")
    PHONE = "phone", _("Phone")
    IN_PERSON = "in_person", _("In person")
    EMAIL = "email", _("E-mail")
    PATIENT_BOARD = "patient_board", _("Via the patient board")
    IVO = "ivo", _("IVO (individual complaint)")
    OTHER_PROVIDER = "other_provider", _("Another care provider")
    STAFF = "staff", _("Staff")


class ComplainantType(models.TextChoices):
    PATIENT = "patient", _("The patient")
    RELATIVE = "relative", _("A relative")
    STAFF = "staff", _("Staff")
    OTHER_PROVIDER = "other_provider", _("Another care provider")
    AUTHORITY = "authority", _("An authority")


class AnswerWay(models.TextChoices):
    LETTER = "letter", _("Letter")
    E_SERVICE = "e_service", _("1177 e-service")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    MEETING = "meeting", _("Meeting")
    PATIENT_BOARD = "patient_board", _("Through the patient board")


# The patientnämnder's national categorisation: main area → subareas (see the module's text).
CLASSIFICATION: dict[str, tuple[str, dict[str, str]]] = {
    "care": (
        _("Care and treatment"),
        {
            "assessment": _("Examination and assessment"),
            "diagnosis": _("Diagnosis"),
            "treatment": _("Treatment"),
            "medication": _("Medication"),
            "nursing": _("Nursing"),
            "referral": _("Referral"),
            "result": _("Result of care"),
            "other": _("Other"),
        },
    ),
    "communication": (
        _("Communication"),
        {
            "attitude": _("Attitude and conduct"),
            "information": _("Information"),
            "participation": _("Participation"),
            "other": _("Other"),
        },
    ),
    "accessibility": (
        _("Accessibility"),
        {
            "reach": _("Reaching the care (phone, e-services)"),
            "waiting": _("Waiting times"),
            "care_guarantee": _("Care guarantee"),
            "other": _("Other"),
        },
    ),
    "responsibility": (
        _("Care responsibility and organisation"),
        {
            "responsibility": _("Responsibility for the care"),
            "cooperation": _("Cooperation between units"),
            "resources": _("Resources and staffing"),
            "routines": _("Routines and rules"),
            "other": _("Other"),
        },
    ),
    "records": (
        _("Records and confidentiality"),
        {
            "record_keeping": _("Record keeping"),
            "confidentiality": _("Confidentiality"),
            "certificates": _("Certificates"),
            "other": _("Other"),
        },
    ),
    "finance": (
        _("Finances"),
        {
            "fees": _("Patient fees"),
            "compensation": _("Claims for costs"),
            "other": _("Other"),
        },
    ),
    "administration": (
        _("Administrative handling"),
        {
            "handling": _("Administrative handling"),
            "other": _("Other"),
        },
    ),
    "other": (_("Other"), {"other": _("Other")}),
}
AREA_CHOICES = [(code, label) for code, (label, _subs) in CLASSIFICATION.items()]
SUBAREA_PAIRS = [(area, sub) for area, (_label, subs) in CLASSIFICATION.items() for sub in subs]


def area_label(area: str) -> str:
    return str(CLASSIFICATION[area][0]) if area in CLASSIFICATION else ""


def subarea_label(area: str, subarea: str) -> str:
    return str(CLASSIFICATION.get(area, ("", {}))[1].get(subarea, ""))


# The org unit kind of a patientnämnd (migration 0002): the `board_unit` of a complaint.
BOARD_KIND = "patientnamnd"


# name → (from states, to state). `services` checks this table (psweb.cases.CaseKit).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "acknowledge": (frozenset({Status.RECEIVED}), Status.ACKNOWLEDGED),
    "investigate": (frozenset({Status.RECEIVED, Status.ACKNOWLEDGED}), Status.INVESTIGATING),
    "answer": (frozenset({Status.RECEIVED, Status.ACKNOWLEDGED, Status.INVESTIGATING}), Status.ANSWERED),
    "close": (frozenset({Status.ANSWERED}), Status.CLOSED),
    "forward": (frozenset({Status.RECEIVED, Status.ACKNOWLEDGED, Status.INVESTIGATING}), Status.FORWARDED),
    "withdraw": (frozenset({Status.RECEIVED, Status.ACKNOWLEDGED, Status.INVESTIGATING}), Status.WITHDRAWN),
    "reopen": (frozenset({Status.ANSWERED, Status.CLOSED}), Status.INVESTIGATING),
}
# Waiting for the provider's answer: the due date runs, reminders go, it may be paused.
AWAITING_ANSWER = frozenset({Status.RECEIVED, Status.ACKNOWLEDGED, Status.INVESTIGATING})
# Still being worked on (details, links and actions can change).
OPEN_STATES = frozenset({*AWAITING_ANSWER, Status.ANSWERED})
# Left the provider's hands without an answer from it: not counted in "answered in time".
NOT_COUNTED = frozenset({Status.FORWARDED, Status.WITHDRAWN})


def concerned_q(user, perm: str = "complaint.view") -> Q:
    """Complaints concerning a unit in the subtrees where `user` holds `perm`: one semi-join
    over the units concerned (`Complaint.units`, which always hold the responsible unit)."""
    from accounts.access import scope_q

    through = Complaint.units.through.objects.filter(scope_q(user, perm, "orgunit"))
    return Q(pk__in=through.values("complaint_id"))


class ComplaintQuerySet(models.QuerySet):
    def visible_to(self, user) -> ComplaintQuerySet:
        """Who sees a complaint: `complaint.view` in the scope of a unit it concerns — the
        responsible unit is always among them (`units`, kept so by the services) — which are
        the complaint handlers, managers, the chief physician and the safety team of those
        units; the patientnämnd's officer (`complaint.board`) the cases her nämnd sent. Nobody
        else: not the reporter role, not the statistics-only viewer.

        The units are read as one semi-join (`concerned_q`), never inside an OR: PostgreSQL
        cannot turn `pk IN (subquery)` under an OR into a join, and with a region's 300 000
        complaints the subquery's ids no longer fit in a hash, so each row would scan them
        all (the action register's list ran for minutes). Only a user who is both staff and a
        nämnd's officer pays for an OR."""
        from accounts.access import has_perm, scope_q
        from accounts.roles import Perm

        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        staff, board = has_perm(user, Perm.COMPLAINT_VIEW), has_perm(user, Perm.COMPLAINT_BOARD)
        if staff and board:
            return self.filter(concerned_q(user) | scope_q(user, Perm.COMPLAINT_BOARD, "board_unit"))
        if staff:
            return self.filter(concerned_q(user))
        if board:
            return self.filter(scope_q(user, Perm.COMPLAINT_BOARD, "board_unit"))
        return self.none()

    def overdue(self, today=None) -> ComplaintQuerySet:
        """Waiting for an answer past its due date, not paused."""
        today = today or timezone.localdate()
        return self.filter(status__in=AWAITING_ANSWER, paused_since__isnull=True, due_on__lt=today)


@pghistory.track(exclude=["sync_xid"])
class Complaint(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    version = models.PositiveIntegerField(default=1, help_text="Incremented by every change; stale edits are refused.")

    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    complainant_type = models.CharField(_("who complains"), max_length=20, choices=ComplainantType.choices)
    # A relative complains for the patient: whether the patient's consent is noted (or why not).
    patient_consent = models.BooleanField(_("the patient's consent is noted"), default=False)
    received_on = models.DateField(_("received"))

    # The unit responsible for the answer, and every unit the complaint concerns (it included).
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible unit"))
    units = models.ManyToManyField(OrgUnit, related_name="complaints", verbose_name=_("units concerned"), blank=True)

    area = models.CharField(_("problem area"), max_length=20, choices=AREA_CHOICES)
    subarea = models.CharField(_("subarea"), max_length=20, blank=True)
    # A short heading the handler writes (shown in lists: never identity).
    summary = models.CharField(_("summary"), max_length=200)
    # The complainant's own words: read on the case page only.
    description = models.TextField(_("the complaint in the complainant's words"))

    # Patient identity: shown only with complaint.view_patient, every display logged.
    patient_identifier = models.CharField(_("patient's personal identity number"), max_length=12, blank=True)

    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_complaints",
        verbose_name=_("handler"),
    )

    # The patientnämnd that sent it, its number and the date it set for the answer.
    board_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("complaint", "patient board"),
    )
    board_reference = models.CharField(_("the patient board's case number"), max_length=60, blank=True)

    acknowledged_on = models.DateField(_("acknowledged"), null=True, blank=True)
    # When the answer is due: received + the provider's days (or the nämnd's date), moved by
    # every pause (`Pause`) and, when the provider so configured, off a weekend.
    due_on = models.DateField(_("answer due"))
    paused_since = models.DateField(_("paused since"), null=True, blank=True)
    pause_reason = models.TextField(_("why it is paused"), blank=True)

    # The answer (a letter: PSL 8 kap. 7 §).
    answer_what_happened = models.TextField(_("what happened"), blank=True)
    answer_why = models.TextField(_("why it happened"), blank=True)
    answer_actions = models.TextField(_("what we do so that it does not happen again"), blank=True)
    answer_apology = models.TextField(_("apology"), blank=True)
    answer_where_else = models.TextField(_("where else to turn"), blank=True)
    answered_on = models.DateField(_("answer sent"), null=True, blank=True)
    answer_way = models.CharField(_("sent by"), max_length=20, choices=AnswerWay.choices, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    forwarded_to = models.CharField(_("forwarded to"), max_length=200, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    incidents = models.ManyToManyField(
        Incident, through="ComplaintIncident", related_name="complaints", verbose_name=_("incidents")
    )

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # The transaction that last wrote the row, set by the trigger psweb_sync_stamp (psweb/sync.py).
    sync_xid = models.BigIntegerField(db_default=0, editable=False)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="complaint_status_known"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="complaint_channel_known"),
            models.CheckConstraint(
                condition=Q(complainant_type__in=ComplainantType.values), name="complaint_complainant_known"
            ),
            models.CheckConstraint(condition=Q(area__in=list(CLASSIFICATION)), name="complaint_area_known"),
            models.CheckConstraint(condition=Q(answer_way__in=["", *AnswerWay.values]), name="complaint_way_known"),
            # Answered (or past it, closed after an answer) exactly when the answer's date is known.
            models.CheckConstraint(
                condition=~Q(status__in=[Status.ANSWERED, Status.CLOSED]) | Q(answered_on__isnull=False),
                name="complaint_answer_dated",
            ),
            models.CheckConstraint(
                condition=Q(paused_since__isnull=True) | ~Q(pause_reason=""), name="complaint_pause_has_reason"
            ),
            models.CheckConstraint(condition=Q(due_on__gte=models.F("received_on")), name="complaint_due_after"),
        ]
        indexes = [
            # The queue: newest first, within a unit subtree (the unit ids as one array).
            models.Index(fields=["unit", "-received_on", "-id"], name="complaint_unit_received"),
            models.Index(fields=["-received_on", "-id"], name="complaint_received"),
            models.Index(fields=["status", "due_on"], name="complaint_status_due"),
            models.Index(
                fields=["board_unit", "-received_on"], name="complaint_board", condition=Q(board_unit__isnull=False)
            ),
            models.Index(fields=["handler", "status"], name="complaint_handler", condition=Q(handler__isnull=False)),
            # `?updated_since=` (psweb/sync.py) reads in this order.
            models.Index(fields=["sync_xid", "id"], name="complaint_sync"),
            # The queue's text search: `summary__icontains` is UPPER(summary) LIKE UPPER('%…%'),
            # which a trigram index on that expression answers (pg_trgm, incidents 0001).
            GinIndex(OpClass(Upper("summary"), name="gin_trgm_ops"), name="complaint_summary_trgm"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    @property
    def area_label(self) -> str:
        return area_label(self.area)

    @property
    def subarea_label(self) -> str:
        return subarea_label(self.area, self.subarea)

    def answered_in_time(self) -> bool | None:
        """On or before the due date (pauses included); None while unanswered."""
        if self.answered_on is None:
            return None
        return self.answered_on <= self.due_on

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status in AWAITING_ANSWER and self.paused_since is None and self.due_on < today


class Contact(models.Model):
    """The complainant's contact details, apart from the case: read only by the complaint's
    handlers (`complaint.handle`), never in a list, an export, an e-mail or the API's list."""

    complaint = models.OneToOneField(Complaint, on_delete=models.PROTECT, related_name="contact")
    name = models.CharField(_("name"), max_length=200, blank=True)
    address = models.TextField(_("postal address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        verbose_name = _("contact details")
        verbose_name_plural = _("contact details")

    def __str__(self) -> str:
        return str(_("Contact details of %(reference)s") % {"reference": self.complaint.reference})

    @property
    def is_empty(self) -> bool:
        return not (self.name or self.address or self.phone or self.email)


class Pause(models.Model):
    """One pause of the due date (waiting for the complainant's consent, a record from another
    provider…): from, to (empty while it lasts), the reason and who paused it."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="pauses")
    started_on = models.DateField(_("paused from"))
    ended_on = models.DateField(_("resumed on"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["started_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="complaint_pause_reason"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="complaint_pause_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.started_on}–{self.ended_on or ''}"


class ComplaintIncident(models.Model):
    """A complaint linked to an incident (avvikelse): created from the complaint, or an
    existing one linked. The incident's handlers learn that a complaint exists, never who
    complained nor how to reach them."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="incident_links")
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="complaint_links")
    created_from_complaint = models.BooleanField(default=False)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["complaint", "incident"], name="complaint_incident_once")]

    def __str__(self) -> str:
        return f"{self.complaint_id} ↔ {self.incident_id}"


class ExternalKind(models.TextChoices):
    IVO = "ivo", _("IVO complaint case")
    LOF = "lof", _("Patient insurance claim (LÖF)")


class ExternalDecision(models.TextChoices):
    NO_CRITICISM = "no_criticism", _("Closed without criticism")
    CRITICISM = "criticism", _("Closed with criticism")
    COMPENSATED = "compensated", _("Compensated")
    NOT_COMPENSATED = "not_compensated", _("Not compensated")
    OTHER = "other", _("Other decision")


class ExternalCase(models.Model):
    """A case at IVO (an individual complaint the inspectorate asks the provider to answer,
    PSL 7 kap. 10 §) or a patient-insurance claim at LÖF (patientskadelagen), registered
    against a complaint, with its own number, due date, the provider's statement and the
    decision (LÖF: compensated or not, the amount)."""

    Kind = ExternalKind
    Decision = ExternalDecision

    IVO_DECISIONS = (ExternalDecision.NO_CRITICISM, ExternalDecision.CRITICISM, ExternalDecision.OTHER)
    LOF_DECISIONS = (ExternalDecision.COMPENSATED, ExternalDecision.NOT_COMPENSATED, ExternalDecision.OTHER)

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="external_cases")
    kind = models.CharField(_("kind"), max_length=10, choices=ExternalKind.choices)
    external_reference = models.CharField(_("their case number"), max_length=60)
    received_on = models.DateField(_("received"))
    question = models.TextField(_("what is asked"), blank=True)
    due_on = models.DateField(_("statement due"), null=True, blank=True)
    statement = models.TextField(_("the care provider's statement"), blank=True)
    statement_sent_on = models.DateField(_("statement sent"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=20, choices=ExternalDecision.choices, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_text = models.TextField(_("the decision in brief"), blank=True)
    amount = models.DecimalField(_("amount compensated (SEK)"), max_digits=12, decimal_places=2, null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["received_on", "id"]
        verbose_name = _("IVO or LÖF case")
        verbose_name_plural = _("IVO and LÖF cases")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ExternalKind.values), name="external_kind_known"),
            models.CheckConstraint(
                condition=Q(decision__in=["", *ExternalDecision.values]), name="external_decision_known"
            ),
            models.CheckConstraint(
                condition=Q(decision="") | Q(decided_on__isnull=False), name="external_decision_dated"
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | (Q(kind="lof") & Q(amount__gte=0)), name="external_amount_lof"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.external_reference}"


class ComplaintSettings(PerProviderSettings):
    """Per care provider: the days for the answer and the reminders. The row without a care
    provider holds the defaults. The law says "skyndsamt"; 28 days is what the patientnämnder
    commonly ask for (Kronoberg 2024) and the default here."""

    care_provider = models.OneToOneField(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"parent__isnull": True},
        related_name="complaint_settings",
        verbose_name=_("care provider"),
    )
    answer_days = models.PositiveSmallIntegerField(_("answer within (days after receipt)"), default=28)
    remind_days_before = models.PositiveSmallIntegerField(_("remind (days before the due date)"), default=7)
    # Off by default: a due date on a Saturday or Sunday stays there (the patientnämnd counts
    # calendar days); on, it moves to the Monday after.
    weekend_moves_due = models.BooleanField(_("a due date on a weekend moves to the Monday after"), default=False)

    class Meta:
        verbose_name = _("complaint settings")
        verbose_name_plural = _("complaint settings")
        constraints = [
            models.UniqueConstraint(fields=["care_provider"], name="complaint_one_settings", nulls_distinct=False),
            models.CheckConstraint(condition=Q(answer_days__gte=1), name="complaint_answer_days_positive"),
        ]


class ReferenceCounter(models.Model):
    """The last complaint number handed out per year (KL-2026-000012)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class TimelineEntry(TimelineEntryBase):
    """One line of the complaint's timeline (who, when, what). Append-only. Never identity or
    contact details."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        CHANGED = "changed", _("Details changed")
        CONTACT_CHANGED = "contact_changed", _("Contact details changed")
        HANDLER_ASSIGNED = "handler_assigned", _("Handler assigned")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        INVESTIGATING = "investigating", _("Investigation started")
        PAUSED = "paused", _("Due date paused")
        RESUMED = "resumed", _("Due date resumed")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")
        FORWARDED = "forwarded", _("Forwarded")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        REOPENED = "reopened", _("Reopened")
        INCIDENT_CREATED = "incident_created", _("Incident created")
        INCIDENT_LINKED = "incident_linked", _("Incident linked")
        LEX_MARIA_REQUESTED = "lex_maria_requested", _("Lex Maria assessment requested")
        INVESTIGATION_REQUESTED = "investigation_requested", _("Investigation requested")
        EXTERNAL_ADDED = "external_added", _("IVO or LÖF case registered")
        EXTERNAL_CHANGED = "external_changed", _("IVO or LÖF case changed")
        ACTION_ADDED = "action_added", _("Action added")
        ACTION_CHANGED = "action_changed", _("Action changed")

    case = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="timeline")
    kind = models.CharField(max_length=40, choices=Kind.choices)

    class Meta(TimelineEntryBase.Meta):
        indexes = [models.Index(fields=["case", "at"], name="complaint_timeline_at")]
