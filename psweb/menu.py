"""The main menu, as a registry: each app adds its own entries in its `AppConfig.ready()`,
so the project package names no app's pages and a new app touches only its own files.

An entry names its URL (reversed on every page, so a typo fails loudly), who sees it
(`visible(user)`), the pages under which it is the current one, and optionally a number shown
beside it (`count(user)`, e.g. the unread notifications: one query per page). The context
processor `psweb.context_processors.navigation` lists the visible entries in `order`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.access import has_perm


@dataclass(frozen=True)
class MenuEntry:
    order: int  # position in the menu, unique; gaps leave room for new entries
    label: str | Promise
    url_name: str
    visible: Callable  # (user) -> bool
    # The URL names (resolver `view_name`) under which this entry is the current page.
    current_url_names: tuple[str, ...] = ()
    # (user) -> int: a number shown beside the label; 0 shows none.
    count: Callable | None = None
    # A key of the `nav` context set to whether the entry is shown, for pages that link to
    # the same section outside the menu (e.g. "memberships").
    flag: str = ""
    # Entries with the same group are shown together under its label, as one disclosure
    # (`FOLLOW_UP`: statistics, indicators, egenkontroll…), where the menu would otherwise
    # grow past one row. A group with one visible entry shows that entry on its own.
    group: str | Promise = ""


@dataclass(frozen=True)
class ReportButton:
    """The "report an incident" button in the page header, for those who may report."""

    url_name: str
    visible: Callable  # (user) -> bool


# The follow-up of the work (statistics, indicators, egenkontroll, and the proactive modules
# after them): one entry in the menu, opened to show them.
FOLLOW_UP = _("Follow-up")


def signed_in(user) -> bool:
    """`visible` for everyone: the menu is built for signed-in users only."""
    return True


def with_perm(perm: str) -> Callable:
    """`visible` for those who hold `perm` in at least one unit."""

    def visible(user) -> bool:
        return has_perm(user, perm)

    return visible


_entries: dict[str, MenuEntry] = {}
_report_button: ReportButton | None = None


def register(entry: MenuEntry) -> MenuEntry:
    """Add `entry` to the menu; registering the same URL name again replaces it (ready() may
    run more than once), but two entries may not share a place."""
    for other in _entries.values():
        if other.order == entry.order and other.url_name != entry.url_name:
            raise ImproperlyConfigured(
                f"Menu entries {other.url_name!r} and {entry.url_name!r} both have order {entry.order}."
            )
    _entries[entry.url_name] = entry
    return entry


def entries() -> list[MenuEntry]:
    return sorted(_entries.values(), key=lambda entry: entry.order)


def register_report_button(button: ReportButton) -> ReportButton:
    global _report_button
    if _report_button is not None and _report_button.url_name != button.url_name:
        raise ImproperlyConfigured(
            f"Two report buttons: {_report_button.url_name!r} and {button.url_name!r}; there is one header."
        )
    _report_button = button
    return button


def report_button() -> ReportButton | None:
    return _report_button
