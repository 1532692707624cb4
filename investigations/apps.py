from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvestigationsConfig(AppConfig):
    name = "investigations"
    verbose_name = _("Investigations")

    def ready(self):
        from incidents.handling_views import CASE_PANELS
        from incidents.models import VISIBILITY_EXTENSIONS
        from investigations.selectors import incident_panel, incidents_of_my_investigations

        # An analysis leader or team member sees the incidents linked to their investigations,
        # even in another care provider (DESIGN §3).
        if incidents_of_my_investigations not in VISIBILITY_EXTENSIONS:
            VISIBILITY_EXTENSIONS.append(incidents_of_my_investigations)
        if incident_panel not in CASE_PANELS:
            CASE_PANELS.append(incident_panel)
