from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        from outbox.models import OutboxMessage
        from outbox.services import SENDERS
        from webhooks import delivery, events

        SENDERS[OutboxMessage.Kind.WEBHOOK] = delivery.webhook_send
        events.connect()
