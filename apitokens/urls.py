"""The page "API tokens" (apitokens.views). /oauth/ is in oauth_urls.py."""

from django.urls import path

from apitokens import views

urlpatterns = [
    path("api-nycklar/", views.api_tokens, name="api-tokens"),
    path("api-nycklar/<int:pk>/aterkalla/", views.api_token_revoke, name="api-token-revoke"),
]
