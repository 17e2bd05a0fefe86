"""Delivery in the Wagtail admin: instrument and campaign listings, forms, permissions, report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.models import Campaign, Instrument, Session

pytestmark = pytest.mark.django_db

INSTRUMENTS = reverse("assessment_instruments:index")
INSTRUMENT_ADD = reverse("assessment_instruments:add")
CAMPAIGNS = reverse("assessment_campaigns:index")
CAMPAIGN_ADD = reverse("assessment_campaigns:add")


@pytest.fixture
def researcher(client, make_user):
    client.force_login(make_user("researcher"))
    return client


def _instrument_data(**overrides):
    data = {
        "code": "info-new",
        "name_zh": "新测试",
        "name_en": "New test",
        "description_zh": "",
        "description_en": "",
        "kind": "ability",
        "domain_code": "info",
        "language": "zh-hans",
        "blueprint_text": "",
        "mode": "fixed",
        "time_limit_minutes": "",
        "item_ids": "",
        "booklets": "",
        "min_length": "",
        "max_length": "",
        "se_target": "",
        "rule": "mfi",
        "exposure_method": "randomesque",
        "exposure_k": "5",
        "exposure_k_params": "",
    }
    data.update(overrides)
    return data


def _campaign_data(for_instrument, **overrides):
    now = timezone.localtime()
    data = {
        "name_zh": "2026 年度信息素养专题调查",
        "name_en": "",
        "kind": "thematic",
        "instrument": str(for_instrument.pk),
        "audience": "public",
        "opens_at": (now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        "closes_at": (now + timedelta(days=30)).strftime("%Y-%m-%d %H:%M"),
        "max_attempts": "1",
        "year": "2026",
    }
    data.update(overrides)
    return data


def _errors(response) -> dict[str, list[str]]:
    assert response.status_code == 200, response.status_code
    return {k: [str(m) for m in v] for k, v in response.context["form"].errors.items()}


# ---------------------------------------------------------------- listings


def test_instrument_listing_shows_mode_length_and_calibration(
    researcher, adaptive_campaign, fixed_campaign
):
    response = researcher.get(INSTRUMENTS)
    html = response.content.decode()
    assert response.status_code == 200
    assert "info-cat" in html and "info-fixed" in html
    assert "3–8" in html  # adaptive length min–max
    assert "是（3/3）" in html  # the fixed form: every item calibrated
    assert "是（20/20）" in html  # the adaptive pool: the blueprint's 20 items
    assert (
        reverse("assessment_instruments:inspect", args=[fixed_campaign.instrument_id])
        in html
    )
    filtered = researcher.get(INSTRUMENTS + "?mode=adaptive").content.decode()
    assert "info-cat" in filtered and "info-fixed" not in filtered


def test_instrument_listing_says_when_items_lack_parameters(researcher, item_bank):
    from assessment.services import instrument_create

    instrument_create(
        code="needs-q",
        name_zh="学习需求问卷",
        kind="questionnaire",
        domain_code="needs",
        mode="fixed",
        settings={"item_ids": item_bank.needs_ids},
    )
    html = researcher.get(INSTRUMENTS).content.decode()
    assert "needs-q" in html and "否（0/4）" in html


def test_campaign_listing_shows_status_and_session_counts(
    researcher, make_user, fixed_campaign
):
    from assessment.services import campaign_create, session_finish, session_start

    now = timezone.now()
    campaign_create(
        instrument=fixed_campaign.instrument,
        name_zh="下月练习",
        kind="practice",
        opens_at=now + timedelta(days=30),
    )
    campaign_create(
        instrument=fixed_campaign.instrument,
        name_zh="去年调查",
        kind="thematic",
        opens_at=now - timedelta(days=400),
        closes_at=now - timedelta(days=300),
    )
    users = [make_user() for _ in range(3)]
    for user in users:
        session_start(user=user, campaign=fixed_campaign, background={}, consent=True)
    first = Session.objects.filter(user=users[0]).get()
    session_finish(session_id=first.pk, user=users[0])
    response = researcher.get(CAMPAIGNS)
    html = response.content.decode()
    assert response.status_code == 200
    row = next(r for r in response.context["object_list"] if r.pk == fixed_campaign.pk)
    assert (row.n_started, row.n_finished) == (3, 1)
    for label in ("开放中", "即将开放", "已结束"):
        assert label in html
    upcoming = researcher.get(CAMPAIGNS + "?status=upcoming").content.decode()
    assert "下月练习" in upcoming and "去年调查" not in upcoming


# ---------------------------------------------------------------- instrument forms


def test_create_fixed_instrument_through_the_form(researcher, item_bank):
    ids = item_bank.ids[:4]
    response = researcher.post(
        INSTRUMENT_ADD,
        _instrument_data(
            item_ids=", ".join(map(str, ids)),
            time_limit_minutes="20",
            blueprint_text="info.data: 2\ninfo.safety: 1",
        ),
    )
    assert response.status_code == 302, _errors(response)
    instrument = Instrument.objects.get(code="info-new")
    assert instrument.settings == {"item_ids": ids, "time_limit_seconds": 1200}
    assert instrument.blueprint == {"info.data": 2.0, "info.safety": 1.0}
    from wagtail.models import ModelLogEntry

    assert ModelLogEntry.objects.filter(
        object_id=str(instrument.pk), action="wagtail.create"
    ).exists()


def test_create_adaptive_instrument_with_sympson_hetter(researcher, item_bank):
    a, b = item_bank.ids[:2]
    response = researcher.post(
        INSTRUMENT_ADD,
        _instrument_data(
            mode="adaptive",
            min_length="4",
            max_length="12",
            se_target="0.35",
            rule="kl",
            exposure_method="sympson_hetter",
            exposure_k_params=f"{a}: 0.4\n{b}=1",
        ),
    )
    assert response.status_code == 302, _errors(response)
    settings = Instrument.objects.get(code="info-new").settings
    assert settings["exposure"] == {
        "method": "sympson_hetter",
        "k_params": {str(a): 0.4, str(b): 1.0},
    }
    assert (
        settings["min_length"],
        settings["max_length"],
        settings["se_target"],
        settings["rule"],
    ) == (4, 12, 0.35, "kl")


def test_create_booklet_instrument(researcher, item_bank):
    ids = item_bank.ids
    booklets = f"{ids[0]} {ids[1]} {ids[2]}\n\n{ids[2]}，{ids[3]}，{ids[4]}\n"
    response = researcher.post(
        INSTRUMENT_ADD, _instrument_data(mode="booklet", booklets=booklets)
    )
    assert response.status_code == 302, _errors(response)
    assert Instrument.objects.get(code="info-new").settings["booklets"] == [
        ids[0:3],
        ids[2:5],
    ]


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"item_ids": "1, x7"}, "item_ids", "x7"),
        ({"item_ids": ""}, "item_ids", "固定"),
        ({"item_ids": "99999"}, "item_ids", "99999"),  # the service: not published
        ({"mode": "booklet", "booklets": "{a} {b}\n{a} {a}"}, "booklets", "2"),
        ({"mode": "adaptive", "min_length": "9", "max_length": "4"}, "min_length", ""),
        ({"mode": "adaptive", "se_target": "-0.1"}, "se_target", ""),
        ({"mode": "adaptive", "exposure_k": "0"}, "exposure_k", ""),
        (
            {
                "mode": "adaptive",
                "exposure_method": "sympson_hetter",
                "exposure_k_params": "{a}: 1.5",
            },
            "exposure_k_params",
            "{a}",
        ),
        (
            {"mode": "adaptive", "exposure_method": "sympson_hetter"},
            "exposure_k_params",
            "",
        ),
        ({"item_ids": "{a}", "time_limit_minutes": "0.2"}, "time_limit_minutes", ""),
        (
            {"item_ids": "{a}", "blueprint_text": "nowhere: 1"},
            "blueprint_text",
            "nowhere",
        ),
        (
            {"item_ids": "{a}", "blueprint_text": "info.data one"},
            "blueprint_text",
            "one",
        ),
        ({"item_ids": "{a}", "code": "info-fixed"}, "code", ""),
        ({"item_ids": "{a}", "name_zh": ""}, "name_zh", ""),
    ],
)
def test_invalid_instrument_is_refused_per_field(
    researcher, fixed_campaign, item_bank, overrides, field, fragment
):
    a, b = item_bank.ids[:2]
    values = {k: v.format(a=a, b=b) for k, v in overrides.items()}
    before = list(Instrument.objects.values_list("pk", flat=True))
    errors = _errors(researcher.post(INSTRUMENT_ADD, _instrument_data(**values)))
    assert field in errors, errors
    assert fragment.format(a=a) in " ".join(errors[field])
    assert list(Instrument.objects.values_list("pk", flat=True)) == before


def test_edit_instrument_through_the_form(researcher, fixed_campaign, item_bank):
    instrument = fixed_campaign.instrument
    url = reverse("assessment_instruments:edit", args=[instrument.pk])
    form = researcher.get(url)
    assert form.status_code == 200
    assert form.context["form"].initial["item_ids"] == ", ".join(
        map(str, item_bank.ids[:3])
    )
    new_ids = item_bank.ids[3:7]
    response = researcher.post(
        url,
        _instrument_data(
            code=instrument.code,
            name_zh="改过的名字",
            item_ids=" ".join(map(str, new_ids)),
            time_limit_minutes="15",
        ),
    )
    assert response.status_code == 302, _errors(response)
    instrument.refresh_from_db()
    assert instrument.name_zh == "改过的名字"
    assert instrument.settings == {"item_ids": new_ids, "time_limit_seconds": 900}


def test_delivered_instrument_keeps_its_mode(
    researcher, make_user, fixed_campaign, item_bank
):
    from assessment.services import session_start

    session_start(
        user=make_user(), campaign=fixed_campaign, background={}, consent=True
    )
    instrument = fixed_campaign.instrument
    url = reverse("assessment_instruments:edit", args=[instrument.pk])
    errors = _errors(
        researcher.post(
            url,
            _instrument_data(
                code=instrument.code, name_zh=instrument.name_zh, mode="adaptive"
            ),
        )
    )
    assert (
        "mode" in errors and "固定" in errors["mode"][0]
    )  # the service names the old mode
    instrument.refresh_from_db()
    assert instrument.mode == "fixed"


def test_instrument_inspect_page(researcher, adaptive_campaign):
    url = reverse(
        "assessment_instruments:inspect", args=[adaptive_campaign.instrument_id]
    )
    html = researcher.get(url).content.decode()
    assert "info-cat" in html and "公开练习" in html and "se_target" in html


# ---------------------------------------------------------------- campaign forms


def test_create_campaign_through_the_form(researcher, fixed_campaign):
    response = researcher.post(CAMPAIGN_ADD, _campaign_data(fixed_campaign.instrument))
    campaign = Campaign.objects.get(name_zh="2026 年度信息素养专题调查")
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "assessment_campaigns:inspect", args=[campaign.pk]
    )
    assert (campaign.kind, campaign.max_attempts, campaign.year) == (
        "thematic",
        1,
        2026,
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"closes_at": "2020-01-01 00:00"}, "closes_at"),
        ({"kind": "weekly"}, "kind"),
        ({"max_attempts": "0"}, "max_attempts"),
        ({"opens_at": "tomorrow"}, "opens_at"),
        ({"instrument": "99999"}, "instrument"),
    ],
)
def test_invalid_campaign_is_refused_per_field(
    researcher, fixed_campaign, overrides, field
):
    before = Campaign.objects.count()
    errors = _errors(
        researcher.post(
            CAMPAIGN_ADD, _campaign_data(fixed_campaign.instrument, **overrides)
        )
    )
    assert field in errors, errors
    assert Campaign.objects.count() == before


def test_edit_campaign_and_refuse_a_new_instrument_after_sessions(
    researcher, make_user, fixed_campaign, adaptive_campaign
):
    from assessment.services import session_start

    url = reverse("assessment_campaigns:edit", args=[fixed_campaign.pk])
    assert researcher.get(url).status_code == 200
    response = researcher.post(
        url,
        _campaign_data(
            fixed_campaign.instrument,
            kind="practice",
            name_zh="练习(改)",
            max_attempts="",
        ),
    )
    assert response.status_code == 302, _errors(response)
    fixed_campaign.refresh_from_db()
    assert (fixed_campaign.name_zh, fixed_campaign.max_attempts) == ("练习(改)", None)
    session_start(
        user=make_user(), campaign=fixed_campaign, background={}, consent=True
    )
    errors = _errors(
        researcher.post(
            url,
            _campaign_data(
                adaptive_campaign.instrument, kind="practice", name_zh="换卷"
            ),
        )
    )
    assert "instrument" in errors
    instrument_before = fixed_campaign.instrument_id
    fixed_campaign.refresh_from_db()
    assert (fixed_campaign.instrument_id, fixed_campaign.name_zh) == (
        instrument_before,
        "练习(改)",
    )


# ---------------------------------------------------------------- the campaign report


def test_campaign_report_counts_sessions_per_day(
    researcher, make_user, fixed_campaign, item_bank
):
    from assessment.services import response_record, session_finish, session_start

    now = timezone.now()
    fixed_campaign.opens_at = now - timedelta(days=5)
    fixed_campaign.save()
    earlier = now - timedelta(days=2)
    # two sessions two days ago, both finished by answering every item
    for _k in range(2):
        user = make_user()
        session, _ = session_start(
            user=user, campaign=fixed_campaign, background={}, consent=True, now=earlier
        )
        for seq, item_id in enumerate(item_bank.ids[:3], start=1):
            response_record(
                session_id=session.pk,
                user=user,
                sequence=seq,
                item_id=item_id,
                answer="B",
                now=earlier + timedelta(minutes=seq),
            )
    for _ in range(3):  # three today, one ended by the citizen
        user = make_user()
        session, _ = session_start(
            user=user, campaign=fixed_campaign, background={}, consent=True
        )
    session_finish(session_id=session.pk, user=user)
    response = researcher.get(
        reverse("assessment_campaigns:inspect", args=[fixed_campaign.pk])
    )
    assert response.status_code == 200
    report = response.context["report"]
    assert (report["started"], report["finished"], report["in_progress"]) == (5, 3, 2)
    assert report["completion_pct"] == 60.0
    assert report["median_minutes"] == 3.0  # 0, 3 and 3 minutes
    days = {row["day"]: (row["started"], row["finished"]) for row in report["rows"]}
    assert days[timezone.localdate(earlier)] == (2, 2)
    assert days[timezone.localdate(now)] == (3, 1)
    html = response.content.decode()
    assert f'data-day="{timezone.localdate(earlier):%Y-%m-%d}"' in html
    assert response.context["survey_url"] is None  # a practice campaign


def test_survey_campaign_report_links_to_the_survey_workflow(
    researcher, fixed_campaign
):
    from assessment.services import campaign_create

    survey = campaign_create(
        instrument=fixed_campaign.instrument,
        name_zh="五年综合调查",
        kind="five_yearly",
        opens_at=timezone.now(),
        year=2026,
    )
    html = researcher.get(
        reverse("assessment_campaigns:inspect", args=[survey.pk])
    ).content.decode()
    assert f'href="{reverse("survey_admin:index")}"' in html and "暂无" in html


# ---------------------------------------------------------------- permissions


def _pages(campaign):
    instrument = campaign.instrument
    return [
        INSTRUMENTS,
        INSTRUMENT_ADD,
        reverse("assessment_instruments:edit", args=[instrument.pk]),
        reverse("assessment_instruments:inspect", args=[instrument.pk]),
        CAMPAIGNS,
        CAMPAIGN_ADD,
        reverse("assessment_campaigns:edit", args=[campaign.pk]),
        reverse("assessment_campaigns:inspect", args=[campaign.pk]),
    ]


@pytest.mark.parametrize("role", ["researcher", "administrator"])
def test_researchers_and_administrators_may_use_every_page(
    client, make_user, fixed_campaign, role
):
    client.force_login(make_user(role))
    for url in _pages(fixed_campaign):
        assert client.get(url).status_code == 200, url
    assert "/admin/delivery/instruments/" in client.get("/admin/").content.decode()


def _refused(response) -> bool:
    """Wagtail answers PermissionDenied in its admin with a redirect home and a message
    (403 for XHR)."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == "/admin/"
    )


