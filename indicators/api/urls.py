from django.urls import path
from rest_framework.routers import SimpleRouter

from indicators.api import views

router = SimpleRouter(trailing_slash=True)
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("measurements", views.MeasurementViewSet, basename="measurement")

urlpatterns = [
    *router.urls,
    path("stats/indicators/<str:code>/", views.IndicatorSeriesView.as_view(), name="stats-indicator"),
]
