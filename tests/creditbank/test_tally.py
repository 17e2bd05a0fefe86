"""The district tally behind the account counts: kept by the services, rebuilt, backfilled."""

from __future__ import annotations

import threading
from datetime import datetime
from io import StringIO
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import F

from learning_platform.creditbank.models import DistrictAccountTally, LearningAccount
from learning_platform.creditbank.selectors import (
    account_counts_queryset,
    account_tally_differences,
)
from learning_platform.creditbank.services import (
    account_close,
    account_open,
    account_tally_rebuild,
)

TZ = ZoneInfo("Asia/Shanghai")
YEARS = range(2022, 2028)


def at(when):
    """Run the services at a moment (they stamp opened_at and closed_at with now)."""
    return mock.patch("django.utils.timezone.now", return_value=when)


def brute_force(year):
    """Accounts open at the end of the year, counted one by one in Python."""
    end = datetime(year + 1, 1, 1, tzinfo=TZ)
    counts: dict[int, int] = {}
    for account in LearningAccount.objects.all():
        if (
            account.district_id is not None
            and account.opened_at < end
            and (account.closed_at is None or account.closed_at >= end)
        ):
            counts[account.district_id] = counts.get(account.district_id, 0) + 1
    return counts


def from_tally(year):
    return {
        district_id: n
        for district_id, n in account_counts_queryset(year=year).values_list(
            "district_id", "n"
        )
        if n
    }


@pytest.fixture
def three(districts):
    by_code = {d.code: d for d in districts}
    return by_code["310101"], by_code["310104"], by_code["310115"]


@pytest.mark.django_db
def test_the_services_keep_the_counts_of_every_year(make_user, three):
    huangpu, xuhui, pudong = three

    def opened(district, when):
        with at(when):
            return account_open(user=make_user("citizen"), district=district)

    a = opened(huangpu, datetime(2023, 3, 1, 9, tzinfo=TZ))
    opened(huangpu, datetime(2023, 12, 31, 23, 30, tzinfo=TZ))  # New Year's Eve, local
    b = opened(xuhui, datetime(2024, 1, 1, 0, 15, tzinfo=TZ))  # 2023 in UTC
    c = opened(pudong, datetime(2024, 6, 1, tzinfo=TZ))
    d = opened(pudong, datetime(2025, 2, 1, tzinfo=TZ))
    with at(datetime(2026, 1, 1, 0, 5, tzinfo=TZ)):
        opened(xuhui, datetime(2026, 1, 1, 0, 5, tzinfo=TZ))
    # no district: not counted until it gets one
    e = opened(None, datetime(2024, 5, 5, tzinfo=TZ))
    assert e.district_id is None

    with at(datetime(2024, 12, 31, 23, 59, tzinfo=TZ)):
        account_close(account=a)
    with at(datetime(2025, 7, 1, tzinfo=TZ)):
        account_close(account=c)
    # moves: an open account, a closed one, and one that had no district
    account_open(user=b.user, district=pudong)
    account_open(user=c.user, district=huangpu)
    account_open(user=e.user, district=xuhui)
    # the same district again changes nothing
    account_open(user=d.user, district=pudong)

    assert LearningAccount.objects.get(pk=c.pk).district == huangpu
    for year in YEARS:
        assert from_tally(year) == brute_force(year), year
    assert from_tally(2024) == {huangpu.pk: 2, xuhui.pk: 1, pudong.pk: 1}
    assert account_tally_differences() == []
    # the closed account moved: its opening and closure left Pudong together
    assert not DistrictAccountTally.objects.filter(
        district=pudong, day="2024-06-01", opened__gt=0
    ).exists()


@pytest.mark.django_db
def test_district_limit_and_a_district_with_no_accounts(make_user, three):
    huangpu, xuhui, _pudong = three
    with at(datetime(2024, 3, 1, tzinfo=TZ)):
        account_open(user=make_user("citizen"), district=huangpu)
    rows = list(account_counts_queryset(year=2024, district_ids=[xuhui.pk, huangpu.pk]))
    assert rows == [{"district_id": huangpu.pk, "n": 1}]
    assert list(account_counts_queryset(year=2023)) == []


