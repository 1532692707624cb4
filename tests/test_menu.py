"""The main menu as each person sees it, assembled from the entries the apps register."""

from __future__ import annotations

from django.urls import URLResolver, get_resolver, reverse
from django.utils import translation

from accounts.models import User
from outbox.models import Notification
from psweb import menu
from psweb.context_processors import navigation


def _url_names(resolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _url_names(pattern, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix)
        elif pattern.name:
            yield prefix + pattern.name


def _labels(response) -> list[str]:
    with translation.override("en"):
        return [str(item.label) for item in response.context["nav"]["items"]]


def test_every_registered_entry_names_a_url_that_exists():
    # given: the entries the apps registered in their ready()
    entries = menu.entries()

    # then: each reverses (a typo fails here, not as a missing menu item)
    assert entries, "the apps register their menu entries when Django starts"
    known = set(_url_names(get_resolver()))
    for entry in entries:
        assert reverse(entry.url_name)
        assert set(entry.current_url_names) <= known, entry
    assert reverse(menu.report_button().url_name) == reverse("incidents:report")


def test_entries_are_in_a_strict_order():
    orders = [entry.order for entry in menu.entries()]

    assert orders == sorted(set(orders))


def test_the_chief_physicians_menu(login, cast):
    response = login(cast.chief_physician).get(reverse("home"))

    assert _labels(response) == [
        "Start",
        "My reports",
        "My actions",
        "Work queue",
        "Investigations",
        "Lex Maria",
        "Complaints",
        "Actions",
        "Follow-up",
        "Roles and units",
        "Notifications",
    ]
    assert response.context["nav"]["report_url"] == reverse("incidents:report")
    follow_up = next(item for item in response.context["nav"]["items"] if item.children)
    with translation.override("en"):
        assert [str(child.label) for child in follow_up.children] == ["Statistics", "Self-audits", "Indicators"]
    assert follow_up.url == "" and not follow_up.current


def test_a_group_is_current_on_its_entries_pages_and_one_entry_stands_alone(login, cast):
    # when: the chief physician opens the statistics
    response = login(cast.chief_physician).get(reverse("statistics:dashboard"))

    # then: the follow-up group is the current item, and in it the statistics
    follow_up = next(item for item in response.context["nav"]["items"] if item.children)
    assert follow_up.current
    with translation.override("en"):
        assert [str(child.label) for child in follow_up.children if child.current] == ["Statistics"]
    assert b'class="site-nav__link site-nav__link--current"' in response.content

    # and: a nurse, who of the group only answers self-audits, sees that entry on its own
    nurse_items = login(cast.reporter).get(reverse("home")).context["nav"]["items"]
    with translation.override("en"):
        assert [item.url for item in nurse_items if str(item.label) == "Self-audits"] == [reverse("audits:home")]
    assert not any(item.children for item in nurse_items)


def test_the_reporters_menu(login, cast):
    response = login(cast.reporter).get(reverse("home"))

    assert _labels(response) == ["Start", "My reports", "My actions", "Self-audits", "Notifications"]
    nav = response.context["nav"]
    assert nav["report_url"] == reverse("incidents:report")
    assert (nav["memberships"], nav["access_log"], nav["admin"], nav["queue"], nav["unread"]) == (
        False,
        False,
        False,
        False,
        0,
    )


def test_the_administrators_menu_ends_with_the_administration(login, cast):
    response = login(cast.admin).get(reverse("home"))

    assert _labels(response) == [
        "Start",
        "My reports",
        "My actions",
        "Roles and units",
        "Notifications",
        "Administration",
    ]
    assert response.context["nav"]["admin"] is True


def test_the_menu_costs_two_queries(rf, cast, django_assert_num_queries):
    # given: the menu's shared caches warm (another user's page filled them: which units and
    # users have oversight agreements), and a chief physician whose scope has not been read yet
    warm = rf.get(reverse("home"))
    warm.user = User.objects.get(pk=cast.viewer.pk)
    navigation(warm)
    request = rf.get(reverse("home"))
    request.user = User.objects.get(pk=cast.chief_physician.pk)

    # then: one query for the scope, one for the count of unread notifications
    with django_assert_num_queries(2):
        navigation(request)


def test_the_current_page_and_the_unread_count(login, cast):
    # given: two unread notifications for the manager
    for _ in range(2):
        Notification.objects.create(user=cast.manager, subject="Ny avvikelse", link="/avvikelser/1/")

    # when: the manager opens the roster
    response = login(cast.manager).get(reverse("membership-list"))

    # then: the roster is the current page and the notifications show the count
    nav = response.context["nav"]
    with translation.override("en"):
        current = [str(item.label) for item in nav["items"] if item.current]
        counts = {str(item.label): item.count for item in nav["items"] if item.count is not None}
    assert current == ["Roles and units"]
    assert counts == {"Notifications": 2}
    assert nav["unread"] == 2
    assert nav["memberships"] is True


def test_anonymous_visitors_get_no_menu(client, db):
    response = client.get(reverse("login"))

    assert response.context["nav"] == {"items": [], "report_url": None}
