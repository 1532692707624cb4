"""The action register (åtgärdsregister, DESIGN §4): every action from every source, in one
table.

An action — what will be done, by whom, by when, and how strongly it is expected to prevent
a recurrence — comes from exactly one source: an incident, an investigation or a Lex Maria
case (and, as they arrive, a complaint, an audit answer, a risk, a record review). The source
is a real foreign key, one column per kind of source, and a check constraint holds that
exactly one is set: no generic relation without referential integrity.

The register sits at the level of the case kit: it imports no case app. It names its
sources by string in the foreign keys, and learns what it needs of each (reference, link,
who may see and manage it) from the registry in `actions.sources`, filled by the case apps.

The table, its history and its cause links were `incidents.Action` before the register
existed; they kept their names (`incidents_action`, `incidents_actionevent`,
`incidents_action_causes`) and every action its id. The statistics triggers of
`incident_stats` count the open actions of incidents from this table.

Adding a kind of source: a nullable foreign key below, its name in `SOURCE_FIELDS`, a
migration (`makemigrations actions`), and an `ActionSource` registered by the source's app.
"""

from __future__ import annotations

import datetime as dt

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import ExpressionWrapper, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The foreign keys to the sources, in the order the register lists kinds of source.
SOURCE_FIELDS = ("incident", "investigation", "lexmaria_case", "complaint", "audit_response")


def exactly_one_source() -> Q:
    """True when exactly one of SOURCE_FIELDS is set."""
    condition = Q(pk__in=[])
    for chosen in SOURCE_FIELDS:
        condition |= Q(
            **{f"{field}__isnull": field != chosen for field in SOURCE_FIELDS},
        )
    return condition


class EffectClass(models.TextChoices):
    """LÖF/SKR: how strongly an action is expected to prevent recurrence."""

    VERY_EFFECTIVE = "very_effective", _("Very effective")
    EFFECTIVE = "effective", _("Effective")
    LIMITED = "limited", _("Limited effect")


class ActionQuerySet(models.QuerySet):
    def visible_to(self, user) -> ActionQuerySet:
        """DESIGN §4: an action is visible to whoever may see its source, and always to its
        responsible person (who sees the action and its source's reference, not the case)."""
        from actions.sources import visible_q

        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.filter(visible_q(user))

    def open(self) -> ActionQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def overdue(self, today: dt.date | None = None) -> ActionQuerySet:
        return self.open().filter(due_date__lt=today or timezone.localdate())


# Neither updated_at nor sync_xid is history: a write that changes nothing else writes no event.
@pghistory.track(meta={"db_table": "incidents_actionevent"}, exclude=["updated_at", "sync_xid"])
class Action(models.Model):
    """An action (åtgärd) with a named responsible person and a due date."""

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", pgettext_lazy("action state", "In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    # The source: exactly one is set (the check constraint below).
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    investigation = models.ForeignKey(
        "investigations.Investigation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="own_actions",
    )
    lexmaria_case = models.ForeignKey(
        "lexmaria.LexMariaCase", on_delete=models.PROTECT, null=True, blank=True, related_name="own_actions"
    )
    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.PROTECT, null=True, blank=True, related_name="own_actions"
    )
    # A unit's response to an egenkontroll round (issue 18): an action for a negative answer.
    audit_response = models.ForeignKey(
        "audits.Response", on_delete=models.PROTECT, null=True, blank=True, related_name="own_actions"
    )

    description = models.TextField(_("action"))
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="responsible_actions",
        verbose_name=_("responsible person"),
    )
    due_date = models.DateField(_("due date"))
    state = models.CharField(_("status"), max_length=20, choices=State.choices, default=State.PLANNED)
    effect_class = models.CharField(_("expected effect"), max_length=20, choices=EffectClass.choices, blank=True)
    causes = models.ManyToManyField(
        "incidents.Cause", blank=True, related_name="actions", verbose_name=_("causes it addresses")
    )
    # What the responsible person says was done (when marking it started or done).
    progress_note = models.TextField(_("what was done"), blank=True, db_default="")
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # The transaction that last wrote the row, set by the trigger psweb_sync_stamp (psweb/sync.py).
    sync_xid = models.BigIntegerField(db_default=0, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    # The handler's choice: the reporter of the source incident sees this action ("Detta görs
    # nu") on her report and is told when it is decided (issue 13, item 7).
    shown_to_reporter = models.BooleanField(_("show to the reporter"), default=False, db_default=False)
    done_at = models.DateTimeField(null=True, blank=True)

    objects = ActionQuerySet.as_manager()

    class Meta:
        db_table = "incidents_action"
        ordering = ["due_date", "id"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["planned", "in_progress", "done", "cancelled"]), name="action_state_known"
            ),
            models.CheckConstraint(condition=exactly_one_source(), name="action_exactly_one_source"),
        ]
        indexes = [
            # "Mina åtgärder" and the reminders: a person's open actions by due date.
            models.Index(fields=["responsible", "due_date"], name="action_responsible_due"),
            models.Index(fields=["due_date", "id"], name="action_due"),
            # The list's order, open first by due date (actions.selectors.with_overdue_first):
            # a page is read from the index, not sorted from every action.
            models.Index(
                ExpressionWrapper(~Q(state__in=["planned", "in_progress"]), output_field=models.BooleanField()),
                "due_date",
                "id",
                name="action_open_first",
            ),
            # `?updated_since=` (psweb/sync.py) reads in this order.
            models.Index(fields=["sync_xid", "id"], name="action_sync"),
        ]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def source_field(self) -> str:
        return next(field for field in SOURCE_FIELDS if getattr(self, f"{field}_id") is not None)

    @property
    def source(self):
        """The incident, investigation or Lex Maria case the action comes from."""
        return getattr(self, self.source_field)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return self.is_open and self.due_date < (today or timezone.localdate())


OPEN_STATES = (Action.State.PLANNED, Action.State.IN_PROGRESS)
# Done or cancelled, as the expression of the index `action_open_first`.
CLOSED = ExpressionWrapper(~Q(state__in=["planned", "in_progress"]), output_field=models.BooleanField())
