"""The demo loader runs twice without duplicating anything."""

from __future__ import annotations

import io

import pytest

from learning_platform.creditbank.demo import DEMO_RULES, load_demo
from learning_platform.creditbank.models import (
    ConversionRuleVersion,
    CreditEntry,
    LearningOutcome,
)

pytestmark = pytest.mark.django_db


def test_demo_loads_rules_and_an_outcome_and_is_idempotent(make_user, districts):
    make_user("administrator", username="admin")
    make_user("citizen", username="citizen")
    make_user("institution", username="institution", display_name="上海开放大学")
    load_demo(stdout=io.StringIO())
    load_demo(stdout=io.StringIO())
    assert ConversionRuleVersion.objects.count() == len(DEMO_RULES)
    outcome = LearningOutcome.objects.get()
    assert outcome.account.user.username == "citizen"
    assert outcome.account.district.code == "310101"
    assert outcome.entered_by.username == "institution"
    assert CreditEntry.objects.get().credits == 4
