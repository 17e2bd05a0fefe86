"""What delivery reads from the item bank, and the adaptive bank built from it.

Every call into ``itembank.selectors`` goes through this module, so the item bank's
contract is visible in one place, typed with the item bank's own result classes
(:class:`~itembank.selectors.DeliveryItem`, ``ActiveParameters``, ``Level``,
``LevelDecision``). The CAT tables are built once per parameter set and pool and kept
for five minutes per process (every process builds its own; nothing is shared between
web processes).

Everything this module keeps between requests lives in one object,
:data:`DELIVERY_CACHE` (see "Process-wide caches" below); ``DELIVERY_CACHE.clear()``
forgets it all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from itembank.models import Item
from itembank.selectors import (
    ActiveParameters,
    DeliveryItem,
    ItemNotDeliverable,
    Level,
    LevelDecision,
    active_parameter_set,
    domain_tree,
    item_answer_scorer,
)
from itembank.selectors import active_parameters as _active
from itembank.selectors import deliverable_item_ids as _ids
from itembank.selectors import domain_levels as _levels
from itembank.selectors import items_for_delivery as _items
from itembank.selectors import level_for as _level_for
from psychometrics.cat import CATBank

# An answer's scorer: the answer -> its score (the revision's key, read once).
Scorer = Callable[[Any], int]
# What an adaptive pool is cached under: the active set, the pool's items or domains,
# its blueprint shares and its difficulty range.
PoolKey = tuple[
    int | None,
    tuple[int, ...],
    tuple[str, ...],
    tuple[tuple[str, float], ...],
    tuple[float, float] | None,
]


# ---------------------------------------------------------------- process-wide caches


class DeliveryCache:
    """What delivery keeps between requests in one process, behind one lock.

    ``revisions``  revision id -> the item as delivered (a revision never changes)
    ``scorers``    revision id -> its scorer (read once, then no query per answer)
    ``pools``      pool key -> (time built, adaptive pool), kept ``POOL_TTL_SECONDS``
    ``building``   pool key -> the lock held by the one thread building that pool

    Entries are keyed by database ids, so a process that sees ids reused (a test's
    rolled-back transaction) or must drop what it built calls :meth:`clear`.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.revisions: dict[int, DeliveryItem] = {}
        self.scorers: dict[int, Scorer] = {}
        self.pools: dict[PoolKey, tuple[float, AdaptivePool]] = {}
        self.building: dict[PoolKey, threading.Lock] = {}

    def clear(self) -> None:
        """Forget every cached revision, scorer and pool of this process.

        ``tests/conftest.py`` calls it before every test; the item bank calls it (through
        :func:`pool_cache_clear`) after a change that alters what delivery presents.
        """
        with self.lock:
            self.revisions.clear()
            self.scorers.clear()
            self.pools.clear()
            self.building.clear()


DELIVERY_CACHE = DeliveryCache()
# New items join a pool within this time; withdrawn ones are never presented (the
# live revision is checked before each item), and a new active set is seen at once.
POOL_TTL_SECONDS = 300.0
_BUILD_WAIT_SECONDS = 30.0
_MAX_REVISIONS = 5000  # per cache of revisions and of scorers
_MAX_POOLS = 32


def pool_cache_clear() -> None:
    """Forget every cached pool, payload and scorer (``DELIVERY_CACHE.clear``)."""
    DELIVERY_CACHE.clear()


# ---------------------------------------------------------------- items and scoring


def items_for_delivery(item_ids: Sequence[int]) -> list[DeliveryItem]:
    return _items(list(item_ids))


def item_for_delivery(item_id: int) -> DeliveryItem:
    """Return the item's published revision as delivered, cached by revision.

    One cheap query asks for the live revision (so an unpublished item is never
    presented); a revision never changes, so its payload is built once per process.
    """
    item_id = int(item_id)
    return delivery_items([item_id])[item_id]


