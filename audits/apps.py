from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditsConfig(AppConfig):
    name = "audits"
    verbose_name = _("Self-audits")

    def ready(self):
        from audits import registrations

        registrations.register_all()
