"""Every write of egenkontroll (issue 18). `core`: templates, rounds, answers, transitions,
actions; `sweep`: the daily opening, overdue marking, reminders, escalation and recurrence."""

from audits.services.core import (
    KIT,
    action_add,
    answer_save,
    approve,
    managers_above,
    managers_of,
    mark_overdue,
    missing,
    response_path,
    return_for_changes,
    round_close,
    round_create,
    round_open,
    round_recur,
    submit,
    version_publish,
)
from psweb.cases import ConflictError, StaleVersionError

__all__ = [
    "KIT",
    "ConflictError",
    "StaleVersionError",
    "action_add",
    "answer_save",
    "approve",
    "managers_above",
    "managers_of",
    "mark_overdue",
    "missing",
    "response_path",
    "return_for_changes",
    "round_close",
    "round_create",
    "round_open",
    "round_recur",
    "submit",
    "version_publish",
]
