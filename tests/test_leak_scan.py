"""The scanner of the identity-leak check (tests/leaks.py) finds identity numbers in every
written form and leaves other numbers alone."""

from __future__ import annotations

import pytest

from tests.leaks import scan


@pytest.mark.parametrize(
    "text",
    [
        "GET /arenden/?q=191212121212",
        "patient 19121212-1212 föll",
        "pnr=121212-1212&x=1",
        "samordningsnummer 19121272-1219",  # day + 60
    ],
)
def test_it_finds_an_identity_number(text):
    assert len(scan(text)) == 1


@pytest.mark.parametrize(
    "text",
    [
        "AV-2026-000123",
        "request 20261206123456 took 12 ms",  # a timestamp: 14 digits
        "191212121213",  # wrong check digit
        "201313121212",  # no such month
        "id=123456789012",
        "LM-2025-000006 3.7.1-12345/2026",
    ],
)
def test_it_leaves_other_numbers_alone(text):
    assert scan(text) == []


def test_the_recorder_notes_the_urls_psweb_produces_and_not_the_page_text(tmp_path, monkeypatch):
    from django.http import HttpResponse, HttpResponseRedirect

    from tests import leaks

    monkeypatch.setattr(leaks, "ROOT", tmp_path)
    recorder = leaks.LeakRecorder("probe")
    recorder._response(HttpResponseRedirect("/arenden/?q=191212121212"))
    recorder._response(HttpResponse('<p>19121212-1212</p><a href="/x/?pnr=121212-1212">länk</a>'))
    recorder.sink.close()

    found = leaks.findings()
    assert len(found) == 2  # the redirect and the link; the number shown on the page is allowed there
