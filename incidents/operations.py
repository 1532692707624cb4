"""The operations on an incident's case page, as one table: for each, the form that parses it,
who may, the row of the incident it is about, the service it calls, and where on the page
the user lands afterwards. `incidents.views.case` serves them all through one view
(psweb.case_pages) and `incidents.urls` gives each its short URL below the case.

Who may is the predicate the service itself requires (`incidents.permissions`), so the page
answers 403 with the same reason as the API; the state is left to the service, which answers
409 (a closed incident cannot be classified, an investigation is requested once).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import Decision, Denied
from actions.models import Action
from incidents import permissions, services
from incidents.forms import case as f
from incidents.models import Cause, Forward, Incident, Status
from psweb.case_pages import Operation


def _may_withdraw(user, incident: Incident) -> Decision:
    """The service's rule, but a draft is discarded by its author in "My reports", not here."""
    if incident.status == Status.DRAFT:
        return Denied(_("A draft is discarded by its author."))
    return permissions.can_withdraw(user, incident)


def _comment_form_kwargs(user, incident: Incident, item) -> dict:
    return {"may_address_reporter": bool(permissions.can_share_comment(user, incident))}


def _action_changes(incident: Incident, data: dict) -> dict:
    """On a closed incident only the status of an action may change, so only it is sent."""
    if incident.status == Status.CLOSED:
        return {"state": data["state"]}
    return {
        "description": data["description"],
        "responsible": data["responsible"],
        "due_date": data["due_date"],
        "state": data["state"],
        "effect_class": data["effect_class"],
        "causes": list(data["causes"]),
        "shown_to_reporter": data["shown_to_reporter"],
    }


