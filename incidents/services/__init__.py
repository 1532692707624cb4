"""Every write to an incident, and every state transition, goes through a function here.

`reporting` holds what a reporter does (drafts, submit, comments, attachments); `handling`
what handlers and managers do. Each function takes the acting user, checks permission and
the transitions table, locks the row, bumps the version, writes the timeline entry in the
same transaction and schedules side effects on commit.
"""

from incidents.services.common import ConflictError, StaleVersionError
from incidents.services.handling import (
    action_add,
    action_update,
    cause_add,
    cause_remove,
    forward_answer,
    incident_assess_risk,
    incident_assign,
    incident_classify,
    incident_close,
    incident_feedback,
    incident_forward,
    incident_reopen,
    incident_request_investigation,
    incident_request_lex_maria,
    incident_set_title,
    incident_take,
    notify_reporter_closed,
    patient_information_record,
)
from incidents.services.reporting import (
    comment_add,
    draft_save,
    draft_start,
    incident_report,
    incident_submit,
    incident_withdraw,
    incident_withdraw_draft,
    notify_handlers,
)

__all__ = [
    "ConflictError",
    "StaleVersionError",
    "action_add",
    "action_update",
    "cause_add",
    "cause_remove",
    "comment_add",
    "draft_save",
    "draft_start",
    "forward_answer",
    "incident_assess_risk",
    "incident_assign",
    "incident_classify",
    "incident_close",
    "incident_feedback",
    "incident_forward",
    "incident_reopen",
    "incident_report",
    "incident_request_investigation",
    "incident_request_lex_maria",
    "incident_set_title",
    "incident_submit",
    "incident_take",
    "incident_withdraw",
    "incident_withdraw_draft",
    "notify_handlers",
    "notify_reporter_closed",
    "patient_information_record",
]
