from rest_framework.routers import SimpleRouter

from audits.api import views

router = SimpleRouter(trailing_slash=True)
router.register("audit-rounds", views.AuditRoundViewSet, basename="audit-round")
router.register("audit-responses", views.AuditResponseViewSet, basename="audit-response")

urlpatterns = router.urls
