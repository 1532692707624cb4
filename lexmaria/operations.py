"""The operations on a Lex Maria case page, as one table: for each, the form that parses it,
who may (the permission predicate, with the state it needs and a reason a person
understands), the row of the case it is about, and the service it calls. `lexmaria.views`
runs them as POSTs to short URLs (psweb.case_pages). The API checks the same permission
predicates (`lexmaria.permissions`) and leaves the state to the service, which answers 409.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import Denied
from lexmaria import forms as f
from lexmaria import permissions, services
from lexmaria.models import OPEN_STATES, REPORTED_STATES, TRANSITIONS, Decision, LexMariaCase, PromisedAction, Status
from psweb.case_pages import Operation, in_states, version_of


def _state(transition: str, decision, message) -> Callable:
    return in_states(TRANSITIONS[transition][0], decision, message)


def _may_follow_up(user, case: LexMariaCase):
    decision = permissions.can_prepare(user, case)
    if decision and not (
        case.decision == Decision.REPORT and (case.status in REPORTED_STATES or case.status == Status.CLOSED)
    ):
        return Denied(_("Actions are followed up once the report has been sent to IVO."))
    return decision


def _may_reopen(user, case: LexMariaCase):
    decision = permissions.can_decide(user, case)
    if decision and not (case.status == Status.CLOSED and case.decision == Decision.NO_REPORT):
        return Denied(_("Only a decision not to report can be reopened."))
    return decision


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in [
        Operation(
            "action-add",
            "atgarder/",
            f.ActionForm,
            in_states(OPEN_STATES, permissions.can_prepare, gettext_lazy("The Lex Maria case is closed.")),
            lambda actor, case, d, item: services.action_add(
                case=case,
                actor=actor,
                description=d["description"],
                responsible=d["responsible"],
                due_date=d["due_date"],
                effect_class=d["effect_class"],
                version=version_of(d),
            ),
            gettext_lazy("The action has been added. The responsible person is told."),
            "actions",
        ),
        Operation(
            "decide",
            "beslut/",
            f.DecideForm,
            _state("decide_report", permissions.can_decide, gettext_lazy("The decision has been made.")),
            lambda actor, case, d, item: services.case_decide(
                case=case, actor=actor, decision=d["decision"], motivation=d["motivation"], version=version_of(d)
            ),
            gettext_lazy("The decision has been recorded."),
            "decision",
        ),
        Operation(
            "reopen",
            "ateroppna/",
            f.ReasonForm,
            _may_reopen,
            lambda actor, case, d, item: services.case_reopen(
                case=case, actor=actor, reason=d["reason"], version=version_of(d)
            ),
            gettext_lazy("The case has been reopened for a new assessment."),
            "decision",
        ),
        Operation(
            "link-investigation",
            "utredning/",
            f.LinkInvestigationForm,
            in_states(OPEN_STATES, permissions.can_prepare, gettext_lazy("The case is closed.")),
            lambda actor, case, d, item: services.investigation_link(
                case=case, actor=actor, investigation=d["investigation"], version=version_of(d)
            ),
            gettext_lazy("The investigation has been linked."),
            "investigation",
        ),
        Operation(
            "mark-reported",
            "anmald/",
            f.MarkReportedForm,
            _state("mark_reported", permissions.can_prepare, gettext_lazy("Decide to report first.")),
            lambda actor, case, d, item: services.case_mark_reported(
                case=case, actor=actor, ivo_reference=d["ivo_reference"], sent_on=d["sent_on"], version=version_of(d)
            ),
            gettext_lazy("The report to IVO has been recorded."),
            "ivo",
        ),
        Operation(
            "supplement-request",
            "komplettering/",
            f.SupplementRequestForm,
            _state("supplement_request", permissions.can_prepare, gettext_lazy("The case has not been reported.")),
            lambda actor, case, d, item: services.supplement_request(
                case=case,
                actor=actor,
                what=d["what"],
                due_on=d["due_on"],
                requested_on=d["requested_on"],
                version=version_of(d),
            ),
            gettext_lazy("IVO's request has been recorded."),
            "ivo",
        ),
        Operation(
            "supplement-send",
            "komplettering/skickad/",
            f.SupplementSendForm,
            _state("supplement_send", permissions.can_prepare, gettext_lazy("IVO has not asked for a supplement.")),
            lambda actor, case, d, item: services.supplement_send(
                case=case, actor=actor, answer=d["answer"], sent_on=d["sent_on"], version=version_of(d)
            ),
            gettext_lazy("The supplement has been recorded as sent."),
            "ivo",
        ),
        Operation(
            "ivo-decision",
            "ivo-beslut/",
            f.IvoDecisionForm,
            _state("ivo_decision", permissions.can_prepare, gettext_lazy("IVO's decision comes after the report.")),
            lambda actor, case, d, item: services.ivo_decision_record(
                case=case,
                actor=actor,
                kind=d["kind"],
                decided_on=d["decided_on"],
                text=d["text"],
                version=version_of(d),
            ),
            gettext_lazy("IVO's decision has been recorded."),
            "ivo",
        ),
        Operation(
            "close",
            "avsluta/",
            f.CloseForm,
            _state("close", permissions.can_prepare, gettext_lazy("The case is closed after IVO's decision.")),
            lambda actor, case, d, item: services.case_close(case=case, actor=actor, version=version_of(d)),
            gettext_lazy("The case has been closed."),
            "status",
        ),
        Operation(
            "follow-up",
            "uppfoljning/<int:item>/",
            f.FollowUpForm,
            _may_follow_up,
            lambda actor, case, d, item: services.action_follow_up(
                case=case,
                actor=actor,
                action=item.action,
                carried_out=d["carried_out"] == "yes",
                effect_class=d["effect_class"],
                evidence=d["evidence"],
                version=version_of(d),
            ),
            gettext_lazy("The follow-up has been saved."),
            "follow-up",
            PromisedAction,
            "case",
        ),
    ]
}
