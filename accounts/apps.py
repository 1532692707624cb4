from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Organisation and access")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from accounts import checks  # noqa: F401  (registers the deploy checks)
        from accounts.roles import Perm
        from psweb import menu

        user_logged_in.connect(_remember_session, dispatch_uid="accounts.remember_session")
        post_migrate.connect(_guard_audit_tables, sender=self, dispatch_uid="accounts.guard_audit_tables")

        menu.register(
            menu.MenuEntry(
                80,
                _("Roles and units"),
                "membership-list",
                menu.with_perm(Perm.MEMBERSHIP_VIEW),
                ("membership-list",),
                flag="memberships",
            )
        )
        menu.register(
            menu.MenuEntry(
                90,
                _("Log review"),
                "accesslog-review",
                menu.with_perm(Perm.ACCESSLOG_VIEW),
                ("accesslog-review",),
                flag="access_log",
            )
        )


def _remember_session(sender, request, user, **kwargs):
    from accounts.services import session_remember

    session = getattr(request, "session", None)
    if session is not None:
        if session.session_key is None:
            session.save()
        session_remember(user=user, session_key=session.session_key)


def _guard_audit_tables(sender, using, **kwargs):
    """After every migrate: the TRUNCATE trigger on every append-only table, and, with two
    database roles (DATABASE_MIGRATION_URL), the runtime role's grants (docs/deployment.md)."""
    from django.conf import settings
    from django.db import connections

    from psweb import audit

    connection = connections[using]
    audit.truncate_guards_install(connection)
    role = settings.DATABASE_RUNTIME_ROLE
    if role and role != connection.settings_dict["USER"]:
        audit.runtime_grants_apply(connection, role)
