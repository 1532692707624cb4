from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Incidents")

    def ready(self):
        from accounts.roles import Perm
        from psweb import menu

        may_report = menu.with_perm(Perm.INCIDENT_REPORT)
        menu.register_report_button(menu.ReportButton("incidents:report", may_report))
        # A reporter's own reports ("Mina avvikelser"), for everyone who may report.
        menu.register(
            menu.MenuEntry(
                20, _("My reports"), "incidents:mine", may_report, ("incidents:mine", "incidents:mine-detail")
            )
        )
        # The handlers' work queue, for users who may view incidents somewhere.
        menu.register(
            menu.MenuEntry(
                30,
                _("Work queue"),
                "incidents:queue",
                menu.with_perm(Perm.INCIDENT_VIEW),
                ("incidents:queue",),
                flag="queue",
            )
        )
