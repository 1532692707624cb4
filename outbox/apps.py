from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = _("Outbox")

    def ready(self):
        from psweb import menu

        # Everyone signed in gets notifications; the count is one indexed query per page.
        menu.register(
            menu.MenuEntry(
                100, _("Notifications"), "notifications", menu.signed_in, ("notifications",), count=_unread_count
            )
        )


def _unread_count(user) -> int:
    from outbox.models import Notification

    return Notification.objects.filter(user=user, read_at__isnull=True).count()
