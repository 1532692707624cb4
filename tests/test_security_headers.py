"""Security headers on every page, CSRF on every form, and a guard that keeps templates
free of inline script and style (the Content Security Policy would block them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"

# (user from the cast or None for anonymous, URL, expected status)
HTML_PAGES = [
    (None, "/logga-in/", 200),
    (None, "/sidan-finns-inte/", 404),
    ("reporter", "/", 200),
    ("outsider", "/", 200),
    ("manager", "/behorigheter/", 200),
    ("safety_officer", "/loggranskning/", 200),
    ("reporter", "/loggranskning/", 403),
    ("reporter", "/logga-ut/", 405),
    ("reporter", "/sidan-finns-inte/", 404),
    ("admin", "/admin/", 200),
    ("reporter", "/api/docs/", 200),
]


def _client_for(cast, username):
    client = Client()
    if username:
        client.force_login(getattr(cast, username))
    return client


def _assert_security_headers(response):
    csp = response.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(("username", "url", "status"), HTML_PAGES)
def test_every_html_page_has_the_security_headers(cast, username, url, status):
    response = _client_for(cast, username).get(url)

    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    _assert_security_headers(response)


@pytest.mark.parametrize(("username", "url", "status"), [p for p in HTML_PAGES if p[0]])
def test_pages_for_signed_in_users_are_never_cached(cast, username, url, status):
    response = _client_for(cast, username).get(url)

    assert "no-store" in response["Cache-Control"]


def test_the_lockout_page_has_the_security_headers(client, cast):
    for _ in range(6):
        response = client.post("/logga-in/", {"username": "reporter", "password": "wrong"})

    assert response.status_code == 429
    _assert_security_headers(response)


@pytest.mark.parametrize("url", ["/api/v1/me/", "/api/v1/org-units/"])
def test_api_answers_are_never_cached(login, cast, url):
    response = login(cast.reporter).get(url)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_api_refusal_is_never_cached(client, db):
    response = client.get("/api/v1/me/")

    assert response.status_code in (401, 403)
    assert "no-store" in response["Cache-Control"]


def test_base_page_loads_only_own_scripts_with_defer(login, cast):
    page = login(cast.reporter).get("/").content.decode()

    scripts = re.findall(r"<script\b([^>]*)>", page)
    assert scripts, "base.html loads htmx and psweb.js"
    for attrs in scripts:
        assert re.search(r'src="/static/', attrs), attrs
        assert "defer" in attrs
    assert '<meta name="csrf-token" content="' in page
    assert '"includeIndicatorStyles":false' in page


# --- CSRF ---------------------------------------------------------------------------------


def _csrf_client(cast=None, username=None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if username:
        client.force_login(getattr(cast, username))
    return client


def _assert_readable_csrf_refusal(response):
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert "errors/403_csrf.html" in [t.name for t in response.templates]
    assert "<h1>" in response.content.decode()
    _assert_security_headers(response)


def test_sign_in_without_the_csrf_token_is_refused_with_a_readable_page(cast, password):
    client = _csrf_client()

    response = client.post("/logga-in/", {"username": "reporter", "password": password})

    _assert_readable_csrf_refusal(response)
    assert "_auth_user_id" not in client.session


def test_sign_in_with_the_csrf_token_works(cast, password):
    client = _csrf_client()
    client.get("/logga-in/")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value

    response = client.post("/logga-in/", {"username": "reporter", "password": password, "csrfmiddlewaretoken": token})

    assert response.status_code == 302


def test_sign_out_without_the_csrf_token_is_refused(cast):
    client = _csrf_client(cast, "reporter")

    response = client.post("/logga-ut/")

    _assert_readable_csrf_refusal(response)
    assert "_auth_user_id" in client.session


def test_changing_language_without_the_csrf_token_is_refused(db):
    client = _csrf_client()

    response = client.post(reverse("set_language"), {"language": "en", "next": "/logga-in/"})

    _assert_readable_csrf_refusal(response)
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies


def test_an_api_post_with_a_session_but_no_csrf_token_is_refused_as_json(cast):
    client = _csrf_client(cast, "reporter")

    response = client.post("/api/v1/me/", {})

    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")


# --- Template guard -------------------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>(?!\s*</script>)", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"=\s*[\"']?\s*javascript:", re.IGNORECASE)

CSP_VIOLATIONS = {
    "inline <script> with content": INLINE_SCRIPT,
    "<style> element": STYLE_ELEMENT,
    "style= attribute": STYLE_ATTRIBUTE,
    "on<event>= attribute": EVENT_HANDLER,
    "javascript: URL": JAVASCRIPT_URL,
}


DJANGO_COMMENT = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.DOTALL)


def _csp_violations(text: str) -> list[str]:
    text = DJANGO_COMMENT.sub("", text)
    return [name for name, pattern in CSP_VIOLATIONS.items() if pattern.search(text)]


def _templates() -> list[Path]:
    return sorted(p for p in TEMPLATES_DIR.rglob("*") if p.is_file() and p.suffix in {".html", ".htm", ".svg"})


def test_the_guard_recognises_what_the_policy_would_block():
    assert _csp_violations("<script>alert(1)</script>") == ["inline <script> with content"]
    assert _csp_violations('<script type="module">\n import x</script>') == ["inline <script> with content"]
    assert _csp_violations('<p style="color:red">') == ["style= attribute"]
    assert _csp_violations("<style>p{}</style>") == ["<style> element"]
    assert _csp_violations('<button type="button" onclick="go()">') == ["on<event>= attribute"]
    assert _csp_violations('<a href="javascript:void(0)">') == ["javascript: URL"]
    assert _csp_violations('<script src="/static/js/psweb.js" defer></script>') == []
    assert _csp_violations('<p class="stylish">Once = twice</p><a data-online="1">') == []
    assert _csp_violations("{% comment %}without its inline <style>{% endcomment %}{# <p style=x> #}") == []


def test_templates_exist_to_scan():
    assert len(_templates()) >= 10


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES_DIR)))
def test_no_template_has_inline_script_or_style(template):
    found = _csp_violations(template.read_text(encoding="utf-8"))

    assert not found, f"{template.relative_to(TEMPLATES_DIR)}: {', '.join(found)} (move it to static/)"
