from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Indicators and statistics")

    def ready(self):
        from accounts.roles import Perm
        from psweb import menu

        menu.register(
            menu.MenuEntry(
                70,
                _("Indicators"),
                "indicators:dashboard",
                menu.with_perm(Perm.INDICATOR_VIEW),
                ("indicators:dashboard", "indicators:detail", "indicators:board", "indicators:entry"),
                group=menu.FOLLOW_UP,
            )
        )
