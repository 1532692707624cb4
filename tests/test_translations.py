"""The Swedish user interface is complete: every translatable string has a Swedish text.

psweb's source strings are English; Swedish (the default language) comes from
locale/sv/LC_MESSAGES/django.po. A string added without a translation would show up in
English to Swedish users, so these tests fail instead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

LOCALE = Path(settings.BASE_DIR) / "locale"
SV_PO = LOCALE / "sv" / "LC_MESSAGES" / "django.po"
SV_MO = LOCALE / "sv" / "LC_MESSAGES" / "django.mo"


def _problems(po: polib.POFile) -> list[str]:
    return [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]


def test_every_swedish_entry_is_translated():
    po = polib.pofile(str(SV_PO))
    assert len(po) > 50
    assert _problems(po) == []


def test_the_compiled_catalogue_matches_the_po_file():
    po = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(e.msgstr_plural.values()))
        for e in polib.pofile(str(SV_PO))
        if not e.obsolete and e.translated()
    }
    mo = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(e.msgstr_plural.values())) for e in polib.mofile(str(SV_MO)) if e.msgid
    }
    assert mo == po, "locale/sv/LC_MESSAGES/django.mo is stale: run `make messages`"


def test_every_string_in_the_source_is_in_the_catalogue(tmp_path):
    """Extract the strings from code and templates afresh and check they are all translated."""
    if not shutil.which("xgettext") or not shutil.which("msgmerge"):
        if os.environ.get("CI") == "true":
            pytest.fail("GNU gettext (xgettext, msgmerge) is missing; .ci/run installs it.")
        pytest.skip("GNU gettext is not installed")
    copy = tmp_path / "locale"
    shutil.copytree(LOCALE, copy)
    cwd = os.getcwd()
    os.chdir(settings.BASE_DIR)
    try:
        with override_settings(LOCALE_PATHS=[copy]):
            call_command(
                "makemessages",
                locale=["sv"],
                ignore_patterns=[".venv/*", "var/*", "static/*", "tests/*", "node_modules/*", "locale/*"],
                no_obsolete=True,
                verbosity=0,
            )
    finally:
        os.chdir(cwd)
    fresh = polib.pofile(str(copy / "sv" / "LC_MESSAGES" / "django.po"))
    assert _problems(fresh) == [], "New strings need a Swedish translation: run `make messages` and translate them"


# --- The domain's words (issue 13, item 11) ------------------------------------------------------
#
# An action (åtgärd) once read "Händelse" (an event) on the action forms and in the Lex Maria
# report to IVO. Each word of the domain has one Swedish term; a msgid that uses the word gets
# a msgstr with the term (by its stem, so that inflected forms pass) and never the term of a
# word that is easily confused with it. Placeholders (%(action)s, {unit}) and API values written
# as identifiers are not words of the text.

DOMAIN_TERMS = {
    # English word: (Swedish stem that must appear, Swedish stems that must not)
    "action": ("åtgärd", ("händelse",)),
    "event": ("händelse", ("åtgärd",)),
    "incident": ("avvikelse", ("händelse",)),
    "investigation": ("utredning", ()),
    "reporter": ("rapportör", ()),
    "handler": ("handläggar", ()),
    "cause": ("orsak", ()),
    "unit": ("enhet", ()),
    "measurement": ("mät", ()),
}

# msgids in which the word is a value of the API (a query parameter's allowed values), not text.
API_VALUE_TEXTS = {
    "What the action comes from: incident, investigation or lexmaria_case; repeat for several.",
    "risk_level can only be combined with period and unit.",
}


def _words(msgid: str) -> str:
    import re

    text = re.sub(r"%\([^)]*\)[sd]|\{[^}]*\}|`[^`]*`", " ", msgid)
    return text.lower()


@pytest.mark.parametrize("word", sorted(DOMAIN_TERMS))
def test_each_domain_word_keeps_its_swedish_term(word):
    import re

    stem, never = DOMAIN_TERMS[word]
    wrong = []
    for entry in polib.pofile(str(SV_PO)):
        # In the access log an "action" is the kind of access (viewed, exported): "åtkomst".
        if entry.obsolete or entry.msgid in API_VALUE_TEXTS or entry.msgctxt == "access log":
            continue
        if not re.search(rf"\b{word}s?\b", _words(entry.msgid)):
            continue
        swedish = " ".join([entry.msgstr, *entry.msgstr_plural.values()]).lower()
        # A forbidden term is wrong unless the English says that word too ("event class").
        licensed = {term for other, (term, _) in DOMAIN_TERMS.items() if re.search(rf"\b{other}", _words(entry.msgid))}
        if stem not in swedish or any(n in swedish and n not in licensed for n in never):
            wrong.append(f"{entry.msgid!r} -> {swedish!r}")
    assert wrong == [], f"“{word}” is “{stem}…” in Swedish:\n" + "\n".join(wrong)
