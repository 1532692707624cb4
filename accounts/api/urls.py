from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.api import reference, views

router = SimpleRouter(trailing_slash=True)
router.register("org-units", views.OrgUnitViewSet, basename="org-unit")
router.register("memberships", views.MembershipViewSet, basename="membership")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("reference/users/", reference.UserLookupView.as_view(), name="reference-users"),
    *router.urls,
]
