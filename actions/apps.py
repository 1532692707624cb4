from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = _("Actions")

    def ready(self):
        from accounts.roles import Perm
        from psweb import menu

        # Everyone's own actions, from every source ("Mina åtgärder").
        menu.register(
            menu.MenuEntry(25, _("My actions"), "actions:mine", menu.with_perm(Perm.INCIDENT_REPORT), ("actions:mine",))
        )
        # The register, for handlers, managers and the safety team.
        menu.register(
            menu.MenuEntry(55, _("Actions"), "actions:list", menu.with_perm(Perm.ACTION_VIEW), ("actions:list",))
        )
