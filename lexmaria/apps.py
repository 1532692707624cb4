from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LexMariaConfig(AppConfig):
    name = "lexmaria"
    verbose_name = _("Lex Maria")

    def ready(self):
        from accounts.roles import Perm
        from incidents import hooks
        from lexmaria.selectors import incident_close_blocker
        from lexmaria.views import incident_panel
        from psweb import menu

        # incidents never imports lexmaria (DESIGN §2): it announces a request, asks the rules
        # registered here whether a serious incident may close, and shows the case's panel.
        hooks.lex_maria_requested.connect(_open_case_on_request, dispatch_uid="lexmaria.case_open_from_request")
        hooks.register(hooks.CLOSE_RULES, incident_close_blocker)
        hooks.register(hooks.CASE_PANELS, incident_panel)
        menu.register(
            menu.MenuEntry(
                50,
                _("Lex Maria"),
                "lexmaria:list",
                menu.with_perm(Perm.LEXMARIA_VIEW),
                ("lexmaria:list", "lexmaria:detail", "lexmaria:ivo", "lexmaria:deciders"),
            )
        )
        _register_action_source()


def _register_action_source() -> None:
    """The Lex Maria case as a source of actions in the action register (DESIGN §4)."""
    from django.db.models import Q

    from actions.sources import ActionSource, register
    from lexmaria import permissions
    from lexmaria.models import OPEN_STATES, LexMariaCase, TimelineEntry

    register(
        ActionSource(
            field="lexmaria_case",
            label=_("Lex Maria case"),
            url_name="lexmaria:detail",
            unit_field="unit",
            visible_q=lambda user: Q(lexmaria_case__in=LexMariaCase.objects.visible_to(user).values("pk")),
            may_manage=permissions.can_prepare,
            is_open=lambda case: case.status in OPEN_STATES,
            closed_message=lambda case: str(
                _("The Lex Maria case is closed: only the progress of an action can change.")
            ),
            added_kind=TimelineEntry.Kind.ACTION_ADDED,
            changed_kind=TimelineEntry.Kind.ACTION_CHANGED,
        )
    )


def _open_case_on_request(sender, *, incident, actor, reason, **kwargs):
    """A handler requested an assessment: the case is opened in the same transaction."""
    from lexmaria.services import case_open_from_request

    case_open_from_request(incident=incident, actor=actor, reason=reason)