def _forward_done(forward: Forward) -> str:
    if forward.kind == Forward.Kind.ASK:
        return _("%(unit)s has been asked to answer by %(due)s. You keep the case.") % {
            "unit": forward.to_unit.name,
            "due": forward.answer_due.isoformat(),
        }
    return _("The case has been handed over to %(unit)s, which is now responsible for it.") % {
        "unit": forward.to_unit.name
    }


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in [
        Operation(
            "case-take",
            "ta/",
            f.TakeForm,
            permissions.can_handle,
            lambda actor, incident, d, item: services.incident_take(
                incident=incident, actor=actor, version=d["version"]
            ),
            gettext_lazy("You are now handling this incident."),
            "handling",
        ),
        Operation(
            "case-assign",
            "tilldela/",
            f.AssignForm,
            permissions.can_handle,
            lambda actor, incident, d, item: services.incident_assign(
                incident=incident, actor=actor, handler=d["handler"], version=d["version"]
            ),
            gettext_lazy("The handler has been assigned."),
            "handling",
        ),
        Operation(
            "case-classify",
            "klassificera/",
            f.ClassifyForm,
            permissions.can_handle,
            lambda actor, incident, d, item: services.incident_classify(
                incident=incident,
                actor=actor,
                category=d["category"],
                event_class=d["event_class"],
                case_type=d["case_type"],
                version=d["version"],
            ),
            gettext_lazy("The classification has been saved."),
            "classification",
        ),
        Operation(
            "case-title",
            "rubrik/",
            f.TitleForm,
            permissions.can_handle,
            lambda actor, incident, d, item: services.incident_set_title(
                incident=incident, actor=actor, title=d["title"], version=d["version"]
            ),
            gettext_lazy("The short title has been saved."),
            "classification",
        ),
        Operation(
            "case-risk",
            "risk/",
            f.RiskForm,
            permissions.can_handle,
            lambda actor, incident, d, item: services.incident_assess_risk(
                incident=incident,
                actor=actor,
                probability=d["probability"],
                consequence=d["consequence"],
                version=d["version"],
            ),
            gettext_lazy("The risk assessment has been saved."),
            "risk",
        ),
        Operation(
            "case-cause-add",
            "orsaker/",
            f.CauseAddForm,
            permissions.can_handle,
            lambda actor, incident, d, item: services.cause_add(
                incident=incident, actor=actor, area=d["area"], detail=d["detail"]
            ),
            gettext_lazy("The cause has been added."),
            "causes",
        ),
        Operation(
            "case-cause-remove",
            "orsaker/<int:cause_pk>/ta-bort/",
            f.CauseRemoveForm,
            permissions.can_handle,
            lambda actor, incident, d, cause: services.cause_remove(cause=cause, actor=actor),
            gettext_lazy("The cause has been removed."),
            "causes",
            item=Cause.objects.filter(removed_at__isnull=True),
            item_field="incident",
        ),
        Operation(
            "case-action-add",
            "atgarder/",
            f.ActionForm,
            permissions.can_handle,
            lambda actor, incident, d, item: services.action_add(
                incident=incident,
                actor=actor,
                description=d["description"],
                responsible=d["responsible"],
                due_date=d["due_date"],
                effect_class=d["effect_class"],
                causes=list(d["causes"]),
                shown_to_reporter=d["shown_to_reporter"],
            ),
            gettext_lazy("The action has been added."),
            "actions",
        ),
        Operation(
            "case-action-update",
            "atgarder/<int:action_pk>/",
            f.ActionUpdateForm,
            permissions.can_handle,
            lambda actor, incident, d, action: services.action_update(
                action=action, actor=actor, version=d["version"], **_action_changes(incident, d)
            ),
            gettext_lazy("The action has been saved."),
            "action-{item}",
            item=Action,
            item_field="incident",
            item_versioned=True,
        ),
        Operation(
            "case-forward",
            "vidarebefordra/",
            f.ForwardForm,
            permissions.can_handle,
            lambda actor, incident, d, item: services.incident_forward(
                incident=incident,
                actor=actor,
                kind=d["kind"],
                to_unit=d["to_unit"],
                message=d["message"],
                answer_due=d["answer_due"],
                version=d["version"],
            ),
            _forward_done,
            "forwards",
        ),
        Operation(
            "case-forward-answer",
            "vidarebefordringar/<int:forward_pk>/svar/",
            f.ForwardAnswerForm,
            None,
            lambda actor, incident, d, forward: services.forward_answer(
                forward=forward, actor=actor, answer=d["answer"]
            ),
            gettext_lazy("Your answer has been sent."),
            "forwards",
            item=Forward.objects.select_related("to_unit"),
            item_field="incident",
            item_decide=permissions.can_answer_forward,
        ),
        Operation(
            "case-investigation",
            "utredning/",
            f.InvestigationRequestForm,
            permissions.can_handle,
            lambda actor, incident, d, item: services.incident_request_investigation(
                incident=incident, actor=actor, reason=d["reason"], version=d["version"]
            ),
            gettext_lazy("An investigation has been requested."),
            "handling",
        ),
        Operation(
            "case-lex-maria",
            "lex-maria/",
            f.LexMariaRequestForm,
            permissions.can_handle,
            lambda actor, incident, d, item: services.incident_request_lex_maria(
                incident=incident, actor=actor, reason=d["reason"], version=d["version"]
            ),
            gettext_lazy("A Lex Maria assessment has been requested."),
            "handling",
        ),
        Operation(
            "case-patient-information",
            "patientinformation/",
            f.PatientInformationForm,
            permissions.can_handle,
            lambda actor, incident, d, item: services.patient_information_record(
                incident=incident, actor=actor, **{name: value for name, value in d.items() if name != "version"}
            ),
            gettext_lazy("The information to the patient has been recorded."),
            "patient-information",
        ),
        Operation(
            "case-feedback",
            "aterkoppling/",
            f.FeedbackForm,
            permissions.can_handle,
            lambda actor, incident, d, item: services.incident_feedback(
                incident=incident, actor=actor, text=d["text"], version=d["version"]
            ),
            gettext_lazy("The feedback has been saved. The reporter sees it when the incident is closed."),
            "feedback",
        ),
        Operation(
            "case-comment",
            "kommentar/",
            f.CommentForm,
            permissions.can_comment,
            lambda actor, incident, d, item: services.comment_add(
                incident=incident, actor=actor, text=d["text"], to_reporter=d.get("to_reporter", False)
            ),
            gettext_lazy("Your comment has been added."),
            "comments",
            form_kwargs=_comment_form_kwargs,
        ),
        Operation(
            "case-close",
            "avsluta/",
            f.CloseForm,
            permissions.can_handle,
            lambda actor, incident, d, item: services.incident_close(
                incident=incident, actor=actor, version=d["version"]
            ),
            gettext_lazy("The incident is closed. The reporter has been told that feedback is available."),
            "handling",
        ),
        Operation(
            "case-reopen",
            "ateroppna/",
            f.ReopenForm,
            permissions.can_handle,
            lambda actor, incident, d, item: services.incident_reopen(
                incident=incident, actor=actor, reason=d["reason"], version=d["version"]
            ),
            gettext_lazy("The incident has been reopened."),
            "handling",
        ),
        Operation(
            "case-withdraw",
            "aterkalla/",
            f.WithdrawForm,
            _may_withdraw,
            lambda actor, incident, d, item: services.incident_withdraw(
                incident=incident, actor=actor, reason=d["reason"], version=d["version"]
            ),
            gettext_lazy("The incident has been withdrawn. It stays in the register with your reason."),
            "handling",
        ),
    ]
}
