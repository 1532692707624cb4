"""The authorization matrix: every URL and every API operation, every actor, the exact status.

DESIGN §8 / STYLE 11: a new URL pattern or OpenAPI operation without a row below fails
`test_every_url_pattern_has_a_matrix_entry` / `test_every_api_operation_has_a_matrix_entry`.
Each row sends one request as each actor of the named cast (tests/conftest.py) plus an
anonymous visitor, and asserts the exact status code:

    404  the object lies outside the actor's scope (the same answer as "does not exist")
    403  in scope, or a page that exists for everyone, but the action is not allowed
    401  anonymous API request (token authentication offers a WWW-Authenticate challenge)
    LOGIN        anonymous HTML request: 302 to the sign-in page
    ADMIN_LOGIN  Django admin without staff status: 302 to the admin sign-in page

Django admin (hundreds of patterns) is one wildcard row: the index and, for every
registered model, its changelist and (where adding is possible) its add page.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from drf_spectacular.generators import SchemaGenerator

from accounts.models import Membership
from outbox.models import Notification
from tests.authorization.matrix import (
    ACTORS,
    ADMIN_LOGIN,
    COMPLAINT_CAST_FIELDS,
    LOGIN,
    Expected,
    Redirect,
    Row,
    World,
    everyone,
    membership,
    missing,
    signed_in,
    unit,
)
from tests.authorization.matrix_actions import ROWS as ACTION_ROWS
from tests.authorization.matrix_apitokens import ROWS as APITOKEN_ROWS
from tests.authorization.matrix_audits_answer import ROWS as AUDIT_ANSWER_ROWS
from tests.authorization.matrix_audits_api import ROWS as AUDIT_API_ROWS
from tests.authorization.matrix_audits_authoring import ROWS as AUDIT_AUTHORING_ROWS
from tests.authorization.matrix_audits_rounds import ROWS as AUDIT_ROUND_ROWS
from tests.authorization.matrix_complaints import ROWS as COMPLAINT_ROWS
from tests.authorization.matrix_deciders import ROWS as DECIDER_ROWS
from tests.authorization.matrix_fhir import ROWS as FHIR_ROWS
from tests.authorization.matrix_incidents import ROWS as INCIDENT_ROWS
from tests.authorization.matrix_indicators import ROWS as INDICATOR_ROWS
from tests.authorization.matrix_investigations import ROWS as INVESTIGATION_ROWS
from tests.authorization.matrix_lexmaria_api import ROWS as LEXMARIA_API_ROWS
from tests.authorization.matrix_lexmaria_pages import ROWS as LEXMARIA_PAGE_ROWS
from tests.authorization.matrix_oversight import ROWS as OVERSIGHT_ROWS
from tests.authorization.matrix_reference import ROWS as REFERENCE_ROWS
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def notification_of(username: str):
    def make(w: World) -> dict:
        user = getattr(w.cast, username)
        return {"pk": Notification.objects.create(user=user, subject="psweb: AV-2026-000001", link="/notiser/").pk}

    return make


# Files are served publicly by WhiteNoise (finders on, as in development); nothing is served
# from /media/: uploads, when they come, are served through a scoped view.
STATIC = {"WHITENOISE_USE_FINDERS": True, "WHITENOISE_AUTOREFRESH": True}

# fmt: off
# Columns: anonymous, reporter, handler, manager, handler_orto, manager_orto, chief_physician,
#          safety_officer, indicator_editor, viewer, admin, mas, municipal_handler, outsider
MATRIX: list[Row] = [
    # --- pages ---------------------------------------------------------------------------------
    Row("home", "GET", signed_in(200, anonymous=LOGIN)),
    Row("healthz", "GET", everyone(200)),
    Row("healthz", "POST", everyone(405)),
    Row("login", "GET", signed_in(302, anonymous=200), label="signed-in users are sent on"),
    Row("logout", "POST", everyone(302)),
    Row("login", "POST", signed_in(302, anonymous=403), settings={"LOCAL_LOGIN": "off"},
        label="LOCAL_LOGIN=off: no password sign-in"),
    # The second step of local sign-in (LOCAL_LOGIN_OTP) opens only after the right password.
    Row("login-code", "GET", everyone(LOGIN), label="no sign-in under way"),
    Row("login-code", "POST", everyone(LOGIN), data={"code": "123456"}, label="no sign-in under way"),
    # Single sign-on is off without OIDC_ISSUER (tests/sso signs in through a real provider).
    Row("sso-login", "GET", everyone(404), label="single sign-on not configured"),
    Row("sso-callback", "GET", everyone(404), label="single sign-on not configured"),
    Row("saml2-login", "GET", everyone(404), label="SAML not configured"),
    Row("saml2-acs", "POST", everyone(404), label="SAML not configured"),
    Row("saml2-metadata", "GET", everyone(404), label="SAML not configured"),
    Row("saml2-logout", "GET", everyone(404), label="SAML not configured"),
    Row("saml2-ls", "GET", everyone(404), label="SAML not configured"),
    Row("logout", "GET", everyone(405), label="sign-out needs a POST"),
    Row("set_language", "POST", everyone(302), data={"language": "en", "next": "/"}),
    Row("membership-list", "GET", signed_in(200, anonymous=LOGIN), label="lists only what the user may see"),
    Row("accesslog-review", "GET", signed_in(403, anonymous=LOGIN, safety_officer=200)),
    Row("accesslog-export", "POST", signed_in(403, anonymous=LOGIN, safety_officer=200)),
    # --- static files and uploads --------------------------------------------------------------
    Row("/static/css/psweb.css", "GET", everyone(200), settings=STATIC),
    Row("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js", "GET", everyone(200),
        settings=STATIC),
    Row("/media/anything.pdf", "GET", everyone(404), label="uploads are never served as plain files"),
    # --- API schema and docs: for signed-in users unless API_DOCS_PUBLIC (psweb.api_docs) ------------
    Row("api-schema", "GET", signed_in(200, anonymous=401)),
    Row("api-docs", "GET", signed_in(200, anonymous=LOGIN)),
    Row("api-docs", "GET", signed_in(200, anonymous=LOGIN), query="script=", label="initialising script"),
    Row("api-schema", "GET", everyone(200), settings={"API_DOCS_PUBLIC": True}, label="made public"),
    Row("api-docs", "GET", everyone(200), settings={"API_DOCS_PUBLIC": True}, label="made public"),
    # --- API -----------------------------------------------------------------------------------
    Row("api:me", "GET", signed_in(200, anonymous=401)),
    Row("api:me", "POST", signed_in(405, anonymous=401)),
    Row("api:org-unit-list", "GET", signed_in(200, anonymous=401)),
    Row("api:org-unit-list", "POST", signed_in(405, anonymous=401), data={"name": "Ny enhet"}),
    # The whole tree is visible to every signed-in user, across care providers, by design:
    # a report can be filed for any unit.
    Row("api:org-unit-detail", "GET", signed_in(200, anonymous=401), kwargs=unit("hemsjukvard"),
        label="another care provider's unit"),
    Row("api:org-unit-detail", "GET", signed_in(404, anonymous=401), kwargs=missing, label="no such unit"),
    Row("api:org-unit-detail", "PATCH", signed_in(405, anonymous=401), kwargs=unit("medicin"),
        data={"name": "X"}),
    Row("api:org-unit-detail", "DELETE", signed_in(405, anonymous=401), kwargs=unit("medicin")),
    Row("api:membership-list", "GET", signed_in(200, anonymous=401), label="narrowed to the user's scope"),
    Row("api:membership-list", "POST", signed_in(405, anonymous=401)),
    # object level, columns:             anon rep  hnd  mgr  hndO mgrO chf  so   ind  view adm  mas  munH out
    Row("api:membership-detail", "GET", (401, 404, 404, 404, 200, 200, 200, 200, 404, 404, 200, 404, 404, 404),
        kwargs=membership("handler_orto"), label="Ortopedkliniken"),
    Row("api:membership-detail", "GET", (401, 404, 200, 200, 404, 404, 200, 200, 404, 404, 200, 404, 404, 404),
        kwargs=membership("handler"), label="Medicinkliniken"),
    Row("api:membership-detail", "GET", (401, 200, 404, 200, 404, 404, 200, 200, 404, 404, 200, 404, 404, 404),
        kwargs=membership("reporter"), label="Avdelning 5, below Medicinkliniken"),
    Row("api:membership-detail", "GET", (401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 200, 200, 404),
        kwargs=membership("municipal_handler"), label="Västerås stad, another care provider"),
    Row("api:membership-detail", "GET", signed_in(404, anonymous=401), kwargs=missing, label="no such membership"),
    Row("api:membership-detail", "DELETE", signed_in(405, anonymous=401), kwargs=membership("handler")),
    # --- notifications: each user sees only their own ------------------------------------------
    Row("notifications", "GET", signed_in(200, anonymous=LOGIN)),
    Row("notifications-read-all", "POST", signed_in(Redirect("notifications"), anonymous=LOGIN)),
    Row("notification-open", "POST", signed_in(404, anonymous=LOGIN, reporter=Redirect("notifications")),
        kwargs=notification_of("reporter"), label="the reporter's own notification"),
    Row("notification-open", "GET", signed_in(405, anonymous=LOGIN), kwargs=notification_of("reporter")),
    Row("api:notification-list", "GET", signed_in(200, anonymous=401)),
    Row("api:notification-detail", "GET", signed_in(404, anonymous=401, reporter=200),
        kwargs=notification_of("reporter")),
    Row("api:notification-read", "POST", signed_in(404, anonymous=401, reporter=200),
        kwargs=notification_of("reporter")),
    Row("api:notification-read-all", "POST", signed_in(200, anonymous=401)),
    # --- Django admin: staff only (the system administrator) ----------------------------------
    Row("admin:*", "GET", signed_in(ADMIN_LOGIN, anonymous=ADMIN_LOGIN, admin=200),
        label="index, every model's changelist and add page"),
]
# fmt: on
MATRIX += INCIDENT_ROWS + INVESTIGATION_ROWS + LEXMARIA_PAGE_ROWS + LEXMARIA_API_ROWS + INDICATOR_ROWS + ACTION_ROWS
MATRIX += FHIR_ROWS
MATRIX += APITOKEN_ROWS
MATRIX += REFERENCE_ROWS
MATRIX += OVERSIGHT_ROWS
MATRIX += DECIDER_ROWS
MATRIX += COMPLAINT_ROWS
MATRIX += AUDIT_ANSWER_ROWS + AUDIT_ROUND_ROWS + AUDIT_API_ROWS
MATRIX += AUDIT_AUTHORING_ROWS


# --- enumeration -------------------------------------------------------------------------


def url_pattern_names(patterns=None, namespace: str = "", prefix: str = "") -> list[tuple[str, str]]:
    """(name, route) of every URL pattern, names as "namespace:name". A pattern without a
    name is listed under its route, so it still needs an entry."""
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            ns = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            found += url_pattern_names(pattern.url_patterns, ns, route)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or f"<unnamed {route!r}>"
            found.append((f"{namespace}:{name}" if namespace else name, route))
    return found


def api_operations() -> list[tuple[str, str, str]]:
    """(METHOD, OpenAPI path, URL name) of every operation in the generated schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for path, item in schema["paths"].items():
        example = re.sub(r"\{[^}]+\}", "1", path)
        name = resolve(example).view_name
        for method in item:
            if method in {"get", "put", "patch", "post", "delete", "head", "options", "trace"}:
                operations.append((method.upper(), path, name))
    return operations


