from django.urls import path

from sso import saml_views, views

urlpatterns = [
    path("oidc/login/", views.sso_login, name="sso-login"),
    path("oidc/callback/", views.sso_callback, name="sso-callback"),
    path("saml2/login/", saml_views.saml_login, name="saml2-login"),
    path("saml2/acs/", saml_views.saml_acs, name="saml2-acs"),
    path("saml2/metadata/", saml_views.saml_metadata, name="saml2-metadata"),
    path("saml2/logout/", saml_views.saml_logout, name="saml2-logout"),
    path("saml2/ls/", saml_views.saml_ls, name="saml2-ls"),
]
