"""The search box of a list page (the work queue, investigations, Lex Maria): what it never
searches for.

A list's filters travel in the URL (GET), and a URL ends up in the browser's history, in
bookmarks and in proxy logs. A personal identity number must never be part of one, so a
search that looks like one is dropped before anything is searched, with a message, and the
browser is sent to the address without it; the search box's `pattern` stops it in the browser
already.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

# Something that looks like a personal identity number (YYMMDD-NNNN, with or without century
# or separator): never searched for, never kept in a URL.
PERSONNUMMER_LIKE = re.compile(r"\d{6}(\d{2})?[-+]?\d{4}")
NO_PERSONNUMMER_PATTERN = r"^(?!.*\d{6}[\-+]?\d{4}).*$"


def without_personnummer(request, parameter: str = "q"):
    """None when the search is fine; else a redirect to the same list without it."""
    text = request.GET.get(parameter, "")
    if not PERSONNUMMER_LIKE.search(text):
        return None
    params = request.GET.copy()
    params.pop(parameter)
    messages.warning(
        request,
        _(
            "Search does not look for personal identity numbers: they must never be part of a web address. "
            "Search for words in the description instead."
        ),
    )
    return HttpResponseRedirect(f"{request.path}?{params.urlencode()}" if params else request.path)


def search_box_attrs() -> dict[str, str]:
    """The search input's attributes: a search field that refuses identity numbers."""
    return {
        "type": "search",
        "pattern": NO_PERSONNUMMER_PATTERN,
        "title": _("Do not search for personal identity numbers."),
    }
