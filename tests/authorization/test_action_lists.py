"""The action register's lists, exactly: for each actor of the cast, which of the world's
actions appear in "Mina åtgärder", on `/atgarder/` (the page and its CSV export) and in
`GET /api/v1/actions/`, and on which rows the source is a link.

The matrix (matrix_actions.py) asserts the status of every request; a list answers 200 to
many actors, so what it shows is asserted here. The world is `matrix_actions.world`: an
action of an incident of Avdelning 5 given to `handler_orto` (another unit), one of an
investigation given to the Medicinkliniken `handler`, one of a Lex Maria case given to
`municipal_handler` (another care provider), and Västerås stad's own action.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from actions.sources import source_of
from tests.authorization.matrix import ACTORS, World
from tests.authorization.matrix_actions import DESCRIPTIONS, world

pytestmark = pytest.mark.django_db

REGION = {"incident", "investigation", "lexmaria_case"}

# actor: (the actions the lists show, those whose source the row links to). None: no list
# (the page answers 403); the API answers every signed-in actor, with what they may see.
SEES: dict[str, tuple[set[str], set[str]]] = {
    "reporter": (set(), set()),
    "handler": ({"incident", "investigation"}, {"incident"}),
    "manager": (REGION, REGION),
    "handler_orto": ({"incident"}, set()),
    "manager_orto": (set(), set()),
    "chief_physician": (REGION, REGION),
    "safety_officer": (REGION, REGION),
    "indicator_editor": (set(), set()),
    "viewer": (set(), set()),
    "admin": (set(), set()),
    "mas": ({"municipal"}, {"municipal"}),
    "municipal_handler": ({"lexmaria_case", "municipal"}, {"municipal"}),
    "outsider": (set(), set()),
}
HAS_THE_LIST = {"handler", "manager", "handler_orto", "manager_orto", "chief_physician", "safety_officer", "mas",
                "municipal_handler"}  # fmt: skip
MINE = {
    "handler": {"investigation"},
    "handler_orto": {"incident"},
    "municipal_handler": {"lexmaria_case", "municipal"},
}
SIGNED_IN = [actor for actor in ACTORS if actor != "anonymous"]


def test_the_table_names_every_actor_of_the_cast():
    assert set(SEES) == set(SIGNED_IN)


@pytest.fixture
def actions(tree, cast):
    made = world(World(tree, cast))
    return {kind: action.pk for kind, action in made.items()}


def _client(cast, actor: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(getattr(cast, actor))
    return client


def _kinds(actions: dict[str, int], ids) -> set[str]:
    by_id = {pk: kind for kind, pk in actions.items()}
    ids = list(ids)
    assert all(pk in by_id for pk in ids), f"actions outside the world: {set(ids) - set(by_id)}"
    assert len(ids) == len(set(ids)), f"an action listed twice: {ids}"
    return {by_id[pk] for pk in ids}


@pytest.mark.parametrize("actor", SIGNED_IN)
def test_the_api_lists_exactly_what_the_actor_may_see(actor, actions, cast):
    # when
    response = _client(cast, actor).get(reverse("api:action-list"))

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    assert _kinds(actions, [row["id"] for row in body["results"]]) == SEES[actor][0]


@pytest.mark.parametrize("actor", SIGNED_IN)
def test_responsible_me_lists_exactly_the_actors_own_actions(actor, actions, cast):
    response = _client(cast, actor).get(reverse("api:action-list"), {"responsible": "me"})

    assert response.status_code == 200
    assert _kinds(actions, [row["id"] for row in response.json()["results"]]) == MINE.get(actor, set())


@pytest.mark.parametrize("actor", SIGNED_IN)
def test_the_page_lists_exactly_what_the_actor_may_see_and_links_only_visible_sources(actor, actions, cast):
    # when
    response = _client(cast, actor).get(reverse("actions:list"))

    # then
    if actor not in HAS_THE_LIST:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    rows = response.context["rows"]
    assert _kinds(actions, [row.action.pk for row in rows]) == SEES[actor][0]
    assert _kinds(actions, [row.action.pk for row in rows if row.source_url]) == SEES[actor][1]
    page = response.content.decode()
    for row in rows:
        assert row.reference in page
        if row.source_url is None:  # the reference, not a link to a case the actor cannot see
            assert f'href="{reverse(source_of(row.action).url_name, kwargs={"pk": row.action.source.pk})}"' not in page


@pytest.mark.parametrize("actor", SIGNED_IN)
def test_the_export_holds_exactly_what_the_actor_may_see(actor, actions, cast):
    response = _client(cast, actor).get(reverse("actions:list"), {"format": "csv"})

    if actor not in HAS_THE_LIST:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    shown = {kind for kind, description in DESCRIPTIONS.items() if description in text}
    assert shown == SEES[actor][0]
    lines = [line for line in csv.reader(io.StringIO(text), delimiter=_delimiter(text)) if line]
    assert len(lines) == 1 + len(SEES[actor][0])  # the header and one line per action


@pytest.mark.parametrize("actor", SIGNED_IN)
def test_mina_atgarder_lists_exactly_the_actors_own_actions(actor, actions, cast):
    response = _client(cast, actor).get(reverse("actions:mine"))

    assert response.status_code == 200
    rows = [row for row, _form in response.context["open_rows"]] + list(response.context["closed_rows"])
    assert _kinds(actions, [row.action.pk for row in rows]) == MINE.get(actor, set())


def _delimiter(text: str) -> str:
    return csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t").delimiter
