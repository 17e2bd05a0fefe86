"""Recording outcomes: platform assessments (the delivery contract) and institution entries."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError

from learning_platform.creditbank.models import (
    AccountStatus,
    LearningAccount,
    LearningOutcome,
)
from learning_platform.creditbank.services import (
    AccountClosed,
    account_close,
    account_number_valid,
    account_open,
    outcome_enter,
    outcome_record_assessment,
    outcomes_import,
)
from learning_platform.errors import ApiError

from .conftest import SHANGHAI

pytestmark = pytest.mark.django_db


def test_first_assessment_opens_the_account(citizen, record, huangpu):
    assert not LearningAccount.objects.filter(user=citizen).exists()
    outcome = record()
    account = LearningAccount.objects.get(user=citizen)
    assert outcome.account == account
    assert account.opened_via == "first_use"
    assert account.district == huangpu
    assert account_number_valid(account.number)
    assert outcome.achieved_on == date(2026, 3, 10)
    assert outcome.parameter_set_id == 7
    assert [(s.domain_code, s.theta, s.se) for s in outcome.domain_scores.all()] == [
        ("info", 0.5, 0.3),
        ("info.data", pytest.approx(0.3), 0.4),
    ]


def test_recording_is_idempotent_on_source_ref(citizen, record):
    first = record(ref="assessment-session:abc")
    again = record(ref="assessment-session:abc", theta=2.0)
    assert again.pk == first.pk
    assert LearningOutcome.objects.count() == 1
    assert again.domain_scores.get(domain_code="info").theta == 0.5


def test_source_ref_of_another_user_is_refused(record, other_citizen):
    record(ref="assessment-session:abc")
    with pytest.raises(ValidationError, match="another account"):
        record(other_citizen, ref="assessment-session:abc")


@pytest.mark.parametrize(
    "scores, message",
    [
        (
            [{"domain_code": "info", "theta": float("nan"), "se": 0.3}],
            r"domain_scores\[0\].theta",
        ),
        (
            [{"domain_code": "info", "theta": "high", "se": 0.3}],
            r"domain_scores\[0\].theta",
        ),
        ([{"domain_code": "info", "theta": 0.1, "se": -1}], r"domain_scores\[0\].se"),
        ([{"theta": 0.1}], r"domain_scores\[0\].domain_code"),
        (
            [
                {"domain_code": "info", "theta": 0.1},
                {"domain_code": "info", "theta": 0.2},
            ],
            r"domain_scores\[1\] repeats",
        ),
        ("info", "must be a list"),
    ],
)
def test_bad_domain_scores_are_refused_and_nothing_is_saved(citizen, scores, message):
    with pytest.raises(ValidationError, match=message):
        outcome_record_assessment(
            user=citizen,
            source_ref="assessment-session:x",
            instrument_code="I",
            instrument_name="I",
            completed_at=datetime(2026, 1, 1, tzinfo=SHANGHAI),
            level_code="L1",
            level_name="",
            domain_scores=scores,
            parameter_set_id=None,
        )
    assert LearningOutcome.objects.count() == 0


def test_naive_completion_time_is_refused(citizen):
    with pytest.raises(ValidationError, match="time zone"):
        outcome_record_assessment(
            user=citizen,
            source_ref="s:1",
            instrument_code="I",
            instrument_name="I",
            completed_at=datetime(2026, 1, 1),
            level_code="",
            level_name="",
            domain_scores=[],
            parameter_set_id=None,
        )


def test_closed_account_takes_no_new_outcomes(citizen, record):
    record()
    account_close(account=citizen.learning_account)
    with pytest.raises(AccountClosed) as excinfo:
        record()
    assert excinfo.value.code == "account_closed"
    assert LearningOutcome.objects.count() == 1


def test_explicit_opening_sets_district_and_is_idempotent(citizen, districts):
    xuhui = next(d for d in districts if d.code == "310104")
    account = account_open(user=citizen, district=xuhui)
    assert account.opened_via == "explicit" and account.district == xuhui
    assert account_open(user=citizen).pk == account.pk
    assert account.status == AccountStatus.OPEN


def test_institution_enters_an_outcome_with_evidence(citizen, institution):
    account = account_open(user=citizen)
    outcome = outcome_enter(
        entered_by=institution,
        account_number=account.number,
        kind="vocational_certificate",
        title="育婴员（五级）",
        achieved_on="2025-12-01",
        evidence_ref="CERT-2025-001",
        hours="48",
    )
    assert outcome.source == "上海开放大学"
    assert outcome.entered_by == institution
    assert outcome.hours == 48


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"kind": "assessment"}, "kind"),
        ({"kind": "spaceflight"}, "kind"),
        ({"title": ""}, "title"),
        ({"evidence_ref": ""}, "evidence"),
        ({"evidence_url": "ftp://x"}, "evidence_url"),
        ({"achieved_on": "2025-13-01"}, "achieved_on"),
        ({"achieved_on": "2999-01-01"}, "achieved_on"),
        ({"hours": "lots"}, "hours"),
        ({"hours": "-1"}, "hours"),
    ],
)
def test_institution_bad_input_names_the_field(citizen, institution, changes, field):
    account = account_open(user=citizen)
    data = {
        "kind": "course",
        "title": "Python 入门",
        "achieved_on": "2025-06-01",
        "evidence_ref": "T-1",
        **changes,
    }
    with pytest.raises(ValidationError) as excinfo:
        outcome_enter(entered_by=institution, account_number=account.number, **data)
    assert field in excinfo.value.message_dict
    assert LearningOutcome.objects.count() == 0


def test_unknown_account_number_is_refused(institution):
    with pytest.raises(ApiError) as excinfo:
        outcome_enter(
            entered_by=institution,
            account_number="310000000000",
            kind="course",
            title="x",
            achieved_on="2025-01-01",
            evidence_ref="r",
        )
    assert excinfo.value.status == 404


def test_import_is_all_or_nothing_and_names_each_bad_row(citizen, institution):
    account = account_open(user=citizen)
    good = {
        "account_number": account.number,
        "kind": "course",
        "title": "摄影",
        "achieved_on": "2025-05-01",
        "evidence_ref": "A",
    }
    rows = [good, {**good, "kind": "bogus"}, {**good, "colour": "red"}]
    with pytest.raises(ValidationError) as excinfo:
        outcomes_import(entered_by=institution, rows=rows)
    assert set(excinfo.value.message_dict) == {"row 2", "row 3"}
    assert LearningOutcome.objects.count() == 0
    created = outcomes_import(
        entered_by=institution, rows=[good, {**good, "title": "书法"}]
    )
    assert [o.title for o in created] == ["摄影", "书法"]


def test_messages_are_chinese_by_default(citizen):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as excinfo:
        outcome_record_assessment(
            user=citizen,
            source_ref="s:2",
            instrument_code="I",
            instrument_name="I",
            completed_at=datetime(2026, 1, 1),
            level_code="",
            level_name="",
            domain_scores=[],
            parameter_set_id=None,
        )
    assert "必须带时区" in str(excinfo.value)
