"""`?updated_since=` on the five synced lists (docs/api.md, "Sync"): what changed comes after
the cursor, each change once; paging returns every row once; bad parameters answer 400 with
the error contract; sync never shows more than the list does."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

import pytest

from tests.api_sync.conftest import FIRST_SYNC, as_time, caught_up, read_all

# --- In one transaction: the reader sees its own writes ------------------------------------------


@pytest.mark.django_db
def test_it_answers_rows_with_updated_at_and_the_links(api, cast, tree, synced, conforms):
    # given
    row = synced.make(cast, tree)
    # when
    response = api(getattr(cast, synced.viewer)).get(f"{synced.url}?{FIRST_SYNC}")
    # then
    assert response.status_code == 200, response.content
    body = conforms(response, synced.component)
    assert set(body) == {"next", "sync", "results"}
    assert body["next"] is None
    assert body["sync"].startswith("http://testserver" + synced.url)
    (item,) = [item for item in body["results"] if item["id"] == row.pk]
    assert as_time(item["updated_at"]).tzinfo is not None
    if hasattr(row, "version"):
        assert item["version"] == synced.model.objects.get(pk=row.pk).version


@pytest.mark.django_db
def test_it_leaves_the_list_as_it_was_without_updated_since(api, cast, tree, synced):
    synced.make(cast, tree)
    body = api(getattr(cast, synced.viewer)).get(synced.url).json()
    assert "sync" not in body
    assert "previous" in body


@pytest.mark.django_db
def test_it_pages_every_row_once(api, cast, tree):
    # given
    from tests.incidents.conftest import report

    ids = {report(cast.reporter, tree.medicin_ward).pk for _ in range(5)}
    # when
    rows, _sync = read_all(api(cast.handler), f"/api/v1/incidents/?{FIRST_SYNC}&page_size=2")
    # then
    returned = [row["id"] for row in rows]
    assert sorted(returned) == sorted(ids)


@pytest.mark.django_db
def test_it_shows_nothing_of_another_care_provider(api, cast, tree, synced):
    # given: a row of the region; the municipality's chief physician
    synced.make(cast, tree)
    # when
    rows, _sync = read_all(api(cast.mas), f"{synced.url}?{FIRST_SYNC}")
    # then
    assert rows == []


@pytest.mark.django_db
def test_it_applies_the_lists_filters(api, cast, tree):
    from tests.incidents.conftest import report

    report(cast.reporter, tree.medicin_ward)
    rows, _sync = read_all(api(cast.handler), f"/api/v1/incidents/?{FIRST_SYNC}&status=closed")
    assert rows == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value",
    ["yesterday", "2026-03-14", "2026-03-14T21:40:00", "2026-13-01T00:00:00Z", ""],
)
def test_a_bad_updated_since_is_a_400_naming_it(api, cast, conforms, value):
    response = api(cast.handler).get("/api/v1/incidents/", {"updated_since": value})
    assert response.status_code == 400
    body = conforms(response, "ValidationError")
    assert body["code"] == "invalid"
    assert [error["code"] for error in body["errors"]["updated_since"]] == ["invalid_updated_since"]


@pytest.mark.django_db
@pytest.mark.parametrize("updated_since", ["2026-03-14T21:40:00+01:00", "2026-03-14T20:40:00Z"])
def test_an_rfc_3339_time_with_an_offset_is_taken(api, cast, updated_since):
    response = api(cast.handler).get("/api/v1/actions/", {"updated_since": updated_since})
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_a_bad_cursor_is_a_400_naming_it(api, cast, tree, conforms):
    # given: a real sync link of the actions, altered; and one of another list
    client = api(cast.handler)
    _rows, sync = read_all(client, f"/api/v1/actions/?{FIRST_SYNC}")
    token = parse_qs(urlsplit(sync).query)["cursor"][0]
    for url in (
        f"/api/v1/actions/?{FIRST_SYNC}&cursor={quote(token[:-2])}xx",
        f"/api/v1/incidents/?{FIRST_SYNC}&cursor={quote(token)}",
        f"/api/v1/actions/?{FIRST_SYNC}&cursor=nonsense",
        "/api/v1/actions/?cursor=s1.nonsense",
    ):
        # when
        response = client.get(url)
        # then
        assert response.status_code == 400, url
        body = conforms(response, "ValidationError")
        assert [error["code"] for error in body["errors"].get("cursor", [])] == ["invalid_cursor"], (url, body)


@pytest.mark.django_db
def test_the_message_is_in_swedish(api_client, cast):
    api_client.force_login(cast.handler)
    response = api_client.get("/api/v1/incidents/?updated_since=igår", HTTP_ACCEPT_LANGUAGE="sv")
    assert response.json()["errors"]["updated_since"][0]["message"].startswith("Ange en tid")


# --- Committed transactions: the sync protocol as a client sees it ------------------------------


# In the integration tier (one test at a time): rows of running transactions are held back on
# the whole server, and under `make test` the other worker's long test transactions (seeding
# the demo data takes a minute) would hold these back past CATCH_UP_SECONDS.
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_every_change_comes_after_the_cursor_once(api, cast, tree, synced):
    # given: a row, and a client that has read everything
    row = synced.make(cast, tree)
    client = api(getattr(cast, synced.viewer))
    rows, sync = caught_up(client, f"{synced.url}?{FIRST_SYNC}", waiting_for=lambda rows: row.pk in ids(rows))
    first = as_time(rows[-1]["updated_at"]) if rows else None

    # when: a change through the service
    synced.change(row, cast)
    # then: it comes after the cursor, once
    rows, sync = caught_up(client, sync, waiting_for=lambda rows: row.pk in ids(rows))
    assert ids(rows).count(row.pk) == 1
    changed = as_time(next(r for r in rows if r["id"] == row.pk)["updated_at"])
    assert first is None or changed >= first

    # when: an .update() that does not touch updated_at
    synced.model.objects.filter(pk=row.pk).update(**synced.quiet)
    # then: a change too, with a later updated_at
    rows, sync = caught_up(client, sync, waiting_for=lambda rows: row.pk in ids(rows))
    assert ids(rows).count(row.pk) == 1
    assert as_time(next(r for r in rows if r["id"] == row.pk)["updated_at"]) > changed

    # and: nothing again without a change
    again, _sync = read_all(client, sync)
    assert row.pk not in ids(again)


def ids(rows: list[dict]) -> list[int]:
    return [row["id"] for row in rows]
