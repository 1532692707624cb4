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


def _sees_investigations(user) -> bool:
    """Those who may see investigations in their units, and analysis leaders and team
    members of at least one (they see only those)."""
    from accounts.access import has_perm
    from accounts.roles import Perm
    from investigations.models import Investigation

    return has_perm(user, Perm.INVESTIGATION_VIEW) or Investigation.objects.visible_to(user).exists()
