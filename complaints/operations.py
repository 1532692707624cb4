"""The operations on a complaint's case page, as one table: for each, the form that parses it,
who may (the permission predicate, with the state it needs and a reason a person
understands), and the service it calls; those on the complaint's incidents and IVO and LÖF
cases come from `operations_links`. `complaints.views` runs them as POSTs to short URLs
below the complaint (psweb.case_pages). The API checks the same permission predicates
(`complaints.permissions`) and leaves the state to the service, which answers 409.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import Denied
from complaints import forms as f
from complaints import permissions, services
from complaints.models import AWAITING_ANSWER, OPEN_STATES, TRANSITIONS, Complaint
from complaints.operations_links import LINK_OPERATIONS
from psweb.case_pages import Operation, in_states, version_of

_CLOSED = gettext_lazy("The complaint is no longer being handled.")


def _state(transition: str, decision, message) -> Callable:
    return in_states(TRANSITIONS[transition][0], decision, message)


def _may_take(user, complaint: Complaint):
    decision = in_states(OPEN_STATES, permissions.can_handle, _CLOSED)(user, complaint)
    if decision and complaint.handler_id == user.pk:
        return Denied(_("You already handle this complaint."))
    return decision and permissions.may_handle(user, complaint)


def _may_pause(user, complaint: Complaint):
    decision = in_states(
        AWAITING_ANSWER, permissions.can_handle, gettext_lazy("Only the due date of an unanswered complaint pauses.")
    )(user, complaint)
    if decision and complaint.paused_since is not None:
        return Denied(_("The due date is already paused."))
    return decision


def _may_resume(user, complaint: Complaint):
    decision = permissions.can_handle(user, complaint)
    if decision and complaint.paused_since is None:
        return Denied(_("The due date is not paused."))
    return decision


CORE_OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in [
        Operation(
            "take",
            "ta/",
            f.TakeForm,
            _may_take,
            lambda actor, case, d, item: services.complaint_assign(
                complaint=case, actor=actor, handler=actor, version=version_of(d)
            ),
            gettext_lazy("You now handle the complaint."),
            "status",
        ),
        Operation(
            "assign",
            "handlaggare/",
            f.AssignForm,
            in_states(OPEN_STATES, permissions.can_handle, _CLOSED),
            lambda actor, case, d, item: services.complaint_assign(
                complaint=case, actor=actor, handler=d["handler"], version=version_of(d)
            ),
            gettext_lazy("The handler has been assigned."),
            "status",
        ),
        Operation(
            "acknowledge",
            "mottagningsbekraftelse/",
            f.AcknowledgeForm,
            _state("acknowledge", permissions.can_handle, gettext_lazy("The receipt has been sent.")),
            lambda actor, case, d, item: services.complaint_acknowledge(
                complaint=case, actor=actor, acknowledged_on=d["acknowledged_on"], version=version_of(d)
            ),
            gettext_lazy("The receipt has been recorded."),
            "status",
        ),
        Operation(
            "investigate",
            "utred/",
            f.InvestigateForm,
            _state(
                "investigate", permissions.can_handle, gettext_lazy("The complaint is not waiting to be looked into.")
            ),
            lambda actor, case, d, item: services.complaint_investigate(
                complaint=case, actor=actor, version=version_of(d)
            ),
            gettext_lazy("The investigation of the complaint has started."),
            "status",
        ),
        Operation(
            "pause",
            "pausa/",
            f.PauseForm,
            _may_pause,
            lambda actor, case, d, item: services.complaint_pause(
                complaint=case, actor=actor, reason=d["reason"], version=version_of(d)
            ),
            gettext_lazy("The due date is paused."),
            "due",
        ),
        Operation(
            "resume",
            "ateruppta/",
            f.ResumeForm,
            _may_resume,
            lambda actor, case, d, item: services.complaint_resume(complaint=case, actor=actor, version=version_of(d)),
            gettext_lazy("The due date runs again."),
            "due",
        ),
        Operation(
            "letter",
            "svar/",
            f.LetterForm,
            in_states(AWAITING_ANSWER, permissions.can_handle, gettext_lazy("The complaint has been answered.")),
            lambda actor, case, d, item: services.letter_save(
                complaint=case, actor=actor, letter={k: d[k] for k in services.LETTER_FIELDS}, version=version_of(d)
            ),
            gettext_lazy("The letter has been saved."),
            "answer",
        ),
        Operation(
            "answer",
            "besvarad/",
            f.AnswerForm,
            _state("answer", permissions.can_handle, gettext_lazy("The complaint has been answered.")),
            lambda actor, case, d, item: services.complaint_answer(
                complaint=case,
                actor=actor,
                answered_on=d["answered_on"],
                way=d["answer_way"],
                letter={k: d[k] for k in services.LETTER_FIELDS},
                version=version_of(d),
            ),
            gettext_lazy("The answer has been recorded as sent."),
            "answer",
        ),
        Operation(
            "close",
            "avsluta/",
            f.CloseForm,
            _state("close", permissions.can_handle, gettext_lazy("A complaint is closed once it has been answered.")),
            lambda actor, case, d, item: services.complaint_close(complaint=case, actor=actor, version=version_of(d)),
            gettext_lazy("The complaint has been closed."),
            "status",
        ),
        Operation(
            "reopen",
            "ateroppna/",
            f.ReopenForm,
            _state("reopen", permissions.can_handle, gettext_lazy("Only an answered or closed complaint is reopened.")),
            lambda actor, case, d, item: services.complaint_reopen(
                complaint=case, actor=actor, reason=d["reason"], version=version_of(d)
            ),
            gettext_lazy("The complaint has been reopened."),
            "status",
        ),
        Operation(
            "forward",
            "vidarebefordra/",
            f.ForwardForm,
            _state("forward", permissions.can_handle, gettext_lazy("Only an unanswered complaint is forwarded.")),
            lambda actor, case, d, item: services.complaint_forward(
                complaint=case, actor=actor, to=d["to"], reason=d["reason"], version=version_of(d)
            ),
            gettext_lazy("The complaint has been recorded as forwarded."),
            "status",
        ),
        Operation(
            "withdraw",
            "aterkalla/",
            f.WithdrawForm,
            _state("withdraw", permissions.can_handle, gettext_lazy("Only an unanswered complaint is withdrawn.")),
            lambda actor, case, d, item: services.complaint_withdraw(
                complaint=case, actor=actor, reason=d["reason"], version=version_of(d)
            ),
            gettext_lazy("The complaint has been recorded as withdrawn."),
            "status",
        ),
        Operation(
            "edit",
            "uppgifter/",
            f.DetailsForm,
            in_states(OPEN_STATES, permissions.can_handle, _CLOSED),
            lambda actor, case, d, item: services.complaint_update(
                complaint=case, actor=actor, fields=f.DetailsForm.fields_from(d), version=version_of(d)
            ),
            gettext_lazy("The details have been saved."),
            "details",
        ),
        Operation(
            "contact",
            "kontakt/",
            f.ContactForm,
            permissions.can_view_contact,
            lambda actor, case, d, item: services.contact_update(
                complaint=case,
                actor=actor,
                contact={k: d[k] for k in services.CONTACT_FIELDS},
                version=version_of(d),
            ),
            gettext_lazy("The contact details have been saved."),
            "contact",
        ),
        Operation(
            "action-add",
            "atgarder/",
            f.ActionForm,
            in_states(OPEN_STATES, permissions.can_handle, _CLOSED),
            lambda actor, case, d, item: services.action_add(
                complaint=case,
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
    ]
}

# The page's whole table: the complaint's own operations and those on what it is linked to
# (incidents, IVO and LÖF cases; `complaints.operations_links`).
OPERATIONS: dict[str, Operation] = {**CORE_OPERATIONS, **LINK_OPERATIONS}
