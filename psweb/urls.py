from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView

from psweb import views
from psweb.api import ApiDocsView
from psweb.api_docs import DocsAccess, signed_in_unless_public

api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("incidents.api.urls")),
    path("", include("actions.api.urls")),
    path("", include("investigations.api.urls")),
    path("", include("lexmaria.api.urls")),
    path("", include("complaints.api.urls")),
    path("", include("audits.api.urls")),
    path("", include("indicators.api.urls")),
    path("", include("incident_stats.api.urls")),
    path("", include("outbox.api")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("accounts.urls")),
    path("", include("incidents.urls")),
    path("", include("actions.urls")),
    path("", include("investigations.urls")),
    path("", include("lexmaria.urls")),
    path("", include("complaints.urls")),
    path("", include("audits.urls")),
    path("", include("indicators.urls")),
    path("", include("incident_stats.urls")),
    path("", include("oversight.urls")),
    path("", include("outbox.urls")),
    path("", include("apitokens.urls")),
    path("", include("sso.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    # Public only with API_DOCS_PUBLIC (docs/api.md); else for signed-in users and API clients.
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[DocsAccess]), name="api-schema"),
    path("api/docs/", signed_in_unless_public(ApiDocsView.as_view(url_name="api-schema")), name="api-docs"),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("oauth/", include("apitokens.oauth_urls")),
    path("fhir/", include("fhir_server.urls")),
]

handler400 = "psweb.views.bad_request"
handler403 = "psweb.views.permission_denied"
handler404 = "psweb.views.page_not_found"
handler500 = "psweb.views.server_error"
