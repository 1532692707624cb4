from rest_framework.routers import SimpleRouter

from investigations.api import views

router = SimpleRouter(trailing_slash=True)
router.register("investigations", views.InvestigationViewSet, basename="investigation")

urlpatterns = router.urls
