from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LexMariaConfig(AppConfig):
    name = "lexmaria"
    verbose_name = _("Lex Maria")

    def ready(self):
        from incidents.selectors import CLOSE_RULES
        from incidents.signals import lex_maria_requested
        from lexmaria.selectors import incident_close_blocker

        # incidents never imports lexmaria (DESIGN §2): it announces a request, and asks the
        # rules registered here whether a serious incident may close.
        lex_maria_requested.connect(_open_case_on_request, dispatch_uid="lexmaria.case_open_from_request")
        if incident_close_blocker not in CLOSE_RULES:
            CLOSE_RULES.append(incident_close_blocker)

        from incidents.handling_views import CASE_PANELS
        from lexmaria.views import incident_panel

        if incident_panel not in CASE_PANELS:
            CASE_PANELS.append(incident_panel)


def _open_case_on_request(sender, *, incident, actor, reason, **kwargs):
    """A handler requested an assessment: the case is opened in the same transaction."""
    from lexmaria.services import case_open_from_request

    case_open_from_request(incident=incident, actor=actor, reason=reason)
