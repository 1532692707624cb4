from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentStatsConfig(AppConfig):
    name = "incident_stats"
    verbose_name = _("Incident statistics")

    def ready(self):
        from accounts.roles import Perm
        from psweb import menu

        menu.register(
            menu.MenuEntry(
                60,
                _("Statistics"),
                "statistics:dashboard",
                menu.with_perm(Perm.STATS_VIEW),
                ("statistics:dashboard",),
                group=menu.FOLLOW_UP,
            )
        )