@pytest.mark.parametrize("role", ["item_author", "item_reviewer"])
def test_other_admin_users_are_refused_and_see_no_menu(
    client, make_user, fixed_campaign, role
):
    client.force_login(make_user(role))
    for url in _pages(fixed_campaign):
        assert _refused(client.get(url)), url
        assert (
            client.get(url, headers={"x-requested-with": "XMLHttpRequest"}).status_code
            == 403
        ), url
    refused = client.post(
        INSTRUMENT_ADD,
        _instrument_data(
            item_ids=str(fixed_campaign.instrument.settings["item_ids"][0])
        ),
    )
    assert _refused(refused) and not Instrument.objects.filter(code="info-new").exists()
    home = client.get("/admin/").content.decode()
    assert "/admin/delivery/instruments/" not in home
    assert "/admin/delivery/campaigns/" not in home


@pytest.mark.parametrize("role", ["citizen", "district_officer", None])
def test_citizens_officers_and_strangers_are_sent_away(
    client, make_user, districts, fixed_campaign, role
):
    if role is not None:
        client.force_login(make_user(role, district=districts[0]))
    for url in _pages(fixed_campaign):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert response["Location"].startswith("/admin/login/"), url
    before = Campaign.objects.count()
    client.post(CAMPAIGN_ADD, _campaign_data(fixed_campaign.instrument))
    assert Campaign.objects.count() == before


