from django.urls import path
from rest_framework.routers import SimpleRouter

from incidents.api import export, reference, views

router = SimpleRouter(trailing_slash=True)
router.register("incidents", views.IncidentViewSet, basename="incident")

urlpatterns = [
    *router.urls,
    path("reference/categories/", reference.CategoryListView.as_view(), name="reference-categories"),
    path("reference/cause-areas/", reference.CauseAreaListView.as_view(), name="reference-cause-areas"),
    path("reference/event-classes/", reference.EventClassListView.as_view(), name="reference-event-classes"),
    path("reference/risk-matrix/", reference.RiskMatrixView.as_view(), name="reference-risk-matrix"),
    path("export/incidents.csv", export.IncidentExportView.as_view(), name="incident-export"),
]
