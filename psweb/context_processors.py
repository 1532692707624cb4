"""What every page's navigation needs, decided here rather than in templates.

Templates get a list of menu items (label, URL, whether it is the current page) and the
URL of the "report an incident" button, or None while that page does not exist or the
user may not report. They never compute permissions themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.access import has_perm
from accounts.roles import Perm
from outbox.models import Notification

# The incidents app names its "new report" page this; until it exists the button is hidden
# rather than pointing at a page that answers 404.
REPORT_URL_NAME = "incidents:report"
MINE_URL_NAME = "incidents:mine"
# The handlers' work queue, for users who may view incidents somewhere.
QUEUE_URL_NAME = "incidents:queue"
INVESTIGATIONS_URL_NAME = "investigations:list"


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url: str
    # The URL names (resolver `view_name`) under which this item is the current page.
    url_names: tuple[str, ...]
    current: bool = False
    # A number shown beside the label (unread notifications); None shows none.
    count: int | None = None


def _optional_url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _sees_investigations(user) -> bool:
    """Those who may see investigations in their units, and analysis leaders and team
    members of at least one (they see only those)."""
    if has_perm(user, Perm.INVESTIGATION_VIEW):
        return True
    from investigations.models import Investigation

    return Investigation.objects.visible_to(user).exists()


def _current_view_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match else ""


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {"items": [], "report_url": None}}

    items = [NavItem(_("Start"), reverse("home"), ("home",))]
    # A reporter's own reports ("Mina avvikelser"), for everyone who may report.
    mine_url = _optional_url(MINE_URL_NAME) if has_perm(user, Perm.INCIDENT_REPORT) else None
    if mine_url:
        items.append(NavItem(_("My reports"), mine_url, (MINE_URL_NAME, "incidents:mine-detail")))
    queue_url = _optional_url(QUEUE_URL_NAME) if has_perm(user, Perm.INCIDENT_VIEW) else None
    if queue_url:
        items.append(NavItem(_("Work queue"), queue_url, (QUEUE_URL_NAME,)))
    investigations_url = _optional_url(INVESTIGATIONS_URL_NAME) if _sees_investigations(user) else None
    if investigations_url:
        items.append(
            NavItem(
                _("Investigations"),
                investigations_url,
                (INVESTIGATIONS_URL_NAME, "investigations:detail", "investigations:new", "investigations:report"),
            )
        )
    lexmaria_url = _optional_url("lexmaria:list") if has_perm(user, Perm.LEXMARIA_VIEW) else None
    if lexmaria_url:
        items.append(NavItem(_("Lex Maria"), lexmaria_url, ("lexmaria:list", "lexmaria:detail", "lexmaria:ivo")))
    if has_perm(user, Perm.STATS_VIEW):
        stats_url = _optional_url("indicators:stats")
        if stats_url:
            items.append(NavItem(_("Statistics"), stats_url, ("indicators:stats",)))
    if has_perm(user, Perm.INDICATOR_VIEW):
        indicators_url = _optional_url("indicators:dashboard")
        if indicators_url:
            items.append(
                NavItem(
                    _("Indicators"),
                    indicators_url,
                    ("indicators:dashboard", "indicators:detail", "indicators:board", "indicators:entry"),
                )
            )
    can_view_memberships = has_perm(user, Perm.MEMBERSHIP_VIEW)
    can_review_log = has_perm(user, Perm.ACCESSLOG_VIEW)
    if can_view_memberships:
        items.append(NavItem(_("Roles and units"), reverse("membership-list"), ("membership-list",)))
    if can_review_log:
        items.append(NavItem(_("Log review"), reverse("accesslog-review"), ("accesslog-review",)))
    # Everyone signed in gets notifications; the count is one indexed query per page.
    unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    items.append(NavItem(_("Notifications"), reverse("notifications"), ("notifications",), count=unread))
    if user.is_staff:
        items.append(NavItem(_("Administration"), reverse("admin:index"), ()))

    current = _current_view_name(request)
    items = [replace(item, current=current in item.url_names) for item in items]
    report_url = _optional_url(REPORT_URL_NAME) if has_perm(user, Perm.INCIDENT_REPORT) else None
    return {
        "nav": {
            "items": items,
            "report_url": report_url,
            # Kept for pages that show a link to these sections outside the menu.
            "memberships": can_view_memberships,
            "access_log": can_review_log,
            "admin": user.is_staff,
            "queue": bool(queue_url),
            "unread": unread,
        }
    }
