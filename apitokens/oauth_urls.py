"""/oauth/: the OAuth2 token endpoint for machine clients (apitokens.oauth)."""

from django.urls import path

from apitokens.oauth import TokenView

app_name = "oauth"

urlpatterns = [
    path("token/", TokenView.as_view(), name="token"),
]
