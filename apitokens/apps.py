from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiTokensConfig(AppConfig):
    name = "apitokens"
    verbose_name = _("API credentials")

    def ready(self):
        # drf-spectacular finds the authentication schemes through these extensions.
        from apitokens import schema  # noqa: F401
