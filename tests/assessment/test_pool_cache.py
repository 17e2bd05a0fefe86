"""The adaptive pool is built by one thread at a time; the others are never kept waiting
on a refresh.

Under load an expired pool used to be rebuilt by every answer that arrived during the
rebuild, each holding a database connection for seconds: with the connection pool on,
the answers then failed for want of a connection (benchmarks/README.md, load).
"""

from __future__ import annotations

import threading
import time

import pytest

from assessment import items


@pytest.fixture
def slow_build(monkeypatch):
    calls = []
    release = threading.Event()

    def build(**kwargs):
        calls.append(kwargs)
        release.wait(5)
        return object()

    monkeypatch.setattr(items, "adaptive_pool_build", build)
    monkeypatch.setattr(items, "active_set_id", lambda: 7)
    items.pool_cache_clear()
    yield calls, release
    release.set()
    items.pool_cache_clear()


def _ask():
    return items.adaptive_pool(pool_ids=[1, 2], domain_codes=["info"], blueprint=None)


def _run(n: int) -> tuple[list, list[threading.Thread]]:
    out: list = []
    threads = [threading.Thread(target=lambda: out.append(_ask())) for _ in range(n)]
    for t in threads:
        t.start()
    return out, threads


def test_an_expired_pool_is_refreshed_by_one_thread_while_the_others_use_the_old(
    slow_build,
):
    calls, release = slow_build
    release.set()
    old = _ask()
    assert len(calls) == 1
    key = next(iter(items.DELIVERY_CACHE.pools))
    items.DELIVERY_CACHE.pools[key] = (
        time.monotonic() - items.POOL_TTL_SECONDS - 1,
        old,
    )  # expire it
    release.clear()
    out, threads = _run(8)
    deadline = time.monotonic() + 5
    while len(out) < 7 and time.monotonic() < deadline:
        time.sleep(0.01)
    # seven answers were served the old pool while the eighth thread is still building
    assert len(out) == 7 and all(pool is old for pool in out)
    assert len(calls) == 2
    release.set()
    for t in threads:
        t.join(5)
    assert len(out) == 8 and out.count(old) == 7
    assert _ask() is not old and len(calls) == 2  # the new pool is cached


def test_the_first_build_is_shared_by_the_threads_that_wait_for_it(slow_build):
    calls, release = slow_build
    out, threads = _run(6)
    time.sleep(0.2)
    assert len(calls) == 1 and out == []  # everyone waits for the one build
    release.set()
    for t in threads:
        t.join(5)
    assert len(out) == 6 and len({id(p) for p in out}) == 1
    assert len(calls) == 1


@pytest.mark.django_db
def test_a_refresh_builds_only_the_payloads_of_changed_revisions(
    item_bank, monkeypatch
):
    built: list[int] = []
    real = items.items_for_delivery

    def counting(ids):
        built.extend(ids)
        return real(ids)

    monkeypatch.setattr(items, "items_for_delivery", counting)
    ids = item_bank.ids[:12]
    first = items.delivery_items(ids)
    assert sorted(built) == sorted(ids)
    built.clear()
    again = items.delivery_items(ids)
    assert built == [] and again == first  # nothing re-rendered
    changed = first[ids[3]]
    items.DELIVERY_CACHE.revisions.pop(
        changed.revision_id
    )  # as a new revision would miss the cache
    items.delivery_items(ids)
    assert built == [ids[3]]
    item_bank.withdraw(ids[5])
    with pytest.raises(items.not_deliverable_error()):
        items.delivery_items(ids)


@pytest.mark.django_db
def test_a_newly_activated_parameter_set_is_delivered_without_clearing_the_cache(
    item_bank, django_capture_on_commit_callbacks
):
    """Activating a set needs no cache clear: pools are keyed by the active set."""
    from django.contrib.auth import get_user_model

    from itembank.services import parameter_set_activate, parameter_set_create

    # given a pool built and cached under the first active set
    old = items.adaptive_pool(pool_ids=None, domain_codes=["info"], blueprint=None)
    assert old.parameter_set_id == item_bank.parameter_set_id
    # when a second set is activated (its commit hooks run)
    approver = get_user_model().objects.create(username="second-approver")
    new_set = parameter_set_create(
        name="second set",
        model="2pl",
        source="tests",
        items={i: {"a": 1.0, "b": 0.25} for i in item_bank.ids},
    )
    with django_capture_on_commit_callbacks(execute=True):
        parameter_set_activate(parameter_set=new_set, approved_by=approver)
    # then delivery builds from the new set although nothing cleared the old pool
    assert items.DELIVERY_CACHE.pools  # the old pool is still cached
    fresh = items.adaptive_pool(pool_ids=None, domain_codes=["info"], blueprint=None)
    assert fresh is not old
    assert fresh.parameter_set_id == new_set.pk
    assert set(fresh.bank.params.b.tolist()) == {0.25}
