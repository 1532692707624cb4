"""What the OpenAPI schema says about credentials and rate limits.

- The two authentication schemes (`tokenAuth`, `oauth2` with the client-credentials flow at
  /oauth/token/ and its scopes).
- `rate_limit_responses`, a drf-spectacular postprocessing hook: every /api/v1/ operation
  documents 429 (with `Retry-After`, `RateLimit` and `RateLimit-Policy`) and the `RateLimit`
  headers on its other answers. It is listed in SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"].
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework.permissions import SAFE_METHODS


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apitokens.authentication.ApiTokenAuthentication"
    name = "tokenAuth"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {
            **build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token"),  # noqa: S106
            "description": "A personal API token: `Authorization: Token <secret>` (shown once when created).",
        }


class ClientCredentialsScheme(OpenApiAuthenticationExtension):
    target_class = "apitokens.authentication.BearerAuthentication"
    name = "oauth2"
    priority = 1

    def get_security_requirement(self, auto_schema):
        return {self.name: ["read"] if auto_schema.method in SAFE_METHODS else ["write"]}

    def get_security_definition(self, auto_schema):
        from oauth2_provider.scopes import get_scopes_backend

        return {
            "type": "oauth2",
            "description": "OAuth2 client credentials for a registered client application acting as its service user.",
            "flows": {
                "clientCredentials": {"tokenUrl": "/oauth/token/", "scopes": get_scopes_backend().get_all_scopes()}
            },
        }


_RATE_HEADERS = {
    "RateLimit-Policy": (
        'The limits that apply, e.g. `"user";q=600;w=60` (IETF draft-ietf-httpapi-ratelimit-headers).'
    ),
    "RateLimit": 'What is left of each limit and seconds until it resets, e.g. `"user";r=599;t=42`.',
}


def _header(description: str) -> dict:
    return {"description": description, "schema": {"type": "string"}}


def rate_limit_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: 429 and the rate-limit headers on every API operation."""
    components = result.get("components", {}).get("schemas", {})
    error = {"$ref": "#/components/schemas/Error"} if "Error" in components else {"type": "object"}
    for path, item in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code, response in responses.items():
                if code != "429" and isinstance(response, dict):
                    headers = response.setdefault("headers", {})
                    for name, description in _RATE_HEADERS.items():
                        headers.setdefault(name, _header(description))
            responses.setdefault(
                "429",
                {
                    "description": "Too many requests: a rate limit of the user or the address is used up, "
                    "or too many refused credentials came from the address.",
                    "headers": {
                        "Retry-After": {
                            "description": "Seconds to wait before trying again.",
                            "schema": {"type": "integer"},
                        },
                        **{name: _header(description) for name, description in _RATE_HEADERS.items()},
                    },
                    "content": {"application/json": {"schema": error}},
                },
            )
    return result
