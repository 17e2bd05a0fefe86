"""The README's demo command loads every app's demo data on an empty database, twice."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_demo_setup_tells_the_whole_story_and_is_idempotent(home_site):
    from assessment.models import Campaign
    from cms.models import SurveyReportPage
    from itembank.models import Item, ItemParameterSet
    from learning_platform.accounts.models import User

    out = StringIO()
    call_command("demo_setup", stdout=out)
    call_command("demo_setup", stdout=out)

    assert User.objects.filter(username="citizen").exists()
    assert Item.objects.count() >= 160
    assert ItemParameterSet.objects.filter(is_active=True).count() == 1
    assert Campaign.objects.exists()
    assert SurveyReportPage.objects.live().exists()
    assert "demo-pass-2026" in out.getvalue()
