"""The operations of an investigation's working space, as one table shared by the page and
the API: for each, the form that parses it, who may (the permission predicate, with the state
it needs and a reason a person understands), the row of the investigation it is about, and the
service it calls. `investigations.views` runs them as POSTs to short URLs; the API checks the
same predicates before calling the same services.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import Decision, Denied
from investigations import forms as f
from investigations import permissions, services
from investigations.models import (
    WORK_STATES,
    CourseEvent,
    Investigation,
    InvestigationAction,
    InvestigationCause,
    Status,
    TeamMember,
)
from psweb.case_pages import Operation, in_states, version_of


def _working(decision: Callable) -> Callable:
    def decide(user, investigation: Investigation) -> Decision:
        allowed = decision(user, investigation)
        if allowed and investigation.status not in WORK_STATES:
            return Denied(_("The report is ready; resume the work to change it."))
        return allowed

    return decide


def _open(decision: Callable) -> Callable:
    return in_states([s for s in Status if s != Status.CLOSED], decision, gettext_lazy("The investigation is closed."))


def _startable(user, investigation: Investigation) -> Decision:
    decision = in_states([Status.INITIATED], permissions.can_lead, gettext_lazy("The work has already started."))(
        user, investigation
    )
    if decision and investigation.leader_id is None:
        return Denied(_("Assign an analysis leader first."))
    return decision


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in [
        Operation(
            "link",
            "avvikelser/",
            f.LinkIncidentForm,
            _open(permissions.can_decide),
            lambda actor, inv, d, item: services.incident_link(
                investigation=inv, actor=actor, incident=d["incident"], version=version_of(d)
            ),
            gettext_lazy("The incident has been linked."),
            "incidents",
        ),
        Operation(
            "method",
            "metod/",
            f.MethodForm,
            _open(permissions.can_decide),
            lambda actor, inv, d, item: services.method_decide(
                investigation=inv, actor=actor, method=d["method"], reason=d["reason"], version=version_of(d)
            ),
            gettext_lazy("The method has been decided."),
            "team",
        ),
        Operation(
            "leader",
            "analysledare/",
            f.LeaderForm,
            _open(permissions.can_decide),
            lambda actor, inv, d, item: services.leader_assign(
                investigation=inv, actor=actor, leader=d["leader"], version=version_of(d)
            ),
            gettext_lazy("The analysis leader has been assigned and notified."),
            "team",
        ),
        Operation(
            "member-add",
            "team/",
            f.MemberAddForm,
            _open(permissions.can_lead),
            lambda actor, inv, d, item: services.member_add(
                investigation=inv, actor=actor, user=d["user"], role=d["role"], version=version_of(d)
            ),
            gettext_lazy("The team member has been added."),
            "team",
        ),
        Operation(
            "member-remove",
            "team/<int:item>/ta-bort/",
            f.MemberRemoveForm,
            _open(permissions.can_lead),
            lambda actor, inv, d, item: services.member_remove(
                investigation=inv, actor=actor, member=item, version=version_of(d)
            ),
            gettext_lazy("The team member has been removed."),
            "team",
            TeamMember,
            "investigation",
        ),
        Operation(
            "start",
            "starta/",
            f.StartForm,
            _startable,
            lambda actor, inv, d, item: services.investigation_start(
                investigation=inv, actor=actor, version=version_of(d)
            ),
            gettext_lazy("The investigation has started."),
            "status",
        ),
        Operation(
            "course-add",
            "forlopp/",
            f.CourseForm,
            _working(permissions.can_contribute),
            lambda actor, inv, d, item: services.course_add(
                investigation=inv, actor=actor, at=d["at"], description=d["description"]
            ),
            gettext_lazy("The step has been added to the course of events."),
            "course",
        ),
        Operation(
            "course-remove",
            "forlopp/<int:item>/ta-bort/",
            f.RemoveForm,
            _working(permissions.can_contribute),
            lambda actor, inv, d, item: services.course_remove(investigation=inv, actor=actor, event=item),
            gettext_lazy("The step has been removed."),
            "course",
            CourseEvent,
            "investigation",
        ),
        Operation(
            "cause-add",
            "orsaker/",
            f.CauseForm,
            _working(permissions.can_contribute),
            lambda actor, inv, d, item: services.cause_add(
                investigation=inv, actor=actor, area=d["area"], detail=d["detail"], contributing=d["contributing"]
            ),
            gettext_lazy("The cause has been added."),
            "causes",
        ),
        Operation(
            "cause-remove",
            "orsaker/<int:item>/ta-bort/",
            f.RemoveForm,
            _working(permissions.can_contribute),
            lambda actor, inv, d, item: services.cause_remove(investigation=inv, actor=actor, cause=item),
            gettext_lazy("The cause has been removed."),
            "causes",
            InvestigationCause,
            "investigation",
        ),
        Operation(
            "patient",
            "patient/",
            f.PatientForm,
            _working(permissions.can_lead),
            lambda actor, inv, d, item: services.patient_participation_record(
                investigation=inv,
                actor=actor,
                invited=d["invited"] == "yes",
                invited_on=d["invited_on"],
                not_invited_reason=d["not_invited_reason"],
                account=d["account"],
                version=version_of(d),
            ),
            gettext_lazy("The patient's participation has been recorded."),
            "patient",
        ),
        Operation(
            "conclusions",
            "slutsatser/",
            f.ConclusionsForm,
            _working(permissions.can_lead),
            lambda actor, inv, d, item: services.conclusions_record(
                investigation=inv,
                actor=actor,
                care_injury=d["care_injury"],
                avoidable=f._yes_no(d["avoidable"]),
                serious_permanent=d["serious_permanent"],
                serious_increased_care=d["serious_increased_care"],
                serious_death=d["serious_death"],
                conclusions=d["conclusions"],
                version=version_of(d),
            ),
            gettext_lazy("The conclusions have been recorded."),
            "conclusions",
        ),
        Operation(
            "costs",
            "kostnad/",
            f.CostsForm,
            _open(permissions.can_lead),
            lambda actor, inv, d, item: services.costs_record(
                investigation=inv,
                actor=actor,
                extra_care_days=d["extra_care_days"],
                cost_per_care_day=d["cost_per_care_day"],
                other_costs=d["other_costs"],
                version=version_of(d),
            ),
            gettext_lazy("The cost estimate has been recorded."),
            "costs",
        ),
        Operation(
            "action-add",
            "atgarder/",
            f.ActionForm,
            _working(permissions.can_lead),
            lambda actor, inv, d, item: services.action_add(
                investigation=inv,
                actor=actor,
                description=d["description"],
                responsible=d["responsible"],
                due_date=d["due_date"],
                effect_class=d["effect_class"],
                causes=d["causes"],
                incident=d["incident"],
            ),
            gettext_lazy("The action has been added."),
            "actions",
        ),
        Operation(
            "report-ready",
            "rapport-klar/",
            f.ReportReadyForm,
            in_states([Status.IN_PROGRESS], permissions.can_lead, gettext_lazy("Start the investigation first.")),
            lambda actor, inv, d, item: services.report_ready(investigation=inv, actor=actor, version=version_of(d)),
            gettext_lazy("The report is ready."),
            "status",
        ),
        Operation(
            "resume",
            "ateruppta/",
            f.ReasonForm,
            in_states([Status.REPORT_READY], permissions.can_lead, gettext_lazy("The work is already going on.")),
            lambda actor, inv, d, item: services.investigation_resume(
                investigation=inv, actor=actor, reason=d["reason"], version=version_of(d)
            ),
            gettext_lazy("The work has been resumed."),
            "status",
        ),
        Operation(
            "follow-up",
            "uppfoljning/",
            f.FollowUpForm,
            in_states(
                [Status.REPORT_READY], permissions.can_lead, gettext_lazy("The follow-up comes after the report.")
            ),
            lambda actor, inv, d, item: services.follow_up_start(investigation=inv, actor=actor, version=version_of(d)),
            gettext_lazy("The follow-up has started."),
            "status",
        ),
        Operation(
            "evaluate",
            "atgarder/<int:item>/utvardera/",
            f.EvaluateForm,
            in_states(
                [Status.FOLLOW_UP], permissions.can_lead, gettext_lazy("Actions are evaluated during the follow-up.")
            ),
            lambda actor, inv, d, item: services.action_evaluate(
                investigation=inv,
                actor=actor,
                link=item,
                carried_out=d["carried_out"] == "yes",
                outcome=d["outcome"],
                evidence=d["evidence"],
            ),
            gettext_lazy("The evaluation has been saved."),
            "actions",
            InvestigationAction,
            "investigation",
        ),
        Operation(
            "close",
            "avsluta/",
            f.CloseForm,
            in_states(
                [Status.REPORT_READY, Status.FOLLOW_UP],
                permissions.can_lead,
                gettext_lazy("The investigation is closed after the report and its follow-up."),
            ),
            lambda actor, inv, d, item: services.investigation_close(
                investigation=inv, actor=actor, version=version_of(d)
            ),
            gettext_lazy("The investigation has been closed."),
            "status",
        ),
    ]
}