def _covered(name: str) -> bool:
    routes = {row.route for row in MATRIX}
    return name in routes or (name.startswith("admin:") and "admin:*" in routes)


def test_the_matrix_columns_are_the_cast():
    assert ["anonymous", *Cast.__dataclass_fields__] == ACTORS, "ACTORS must list the cast in conftest order"
    for row in MATRIX:
        assert len(row.expected) == len(ACTORS), f"{row.id}: {len(row.expected)} columns, need {len(ACTORS)}"
        assert set(row.extra) <= set(COMPLAINT_CAST_FIELDS), f"{row.id}: unknown actors {set(row.extra)}"


def test_every_url_pattern_has_a_matrix_entry():
    missing_rows = sorted({f"{name}  ({route})" for name, route in url_pattern_names() if not _covered(name)})

    assert not missing_rows, (
        "These URL patterns have no row in tests/authorization/ (MATRIX). Add one per "
        "method the view accepts, with the expected status for every actor:\n  " + "\n  ".join(missing_rows)
    )


def test_every_api_operation_has_a_matrix_entry():
    rows = {(row.route, row.method) for row in MATRIX}

    missing_rows = [
        f"{method} {path}  ({name})" for method, path, name in api_operations() if (name, method) not in rows
    ]

    assert not missing_rows, "These API operations have no row in MATRIX:\n  " + "\n  ".join(missing_rows)


