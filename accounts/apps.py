from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Organisation and access")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(_remember_session, dispatch_uid="accounts.remember_session")


def _remember_session(sender, request, user, **kwargs):
    from accounts.services import session_remember

    session = getattr(request, "session", None)
    if session is not None:
        if session.session_key is None:
            session.save()
        session_remember(user=user, session_key=session.session_key)
