"""Settings for the Lighthouse check (tests/lighthouse/run.py): production settings (DEBUG off,
whitenoise's compressed, hashed static files), on loopback HTTP, with the collected static files
in a folder of their own so that a developer's var/staticfiles is left alone."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")

from psweb.settings import *  # noqa: F403
from psweb.settings import BASE_DIR

STATIC_ROOT = BASE_DIR / "var" / "lighthouse" / "static"