# ---------------------------------------------------------------- services


def test_instrument_update_checks_settings_like_create(fixed_campaign, item_bank):
    from django.core.exceptions import ValidationError

    from assessment.services.updates import instrument_update

    instrument = fixed_campaign.instrument
    with pytest.raises(ValidationError) as caught:
        instrument_update(
            instrument=instrument,
            code=instrument.code,
            name_zh="x",
            kind="ability",
            domain_code="info",
            mode="booklet",
            settings={"booklets": [[item_bank.ids[0], "two"]]},
        )
    assert "settings.booklets[0]" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        instrument_update(
            instrument=instrument,
            code=instrument.code,
            name_zh="x",
            kind="ability",
            domain_code="info",
            mode="fixed",
            settings={"item_ids": [1]},
            blueprint={"info": -1},
        )
    assert "blueprint.info" in caught.value.message_dict
    instrument.refresh_from_db()
    assert instrument.name_zh == "信息素养固定卷"


def test_campaign_update_keeps_invited_audience_once_codes_exist(fixed_campaign):
    from django.core.exceptions import ValidationError

    from assessment.services import campaign_create, invitations_create
    from assessment.services.updates import campaign_update

    invited = campaign_create(
        instrument=fixed_campaign.instrument,
        name_zh="抽样调查",
        kind="five_yearly",
        audience="invited",
        opens_at=timezone.now(),
    )
    invitations_create(campaign=invited, count=2)
    with pytest.raises(ValidationError) as caught:
        campaign_update(
            campaign=invited,
            instrument=invited.instrument,
            name_zh="抽样调查",
            kind="five_yearly",
            audience="public",
            opens_at=invited.opens_at,
        )
    assert "audience" in caught.value.message_dict
    invited.refresh_from_db()
    assert invited.audience == "invited"


def test_administrator_cannot_delete_an_instrument_in_use(
    client, make_user, fixed_campaign
):
    from django.contrib.messages import get_messages

    client.force_login(make_user("administrator"))
    instrument = fixed_campaign.instrument
    response = client.post(
        reverse("assessment_instruments:delete", args=[instrument.pk])
    )
    assert response.status_code == 302
    assert Instrument.objects.filter(pk=instrument.pk).exists()
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("不能删除" in note for note in notes), notes
