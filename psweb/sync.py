"""Sync what changed: `?updated_since=` on the lists of incidents, investigations, Lex Maria
cases, actions, measurements and complaints (docs/api.md, "Sync").

A cursor on `updated_at` loses rows: the time is taken when a transaction writes, but
transactions commit out of order, so a client that has read up to 10:00:05 never sees a row
written at 10:00:04 by a transaction that committed at 10:00:06. Here each row carries
`sync_xid`, the id of the transaction that last wrote it, set by the database trigger
`psweb_sync_stamp` (created by each of the six apps' migrations, `CREATE OR REPLACE`, so that
none depends on another's). A read returns only rows whose transaction had finished before it
began — `sync_xid` below the snapshot's `xmin`, the oldest transaction still running — in
the order (sync_xid, id). Every transaction that writes later, or is still running, has an id
at or above that `xmin`, so it sorts after every row already returned: a running transaction
delays its rows, it never puts them behind a cursor. A transaction sees its own writes too
(`pg_current_xact_id_if_assigned()`), which is what lets a test that writes in one transaction
read them back; an API request never writes before it reads.

Transaction ids are 64-bit (`xid8`), so they never wrap around. The ids are of the whole
PostgreSQL server: a long transaction in any database on it holds rows back until it ends.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.db import connections, router
from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

UPDATED_SINCE = "updated_since"
CURSOR = "cursor"
_SALT = "psweb.sync"
# A sync cursor is signed, and starts with this so that a list tells it from its own cursors.
_PREFIX = "s1."
# The largest bigint: a position after every row of a transaction.
_LAST_ID = 2**63 - 1

# --- The trigger (used by the six apps' migrations) --------------------------------------------

STAMP_FUNCTION = """
CREATE OR REPLACE FUNCTION psweb_sync_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The writing transaction's 64-bit id: psweb.sync reads rows in this order.
    NEW.sync_xid := pg_current_xact_id()::text::bigint;
    -- A write that left updated_at as it was (an .update(), another trigger) is a change too.
    IF TG_OP = 'UPDATE' AND NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END
$$;
"""
# The function goes with the last trigger that uses it.
DROP_STAMP_FUNCTION = """
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgfoid = 'psweb_sync_stamp'::regproc) THEN
        DROP FUNCTION psweb_sync_stamp();
    END IF;
