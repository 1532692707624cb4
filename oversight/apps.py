from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "oversight"
    verbose_name = _("Oversight agreements")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from incidents import hooks
        from lexmaria import hooks as lexmaria_hooks
        from oversight import selectors
        from oversight.models import Agreement, AgreementUser
        from psweb import menu

        # incidents and lexmaria never import oversight (DESIGN §2): the named users of an
        # agreement valid today read the provider's cases, read only and logged.
        hooks.register(hooks.VISIBILITY_EXTENSIONS, selectors.incidents_overseen)
        hooks.register(hooks.READ_GRANTS, selectors.incident_grant)
        hooks.register(lexmaria_hooks.VISIBILITY_EXTENSIONS, selectors.lexmaria_overseen)
        hooks.register(lexmaria_hooks.READ_GRANTS, selectors.lexmaria_grant)
        # The menu reads the agreements' parties from the cache; a change clears it.
        for model in (Agreement, AgreementUser):
            for signal in (post_save, post_delete):
                signal.connect(
                    selectors.forget_parties, sender=model, dispatch_uid=f"oversight.parties.{model.__name__}"
                )
        menu.register(
            menu.MenuEntry(
                65,
                _("Oversight"),
                "oversight:list",
                selectors.in_menu,
                ("oversight:list",),
            )
        )
