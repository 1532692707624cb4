"""Django's admin app with psweb's admin site (accounts.admin_site), named in INSTALLED_APPS
instead of "django.contrib.admin". Its own module: INSTALLED_APPS imports it before models load."""

from django.contrib.admin.apps import AdminConfig


class PswebAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.PswebAdminSite"