END $$;
"""


def stamp_trigger(table: str) -> str:
    return (
        f'CREATE OR REPLACE TRIGGER psweb_sync_stamp BEFORE INSERT OR UPDATE ON "{table}" '
        "FOR EACH ROW EXECUTE FUNCTION psweb_sync_stamp();"
    )


def drop_stamp_trigger(table: str) -> str:
    return f'DROP TRIGGER IF EXISTS psweb_sync_stamp ON "{table}";'


# --- Reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """Where a client is: after the row `id` of the transaction `xid`."""

    xid: int
    id: int

    def encode(self, label: str) -> str:
        return _PREFIX + signing.dumps([label, self.xid, self.id], salt=_SALT)

    @classmethod
    def decode(cls, token: str, label: str) -> Position:
        """The position a token of the list `label` names; 400 on the parameter `cursor` if it
        is not one (altered, or another list's)."""
        try:
            if not token.startswith(_PREFIX):
                raise signing.BadSignature
            kind, xid, pk = signing.loads(token[len(_PREFIX) :], salt=_SALT)
            if kind != label or not isinstance(xid, int) or not isinstance(pk, int):
                raise signing.BadSignature
        except (signing.BadSignature, ValueError, TypeError):
            raise exceptions.ValidationError(
                {
                    CURSOR: [
                        exceptions.ErrorDetail(
                            _("The sync cursor is not valid: use the links `next` and `sync` of the previous answer."),
                            code="invalid_cursor",
                        )
                    ]
                }
            ) from None
        return cls(xid, pk)


def is_sync_request(request) -> bool:
    """Whether a list is asked what changed: `updated_since`, or a sync cursor."""
    params = request.query_params
    return UPDATED_SINCE in params or params.get(CURSOR, "").startswith(_PREFIX)


def parse_updated_since(value: str) -> dt.datetime:
    """An RFC 3339 timestamp with its offset (`2026-03-14T21:40:00+01:00`, `…Z`); 400 otherwise."""
    text = value.strip()
    moment = None
    if "T" in text.upper():
        try:
            moment = dt.datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            moment = None
    if moment is None or moment.tzinfo is None:
        raise exceptions.ValidationError(
            {
                UPDATED_SINCE: [
                    exceptions.ErrorDetail(
                        _("Give a time as RFC 3339 with its offset, e.g. 2026-03-14T21:40:00+01:00 or …Z."),
                        code="invalid_updated_since",
                    )
                ]
            }
        )
    return moment


@dataclass
class SyncPage:
    rows: list
    next: Position | None  # more rows now
    sync: Position  # where to ask again later


def _horizon(using: str) -> int:
    """The oldest transaction still running (or the next to start): every row written by one
    before it is committed or gone, and no transaction that writes later gets a smaller id."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, "
            "pg_current_xact_id_if_assigned()::text::bigint"
        )
        return cursor.fetchone()


def sync_page(queryset, *, after: Position | None, updated_since: dt.datetime | None, size: int) -> SyncPage:
    """The next `size` rows of `queryset` (already scoped and filtered) changed after `after`
    (or, on a first call, at or after `updated_since`), in the order (sync_xid, id); only rows
    whose writing transaction had finished before this read, and the reader's own."""
    using = router.db_for_read(queryset.model)
    # Taken before the rows are read: the rows' snapshot is then later still, and sees every
    # transaction below it finished.
    horizon, own = _horizon(using)
    finished = Q(sync_xid__lt=horizon)
    if own is not None:
        finished |= Q(sync_xid=own)
    rows = queryset.filter(finished)
    if after is not None:
        rows = rows.filter(Q(sync_xid__gt=after.xid) | Q(sync_xid=after.xid, id__gt=after.id))
    elif updated_since is not None:
        rows = rows.filter(updated_at__gte=updated_since)
    rows = list(rows.order_by("sync_xid", "id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    last = Position(rows[-1].sync_xid, rows[-1].pk) if rows else after
    if more:
        return SyncPage(rows, next=last, sync=last)
    # Caught up: every finished row before the horizon has been read, so the next read starts
    # there (unless the reader's own rows, above it, came last).
    caught_up = Position(horizon - 1, _LAST_ID)
    if last is None or (last.xid, last.id) < (caught_up.xid, caught_up.id):
        last = caught_up
    return SyncPage(rows, next=None, sync=last)


class SyncListMixin:
    """For a scoped list viewset: with `updated_since` (or a sync cursor) its list answers what
    changed, in the order the changes committed, with the links `next` and `sync`; without,
    it is the list it always was. The rows come from the same scoped, filtered queryset."""

    sync_page_size = 100
    sync_max_page_size = 500

    def list(self, request, *args, **kwargs):
        if not is_sync_request(request):
            return super().list(request, *args, **kwargs)
        label = self.queryset.model._meta.label_lower
        params = request.query_params
        since = parse_updated_since(params[UPDATED_SINCE]) if UPDATED_SINCE in params else None
        after = Position.decode(params[CURSOR], label) if params.get(CURSOR) else None
        size = self.paginator.get_page_size(request)
        queryset = self.filter_queryset(self.get_queryset())
        page = sync_page(queryset, after=after, updated_since=since, size=size)
        url = request.build_absolute_uri()
        data = self.get_serializer(page.rows, many=True).data
        return Response(
            {
                "next": replace_query_param(url, CURSOR, page.next.encode(label)) if page.next else None,
                "sync": replace_query_param(url, CURSOR, page.sync.encode(label)),
                "results": data,
            }
        )


class SyncSchemaMixin:
    """For the pagination class of a list with `SyncListMixin`: the answer's `sync` link in the
    schema (present only with `updated_since`)."""

    def get_paginated_response_schema(self, schema):
        result = super().get_paginated_response_schema(schema)
        result["properties"]["sync"] = {
            "type": "string",
            "format": "uri",
            "nullable": True,
            "description": (
                "Only with `updated_since` (or a sync cursor): the address to call later for what changed after "
                "this page; always present then. `next` is null once you have caught up."
            ),
        }
        return result


UPDATED_SINCE_PARAMETER = OpenApiParameter(
    UPDATED_SINCE,
    OpenApiTypes.DATETIME,
    description=(
        "Sync: only what changed at or after this time (RFC 3339 with its offset; `1900-01-01T00:00:00Z` for "
        "everything), in the order the changes were committed, each row with `updated_at`. The answer's `next` "
        "fetches the rest now, its `sync` what changes later; rows of transactions still running are held back "
        'until they finish, never lost (docs/api.md, "Sync").'
    ),
)
