from rest_framework.routers import SimpleRouter

from incidents.api import views

router = SimpleRouter(trailing_slash=True)
router.register("incidents", views.IncidentViewSet, basename="incident")

urlpatterns = router.urls
