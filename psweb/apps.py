from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PswebConfig(AppConfig):
    name = "psweb"
    verbose_name = "psweb"

    def ready(self):
        from psweb import lookups, menu, strict_types  # noqa: F401  importing lookups registers `__any`

        strict_types.install()

        # The project's own pages: the start page first, the admin site last.
        menu.register(menu.MenuEntry(10, _("Start"), "home", menu.signed_in, ("home",)))
        menu.register(menu.MenuEntry(900, _("Administration"), "admin:index", _is_staff, flag="admin"))


def _is_staff(user) -> bool:
    return user.is_staff
