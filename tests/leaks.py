"""The identity-leak check of the whole suite (issue #6, DESIGN §3): no personnummer or
samordningsnummer in any URL or query string requested, any log line or any e-mail, across
every test that runs.

While the suite runs, each process (each xdist worker) records every URL psweb produces (the
Location of every redirect, and every href, src, action and data-url in the HTML it sends),
every log record (a root handler) and every e-mail sent (the test mail backend) into
var/leaks/<process>.txt. URLs that tests send on purpose (to check that psweb refuses or
ignores an identity number in a query string) are the client's, not psweb's, and are not
recorded; psweb's own log lines never carry a query string. When the run ends,
the controlling process scans all of them for identity numbers (12 or 10 digits that form a
valid date, samordningsnummer included, with a correct Luhn check digit) and fails the run,
naming each finding. `scan()` is tested on its own in tests/test_leak_scan.py.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from accounts.personnummer import luhn_check_digit

ROOT = Path(__file__).resolve().parent.parent / "var" / "leaks"
# YYYYMMDD or YYMMDD, an optional separator, four digits; not inside a longer number.
URL_ATTRIBUTE = re.compile(r"""\s(?:href|src|action|data-url|hx-get|hx-post)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
CANDIDATE = re.compile(r"(?<!\d)(?:(?:19|20)\d{2}|\d{2})(\d{2})(\d{2})[-+]?(\d{4})(?!\d)")


def is_identity_number(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    nine = digits[-10:-1]
    month, day = int(digits[-8:-6]), int(digits[-6:-4])
    if day > 60:
        day -= 60
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return False
    return luhn_check_digit(nine) == int(digits[-1])


def scan(text: str) -> list[str]:
    """The identity numbers in `text`, each with a little context."""
    found = []
    for match in CANDIDATE.finditer(text):
        if is_identity_number(match.group(0)):
            start = max(match.start() - 60, 0)
            found.append(text[start : match.end() + 20].replace("\n", " "))
    return found


class _Recorder(logging.Handler):
    def __init__(self, sink):
        super().__init__(level=logging.DEBUG)
        self.sink = sink

    def emit(self, record):
        try:
            text = self.format(record)
        except (TypeError, ValueError):  # arguments that do not fit the message: keep both
            text = f"{record.msg} {record.args}"
        self.sink.write(f"log {record.name}: {text}\n")


class LeakRecorder:
    """Installed for the whole session by tests/conftest.py."""

    def __init__(self, name: str):
        ROOT.mkdir(parents=True, exist_ok=True)
        self.path = ROOT / f"{name}.txt"
        self.sink = self.path.open("w", encoding="utf-8")
        self.handler = _Recorder(self.sink)

    def start(self) -> None:
        from django.core.handlers.base import BaseHandler

        logging.getLogger().addHandler(self.handler)
        original = BaseHandler.get_response
        recorder = self

        def get_response(handler, request):
            response = original(handler, request)
            recorder._response(response)
            return response

        self._original = original
        BaseHandler.get_response = get_response

    def _response(self, response) -> None:
        location = response.get("Location")
        if location:
            self.sink.write(f"location {location}\n")
        if response.get("Content-Type", "").startswith("text/html") and not getattr(response, "streaming", False):
            html = response.content.decode("utf-8", errors="replace")
            for url in URL_ATTRIBUTE.findall(html):
                self.sink.write(f"url {url}\n")

    def mail(self, messages) -> None:
        for message in messages:
            self.sink.write(f"mail {message.subject}\n{message.body}\n")
            for content, _mimetype in getattr(message, "alternatives", []):
                self.sink.write(f"{content}\n")

    def stop(self) -> None:
        from django.core.handlers.base import BaseHandler

        BaseHandler.get_response = self._original
        logging.getLogger().removeHandler(self.handler)
        self.sink.close()


def findings() -> list[str]:
    """Every identity number recorded by any process of the run."""
    out = []
    for path in sorted(ROOT.glob("*.txt")):
        for line in scan(path.read_text(encoding="utf-8", errors="replace")):
            out.append(f"{path.name}: …{line}…")
    return out


def reset() -> None:
    ROOT.mkdir(parents=True, exist_ok=True)
    for path in ROOT.glob("*.txt"):
        path.unlink()


def process_name() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")
