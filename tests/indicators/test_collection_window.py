"""The collection window: reminders on the filing list and late filings the city sees."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from learning_platform.indicators import monitoring, services
from learning_platform.indicators.models import ReviewEvent
from learning_platform.indicators.target_services import collection_window_set


def _window(days_to_close: int, *, open_days: int = 30):
    today = timezone.localdate()
    close = today + timedelta(days=days_to_close)
    return collection_window_set(
        year=2022, opens_on=close - timedelta(days=open_days), closes_on=close
    )


def test_a_window_closing_before_it_opens_is_refused(framework):
    with pytest.raises(ValidationError) as exc:
        collection_window_set(
            year=2022, opens_on=date(2023, 5, 1), closes_on=date(2023, 4, 1)
        )
    assert "2023-04-01" in str(exc.value) and "2023-05-01" in str(exc.value)


def test_reminder_says_days_left_and_overdue_in_words(framework, client, staff, hp):
    _window(5)
    client.force_login(staff["stat"])
    page = client.get("/indicators/").content.decode()
    assert "还剩 5 天" in page and "截止" in page
    _window(-3)
    page = client.get("/indicators/").content.decode()
    assert '<strong class="overdue">已逾期 3 天' in page


def test_submitted_filing_is_no_longer_overdue(framework, client, staff, hp, full_form):
    _window(-3)
    sub = services.submission_ensure(district=hp, year=2022)
    services.entry_save(submission=sub, user=staff["stat"], data=full_form, submit=True)
    client.force_login(staff["stat"])
    page = client.get("/indicators/").content.decode()
    assert "已逾期" not in page and "已提交" in page


def test_late_and_missing_filings_are_listed_for_the_city(
    framework, client, staff, hp, xh, full_form, districts
):
    window = _window(-10)
    sub = services.submission_ensure(district=hp, year=2022)
    services.entry_save(submission=sub, user=staff["stat"], data=full_form, submit=True)
    # 黄浦 submitted two days after the close
    ReviewEvent.objects.filter(submission=sub, action="submit").update(
        at=timezone.make_aware(
            timezone.datetime.combine(
                window.closes_on + timedelta(days=2),
                timezone.datetime.min.time().replace(hour=12),
            )
        )
    )
    rows = {r.district.code: r for r in monitoring.late_filings(year=2022)}
    assert rows["310101"].late and rows["310101"].days_late == 2
    assert (
        rows["310104"].missing and rows["310104"].days_late == 10
    )  # 徐汇 never submitted
    assert len(rows) == len(districts)
    on_time = _window(5)
    assert monitoring.late_filings(year=2022) == []  # before the close nobody is late
    assert on_time.closes_on > timezone.localdate()

    _window(-10)
    client.force_login(staff["researcher"])
    page = client.get("/indicators/overview/2022/").content.decode()
    assert "逾期提交" in page and "未提交" in page
    # the district's own staff do not see the city's list
    client.force_login(staff["stat_xh"])
    assert client.get("/indicators/overview/2022/").status_code == 404


def test_form_and_overview_flag_a_missed_target(
    framework, client, staff, hp, full_form
):
    sub = services.submission_ensure(district=hp, year=2022)
    services.entry_save(
        submission=sub,
        user=staff["stat"],
        data=dict(full_form, v_ce_managers="0"),
        submit=True,
    )
    client.force_login(staff["liaison"])  # the review page
    page = client.get("/indicators/310101/2022/").content.decode()
    assert (
        "未达标" in page
        and "0.97 名/万人" in page
        and "不低于" in page
        and "1 名/万人" in page
    )
    client.force_login(staff["researcher"])
    page = client.get("/indicators/overview/2022/").content.decode()
    assert "未达标" in page and "0.97 名/万人" in page
