"""A real OpenID provider for the single sign-on tests: `oidc-provider` from npm (package.json,
installed by `npm ci`) run by Node on a loopback port (tests/sso/provider.mjs).

Without Node or the npm package these tests skip on a developer's machine and fail in CI
(CI=true), as the browser tests do without Chromium.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

BASE_DIR = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("provider.mjs")
PSWEB = "http://testserver"  # Django's test client
CALLBACK = f"{PSWEB}/oidc/callback/"
CLIENT_ID = "psweb-tests"
CLIENT_SECRET = "a-client-secret-for-the-tests-only-0123456789"
WARD_HSA_ID = "SE2321000016-7A01"
UNKNOWN_UNIT_HSA_ID = "SE2321000016-ZZ99"

# The provider's users: account id → the claims it releases.
USERS = {
    "anna": {
        "employeeHsaId": "SE2321000016-1A2B",
        "healthCareUnitHsaId": WARD_HSA_ID,
        "given_name": "Anna",
        "family_name": "Sjöberg",
        "email": "anna.sjoberg@region.example.invalid",
    },
    "bertil": {
        "employeeHsaId": "SE2321000016-3C4D",
        "healthCareUnitHsaId": UNKNOWN_UNIT_HSA_ID,
        "given_name": "Bertil",
        "family_name": "Ek",
        "email": "bertil.ek@region.example.invalid",
    },
    "cecilia": {
        "employeeHsaId": "SE2321000016-5E6F",
        "healthCareUnitHsaId": WARD_HSA_ID,
        "given_name": "Cecilia",
        "family_name": "Lind",
        "email": "cecilia.lind@region.example.invalid",
    },
    "no-hsa": {"given_name": "Utan", "family_name": "Uppdrag", "email": "utan@region.example.invalid"},
}


def _requirement_or_skip(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Provider:
    """The running provider: its issuer, its users (a JSON file it reads on every look-up),
    a restart (a new signing key: key rotation) and the next token's defect (`tamper`)."""

    def __init__(self, workdir: Path, psweb: str = PSWEB):
        self.psweb = psweb
        self.port = _free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.config = workdir / "provider.json"
        self.log = workdir / "provider.log"
        self.process: subprocess.Popen | None = None
        self.set_users(USERS)

    def set_users(self, users: dict) -> None:
        self.config.write_text(
            json.dumps(
                {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uri": f"{self.psweb}/oidc/callback/",
                    "post_logout_redirect_uri": f"{self.psweb}/logga-in/",
                    "users": users,
                }
            )
        )

    def start(self) -> None:
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                ["node", str(SCRIPT), str(self.port), str(self.config)],
                cwd=BASE_DIR,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the OpenID provider stopped: {self.log.read_text()}")
            try:
                if requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=2).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the OpenID provider did not start: {self.log.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def signing_kids(self) -> set[str]:
        keys = requests.get(f"{self.issuer}/jwks", timeout=5).json()["keys"]
        return {key["kid"] for key in keys}

    def tamper(self, how: str) -> None:
        """The next ID token is `how` (wrong-audience, bad-nonce, expired, wrong-issuer,
        foreign-key); "" for none."""
        requests.post(f"{self.issuer}/_test/mode", data=how, timeout=5).raise_for_status()


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    if shutil.which("node") is None:
        _requirement_or_skip("node is missing: apt-get install -y nodejs")
    if not (BASE_DIR / "node_modules" / "oidc-provider").is_dir():
        _requirement_or_skip("the npm package oidc-provider is missing: npm ci")
    provider = Provider(tmp_path_factory.mktemp("oidc-provider"))
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture(autouse=True)
def english(client, settings):
    """Tests read the English source strings (psweb's default language is Swedish)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def provider(oidc_provider, settings):
    """The provider, reset to its users and a clean next token; psweb configured for it."""
    oidc_provider.set_users(USERS)
    oidc_provider.tamper("")
    settings.OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_SCOPES = "openid profile email"
    settings.OIDC_ROLE_CLAIM = ""
    settings.PSWEB_BASE_URL = PSWEB
    return oidc_provider


class IdpBrowser:
    """The user's browser at the identity provider (cookies and all), with Django's test
    client as the same browser at psweb."""

    def __init__(self, provider: Provider, client):
        self.provider = provider
        self.client = client
        self.session = requests.Session()

    def _follow(self, url: str):
        """Follows the provider's redirects: psweb's URL where it sends the browser back,
        or the provider's page where it stops (its login form, its logout question)."""
        for _ in range(10):
            response = self.session.get(url, allow_redirects=False, timeout=10)
            if response.status_code not in (302, 303):
                return response
            url = urljoin(url, response.headers["Location"])
            if url.startswith(PSWEB):
                return url
        raise AssertionError("too many redirects at the provider")

    def sign_in(self, login: str | None, next_url: str = ""):
        """Starts at psweb's SSO button, signs in at the provider as `login` if it asks, and
        returns psweb's answer to the callback."""
        start = self.client.get("/oidc/login/" + (f"?next={next_url}" if next_url else ""))
        assert start.status_code == 302, start
        assert start["Location"].startswith(self.provider.issuer)
        result = self._follow(start["Location"])
        if not isinstance(result, str):
            assert login is not None, "the provider asked for a login"
            action = re.search(r'action="(/interaction/[^"]+/login)"', result.text).group(1)
            posted = self.session.post(
                self.provider.issuer + action, data={"login": login}, allow_redirects=False, timeout=10
            )
            assert posted.status_code in (302, 303), posted.text
            result = self._follow(urljoin(self.provider.issuer, posted.headers["Location"]))
        assert isinstance(result, str) and result.startswith(CALLBACK), result
        return self.client.get(result[len(PSWEB) :])

    def provider_asks_for_login(self) -> bool:
        """Whether a new sign-in stops at the provider's login form (no session there)."""
        start = self.client.get("/oidc/login/")
        return not isinstance(self._follow(start["Location"]), str)


@pytest.fixture
def idp_browser(provider, client):
    return IdpBrowser(provider, client)
