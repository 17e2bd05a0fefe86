"""Changes between waves are shown with their sign: "+5.3", "−2.1", "0.0" (issue 17)."""

from __future__ import annotations

from django.template import Context, Template

from cms.templatetags.cms_numbers import signed


def test_a_rise_a_fall_and_no_change_read_as_such():
    assert signed(5.26) == "+5.3"
    assert signed(-2.14) == "\u22122.1"
    assert signed(0.0) == "0.0"
    assert signed(0.04) == "0.0"  # rounds to no change: no sign
    assert signed(None) == "" and signed("n/a") == ""


def test_the_filter_renders_in_a_template():
    html = Template("{% load cms_numbers %}{{ d|signed:1 }}").render(
        Context({"d": 5.3})
    )
    assert html == "+5.3"
