"""The researcher's admin pages speak Chinese: no raw codes, booleans, reprs or English words.

Also: item codes keep their case and are unique regardless of it, parameters print to three
decimals, and the Wright map lets the researcher choose the campaign.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.db import IntegrityError, transaction

from itembank.models import Item
from itembank.services import parameter_set_activate, parameter_set_create

RAW = re.compile(
    r"save_draft|not_started|first_review|second_review|Status string|Traceback|"
    r"\bTrue\b|\bFalse\b|\bNone\b|Created at|Approved by"
)
# Common English words that a translated zh-hans page never shows in its own content.
ENGLISH = re.compile(
    r"\b(?:the|and|of|with|Status|Created|Approved|Parameter|Items?|Active|"
    r"Never|Statistics|Preview|Detail|Respondents|results?)\b"
)


class _Text(HTMLParser):
    """Collect the visible text inside <main> (scripts, styles, SVG and templates left out)."""

    SKIP = {"script", "style", "svg", "template"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.main = 0
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        self.main += tag == "main"
        self.skip += tag in self.SKIP

    def handle_endtag(self, tag):
        self.main -= tag == "main" and self.main > 0
        self.skip -= tag in self.SKIP and self.skip > 0

    def handle_data(self, data):
        if self.main and not self.skip:
            self.parts.append(data)


def _main_text(html: str) -> str:
    """Visible text of the page's own content (Wagtail's shell, scripts and SVG left out)."""
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


@pytest.fixture
def researcher_client(client, make_user):
    from learning_platform.accounts.services import roles_sync

    roles_sync()
    user = make_user("researcher")
    client.force_login(user)
    return client, user


@pytest.fixture
def calibrated(make_item, researcher_client):
    _client, user = researcher_client
    item = make_item(code="INFO-DATA-UX1")
    other = make_item(kind="likert", domain_code="needs.topics")
    pset = parameter_set_create(
        name="run",
        model="mixed",
        source="t",
        items={
            item.pk: {
                "a": 1.2345678,
                "b": -1.3727032930178422,
                "se": {"a": 0.0751234567, "b": 0.0851234567},
            },
            other.pk: {
                "model": "grm",
                "a": 1.0,
                "thresholds": [-1.23456789, 0.1, 1.987654321],
            },
        },
    )
    parameter_set_activate(parameter_set=pset, approved_by=user)
    parameter_set_create(
        name="pending", model="2pl", source="t", items={item.pk: {"a": 1, "b": 0}}
    )
    return item, other, pset


def test_admin_pages_show_no_raw_codes_or_english(researcher_client, calibrated):
    client, _user = researcher_client
    item, other, pset = calibrated
    urls = [
        "/admin/",
        "/admin/snippets/itembank/item/",
        "/admin/snippets/itembank/itemparameterset/",
        f"/admin/itembank/item/{item.pk}/",
        f"/admin/itembank/item/{other.pk}/",
        f"/admin/itembank/parameter-set/{pset.pk}/",
        "/admin/itembank/overview/",
    ]
    for url in urls:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, url
        text = _main_text(response.content.decode())
        assert not RAW.search(text), (url, RAW.search(text).group(0))
        assert not ENGLISH.search(text), (
            url,
            ENGLISH.search(text).group(0),
            text[max(0, ENGLISH.search(text).start() - 60) :][:120],
        )


def test_parameters_print_to_three_decimals(researcher_client, calibrated):
    client, _user = researcher_client
    item, other, pset = calibrated
    detail = _main_text(client.get(f"/admin/itembank/item/{item.pk}/").content.decode())
    assert "-1.373" in detail and "1.235" in detail and "a=0.075" in detail
    assert "1.3727032930178422" not in detail and "0.0751234567" not in detail
    grm = _main_text(client.get(f"/admin/itembank/item/{other.pk}/").content.decode())
    assert "-1.235, 0.100, 1.988" in grm
    pset_page = _main_text(
        client.get(f"/admin/itembank/parameter-set/{pset.pk}/").content.decode()
    )
    assert "-1.235, 0.100, 1.988" in pset_page and "1.987654321" not in pset_page


def test_item_codes_keep_their_case_and_are_unique_regardless_of_it(make_item):
    item = make_item(code="INFO-DATA-UX1")
    item.refresh_from_db()
    assert item.code == "INFO-DATA-UX1"
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.create(code="info-data-ux1", domain=item.domain, stem="<p>x</p>")
    assert Item.objects.filter(code__iexact="info-data-ux1").count() == 1


def test_the_edit_form_keeps_the_code_case_and_names_a_clash(
    researcher_client, make_item
):
    """The admin field is a plain text input (Wagtail's slug widget lower-cases), and a code
    differing only in case is refused with a message on the form."""
    from django import forms

    from itembank.models import Item as ItemModel

    item = make_item(code="INFO-DATA-UX1")
    # (rendering the edit view here would build Wagtail's cached edit handler in this
    # test's language, which changes the panel ids later tests look for)
    identity = ItemModel.panels[0]
    code_panel = next(
        p for p in identity.children if getattr(p, "field_name", "") == "code"
    )
    assert code_panel.widget is forms.TextInput
    clash = ItemModel(code="info-data-ux1", domain=item.domain, stem="<p>x</p>")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as raised:
        clash.validate_constraints()
    assert "已有相同代码的题目" in str(raised.value) or "already exists" in str(
        raised.value
    )


def test_wright_map_defaults_to_the_largest_campaign_and_can_be_switched(
    researcher_client, calibrated, make_user
):
    client, _user = researcher_client
    _make_results(make_user("citizen"), large=12, small=1)
    html = client.get("/admin/itembank/overview/").content.decode()
    select = re.search(r'<select id="wright-campaign".*?</select>', html, re.S).group(0)
    selected = re.search(r'<option value="(\d+)" selected>([^<]*)', select)
    assert "大调查" in selected.group(2) and "12" in selected.group(2)
    small_id = re.search(r'<option value="(\d+)">[^<]*小练习', select).group(1)
    html = client.get(f"/admin/itembank/overview/?campaign={small_id}").content.decode()
    assert re.search(rf'<option value="{small_id}" selected>', html)
    assert "“小练习”的 1 条结果" in html


def _make_results(user, *, large: int, small: int) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from assessment.models import Campaign, Instrument, Result, Session

    instrument = Instrument.objects.create(
        code="wm-test",
        name_zh="信息素养测评",
        kind="ability",
        domain_code="info",
        mode="adaptive",
        settings={},
    )
    for name, n in (("大调查", large), ("小练习", small)):
        campaign = Campaign.objects.create(
            instrument=instrument,
            name_zh=name,
            kind="practice",
            opens_at=timezone.now() - timedelta(days=1),
        )
        for _ in range(n):
            session = Session.objects.create(
                campaign=campaign,
                instrument=instrument,
                user=user,
                consented_at=timezone.now(),
                started_at=timezone.now(),
            )
            Result.objects.create(
                session=session, domain_code="info", theta=0.1, se=0.3
            )


def test_item_listing_asks_no_query_per_row(researcher_client, make_item):
    """The status column reads each item's scheduled revision; the listing fills it for the
    whole page at once, so 5 and 25 listed items cost the same number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, _user = researcher_client

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/admin/snippets/itembank/item/")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    for n in range(5):
        make_item(code=f"ROW-A{n}")
    few = count()
    for n in range(20):
        make_item(code=f"ROW-B{n}")
    many = count()
    assert many - few <= 2, (few, many)
