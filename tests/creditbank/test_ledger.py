"""Conversion rules applied to outcomes, caps, expiry, corrections and the append-only ledger."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Sum

from learning_platform.creditbank.models import (
    AppendOnlyError,
    ConversionRuleVersion,
    CreditEntry,
    LearningAccount,
)
from learning_platform.creditbank.services import (
    account_open,
    conversion_rule_save,
    credit_correct,
    credits_apply,
    credits_expire,
    outcome_enter,
    outcome_revoke,
)

pytestmark = pytest.mark.django_db


def balances(user):
    account = LearningAccount.objects.get(user=user)
    totals = CreditEntry.objects.filter(account=account).aggregate(
        c=Sum("credits"), p=Sum("points")
    )
    # The denormalised balance always equals the ledger's sum.
    assert account.credits_balance == (totals["c"] or 0)
    assert account.points_balance == (totals["p"] or 0)
    return account.credits_balance, account.points_balance


def test_matching_rule_awards_credits_and_names_its_version(citizen, record, info_rule):
    outcome = record(level="L3")
    entry = CreditEntry.objects.get(outcome=outcome)
    assert (entry.kind, entry.credits, entry.points) == ("award", Decimal("1.00"), 10)
    assert entry.rule_version == 1
    assert entry.period_key == "2026"
    assert entry.expires_on == date(2028, 3, 10)
    assert balances(citizen) == (Decimal("1.00"), 10)


def test_level_outside_the_rule_earns_nothing(citizen, record, info_rule):
    record(level="L1")
    assert not CreditEntry.objects.exists()


def test_other_domain_earns_nothing(citizen, record, info_rule):
    record(domain="health")
    assert not CreditEntry.objects.exists()


def test_applying_twice_awards_once(citizen, record, info_rule):
    outcome = record()
    assert credits_apply(outcome=outcome) == []
    assert CreditEntry.objects.count() == 1


def test_cap_per_year_limits_credits_and_points(citizen, record, info_rule):
    # given a cap of 2 credits and 25 points per calendar year
    for day in [(2026, 1, 5), (2026, 2, 5), (2026, 3, 5)]:
        record(day=day)
    # then the third award is cut to what is left under the caps, the fourth earns nothing
    fourth = record(day=(2026, 4, 5))
    awards = list(CreditEntry.objects.order_by("pk").values_list("credits", "points"))
    assert awards == [
        (Decimal("1.00"), 10),
        (Decimal("1.00"), 10),
        (Decimal("0.00"), 5),
    ]
    assert not CreditEntry.objects.filter(outcome=fourth).exists()
    assert balances(citizen) == (Decimal("2.00"), 25)
    # and a new year starts with a fresh cap
    record(day=(2027, 1, 5))
    assert balances(citizen) == (Decimal("3.00"), 35)


def test_monthly_cap(citizen, record, admin_user):
    conversion_rule_save(
        code="monthly",
        data={
            "name": "月度",
            "outcome_kind": "assessment",
            "credits": "0.5",
            "cap_period": "month",
            "cap_credits": "0.5",
        },
        changed_by=admin_user,
    )
    record(day=(2026, 5, 1))
    record(day=(2026, 5, 20))
    record(day=(2026, 6, 1))
    assert balances(citizen) == (Decimal("1.00"), 0)


def test_expiry_writes_a_negative_entry_once(citizen, record, info_rule):
    record(day=(2024, 1, 10))
    assert credits_expire(today=date(2026, 1, 9)) == []
    [expiry] = credits_expire(today=date(2026, 1, 10))
    assert (expiry.kind, expiry.credits, expiry.points) == (
        "expiry",
        Decimal("-1.00"),
        -10,
    )
    assert credits_expire(today=date(2027, 1, 1)) == []
    assert balances(citizen) == (0, 0)


def test_expiry_takes_corrections_into_account(citizen, record, info_rule, admin_user):
    outcome = record(day=(2024, 1, 10))
    award = CreditEntry.objects.get(outcome=outcome)
    credit_correct(
        entry=award, credits="-0.25", points=-3, reason="复核", corrected_by=admin_user
    )
    [expiry] = credits_expire(today=date(2026, 6, 1))
    assert (expiry.credits, expiry.points) == (Decimal("-0.75"), -7)
    assert balances(citizen) == (0, 0)


def test_expiry_does_not_free_room_under_the_cap(citizen, record, info_rule):
    record(day=(2026, 1, 5))
    record(day=(2026, 2, 5))
    credits_expire(today=date(2030, 1, 1))
    record(day=(2026, 3, 5))
    assert (
        CreditEntry.objects.filter(kind="award").aggregate(c=Sum("credits"))["c"] == 2
    )


def test_rules_outside_their_dates_do_not_apply(citizen, record, admin_user):
    conversion_rule_save(
        code="dated",
        data={
            "name": "限期",
            "outcome_kind": "assessment",
            "credits": "1",
            "valid_from": date(2026, 6, 1),
            "valid_to": date(2026, 12, 31),
        },
        changed_by=admin_user,
    )
    record(day=(2026, 5, 31))
    assert not CreditEntry.objects.exists()
    record(day=(2026, 6, 1))
    assert CreditEntry.objects.count() == 1


def test_inactive_rule_does_not_apply(citizen, record, info_rule, admin_user):
    conversion_rule_save(
        code=info_rule.code, data={"active": False}, changed_by=admin_user
    )
    record()
    assert not CreditEntry.objects.exists()


def test_institution_outcome_rule(citizen, institution, admin_user):
    conversion_rule_save(
        code="vocational",
        data={
            "name": "职业技能证书",
            "outcome_kind": "vocational_certificate",
            "credits": "4",
            "points": 40,
        },
        changed_by=admin_user,
    )
    account = account_open(user=citizen)
    outcome_enter(
        entered_by=institution,
        account_number=account.number,
        kind="vocational_certificate",
        title="育婴员",
        achieved_on="2025-01-01",
        evidence_ref="C-1",
    )
    assert balances(citizen) == (Decimal("4.00"), 40)


def test_rule_changes_keep_history_and_new_awards_use_the_new_version(
    citizen, record, info_rule, admin_user
):
    first = record(day=(2026, 1, 1))
    rule = conversion_rule_save(
        code=info_rule.code,
        data={"credits": Decimal("1.50")},
        changed_by=admin_user,
        comment="2026 标准调整",
    )
    assert rule.version == 2
    versions = list(ConversionRuleVersion.objects.filter(rule=rule).order_by("version"))
    assert [v.data["credits"] for v in versions] == ["1.00", "1.50"]
    assert (
        versions[1].comment == "2026 标准调整" and versions[1].changed_by == admin_user
    )
    second = record(day=(2026, 2, 1))
    assert CreditEntry.objects.get(outcome=first).rule_version == 1
    assert CreditEntry.objects.get(outcome=second).rule_version == 2
    # saving the same data again adds no version
    conversion_rule_save(
        code=info_rule.code, data={"credits": Decimal("1.50")}, changed_by=admin_user
    )
    assert ConversionRuleVersion.objects.filter(rule=rule).count() == 2


@pytest.mark.parametrize(
    "data, field",
    [
        ({"credits": "-1"}, "credits"),
        ({"level_codes": "L3"}, "level_codes"),
        ({"cap_period": "none"}, "cap_period"),
        ({"cap_credits": None, "cap_points": None}, "cap_credits"),
        ({"valid_from": date(2026, 2, 1), "valid_to": date(2026, 1, 1)}, "valid_to"),
        ({"outcome_kind": "magic"}, "outcome_kind"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_rule_data_is_refused_and_the_rule_is_unchanged(
    info_rule, admin_user, data, field
):
    with pytest.raises(ValidationError) as excinfo:
        conversion_rule_save(code=info_rule.code, data=data, changed_by=admin_user)
    assert field in excinfo.value.message_dict
    info_rule.refresh_from_db()
    assert info_rule.version == 1 and info_rule.credits == Decimal("1.00")


def test_correction_is_a_new_entry_and_the_award_is_unchanged(
    citizen, record, info_rule, admin_user
):
    award = CreditEntry.objects.get(outcome=record())
    correction = credit_correct(
        entry=award, credits="0.5", points=0, reason="补录学时", corrected_by=admin_user
    )
    assert correction.pk != award.pk and correction.corrects == award
    award.refresh_from_db()
    assert award.credits == Decimal("1.00")
    assert balances(citizen) == (Decimal("1.50"), 10)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"credits": "-2", "reason": "x"}, "credits"),
        ({"credits": "0", "reason": "x"}, "credits"),
        ({"credits": "abc", "reason": "x"}, "credits"),
        ({"credits": "1", "reason": " "}, "reason"),
    ],
)
def test_bad_corrections_are_refused(
    citizen, record, info_rule, admin_user, kwargs, field
):
    award = CreditEntry.objects.get(outcome=record())
    with pytest.raises(ValidationError) as excinfo:
        credit_correct(entry=award, corrected_by=admin_user, **kwargs)
    assert field in excinfo.value.message_dict
    assert CreditEntry.objects.count() == 1


def test_only_awards_can_be_corrected(citizen, record, info_rule, admin_user):
    award = CreditEntry.objects.get(outcome=record())
    correction = credit_correct(
        entry=award, credits="1", reason="x", corrected_by=admin_user
    )
    with pytest.raises(ValidationError, match="Only an award"):
        credit_correct(
            entry=correction, credits="1", reason="x", corrected_by=admin_user
        )


def test_revoking_an_outcome_reverses_its_credits(
    citizen, record, info_rule, admin_user
):
    outcome = record()
    outcome_revoke(outcome=outcome, revoked_by=admin_user, reason="重复登记")
    kinds = list(CreditEntry.objects.order_by("pk").values_list("kind", "credits"))
    assert kinds == [("award", Decimal("1.00")), ("reversal", Decimal("-1.00"))]
    assert balances(citizen) == (0, 0)
    # revoking again changes nothing
    outcome_revoke(outcome=outcome, revoked_by=admin_user, reason="again")
    assert CreditEntry.objects.count() == 2


def test_ledger_entries_cannot_be_changed_through_the_orm(citizen, record, info_rule):
    entry = CreditEntry.objects.get(outcome=record())
    entry.credits = Decimal("99")
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        CreditEntry.objects.filter(pk=entry.pk).update(credits=99)
    with pytest.raises(AppendOnlyError):
        CreditEntry.objects.all().delete()
    assert CreditEntry.objects.get(pk=entry.pk).credits == Decimal("1.00")


def test_ledger_entries_cannot_be_changed_in_the_database(citizen, record, info_rule):
    entry = CreditEntry.objects.get(outcome=record())
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE creditbank_creditentry SET credits = 99 WHERE id = %s",
                [entry.pk],
            )
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "DELETE FROM creditbank_creditentry WHERE id = %s", [entry.pk]
                )
    assert CreditEntry.objects.get(pk=entry.pk).credits == Decimal("1.00")


def test_expiry_command_and_task(citizen, record, info_rule):
    import io

    from django.core.management import CommandError, call_command

    from learning_platform.creditbank.tasks import credits_expire_task

    record(day=(2024, 1, 10))
    with pytest.raises(CommandError, match="not a date"):
        call_command("creditbank_expire", today="soon")
    out = io.StringIO()
    call_command("creditbank_expire", today="2026-02-01", stdout=out)
    assert "1 expiry entries" in out.getvalue()
    assert credits_expire_task.enqueue(today="2026-03-01").return_value == 0
    assert balances(citizen) == (0, 0)


def test_a_run_starts_where_the_last_finished_run_stopped(citizen, record, info_rule):
    """The daily job reads awards expiring since the last run or appended since it started."""
    from learning_platform.creditbank.models import ExpiryRun
    from learning_platform.creditbank.services import (
        awards_due_to_expire,
        expiry_last_run,
    )

    record(day=(2024, 1, 10))  # expires 2026-01-10
    assert expiry_last_run() is None
    [first] = credits_expire(today=date(2026, 1, 10))
    run = expiry_last_run()
    assert (run.through, run.written) == (date(2026, 1, 10), 1)
    assert run.last_entry_id < first.pk

    # An award expiring later is read on its day; the old, settled one is not read again.
    record(day=(2024, 6, 1))  # expires 2026-06-01
    due = awards_due_to_expire(today=date(2026, 6, 1), since=run)
    assert [a.expires_on for a in due] == [date(2026, 6, 1)]
    [second] = credits_expire(today=date(2026, 6, 1))
    assert second.corrects.expires_on == date(2026, 6, 1)

    # An outcome entered late, its validity already past the last run's day, is still expired.
    record(day=(2023, 2, 1))  # expires 2025-02-01, before any run's day
    [late] = credits_expire(today=date(2026, 6, 2))
    assert late.corrects.expires_on == date(2025, 2, 1)
    assert credits_expire(today=date(2026, 6, 3)) == []
    assert ExpiryRun.objects.count() == 4
    assert balances(citizen) == (0, 0)


def test_a_run_for_an_earlier_day_does_not_move_the_start_back(
    citizen, record, info_rule
):
    from learning_platform.creditbank.services import expiry_last_run

    record(day=(2024, 1, 10))
    credits_expire(today=date(2026, 3, 1))
    assert credits_expire(today=date(2026, 1, 1)) == []
    assert expiry_last_run().through == date(2026, 3, 1)


def test_a_full_run_finds_what_the_window_leaves(citizen, record, info_rule):
    """An award expired before the last run's day but never expired (the run was given a
    ledger written around it) is found by ``full=True`` only."""
    from learning_platform.creditbank.models import ExpiryRun

    outcome = record(day=(2024, 1, 10))  # expires 2026-01-10
    award = CreditEntry.objects.get(outcome=outcome)
    ExpiryRun.objects.create(
        through=date(2026, 2, 1),
        last_entry_id=award.pk,
        started_at="2026-02-01T00:00:00Z",
    )
    assert credits_expire(today=date(2026, 2, 2)) == []
    [expiry] = credits_expire(today=date(2026, 2, 2), full=True)
    assert expiry.corrects_id == award.pk
