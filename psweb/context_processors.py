"""What every page's navigation needs, decided here rather than in templates.

Templates get a list of menu items (label, URL, whether it is the current page) and the
URL of the "report an incident" button, or None when the user may not report. They never
compute permissions themselves. The items come from the entries the apps register
(`psweb.menu`); this module names none of their pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise

from psweb import menu


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url: str
    # The URL names (resolver `view_name`) under which this item is the current page.
    url_names: tuple[str, ...]
    current: bool = False
    # A number shown beside the label (unread notifications); None shows none.
    count: int | None = None
    # A group's entries (psweb.menu, `MenuEntry.group`): the item is a disclosure, no URL.
    children: tuple[NavItem, ...] = ()


def _group(label, members: list[NavItem]) -> NavItem:
    """A group of entries as one item that opens to show them (its one entry alone)."""
    if len(members) == 1:
        return members[0]
    return NavItem(
        label,
        "",
        tuple(name for member in members for name in member.url_names),
        current=any(member.current for member in members),
        count=sum(member.count or 0 for member in members) or None,
        children=tuple(members),
    )


def _current_view_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match else ""


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {"items": [], "report_url": None}}

    current = _current_view_name(request)
    # Kept for pages that show a link to these sections outside the menu.
    flags: dict[str, bool] = {}
    # The menu in order; a group stands where its first entry is, as (label, its entries).
    slots: list[NavItem | tuple] = []
    groups: dict[str, list[NavItem]] = {}
    for entry in menu.entries():
        shown = bool(entry.visible(user))
        if entry.flag:
            flags[entry.flag] = shown
        if not shown:
            continue
        item = NavItem(
            entry.label,
            reverse(entry.url_name),
            entry.current_url_names,
            current=current in entry.current_url_names,
            count=entry.count(user) if entry.count else None,
        )
        if not entry.group:
            slots.append(item)
            continue
        key = str(entry.group)
        if key not in groups:
            groups[key] = []
            slots.append((entry.group, groups[key]))
        groups[key].append(item)
    items = [slot if isinstance(slot, NavItem) else _group(*slot) for slot in slots]
    button = menu.report_button()
    report_url = reverse(button.url_name) if button is not None and button.visible(user) else None
    return {
        "nav": {
            "items": items,
            "report_url": report_url,
            **flags,
            # The menu button's badge: the numbers beside the items (the unread notifications).
            "unread": sum(item.count or 0 for item in items),
        }
    }
