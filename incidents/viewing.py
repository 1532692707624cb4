"""What one person sees of one incident: decided here, once, for the case page, the reporter's
page, the API's incident and every sub-resource, the work queue and its export (DESIGN §3).

Two questions, both asked of a `CaseView` made for (viewer, incident):

- **Whom may the viewer know?** Who reported is for the reporter and the case's handlers
  (`permissions.can_see_reporter`). For anyone else a person field that *is* the reporter —
  the handler, who forwarded, who added a cause or an action, the responsible person, a
  comment's author, an uploader, a timeline actor, a name inside a timeline message — reads
  "the reporter" and carries no id: a hidden reporter next to a handler named "Lars
  Eriksson" who took his own report would otherwise say who reported.
- **Which parts of the case?** Staff (`permissions.sees_as_staff`: the case is in the units
  where they see incidents, or was forwarded from one) see every section. Anyone else who may
  open it — its reporter, an investigation's team from another care provider — follows it:
  the report, their own comments and those addressed to the reporter, the attachments and
  the feedback once closed. The reporter also sees what has happened to her report (the
  steps, never who took them) and the actions a handler chose to show her, in few fields.
  The pages and the API give the same answer because both ask here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import has_perm, scope_q
from accounts.roles import Perm
from actions.models import Action
from incidents import hooks, permissions
from incidents.models import Cause, Forward, Incident, TimelineEntry
from incidents.selectors import reporter_actions_queryset
from psweb.cases import person_name

# What the reporter sees of the case timeline: what happened to the report, never the
# handlers' internal work (causes, risk, actions, forwarding messages) nor who did it.
REPORTER_TIMELINE = {
    TimelineEntry.Kind.SUBMITTED: gettext_lazy("You sent the report"),
    TimelineEntry.Kind.TAKEN: gettext_lazy("A case handler started working on it"),
    TimelineEntry.Kind.ASSIGNED: gettext_lazy("A case handler was assigned"),
    TimelineEntry.Kind.FORWARDED: gettext_lazy("Sent on to another unit"),
    TimelineEntry.Kind.REPORTER_UPDATED: gettext_lazy("You were told what is being done"),
    TimelineEntry.Kind.FEEDBACK: gettext_lazy("Feedback to you"),
    TimelineEntry.Kind.CLOSED: gettext_lazy("Closed"),
    TimelineEntry.Kind.REOPENED: gettext_lazy("Opened again"),
    TimelineEntry.Kind.WITHDRAWN: gettext_lazy("Withdrawn"),
}
# Entries about what the reporter did themselves.
REPORTER_OWN_TIMELINE = {
    TimelineEntry.Kind.COMMENTED: gettext_lazy("You added a comment"),
    TimelineEntry.Kind.ATTACHMENT_ADDED: gettext_lazy("You added an attachment"),
}
# Entries whose message the reporter may read (the reason for a withdrawal).
REPORTER_TIMELINE_MESSAGES = {TimelineEntry.Kind.WITHDRAWN}

# The incident's fields only staff read: how the case is handled, classified and assessed.
STAFF_FIELDS = (
    "title",  # the handler's short title (the reporter's "summary" is of her own words)
    "handler",
    "handler_name",
    "category",
    "category_name",
    "event_class",
    "event_class_name",
    "risk_probability",
    "risk_consequence",
    "risk_score",
    "triaged_at",
    "investigation_requested_at",
    "lex_maria_requested_at",
)


def reporter_seen_q(user, prefix: str = "") -> Q:
    """`permissions.can_see_reporter` as a filter over incidents (under `prefix`): the user
    reported it, or may triage where it happened or in its responsible unit."""
    return (
        Q(**{f"{prefix}reporter": user})
        | scope_q(user, Perm.INCIDENT_TRIAGE, f"{prefix}unit")
        | scope_q(user, Perm.INCIDENT_TRIAGE, f"{prefix}responsible_unit")
    )


@dataclass(frozen=True)
class SeenEntry:
    """A timeline entry as the viewer sees it: who (a name, "the reporter", or None: the
    system, or someone the reporter's view does not name), what, and the message with any
    hidden name replaced."""

    entry: TimelineEntry
    actor_id: int | None
    actor_name: str | None
    label: str
    message: str

    @property
    def who(self) -> str:
        return self.actor_name or _("the system")

    @property
    def at(self):
        return self.entry.at

    @property
    def kind(self) -> str:
        return self.entry.kind


class CaseView:
    """What `user` sees of `incident`. Cheap to make: each decision is taken when first asked
    (a list makes one per row), and the forwards are read only when the units do not decide."""

    def __init__(self, user, incident: Incident, *, forwards=None):
        self.user = user
        self.incident = incident
        self._forwards = forwards

    @classmethod
    def of(cls, user, incident: Incident, *, forwards=None) -> CaseView:
        """`forwards` (with their units) may be passed when already loaded."""
        return cls(user, incident, forwards=forwards)

    @cached_property
    def sees_case(self) -> bool:
        """Staff of the case (`permissions.sees_as_staff`), or someone who only follows it."""
        if has_perm(self.user, Perm.INCIDENT_VIEW):
            units = [u for u in (self.incident.unit, self.incident.responsible_unit) if u is not None]
            if any(has_perm(self.user, Perm.INCIDENT_VIEW, unit) for unit in units):
                return True
            if permissions.sees_as_staff(self.user, self.incident, self._forwards):
                return True
        # Read as staff read it, never handled, under another app's grant (an oversight
        # agreement, `hooks.READ_GRANTS`); otherwise she follows her own reports, or a team's.
        return hooks.read_grant(self.user, self.incident) is not None

    @cached_property
    def sees_reporter(self) -> bool:
        return bool(permissions.can_see_reporter(self.user, self.incident))

    @property
    def is_reporter(self) -> bool:
        return self.incident.reporter_id == getattr(self.user, "pk", None)

    # --- people ------------------------------------------------------------------------------

    def hides(self, person) -> bool:
        """Is `person` (a user or a user id) the reporter, whom the viewer may not know?"""
        person_id = getattr(person, "pk", person)
        return person_id is not None and person_id == self.incident.reporter_id and not self.sees_reporter

    def person_id(self, person) -> int | None:
        """The person's id, or None for the hidden reporter."""
        person_id = getattr(person, "pk", person)
        return None if self.hides(person_id) else person_id

    def name(self, person) -> str | None:
        """The person's name, "the reporter" for the hidden reporter, None for nobody."""
        if person is None:
            return None
        if self.hides(person):
            return _("the reporter")
        return person_name(person)

    def who(self, person) -> str:
        """As `name`, with "the system" for what no person did."""
        return self.name(person) if person is not None else _("the system")

    @cached_property
    def _reporter_name(self) -> re.Pattern | None:
        reporter = self.incident.reporter
        names = {n for n in (reporter.get_full_name().strip(), reporter.username) if n}
        if not names:
            return None
        alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")

    def text(self, text: str) -> str:
        """Free text that may name people (a timeline message, "informed by") with the
        hidden reporter's name replaced by "the reporter"."""
        if not text or self.sees_reporter or self._reporter_name is None:
            return text
        return self._reporter_name.sub(str(_("the reporter")), text)

    # --- sections ------------------------------------------------------------------------

    @property
    def sees_reporter_actions(self) -> bool:
        """Only the actions a handler chose to show the reporter, with few fields."""
        return not self.sees_case and self.is_reporter

    def timeline(self) -> list[SeenEntry]:
        """The timeline, oldest first: all of it for staff; the reporter's own steps for her."""
        if self.sees_case:
            entries = self.incident.timeline.select_related("actor").order_by("at", "id")
            return [self.seen_entry(entry) for entry in entries]
        return self.reporter_timeline() if self.is_reporter else []

    def reporter_timeline(self) -> list[SeenEntry]:
        """What has happened to her report, as its reporter reads it ("My reports"): the
        steps, not who took them, nor the handlers' own work."""
        seen = []
        for entry in self.incident.timeline.order_by("at", "id"):
            if entry.kind in REPORTER_TIMELINE:
                label = REPORTER_TIMELINE[entry.kind]
            elif entry.kind in REPORTER_OWN_TIMELINE and entry.actor_id == self.user.pk:
                label = REPORTER_OWN_TIMELINE[entry.kind]
            else:
                continue
            own = entry.actor_id == self.user.pk
            seen.append(
                SeenEntry(
                    entry=entry,
                    actor_id=entry.actor_id if own else None,
                    actor_name=person_name(self.user) if own else None,
                    label=str(label),
                    message=entry.message if entry.kind in REPORTER_TIMELINE_MESSAGES else "",
                )
            )
        return seen

    def seen_entry(self, entry: TimelineEntry) -> SeenEntry:
        """An entry as staff see it, the hidden reporter as "the reporter"."""
        message = entry.message
        if self.hides((entry.data or {}).get("handler_id")):
            message = str(_("the reporter"))  # "Taken by handler: <the reporter's name>"
        return SeenEntry(
            entry=entry,
            actor_id=self.person_id(entry.actor_id),
            actor_name=self.name(entry.actor),
            label=str(entry.get_kind_display()),
            message=self.text(message),
        )

    def comments(self) -> QuerySet:
        comments = self.incident.comments.select_related("author").order_by("created_at", "id")
        if self.sees_case:
            return comments
        # Following a report: one's own comments and those addressed to the reporter.
        return comments.filter(Q(author=self.user) | Q(to_reporter=True))

    def attachments(self) -> QuerySet:
        return self.incident.attachments.select_related("uploaded_by")

    def forwards(self) -> QuerySet:
        if not self.sees_case:
            return Forward.objects.none()
        return Forward.objects.filter(incident=self.incident).select_related(
            "from_unit", "to_unit", "forwarded_by", "answered_by"
        )

    def causes(self) -> QuerySet:
        if not self.sees_case:
            return Cause.objects.none()
        return Cause.objects.filter(incident=self.incident, removed_at__isnull=True).select_related("area")

    def actions(self) -> QuerySet:
        actions = Action.objects.filter(incident=self.incident).select_related("responsible", "incident")
        if self.sees_case:
            return actions.prefetch_related("causes")
        if self.sees_reporter_actions:  # "Detta görs nu"
            return reporter_actions_queryset().filter(incident=self.incident)
        return Action.objects.none()

    @property
    def sees_staff_fields(self) -> bool:
        return self.sees_case
