"""Statistician entry with validation, and the review chain with its owners."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from learning_platform.indicators import services
from learning_platform.indicators.models import ItemValue, ReviewEvent, Status


@pytest.fixture
def sub(framework, hp):
    return services.submission_ensure(district=hp, year=2022)


def test_draft_then_submit(sub, staff, full_form):
    assert sub.status == Status.NOT_STARTED
    check = services.entry_save(submission=sub, user=staff["stat"], data=full_form)
    assert not check.errors
    sub.refresh_from_db()
    assert sub.status == Status.DRAFT
    assert ItemValue.objects.get(
        submission=sub, item__code="special_budget"
    ).value == Decimal("1850")
    assert ItemValue.objects.get(
        submission=sub, item__code="other_courses"
    ).detail.startswith("黄浦区工人文化宫")
    services.entry_save(submission=sub, user=staff["stat"], data=full_form, submit=True)
    sub.refresh_from_db()
    assert sub.status == Status.FIRST_REVIEW
    assert [e.action for e in sub.events.all()] == ["save_draft", "submit"]
    with pytest.raises(PermissionDenied):
        services.entry_save(submission=sub, user=staff["stat"], data=full_form)


@pytest.mark.parametrize(
    "code, raw, fragment",
    [
        ("senior_teams", "-3", "不能为负数"),
        ("teachers_bachelor_share", "100.5", "不能超过100"),
        ("college_courses", "12.5", "必须是整数"),
        ("library_area", "abc", "不是数字"),
        ("resident_population_10k", "0", "必须大于0"),
        ("library_area", "NaN", "不是数字"),
    ],
)
def test_bad_input_is_named_and_saves_nothing(
    sub, staff, full_form, code, raw, fragment
):
    services.entry_save(submission=sub, user=staff["stat"], data=full_form)
    before = {v.item.code: (v.value, v.text) for v in sub.values.select_related("item")}
    data = dict(full_form, **{f"v_{code}": raw, "v_special_budget": "9999"})
    check = services.entry_save(
        submission=sub, user=staff["stat"], data=data, submit=True
    )
    assert code in check.errors and fragment in check.errors[code]
    # the data item is named in words, never by its code
    from learning_platform.indicators.models import DataItem

    assert DataItem.objects.filter(code=code).first().name_zh in check.errors[code]
    assert code not in check.errors[code]
    after = {v.item.code: (v.value, v.text) for v in sub.values.select_related("item")}
    assert (
        after == before
    )  # the valid change to special_budget was not half-saved either
    sub.refresh_from_db()
    assert sub.status == Status.DRAFT


def test_a_value_far_from_last_year_needs_confirming(framework, hp, staff, full_form):
    last = services.submission_ensure(district=hp, year=2021)
    services.entry_save(submission=last, user=staff["stat"], data=full_form)
    sub = services.submission_ensure(district=hp, year=2022)
    data = dict(
        full_form, v_registered_volunteers="54000"
    )  # ten times last year's 5400
    check = services.entry_save(
        submission=sub, user=staff["stat"], data=data, submit=True
    )
    assert set(check.unconfirmed) == {"registered_volunteers"}
    assert "5400" in check.warnings["registered_volunteers"]
    sub.refresh_from_db()
    assert sub.status == Status.NOT_STARTED and not sub.values.exists()
    # a draft may be saved with the warning standing
    services.entry_save(submission=sub, user=staff["stat"], data=data)
    sub.refresh_from_db()
    assert sub.status == Status.DRAFT
    check = services.entry_save(
        submission=sub,
        user=staff["stat"],
        data=dict(data, c_registered_volunteers="1"),
        submit=True,
    )
    assert not check.unconfirmed
    sub.refresh_from_db()
    assert sub.status == Status.FIRST_REVIEW
    assert ItemValue.objects.get(
        submission=sub, item__code="registered_volunteers"
    ).confirmed_unusual


def test_fed_and_derived_items_cannot_be_typed(sub, staff, full_form):
    services.monitoring_value_feed(
        district_code="310101",
        year=2022,
        item_code="info_literacy_rate",
        value=70.0,
        se=1.5,
        n=600,
        suppressed=False,
        source="roll-up 7",
    )
    data = dict(full_form, v_info_literacy_rate="99", v_ce_area_per_10k="1")
    services.entry_save(submission=sub, user=staff["stat"], data=data)
    fed = ItemValue.objects.get(submission=sub, item__code="info_literacy_rate")
    assert fed.value == Decimal("70") and fed.source == "roll-up 7"
    assert not ItemValue.objects.filter(
        submission=sub, item__code="ce_area_per_10k"
    ).exists()


def test_only_the_districts_statistician_enters(sub, staff, full_form):
    for who in ("liaison", "head", "stat_xh", "researcher", "citizen"):
        with pytest.raises(PermissionDenied):
            services.entry_save(submission=sub, user=staff[who], data=full_form)
    assert not sub.values.exists()


def _submitted(sub, staff, full_form):
    services.entry_save(submission=sub, user=staff["stat"], data=full_form, submit=True)
    sub.refresh_from_db()
    return sub


def test_each_role_acts_only_in_its_own_state(sub, staff, full_form):
    _submitted(sub, staff, full_form)
    for who in ("stat", "head", "liaison_xh", "head_xh", "researcher"):
        with pytest.raises(PermissionDenied):
            services.review_decide(
                submission=sub, user=staff[who], approve=True, comment="ok"
            )
    services.review_decide(
        submission=sub, user=staff["liaison"], approve=True, comment="初审通过"
    )
    sub.refresh_from_db()
    assert sub.status == Status.SECOND_REVIEW
    for who in ("stat", "liaison", "head_xh"):
        with pytest.raises(PermissionDenied):
            services.review_decide(
                submission=sub, user=staff[who], approve=True, comment="ok"
            )
    services.review_decide(
        submission=sub, user=staff["head"], approve=True, comment="复审通过"
    )
    sub.refresh_from_db()
    assert sub.status == Status.LETTER
    with pytest.raises(PermissionDenied):
        services.review_decide(
            submission=sub, user=staff["head"], approve=True, comment="again"
        )
    letter = SimpleUploadedFile(
        "letter.pdf", b"%PDF-1.4\n%signed\n", content_type="application/pdf"
    )
    with pytest.raises(PermissionDenied):
        services.confirmation_letter_upload(
            submission=sub, user=staff["liaison"], upload=letter
        )
    with pytest.raises(PermissionDenied):
        services.confirmation_letter_upload(
            submission=sub, user=staff["head_xh"], upload=letter
        )
    services.confirmation_letter_upload(
        submission=sub, user=staff["head"], upload=letter
    )
    sub.refresh_from_db()
    assert sub.status == Status.DONE and sub.confirmation_letter.name.endswith(".pdf")
    events = list(sub.events.select_related("actor"))
    assert [
        (e.action, e.from_status, e.to_status, e.actor.username) for e in events
    ] == [
        ("submit", "not_started", "first_review", "stat"),
        ("approve", "first_review", "second_review", "liaison"),
        ("approve", "second_review", "letter", "head"),
        ("letter", "letter", "done", "head"),
    ]
    assert events[1].comment == "初审通过" and events[1].at is not None


def test_returning_goes_back_to_draft_with_a_reason(sub, staff, full_form):
    _submitted(sub, staff, full_form)
    with pytest.raises(ValidationError):
        services.review_decide(
            submission=sub, user=staff["liaison"], approve=False, comment="  "
        )
    services.review_decide(
        submission=sub, user=staff["liaison"], approve=False, comment="志愿者人数请核对"
    )
    sub.refresh_from_db()
    assert sub.status == Status.DRAFT
    assert ReviewEvent.objects.filter(
        submission=sub, action="return", comment="志愿者人数请核对"
    ).exists()
    # the statistician edits again and resubmits; the head may also return from second review
    _submitted(sub, staff, full_form)
    services.review_decide(
        submission=sub, user=staff["liaison"], approve=True, comment=""
    )
    services.review_decide(
        submission=sub, user=staff["head"], approve=False, comment="补充说明"
    )
    sub.refresh_from_db()
    assert sub.status == Status.DRAFT


@pytest.mark.parametrize(
    "name, content",
    [
        ("letter.jpg", b"\xff\xd8\xff\xe0jpeg"),
        ("letter.pdf", b"PK\x03\x04not a pdf"),
        ("letter.pdf", b"%PDF-" + b"0" * (services.LETTER_MAX_BYTES)),
    ],
)
def test_the_letter_must_be_a_pdf_of_sensible_size(
    sub, staff, full_form, name, content
):
    _submitted(sub, staff, full_form)
    services.review_decide(
        submission=sub, user=staff["liaison"], approve=True, comment=""
    )
    services.review_decide(submission=sub, user=staff["head"], approve=True, comment="")
    with pytest.raises(ValidationError):
        services.confirmation_letter_upload(
            submission=sub, user=staff["head"], upload=SimpleUploadedFile(name, content)
        )
    sub.refresh_from_db()
    assert sub.status == Status.LETTER and not sub.confirmation_letter


def test_feed_writes_only_fed_items_with_their_source(framework, hp):
    row = services.monitoring_value_feed(
        district_code="310101",
        year=2022,
        item_code="service_satisfaction",
        value=86.5,
        se=1.1,
        n=420,
        suppressed=False,
        source="满意度调查 2022",
    )
    assert (
        row.value == Decimal("86.5")
        and row.se == 1.1
        and row.n == 420
        and row.source == "满意度调查 2022"
    )
    again = services.monitoring_value_feed(
        district_code="310101",
        year=2022,
        item_code="service_satisfaction",
        value=None,
        se=None,
        n=12,
        suppressed=True,
        source="re-run",
    )
    assert again.pk == row.pk and again.value is None and again.suppressed
    for kwargs, field in [
        (
            dict(district_code="999999", item_code="info_literacy_rate", value=1.0),
            "district_code",
        ),
        (
            dict(district_code="310101", item_code="special_budget", value=1.0),
            "item_code",
        ),
        (
            dict(district_code="310101", item_code="info_literacy_rate", value=101.0),
            "value",
        ),
        (
            dict(district_code="310101", item_code="info_literacy_rate", value=-1.0),
            "value",
        ),
    ]:
        with pytest.raises(ValidationError) as exc:
            services.monitoring_value_feed(
                year=2022, se=None, n=None, suppressed=False, source="x", **kwargs
            )
        assert field in exc.value.message_dict


def test_credit_bank_accounts_are_filled_from_the_credit_bank(
    framework, staff, hp, make_user
):
    from datetime import datetime
    from unittest import mock

    from django.utils import timezone

    from learning_platform.creditbank.services.accounts import account_open
    from learning_platform.indicators.selectors import submission_rows

    for n in range(2):
        # the service stamps opened_at (and the district's tally) with now: open in 2022
        with mock.patch(
            "django.utils.timezone.now",
            return_value=timezone.make_aware(datetime(2022, 5, 1)),
        ):
            account_open(
                user=make_user("citizen", district=hp, username=f"resident{n}")
            )
    account_open(
        user=make_user("citizen", district=hp, username="late")
    )  # opened now, not in 2022

    assert services.credit_bank_accounts_feed(user=staff["researcher"], year=2022) == 16
    value = ItemValue.objects.get(
        submission__district=hp,
        submission__year=2022,
        item__code="credit_bank_accounts",
    )
    assert value.value == 2 and "学分银行" in value.source
    services.entry_save(
        submission=value.submission,
        user=staff["stat"],
        data={"v_resident_population_10k": "66.2", "v_total_population_10k": "82.4"},
    )
    rows = {r.item.code: r for r in submission_rows(value.submission)}
    # 附件2: the share divides by the total population (全区总人口), not the resident one
    assert rows["credit_bank_share"].value == (
        Decimal(2) / Decimal(824000) * 100
    ).quantize(Decimal("0.0001"))
    assert rows["credit_bank_accounts"].source == value.source
    with pytest.raises(PermissionDenied):
        services.credit_bank_accounts_feed(user=staff["citizen"], year=2022)


def test_review_history_shows_actions_and_statuses_in_words(
    sub, staff, full_form, client
):
    """The entry page's history says 保存草稿 / 提交 / 填报 → 初审, never save_draft or first_review."""
    services.entry_save(submission=sub, user=staff["stat"], data=full_form)
    services.entry_save(submission=sub, user=staff["stat"], data=full_form, submit=True)
    client.force_login(staff["stat"])
    from django.urls import reverse

    html = client.get(
        reverse("indicators:form", args=[sub.district.code, sub.year])
    ).content.decode()
    history = html[html.rindex("<table") :]
    assert "保存草稿" in history and "提交" in history and "填报 → 初审" in history
    for raw in ("save_draft", "submit<", "first_review", "not_started", "draft →"):
        assert raw not in history, raw