@pytest.mark.django_db
def test_check_names_the_district_and_day_and_the_rebuild_fixes_it(make_user, three):
    huangpu, xuhui, _pudong = three
    with at(datetime(2025, 4, 2, 10, tzinfo=TZ)):
        account_open(user=make_user("citizen"), district=huangpu)
        account_open(user=make_user("citizen"), district=xuhui)
    call_command("creditbank_tally", "--check", stdout=StringIO())

    DistrictAccountTally.objects.filter(district=huangpu).update(opened=F("opened") + 2)
    DistrictAccountTally.objects.filter(district=xuhui).delete()
    out = StringIO()
    with pytest.raises(CommandError, match="2 district-days"):
        call_command("creditbank_tally", "--check", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines == [
        "district 310101 on 2025-04-02: opened 3 in the tally, 1 live; "
        "closed 0 in the tally, 0 live",
        "district 310104 on 2025-04-02: opened 0 in the tally, 1 live; "
        "closed 0 in the tally, 0 live",
    ]
    assert from_tally(2025) != brute_force(2025)

    out = StringIO()
    call_command("creditbank_tally", stdout=out)
    assert "2 district-days" in out.getvalue()
    call_command("creditbank_tally", "--check", stdout=StringIO())
    assert from_tally(2025) == brute_force(2025) == {huangpu.pk: 1, xuhui.pk: 1}
    assert account_tally_rebuild() == 2


@pytest.mark.django_db(transaction=True)
def test_the_migration_backfills_the_tally_from_the_accounts(districts, make_user):
    huangpu = next(d for d in districts if d.code == "310101")
    xuhui = next(d for d in districts if d.code == "310104")
    executor = MigrationExecutor(connection)
    before = [("creditbank", "0004_expiry_runs")]
    after = [("creditbank", "0005_district_account_tally")]
    executor.migrate(before)
    try:
        # accounts written before the tally existed (the table is the same at 0004)
        moments = [
            (huangpu, datetime(2023, 12, 31, 23, 30, tzinfo=TZ), None),
            (huangpu, datetime(2024, 1, 1, 0, 30, tzinfo=TZ), None),
            (
                xuhui,
                datetime(2024, 5, 1, tzinfo=TZ),
                datetime(2025, 1, 1, 1, tzinfo=TZ),
            ),
            (None, datetime(2024, 5, 1, tzinfo=TZ), None),
        ]
        for n, (district, opened_at, closed_at) in enumerate(moments):
            LearningAccount.objects.create(
                user=make_user("citizen"),
                number=f"31000000000{n}",
                district=district,
                opened_via="explicit",
                opened_at=opened_at,
                closed_at=closed_at,
                status="closed" if closed_at else "open",
            )
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        assert set(
            DistrictAccountTally.objects.values_list(
                "district__code", "day", "opened", "closed"
            )
        ) == {
            ("310101", datetime(2023, 12, 31).date(), 1, 0),
            ("310101", datetime(2024, 1, 1).date(), 1, 0),
            ("310104", datetime(2024, 5, 1).date(), 1, 0),
            ("310104", datetime(2025, 1, 1).date(), 0, 1),
        }
        for year in YEARS:
            assert from_tally(year) == brute_force(year), year
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_concurrent_openings_and_moves_all_count(make_user, districts):
    """Writers racing on one district and day: the upsert adds, none is lost or refused."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL")
    huangpu = next(d for d in districts if d.code == "310101")
    xuhui = next(d for d in districts if d.code == "310104")
    users = [make_user("citizen") for _ in range(8)]
    barrier = threading.Barrier(len(users))
    errors: list[Exception] = []

    def work(user):
        try:
            barrier.wait(timeout=30)
            account_open(user=user, district=huangpu)
            barrier.wait(timeout=30)
            if user.pk % 2:
                account_open(user=user, district=xuhui)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            connection.close()

    with at(datetime(2025, 9, 1, 12, tzinfo=TZ)):
        threads = [threading.Thread(target=work, args=(u,)) for u in users]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if connection.settings_dict.get("OPTIONS", {}).get("pool"):
        connection.close_pool()  # the threads grew the process's pool; start it afresh
    assert errors == []
    moved = sum(1 for u in users if u.pk % 2)
    assert (
        from_tally(2025)
        == brute_force(2025)
        == {
            huangpu.pk: len(users) - moved,
            xuhui.pk: moved,
        }
    )
    assert account_tally_differences() == []
