from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvestigationsConfig(AppConfig):
    name = "investigations"
    verbose_name = _("Investigations")

    def ready(self):
        from incidents import hooks
        from investigations.selectors import incident_panel, incidents_of_my_investigations
        from psweb import menu

        # An analysis leader or team member sees the incidents linked to their investigations,
        # even in another care provider (DESIGN §3).
        hooks.register(hooks.VISIBILITY_EXTENSIONS, incidents_of_my_investigations)
        hooks.register(hooks.CASE_PANELS, incident_panel)
        menu.register(
            menu.MenuEntry(
                40,
                _("Investigations"),
                "investigations:list",
                _sees_investigations,
                ("investigations:list", "investigations:detail", "investigations:new", "investigations:report"),
            )
        )
        _register_action_source()


def _register_action_source() -> None:
    """The investigation as a source of actions in the action register (DESIGN §4)."""
    from django.db.models import Q

    from actions.sources import ActionSource, register
    from investigations import permissions
    from investigations.models import WORK_STATES, Investigation, TimelineEntry
    from investigations.selectors import team_users

    register(
        ActionSource(
            field="investigation",
            label=_("Investigation"),
            url_name="investigations:detail",
            unit_field="unit",
            visible_q=lambda user: Q(investigation__in=Investigation.objects.visible_to(user).values("pk")),
            may_manage=permissions.can_lead,
            is_open=lambda investigation: investigation.status in WORK_STATES,
            closed_message=lambda investigation: str(
                _("The investigation's report is ready: only the progress of an action can change.")
            ),
            added_kind=TimelineEntry.Kind.ACTION_ADDED,
            changed_kind=TimelineEntry.Kind.ACTION_CHANGED,
            also_named=team_users,
        )
    )


def _sees_investigations(user) -> bool:
    """Those who may see investigations in their units, and analysis leaders and team
    members of at least one (they see only those)."""
    from accounts.access import has_perm
    from accounts.roles import Perm
    from investigations.models import Investigation

    return has_perm(user, Perm.INVESTIGATION_VIEW) or Investigation.objects.visible_to(user).exists()
