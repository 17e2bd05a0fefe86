"""The credit bank at scale: the bulk generator's rows, and costs per account that stay flat.

The generator (``benchmarks/creditbank_gen.py``) fills the benchmark's databases with
``COPY``; here it runs at a tiny size through the same code (``COPY`` on PostgreSQL,
``executemany`` on SQLite), so the benchmark measures rows the services would write.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, F, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from benchmarks import creditbank_gen as gen
from learning_platform.creditbank import selectors, services
from learning_platform.creditbank.models import (
    CreditEntry,
    DistrictAccountTally,
    LearningAccount,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def bank(districts, today):
    """A tiny generated bank: 120 accounts and everything in them."""
    return gen.load(connection, accounts=120, today=today, seed=7, block=50)


def test_generated_rows_hold_what_the_services_guarantee(bank, today):
    counts = bank.counts
    assert counts["creditbank_learningaccount"] == counts["accounts_user"] == 120
    entries = counts["creditbank_creditentry"]
    assert 15 * 120 < entries < 26 * 120  # about 20 ledger entries an account
    assert counts["creditbank_learningoutcome"] > 5 * 120
    assert (
        counts["creditbank_outcomedomainscore"] > 0
        and counts["creditbank_issuedcredential"] > 0
    )
    assert CreditEntry.objects.count() == entries
    kinds = set(CreditEntry.objects.values_list("kind", flat=True).distinct())
    assert kinds == {"award", "expiry", "reversal", "correction"}
    assert gen.consistency_problems(connection, today=today) == {}
    assert gen.tally_problems() == []
    # the district counts read the tally; they equal a count over the accounts
    assert _tally_counts(today.year) == _live_counts(today.year)
    assert _tally_counts(today.year - 3) == _live_counts(today.year - 3)
    # account numbers carry their check digit, as the services' numbers do
    assert all(
        services.account_number_valid(n)
        for n in LearningAccount.objects.values_list("number", flat=True)
    )


def _tally_counts(year):
    return {
        district_id: n
        for district_id, n in selectors.account_counts_queryset(year=year).values_list(
            "district_id", "n"
        )
        if n
    }


def _live_counts(year):
    end = timezone.make_aware(datetime(year + 1, 1, 1))
    return dict(
        LearningAccount.objects.filter(
            Q(closed_at__isnull=True) | Q(closed_at__gte=end),
            opened_at__lt=end,
            district__isnull=False,
        )
        .values("district_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("district_id", "n")
    )


def test_tally_check_can_fail(bank, today):
    account = LearningAccount.objects.exclude(district=None).first()
    day = timezone.localtime(account.opened_at).date()
    DistrictAccountTally.objects.filter(district=account.district, day=day).update(
        opened=F("opened") + 1
    )
    assert len(gen.tally_problems()) == 1
    assert _tally_counts(today.year) != _live_counts(today.year)


def test_consistency_checks_can_fail(bank, today):
    account = LearningAccount.objects.filter(credits_balance__gt=0).first()
    LearningAccount.objects.filter(pk=account.pk).update(
        credits_balance=Decimal("0.01")
    )
    assert gen.consistency_problems(connection, today=today) == {
        "balance differs from the ledger": 1
    }


def test_a_second_load_continues_the_ids_and_numbers(bank, districts, today):
    more = gen.load(connection, accounts=30, today=today, seed=8)
    assert LearningAccount.objects.count() == 150
    assert more.counts["creditbank_learningaccount"] == 30
    assert gen.consistency_problems(connection, today=today) == {}
    assert gen.tally_problems() == []
    assert _tally_counts(today.year) == _live_counts(today.year)


def test_the_daily_job_expires_exactly_what_the_generator_left_for_today(bank, today):
    due_today = CreditEntry.objects.filter(
        kind="award", expires_on=today, outcome__revoked_at__isnull=True
    ).count()
    due = services.awards_due_to_expire(today=today)
    assert due.count() == due_today
    written = services.credits_expire(today=today)
    assert len(written) == due_today
    assert services.credits_expire(today=today) == []
    assert gen.consistency_problems(connection, today=today) == {}


def test_reversed_awards_are_not_due_again(citizen, record, info_rule):
    outcome = record(day=(2023, 1, 10))
    services.outcome_revoke(outcome=outcome, revoked_by=None, reason="withdrawn")
    later = date(2030, 1, 1)
    assert not services.awards_due_to_expire(today=later).exists()
    assert services.credits_expire(today=later) == []


def _queries(client, user, url):
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "url",
    [
        "/creditbank/",
        "/api/v1/creditbank/account",
        "/api/v1/creditbank/credits",
        "/creditbank/my-data.json",
    ],
)
def test_queries_per_request_do_not_grow_with_the_bank(client, districts, today, url):
    gen.load(connection, accounts=5, today=today, seed=1)
    user = LearningAccount.objects.order_by("pk").first().user
    _queries(client, user, url)  # warm caches (site, settings)
    small = _queries(client, user, url)
    gen.load(connection, accounts=60, today=today, seed=2)
    assert _queries(client, user, url) == small


def test_account_page_queries_do_not_grow_with_the_accounts_own_ledger(
    client, citizen, record, info_rule, admin_user
):
    client.force_login(citizen)
    record()
    client.get("/creditbank/")
    with CaptureQueriesContext(connection) as first:
        assert client.get("/creditbank/").status_code == 200
    award = CreditEntry.objects.get(kind="award")
    for i in range(30):
        services.credit_correct(
            entry=award,
            credits=Decimal("0.5"),
            reason=f"fix {i}",
            corrected_by=admin_user,
        )
    with CaptureQueriesContext(connection) as second:
        response = client.get("/creditbank/")
    assert len(second) == len(first)
    # the page lists the latest 20 entries, newest first
    assert response.content.decode().count("fix ") == 20
    assert (
        "fix 29" in response.content.decode()
        and "fix 9<" not in response.content.decode()
    )


def test_ledger_pages_cover_the_ledger_once(
    client, citizen, record, info_rule, admin_user
):
    record()
    award = CreditEntry.objects.get(kind="award")
    for i in range(6):
        services.credit_correct(
            entry=award,
            credits=Decimal("0.5"),
            reason=f"fix {i}",
            corrected_by=admin_user,
        )
    client.force_login(citizen)
    ids, after = [], None
    while True:
        url = "/api/v1/creditbank/credits?limit=3" + (
            f"&after={after}" if after else ""
        )
        page = client.get(url).json()
        if not page:
            break
        ids += [e["id"] for e in page]
        after = page[-1]["id"]
    assert ids == list(
        CreditEntry.objects.filter(account__user=citizen)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert client.get("/api/v1/creditbank/credits?limit=0").status_code == 422
    assert client.get("/api/v1/creditbank/credits?limit=501").status_code == 422
    # newest first, paging back
    account = citizen.learning_account
    newest = list(selectors.ledger_page(account=account, limit=4))
    older = list(selectors.ledger_page(account=account, limit=4, before=newest[-1].pk))
    assert [e.pk for e in newest + older] == sorted(ids, reverse=True)


def test_paging_back_from_an_entry_of_another_account_is_refused(
    citizen, other_citizen, record, info_rule
):
    from django.core.exceptions import ValidationError

    record()
    theirs = record(other_citizen)
    entry = CreditEntry.objects.filter(outcome=theirs).first()
    with pytest.raises(ValidationError, match="no entry"):
        list(selectors.ledger_page(account=citizen.learning_account, before=entry.pk))
