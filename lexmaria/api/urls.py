from rest_framework.routers import SimpleRouter

from lexmaria.api import views

router = SimpleRouter(trailing_slash=True)
router.register("lexmaria", views.LexMariaCaseViewSet, basename="lexmaria")

urlpatterns = router.urls