def test_the_enumeration_sees_the_api_and_the_admin():
    # Guards the two tests above against passing because they enumerate nothing.
    names = {name for name, _ in url_pattern_names()}
    assert {"api:me", "api:membership-detail", "home", "admin:index"} <= names
    assert ("GET", "/api/v1/memberships/{id}/", "api:membership-detail") in api_operations()


# --- the requests --------------------------------------------------------------------------


def _client_for(actor: str, world: World) -> Client:
    client = Client()
    if actor in COMPLAINT_CAST_FIELDS:
        client.force_login(getattr(world.ccast, COMPLAINT_CAST_FIELDS[actor]))
    elif actor != "anonymous":
        client.force_login(getattr(world.cast, actor))
    return client


def _admin_urls(world: World) -> list[str]:
    request = RequestFactory().get("/admin/")
    request.user = world.cast.admin
    urls = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        if model_admin.has_add_permission(request):
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
    return urls


def _requests(row: Row, world: World) -> list[tuple[str, dict]]:
    """(URL, body) of each request the row sends; `kwargs` runs once, making fresh objects."""
    if row.route == "admin:*":
        return [(url, row.data) for url in _admin_urls(world)]
    if row.route.startswith("/"):
        return [(row.route, row.data)]
    kwargs = row.kwargs(world) if row.kwargs else {}
    # A row whose query string or body names a fresh object returns it as "_query" or "_data"
    # with its kwargs (a form whose field names carry the object's id, for instance).
    query = kwargs.pop("_query", row.query)
    data = kwargs.pop("_data", row.data)
    url = reverse(row.route, kwargs=kwargs or None)
    return [(f"{url}?{query}" if query else url, data)]


