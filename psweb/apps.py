from django.apps import AppConfig


class PswebConfig(AppConfig):
    name = "psweb"
    verbose_name = "psweb"

    def ready(self):
        from psweb import lookups  # noqa: F401  registers `__any`
