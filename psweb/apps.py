from django.apps import AppConfig


class PswebConfig(AppConfig):
    name = "psweb"
    verbose_name = "psweb"