def delivery_items(item_ids: Sequence[int]) -> dict[int, DeliveryItem]:
    """The items' published revisions, building only those not cached yet.

    One query asks for the live revisions; a pool refresh every few minutes finds
    nearly every revision unchanged, and rebuilding all their payloads (rich text,
    images) took seconds of a web process's CPU.
    """

    live = dict(
        Item.objects.filter(pk__in=list(item_ids), live=True).values_list(
            "pk", "live_revision_id"
        )
    )
    cache = DELIVERY_CACHE
    with cache.lock:
        revisions = cache.revisions
        out = {i: revisions[live[i]] for i in item_ids if live.get(i) in revisions}
    missing = [i for i in item_ids if i not in out]
    if missing:  # new revisions, or items no longer live (ItemNotDeliverable)
        built = items_for_delivery(missing)
        with cache.lock:  # shared by item_for_delivery and the adaptive pools
            if len(cache.revisions) + len(built) > _MAX_REVISIONS:
                cache.revisions.clear()
            cache.revisions.update({item.revision_id: item for item in built})
        out.update({item.item_id: item for item in built})
    return out


def deliverable_item_ids(*, domain_codes: Sequence[str] | None = None) -> list[int]:
    return list(_ids(domain_codes=list(domain_codes) if domain_codes else None))


def item_answer_score(*, revision_id: int, answer: Any) -> int:
    """Score an answer against its revision.

    A revision never changes, so its scorer (the revision's key) is read once per
    process and every later answer to it is scored without a query.
    """

    cache = DELIVERY_CACHE
    revision_id = int(revision_id)
    scorer = cache.scorers.get(revision_id)
    if scorer is None:
        scorer = item_answer_scorer(revision_id=revision_id)
        with cache.lock:
            if len(cache.scorers) > _MAX_REVISIONS:
                cache.scorers.clear()
            cache.scorers[revision_id] = scorer
    return int(scorer(answer))


# Per answer, not per process: the active set read once inside active_set_read_once().
_ACTIVE_SET_READ: ContextVar[list[int | None] | None] = ContextVar(
    "active_set_read", default=None
)


@contextmanager
def active_set_read_once() -> Iterator[None]:
    """Within this block, read the active parameter set once (one answer's worth).

    An answer looks up its adaptive pool before locking the session and again to
    choose the next item; both must use the same set, and the second read is a
    query that buys nothing.
    """
    token = _ACTIVE_SET_READ.set([])
    try:
        yield
    finally:
        _ACTIVE_SET_READ.reset(token)


def active_set_id() -> int | None:
    memo = _ACTIVE_SET_READ.get()
    if memo:
        return memo[0]
    pset = active_parameter_set()
    pk = pset.pk if pset is not None else None
    if memo is not None:
        memo.append(pk)
    return pk


def active_parameters(*, item_ids: Sequence[int] | None = None) -> ActiveParameters:
    return _active(item_ids=list(item_ids) if item_ids is not None else None)


def domain_levels(
    domain_code: str, *, cut_score_set_id: int | None = None
) -> list[Level]:
    return list(_levels(domain_code, cut_score_set_id=cut_score_set_id))


def domain_names() -> dict[str, tuple[str, str]]:
    """Return code -> (Chinese name, English name) of every domain."""

    return {
        d["code"]: (d.get("name_zh", d["code"]), d.get("name_en", ""))
        for d in domain_tree()
    }


def not_deliverable_error() -> type[Exception]:
    return ItemNotDeliverable


def level_decision(
    domain_code: str, theta: float | None, *, cut_score_set_id: int | None = None
) -> LevelDecision:
    """The level ``theta`` reaches and the cut-score version that decided it (item bank's
    ``level_for``: one function for results, outcomes and roll-ups)."""

    return _level_for(
        domain_code=domain_code, theta=theta, cut_score_set_id=cut_score_set_id
    )


def level_for(
    domain_code: str, theta: float | None, *, cut_score_set_id: int | None = None
) -> Level | None:
    """Return the level ``theta`` reaches (None without a cut-score set)."""
    return level_decision(domain_code, theta, cut_score_set_id=cut_score_set_id).level


@dataclass(frozen=True)
class AdaptivePool:
    """An adaptive instrument's calibrated pool on the active parameter set."""

    parameter_set_id: int | None
    item_ids: tuple[int, ...]  # bank position -> item id
    domains: tuple[str, ...]  # bank position -> item domain code
    bank: CATBank
    blueprint: dict[str, float] | None  # content area -> share, for select_next_item

    def position(self, item_id: int) -> int | None:
        try:
            return self.item_ids.index(int(item_id))
        except ValueError:
            return None


