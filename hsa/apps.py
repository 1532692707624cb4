from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HsaConfig(AppConfig):
    name = "hsa"
    verbose_name = _("HSA provisioning")
