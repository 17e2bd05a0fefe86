"""One space per organisation: entries by the organisation, approval by its district, and
nothing public before approval (page, files, API)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from learning_platform.organisations.models import EntryStatus, SpaceEntry
from learning_platform.organisations.services.space import (
    space_entry_review,
    space_entry_save,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user, hp, xh):
    return {
        "org": make_user("organisation", username="orguser"),
        "other_org": make_user("organisation", username="orguser2"),
        "officer": make_user("district_officer", district=hp, username="officer"),
        "officer_xh": make_user("district_officer", district=xh, username="officer_xh"),
        "citizen": make_user("citizen", username="cit"),
    }


@pytest.fixture
def org(org_factory, people):
    return org_factory(users=[people["org"]], name="外滩社区", slug="waitan")


def _photo(png_bytes, name="p.png"):
    return SimpleUploadedFile(name, png_bytes, content_type="image/png")


def test_an_entry_starts_pending_and_only_the_district_approves_it(
    org, people, png_bytes
):
    entry = space_entry_save(
        user=people["org"],
        organisation=org,
        data={"kind": "photo", "title": "读书会", "alt_text": "居民在读书会上发言"},
        upload=_photo(png_bytes),
    )
    assert entry.status == EntryStatus.PENDING
    with pytest.raises(PermissionDenied):
        space_entry_review(user=people["officer_xh"], entry=entry, approve=True)
    with pytest.raises(PermissionDenied):
        space_entry_review(user=people["org"], entry=entry, approve=True)
    entry = space_entry_review(user=people["officer"], entry=entry, approve=True)
    assert (
        entry.status == EntryStatus.APPROVED and entry.reviewed_by == people["officer"]
    )


def test_returning_needs_a_reason(org, people):
    entry = space_entry_save(
        user=people["org"], organisation=org, data={"kind": "activity", "title": "讲座"}
    )
    with pytest.raises(ValidationError) as exc:
        space_entry_review(
            user=people["officer"], entry=entry, approve=False, reason=" "
        )
    assert "reason" in exc.value.message_dict
    entry = space_entry_review(
        user=people["officer"], entry=entry, approve=False, reason="请补充日期"
    )
    assert entry.status == EntryStatus.RETURNED and entry.review_comment == "请补充日期"


def test_only_the_organisations_own_users_add_entries(org, people):
    with pytest.raises(PermissionDenied):
        space_entry_save(
            user=people["other_org"],
            organisation=org,
            data={"kind": "activity", "title": "x"},
        )
    with pytest.raises(PermissionDenied):
        space_entry_save(
            user=people["officer"],
            organisation=org,
            data={"kind": "activity", "title": "x"},
        )
    assert not SpaceEntry.objects.exists()


@pytest.mark.parametrize(
    "data, upload, field",
    [
        ({"kind": "photo", "title": "合影"}, "png", "alt_text"),
        ({"kind": "photo", "title": "合影", "alt_text": "合影"}, None, "file"),
        ({"kind": "photo", "title": "合影", "alt_text": "合影"}, "fake", "file"),
        ({"kind": "photo", "title": "合影", "alt_text": "合影"}, "gif", "file"),
        ({"kind": "document", "title": "方案"}, "png", "file"),
        ({"kind": "activity", "title": ""}, None, "title"),
        ({"kind": "result", "title": "成果"}, None, "kind"),
        (
            {"kind": "activity", "title": "活动", "happened_on": "2024-13-40"},
            None,
            "happened_on",
        ),
    ],
)
def test_bad_input_is_named_and_nothing_is_saved(
    org, people, png_bytes, data, upload, field
):
    files = {
        "png": lambda: _photo(png_bytes),
        "fake": lambda: SimpleUploadedFile("x.png", b"not a png at all"),
        "gif": lambda: SimpleUploadedFile("x.gif", b"GIF89a...."),
    }
    with pytest.raises(ValidationError) as exc:
        space_entry_save(
            user=people["org"],
            organisation=org,
            data=data,
            upload=files[upload]() if upload else None,
        )
    assert field in exc.value.message_dict
    assert not SpaceEntry.objects.exists()


def test_an_oversized_photo_is_refused(org, people, png_bytes, monkeypatch):
    from learning_platform.organisations.services import space

    monkeypatch.setattr(space, "PHOTO_MAX_BYTES", 10)
    with pytest.raises(ValidationError) as exc:
        space_entry_save(
            user=people["org"],
            organisation=org,
            data={"kind": "photo", "title": "合影", "alt_text": "合影"},
            upload=_photo(png_bytes),
        )
    assert "MB" in exc.value.message_dict["file"][0]


def test_nothing_is_public_before_approval(client, org, people, png_bytes):
    entry = space_entry_save(
        user=people["org"],
        organisation=org,
        data={"kind": "photo", "title": "待审照片", "alt_text": "待审"},
        upload=_photo(png_bytes),
    )
    page = reverse("organisations:space_detail", args=[org.slug])
    file_url = reverse("organisations:space_file", args=[entry.pk])
    # The public: no page, no file, not in the index or the API.
    assert client.get(page).status_code == 404
    assert client.get(file_url).status_code == 404
    assert (
        "外滩社区"
        not in client.get(reverse("organisations:space_index")).content.decode()
    )
    assert client.get(f"/api/v1/organisations/spaces/{org.slug}").status_code == 404
    assert (
        client.get(f"/api/v1/organisations/spaces/entries/{entry.pk}/file").status_code
        == 404
    )
    # Another district's staff and a citizen: the same.
    for who in ("officer_xh", "citizen", "other_org"):
        client.force_login(people[who])
        assert client.get(page).status_code == 404, who
        assert client.get(file_url).status_code == 404, who
    # The organisation's user and its district see the pending photo.
    for who in ("org", "officer"):
        client.force_login(people[who])
        assert "待审照片" in client.get(page).content.decode()
        assert client.get(file_url).status_code == 200
    client.logout()
    # Approved: public everywhere.
    space_entry_review(user=people["officer"], entry=entry, approve=True)
    body = client.get(page).content.decode()
    assert "待审照片" in body and 'alt="待审"' in body
    assert client.get(file_url).status_code == 200
    assert (
        "外滩社区" in client.get(reverse("organisations:space_index")).content.decode()
    )
    data = client.get(f"/api/v1/organisations/spaces/{org.slug}").json()
    assert [e["title"] for e in data["entries"]] == ["待审照片"]


def test_a_changed_entry_goes_back_to_pending_and_leaves_the_public_page(
    client, org, people
):
    entry = space_entry_save(
        user=people["org"],
        organisation=org,
        data={"kind": "activity", "title": "旧标题"},
    )
    space_entry_review(user=people["officer"], entry=entry, approve=True)
    space_entry_save(
        user=people["org"], organisation=org, data={"title": "新标题"}, entry=entry
    )
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PENDING
    assert (
        client.get(reverse("organisations:space_detail", args=[org.slug])).status_code
        == 404
    )


def test_markup_is_escaped(client, org, people):
    entry = space_entry_save(
        user=people["org"],
        organisation=org,
        data={
            "kind": "activity",
            "title": "<script>alert(1)</script>",
            "body": "<b>粗体</b>",
        },
    )
    space_entry_review(user=people["officer"], entry=entry, approve=True)
    body = client.get(
        reverse("organisations:space_detail", args=[org.slug])
    ).content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
    assert "<b>粗体</b>" not in body


def test_entry_form_shows_chinese_errors_and_saves_nothing(client, org, people):
    client.force_login(people["org"])
    url = reverse("organisations:space_entry_new", args=[org.slug])
    response = client.post(
        url, {"kind": "photo", "title": "合影"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400
    assert not SpaceEntry.objects.exists()
    response = client.post(
        url, {"kind": "activity", "title": "社区读书会", "happened_on": "2025-05-01"}
    )
    assert response.status_code == 302
    assert SpaceEntry.objects.get().status == EntryStatus.PENDING


def test_other_users_cannot_open_the_entry_form(client, org, people):
    client.force_login(people["other_org"])
    assert (
        client.get(
            reverse("organisations:space_entry_new", args=[org.slug])
        ).status_code
        == 404
    )


def test_review_page_lists_only_the_reviewers_district(
    client, org, org_factory, people, xh
):
    other = org_factory(
        district=xh, users=[people["other_org"]], name="徐汇社区", slug="xh-c"
    )
    space_entry_save(
        user=people["org"],
        organisation=org,
        data={"kind": "activity", "title": "黄浦活动"},
    )
    theirs = space_entry_save(
        user=people["other_org"],
        organisation=other,
        data={"kind": "activity", "title": "徐汇活动"},
    )
    client.force_login(people["officer"])
    body = client.get(reverse("organisations:space_review")).content.decode()
    assert "黄浦活动" in body and "徐汇活动" not in body
    response = client.post(
        reverse("organisations:space_entry_review", args=[theirs.pk]),
        {"decision": "approve"},
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == EntryStatus.PENDING
    client.force_login(people["citizen"])
    assert client.get(reverse("organisations:space_review")).status_code == 403


def test_index_filters(client, org_factory, people, xh):
    a = org_factory(name="甲社区", slug="a", kind="community")
    b = org_factory(name="乙家庭", slug="b", kind="family", district=xh)
    for o in (a, b):
        o.users.add(people["org"])
        e = space_entry_save(
            user=people["org"], organisation=o, data={"kind": "activity", "title": "t"}
        )
        space_entry_review(
            user=people["officer"] if o is a else people["officer_xh"],
            entry=e,
            approve=True,
        )
    url = reverse("organisations:space_index")
    body = client.get(url, {"kind": "family"}).content.decode()
    assert "乙家庭" in body and "甲社区" not in body
    body = client.get(url, {"district": "310101"}).content.decode()
    assert "甲社区" in body and "乙家庭" not in body
    body = client.get(url, {"q": "甲"}).content.decode()
    assert "甲社区" in body and "乙家庭" not in body


def test_space_pages_read_in_chinese(client, org, people):
    space_entry_save(
        user=people["org"], organisation=org, data={"kind": "activity", "title": "讲座"}
    )
    client.force_login(people["org"])
    body = client.get(
        reverse("organisations:space_detail", args=[org.slug]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).content.decode()
    assert "学习记录" in body and "年度结果" in body
    for english in ("Awaiting", "Learning records", "Yearly results", "Add a record"):
        assert english not in body, english
