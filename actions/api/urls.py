from rest_framework.routers import SimpleRouter

from actions.api.views import ActionViewSet

router = SimpleRouter(trailing_slash=True)
router.register("actions", ActionViewSet, basename="action")

urlpatterns = router.urls