def _matches(response, expected: Expected) -> bool:
    if isinstance(expected, Redirect):
        location = urlsplit(response.get("Location", "")).path
        return response.status_code == 302 and location == reverse(expected.to)
    return response.status_code == expected


def _send(client: Client, row: Row, url: str, data: dict):
    send = getattr(client, row.method.lower())
    if row.method in {"GET", "DELETE", "HEAD", "OPTIONS"}:
        return send(url)
    if row.route.startswith("api:"):
        return send(url, data, content_type="application/json")
    return send(url, data)


@pytest.mark.parametrize("row", MATRIX, ids=lambda row: row.id)
def test_matrix(row: Row, tree, cast):
    world = World(tree, cast)
    failures = []
    with override_settings(**row.settings):
        answers = [*zip(ACTORS, row.expected, strict=True), *row.extra.items()]
        for actor, expected in answers:
            client = _client_for(actor, world)
            for url, data in _requests(row, world):
                response = _send(client, row, url, data)
                if not _matches(response, expected):
                    got = response.status_code
                    if got in (301, 302):
                        got = f"{got} to {response['Location']}"
                    failures.append(f"{row.id}: {actor} {row.method} {url} expected {expected!r}, got {got}")
    assert not failures, "\n".join(failures)


# --- the base classes cannot be used to skip scoping ----------------------------------------


def test_a_viewset_that_overrides_get_queryset_is_refused_at_class_creation():
    from psweb.api import ScopedModelViewSet, ScopedReadOnlyViewSet

    for base in (ScopedReadOnlyViewSet, ScopedModelViewSet):
        with pytest.raises(TypeError, match="overrides get_queryset"):
            type("Leaky", (base,), {"queryset": Membership.objects.all(), "get_queryset": lambda self: None})


def test_an_html_view_that_overrides_get_queryset_is_refused_at_class_creation():
    from psweb.html import ScopedDetailView, ScopedListView

    for base in (ScopedListView, ScopedDetailView):
        with pytest.raises(TypeError, match="overrides get_queryset"):

            class Leaky(base):
                model = Membership

                def get_queryset(self):
                    return Membership.objects.all()


def test_a_subclass_of_a_subclass_is_refused_too():
    from accounts.api.views import MembershipViewSet

    with pytest.raises(TypeError, match="overrides get_queryset"):
        type("Leakier", (MembershipViewSet,), {"get_queryset": lambda self: Membership.objects.all()})
