"""Reads of code marked read-only go to a streaming replica; everything else to the primary.

With ``DATABASE_REPLICA_URL`` set, settings add a ``replica`` alias and this router. Only
code marked with :func:`read_replica` reads from the replica: dashboards, reports and
public API reads, whose figures may be a moment old. Everything else (a taker's session,
anything that reads what it just wrote) stays on the primary, so no request misses its
own write. Writes always go to the primary.

The replica is used only while it is healthy: a cheap query (``pg_is_in_recovery()``
and the replay lag) is run at most once every ``DATABASE_REPLICA_CHECK_SECONDS`` per
process. A replica that is down, or lags more than ``DATABASE_REPLICA_MAX_LAG``
seconds behind, is skipped and marked code reads from the primary until a later check
finds it well again. A marked function that meets a replica failing under it (stopped
between two checks) is run once more on the primary, so the caller sees no error:

    @read_replica()
    def district_dashboard(*, user, year) -> dict: ...   # evaluates its queries inside

    with read_replica():                                   # a block: no rerun possible,
        rows = list(report_rows(...))                      # but the replica is marked down

A marked function must evaluate its queries before it returns (return lists, dicts,
numbers): a lazy QuerySet evaluated after the mark ends reads from the primary.
Inside ``transaction.atomic()`` on the primary, marked reads stay on the primary too.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections

log = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA = "replica"
DEFAULT_MAX_LAG_SECONDS = 5.0
DEFAULT_CHECK_SECONDS = 2.0

# Lag in seconds: 0 when everything received is replayed (an idle primary is not lag),
# else the age of the last replayed transaction. A server not in recovery (promoted, or
# the primary itself in development) has no lag.
LAG_SQL = """
SELECT CASE
  WHEN NOT pg_is_in_recovery() THEN 0.0
  WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0.0
  ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0.0)
END::float8
"""

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class _Mark:
    """One marked call or block: whether it may use the replica and whether it did."""

    allowed: bool = True
    used: str | None = None


_marked: contextvars.ContextVar[_Mark | None] = contextvars.ContextVar(
    "learning_platform_read_replica", default=None
)


@dataclass
class ReplicaHealth:
    usable: bool
    lag: float | None
    checked_at: float
    reason: str = ""


_health: dict[str, ReplicaHealth] = {}
_health_lock = threading.Lock()


def _max_lag() -> float:
    return float(getattr(settings, "DATABASE_REPLICA_MAX_LAG", DEFAULT_MAX_LAG_SECONDS))


def _check_seconds() -> float:
    return float(
        getattr(settings, "DATABASE_REPLICA_CHECK_SECONDS", DEFAULT_CHECK_SECONDS)
    )


def replica_health(alias: str = REPLICA, *, fresh: bool = False) -> ReplicaHealth:
    """The replica's state, checked at most once per ``DATABASE_REPLICA_CHECK_SECONDS``."""
    now = time.monotonic()
    with _health_lock:
        known = _health.get(alias)
    if known is not None and not fresh and now - known.checked_at < _check_seconds():
        return known
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(LAG_SQL)
            lag = float(cursor.fetchone()[0])
    except DatabaseError as exc:
        _close_quietly(alias)
        state = ReplicaHealth(False, None, now, f"unreachable: {exc}".strip()[:200])
    else:
        limit = _max_lag()
        state = ReplicaHealth(
            lag <= limit,
            lag,
            now,
            "" if lag <= limit else f"lags {lag:.1f} s > {limit:g} s",
        )
    with _health_lock:
        before = _health.get(alias)
        _health[alias] = state
    if before is None or before.usable != state.usable:
        if state.usable:
            log.info("read replica %r in use (lag %.1f s)", alias, state.lag or 0.0)
        else:
            log.warning(
                "read replica %r skipped, reads go to the primary: %s",
                alias,
                state.reason,
            )
    return state


def replica_mark_down(alias: str = REPLICA, reason: str = "a query failed") -> None:
    """Skip the replica until the next check (after a query on it failed)."""
    with _health_lock:
        _health[alias] = ReplicaHealth(False, None, time.monotonic(), reason)
    _close_quietly(alias)
    log.warning("read replica %r skipped, reads go to the primary: %s", alias, reason)


def replica_health_forget() -> None:
    """Forget every cached check (tests; after a failover)."""
    with _health_lock:
        _health.clear()


def _close_quietly(alias: str) -> None:
    try:
        connections[alias].close()
    except Exception:  # noqa: BLE001 - a broken connection may fail to close; it is gone anyway
        pass


class read_replica:  # noqa: N801 - used like contextlib's lower-case context managers
    """Mark reads as allowed on the replica: ``with read_replica():`` or ``@read_replica()``."""

    def __init__(self) -> None:
        self._tokens: list[tuple[contextvars.Token, _Mark]] = []

    def __enter__(self) -> read_replica:
        mark = _Mark()
        self._tokens.append((_marked.set(mark), mark))
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        token, mark = self._tokens.pop()
        _marked.reset(token)
        if (
            mark.used
            and exc_type is not None
            and issubclass(exc_type, (OperationalError, InterfaceError))
        ):
            replica_mark_down(mark.used, f"{exc_type.__name__}: {exc}"[:200])

    def __call__(self, func: F) -> F:
        if inspect.iscoroutinefunction(func):
            raise TypeError(
                f"read_replica() marks synchronous code; {func.__qualname__} is "
                "a coroutine function (wrap the sync_to_async part instead)."
            )

        @functools.wraps(func)
        def marked(*args: Any, **kwargs: Any) -> Any:
            mark = _Mark()
            token = _marked.set(mark)
            try:
                try:
                    return func(*args, **kwargs)
                except (OperationalError, InterfaceError) as exc:
                    if not mark.used:
                        raise
                    # The replica failed under this call (stopped between two checks):
                    # the call only reads, so it runs again, on the primary.
                    replica_mark_down(mark.used, f"{type(exc).__name__}: {exc}"[:200])
                    mark.allowed, mark.used = False, None
                    return func(*args, **kwargs)
            finally:
                _marked.reset(token)

        return marked  # type: ignore[return-value]


def replica_marked() -> bool:
    """Whether the running code is marked read-only (for tests and logging)."""
    mark = _marked.get()
    return mark is not None and mark.allowed


class ReplicaRouter:
    """Marked reads to ``replica`` while it is healthy; all writes and other reads to ``primary``.

    Settings list it by path, so it uses the ``default`` and ``replica`` aliases; tests may
    pass another pair of aliases to an instance.
    """

    def __init__(self, primary: str = PRIMARY, replica: str = REPLICA) -> None:
        self.primary = primary
        self.replica = replica

    def db_for_read(self, model, **hints) -> str | None:
        mark = _marked.get()
        if mark is None:
            return None
        if not mark.allowed:  # rerun after the replica failed under the call
            return self.primary
        # Read your own writes: inside a transaction on the primary, stay there.
        if connections[self.primary].in_atomic_block:
            return self.primary
        if not replica_health(self.replica).usable:
            return self.primary
        mark.used = self.replica
        return self.replica

    def db_for_write(self, model, **hints) -> str:
        return self.primary

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        pair = {self.primary, self.replica}
        if obj1._state.db in pair and obj2._state.db in pair:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool | None:
        # The replica replays the primary's WAL: it is never migrated itself.
        return False if db == self.replica else None