def _area_of(domain_code: str, blueprint: Mapping[str, float]) -> str:
    """Return the blueprint area an item domain falls in (longest matching prefix)."""
    best = ""
    for area in blueprint:
        if (domain_code == area or domain_code.startswith(area + ".")) and len(
            area
        ) > len(best):
            best = area
    return best or "~other"


def adaptive_pool(
    *,
    pool_ids: Sequence[int] | None,
    domain_codes: Sequence[str],
    blueprint: Mapping[str, float] | None,
    difficulty_range: tuple[float, float] | None = None,
) -> AdaptivePool:
    """Return the calibrated pool of an adaptive instrument (cached per active set).

    ``difficulty_range`` (lowest, highest) keeps only items whose location (b, or
    the mean threshold of a polytomous item) lies in it, as a blueprint asks.

    One thread of a process builds a pool at a time. When a cached pool has expired,
    the thread that notices it rebuilds it while the others keep answering from the
    old one: under load a rebuild takes seconds and holds a database connection, and
    a rebuild by every waiting answer exhausted the connection pool (benchmarks/README).
    A new active parameter set is a new key, so it is never served stale.
    """
    cache = DELIVERY_CACHE
    key: PoolKey = (
        active_set_id(),
        tuple(pool_ids or ()),
        tuple(domain_codes),
        tuple(sorted((blueprint or {}).items())),
        difficulty_range,
    )
    building: threading.Lock | None
    with cache.lock:
        hit = cache.pools.get(key)
        if hit is not None and time.monotonic() - hit[0] < POOL_TTL_SECONDS:
            return hit[1]
        building = cache.building.setdefault(key, threading.Lock())
    if hit is not None:
        if not building.acquire(blocking=False):
            return hit[
                1
            ]  # another thread is refreshing it: serve the old pool meanwhile
    elif not building.acquire(timeout=_BUILD_WAIT_SECONDS):
        building = None  # the first build is stuck elsewhere: build one of our own
    try:
        with cache.lock:
            hit = cache.pools.get(key)
        if hit is not None and time.monotonic() - hit[0] < POOL_TTL_SECONDS:
            return hit[1]  # built by the thread we waited for
        pool = adaptive_pool_build(
            pool_ids=pool_ids,
            domain_codes=domain_codes,
            blueprint=blueprint,
            difficulty_range=difficulty_range,
        )
        with cache.lock:
            if len(cache.pools) > _MAX_POOLS:
                cache.pools.clear()
            cache.pools[key] = (time.monotonic(), pool)
        return pool
    finally:
        if building is not None:
            building.release()


def adaptive_pool_build(
    *,
    pool_ids: Sequence[int] | None,
    domain_codes: Sequence[str],
    blueprint: Mapping[str, float] | None,
    difficulty_range: tuple[float, float] | None,
) -> AdaptivePool:
    """Build an adaptive pool from the database, uncached (see :func:`adaptive_pool`)."""
    ids = (
        list(pool_ids) if pool_ids else deliverable_item_ids(domain_codes=domain_codes)
    )
    active = active_parameters(item_ids=ids)
    if active.params is not None and difficulty_range is not None:
        low, high = difficulty_range
        keep = [k for k, b in enumerate(active.params.b) if low <= float(b) <= high]
        active = type(active)(
            active.parameter_set_id,
            [active.item_ids[k] for k in keep],
            active.params.subset(keep) if keep else None,
        )
    if not active.item_ids or active.params is None:
        raise ValueError("no item of this instrument has parameters in the active set")
    delivery = delivery_items(active.item_ids)
    domains = tuple(delivery[i].domain_code for i in active.item_ids)
    areas = None
    targets = None
    if blueprint:
        areas = [_area_of(code, blueprint) for code in domains]
        present = set(areas)
        targets = {
            area: float(share) for area, share in blueprint.items() if area in present
        }
        if not targets or sum(targets.values()) <= 0:
            areas, targets = None, None
    bank = CATBank(active.params, content_areas=areas)
    pool = AdaptivePool(
        parameter_set_id=active.parameter_set_id,
        item_ids=tuple(int(i) for i in active.item_ids),
        domains=domains,
        bank=bank,
        blueprint=targets,
    )
    return pool
