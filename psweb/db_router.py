"""Reads of statistics from a PostgreSQL read replica (`DATABASE_REPLICA_URL`, docs/deployment.md).

The statistics and indicator pages are psweb's heaviest reads and may be a few seconds old;
everything else must see what was just written. So the replica serves reads only inside code
marked replica-safe (`reads_from_replica` on a view, or `replica_reads()` around a block), only
for GET and HEAD, and only while it is up and at most `DATABASE_REPLICA_MAX_LAG` seconds behind.
Everything else reads from the primary, and every write goes to the primary:

- once a replica-safe block writes, its later reads go to the primary (read your own write);
- inside a transaction, reads go to the primary (they belong with its writes and locks);
- who is asking and what she may do (users, memberships, the org tree, sessions, API tokens,
  login throttling) is always read from the primary: a withdrawn permission holds at once;
- a replica that is down, lagging or not a standby is left alone: the primary serves, with one
  warning in the log saying why, and the replica is used again once it has caught up. Its state
  is checked at most every `DATABASE_REPLICA_CHECK_SECONDS` per process, so a request pays
  nothing for it; a query that fails on the replica is run again on the primary.

Without `DATABASE_REPLICA_URL` the router is not installed and the decorator changes nothing.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"

# Read from the primary even inside replica-safe code: identity, permissions and sessions.
PRIMARY_ONLY_APPS = frozenset(
    {"accounts", "auth", "apitokens", "oauth2_provider", "axes", "sessions", "contenttypes", "admin"}
)

# Replayed all it has received, and still receiving: not behind. Otherwise the time since the
# last transaction it replayed, an upper bound of its lag (on a quiet system the first write after
# a pause reads as lag for one check; the primary then serves, which errs on the side of fresh).
# "Still receiving": a WAL receiver exists, and is streaming if the role may see its status
# (pg_read_all_stats); a standby cut off from its primary would otherwise look up to date.
LAG_SQL = """
SELECT pg_is_in_recovery(),
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
                 AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE coalesce(status, 'streaming') = 'streaming')
            THEN 0
            ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
       END
"""


@dataclass
class _Reading:
    """The state of one replica-safe block."""

    wrote: bool = False
    used_replica: bool = False


_reading: ContextVar[_Reading | None] = ContextVar("psweb_replica_reading", default=None)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def judge(*, in_recovery: bool | None, lag: float | None, max_lag: float) -> tuple[str, str]:
    """(what is wrong, in a word or "", and in a sentence) for a replica's answer to LAG_SQL."""
    if not in_recovery:
        return "not-standby", "it is not a standby (pg_is_in_recovery() is false)"
    lag = math.inf if lag is None else float(lag)
    if lag > max_lag:
        return "lagging", f"it is {lag:.1f} s behind the primary (limit {max_lag:g} s)"
    return "", ""


class ReplicaHealth:
    """Whether the replica may serve reads, asked of the replica at most every
    DATABASE_REPLICA_CHECK_SECONDS.

    One per process, shared by its threads: the thread that finds the answer stale asks, on its
    own connection to the replica, while the others go on with the answer they have.
    """

    def __init__(self, *, connection: Callable = lambda: connections[REPLICA]):
        self._connection = connection
        self._lock = threading.Lock()
        self.checked_at: float | None = None
        self.problem = ""  # "", "unreachable", "lagging" or "not-standby"
        self.reason = ""

    @property
    def usable(self) -> bool:
        return self.checked_at is not None and not self.problem

    def _stale(self) -> bool:
        interval = float(getattr(settings, "DATABASE_REPLICA_CHECK_SECONDS", 5))
        return self.checked_at is None or time.monotonic() - self.checked_at >= interval

    def is_usable(self, *, force: bool = False) -> bool:
        if (force or self._stale()) and self._lock.acquire(blocking=force or self.checked_at is None):
            try:
                if force or self._stale():
                    self.check()
            finally:
                self._lock.release()
        return self.usable

    def check(self) -> None:
        """Ask the replica now, and remember (and log) the answer."""
        connection = self._connection()
        try:
            with connection.cursor() as cursor:
                cursor.execute(LAG_SQL)
                in_recovery, lag = cursor.fetchone()
        except DatabaseError as error:
            with contextlib.suppress(DatabaseError):
                connection.close()
            first_line = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
            self.note("unreachable", f"it cannot be reached ({first_line})")
            return
        max_lag = float(getattr(settings, "DATABASE_REPLICA_MAX_LAG", 30))
        self.note(*judge(in_recovery=in_recovery, lag=lag, max_lag=max_lag))

    def note(self, problem: str, reason: str = "") -> None:
        """Remember the replica's state, and log a change of it: one line, never about a person."""
        if problem and problem != self.problem:
            logger.warning("Read replica not used, statistics are read from the primary: %s.", reason)
        elif not problem and self.problem:
            logger.info("Read replica in use again for statistics.")
        self.problem, self.reason = problem, reason
        self.checked_at = time.monotonic()


health = ReplicaHealth()


class ReplicaRouter:
    """DATABASE_ROUTERS entry, installed only with DATABASE_REPLICA_URL."""

    def db_for_read(self, model, **hints):
        reading = _reading.get()
        if reading is None:
            return None  # Django's own choice, as without this router
        # Said outright: left to Django, a row related to one read from the replica would be
        # read from the replica too.
        if reading.wrote or model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block or not health.is_usable():
            return DEFAULT_DB_ALIAS
        reading.used_replica = True
        return REPLICA

    def db_for_write(self, model, **hints):
        reading = _reading.get()
        if reading is not None:
            reading.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


@contextlib.contextmanager
def replica_reads() -> Iterator[_Reading]:
    """Reads inside this block may come from the replica (see the module's docstring)."""
    outer = _reading.get()
    if outer is not None:
        yield outer
        return
    reading = _Reading()
    token = _reading.set(reading)
    try:
        yield reading
    finally:
        _reading.reset(token)


def _serve(request, call: Callable):
    if request.method not in ("GET", "HEAD") or not replica_configured():
        return call()
    with replica_reads() as reading:
        try:
            return call()
        except (OperationalError, InterfaceError):
            # The replica failed under a query (went down, or cancelled it for a conflict with
            # replication): the same request once more on the primary. A request that wrote, or
            # whose error came from the primary, gets its usual answer.
            if not reading.used_replica or reading.wrote or not connections[REPLICA].errors_occurred:
                raise
    health.is_usable(force=True)
    return call()


def reads_from_replica(view):
    """Mark a view (function, or class with `dispatch`) replica-safe: its GET and HEAD reads
    may come from the read replica."""
    if isinstance(view, type):
        dispatch = view.dispatch

        @functools.wraps(dispatch)
        def replica_dispatch(self, request, *args, **kwargs):
            return _serve(request, lambda: dispatch(self, request, *args, **kwargs))

        view.dispatch = replica_dispatch
        return view

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        return _serve(request, lambda: view(request, *args, **kwargs))

    return wrapper
