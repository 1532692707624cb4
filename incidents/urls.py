"""HTML pages for incidents. Short Swedish URLs: /rapportera/ is reachable from every page."""

from incidents import urls_handling, urls_reporting

app_name = "incidents"

urlpatterns = urls_reporting.urlpatterns + urls_handling.urlpatterns
