from django.urls import path

from sso import views

urlpatterns = [
    path("oidc/login/", views.sso_login, name="sso-login"),
    path("oidc/callback/", views.sso_callback, name="sso-callback"),
]
