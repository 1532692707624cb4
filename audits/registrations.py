"""What egenkontroll registers with the apps below it (docs/architecture.md, "Registries"):
the menu entry, the unit's response as a source of actions, and the observation counts as a
feed of the indicators they name."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register_all() -> None:
    _register_menu_entry()
    _register_action_source()
    _register_feed()


def _register_menu_entry() -> None:
    """ "Egenkontroll", in the follow-up group after Statistics: for every member who answers
    for a unit, and for those who run rounds or read results."""
    from accounts.access import has_perm
    from accounts.roles import Perm
    from psweb import menu

    def visible(user) -> bool:
        return any(has_perm(user, perm) for perm in (Perm.AUDIT_ANSWER, Perm.AUDIT_VIEW, Perm.AUDIT_RUN))

    menu.register(
        menu.MenuEntry(
            62,
            _("Self-audits"),
            "audits:home",
            visible,
            (
                "audits:home",
                "audits:response",
                "audits:rounds",
                "audits:round",
                "audits:round_new",
                "audits:templates",
                "audits:template",
            ),
            group=menu.FOLLOW_UP,
        )
    )


def _actions_visible_q(user):
    from django.db.models import Q

    from actions.models import Action
    from audits.models import Response

    with_actions = Action.objects.filter(audit_response__isnull=False).values("audit_response_id")
    return Q(audit_response__in=Response.objects.visible_to(user).filter(pk__in=with_actions).values("pk"))


def _register_action_source() -> None:
    from actions.sources import ActionSource, register
    from audits import permissions
    from audits.models import Status, TimelineEntry

    register(
        ActionSource(
            field="audit_response",
            label=_("Self-audit"),
            url_name="audits:response",
            unit_field="unit",
            visible_q=_actions_visible_q,
            may_manage=permissions.may_manage_actions,
            is_open=lambda response: response.status != Status.APPROVED,
            closed_message=lambda response: str(
                _("The self-audit response is approved: only the progress of an action can change.")
            ),
            added_kind=TimelineEntry.Kind.ACTION_ADDED,
            changed_kind=TimelineEntry.Kind.ACTION_CHANGED,
        )
    )


def _register_feed() -> None:
    from audits import feeds as audit_feeds
    from indicators import feeds

    feeds.register_resolver(audit_feeds.resolve)
