"""The demo loader creates the practice campaigns once."""

from __future__ import annotations

import io

import pytest

from assessment.demo import load_demo
from assessment.models import Campaign, Instrument
from assessment.selectors import campaigns_listed

pytestmark = pytest.mark.django_db


def test_demo_is_safe_to_run_twice(item_bank):
    out = io.StringIO()
    load_demo(stdout=out)
    load_demo(stdout=out)
    assert set(Instrument.objects.values_list("code", "mode")) == {
        ("info-literacy-cat", "adaptive"),
        ("info-literacy-mst", "multistage"),
        ("learning-needs", "fixed"),
    }
    assert Campaign.objects.count() == 3
    assert {c.kind for c in campaigns_listed()} == {"practice"}
    cat = Instrument.objects.get(code="info-literacy-cat")
    assert set(cat.blueprint) == {
        "info.data",
        "info.communication",
        "info.safety",
        "info.problem",
    }
