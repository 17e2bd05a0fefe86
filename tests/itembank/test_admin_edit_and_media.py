"""The Wagtail edit view applies the per-kind rules (errors per field, nothing saved),
images need alt text, and scheduled publishing delivers an item only once it goes live."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone, translation
from wagtail.test.utils.form_data import querydict_from_html

from itembank import selectors
from itembank.models import Item
from itembank.services import item_review_decide, item_review_submit, item_save_draft
from learning_platform.accounts.services import roles_sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client, make_user):
    from learning_platform.accounts.services import roles_sync

    roles_sync()
    client.force_login(make_user("researcher"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def image(db):
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    return get_image_model().objects.create(title="图表", file=get_test_image_file())


def _edit_data(client, item):
    html = client.get(f"/admin/snippets/itembank/item/edit/{item.pk}/").content.decode()
    data = querydict_from_html(html, form_id="w-editor-form")
    for name in [k for k in data if k.endswith("is_key")]:
        data[name] = (
            "on"  # a ticked checkbox without a value attribute: browsers send "on"
        )
    return data


def _post(client, item, data):
    return client.post(f"/admin/snippets/itembank/item/edit/{item.pk}/", data)


def _snapshot(item):
    item.refresh_from_db()
    return (
        item.revisions.count(),
        item.latest_revision_id,
        item.has_unpublished_changes,
        list(
            item.options.values_list(
                "option_id", "is_key", "key_position", "alt", "image_id"
            )
        ),
        item.stem_image_id,
    )


def _options_panel_errors(html):
    soup = BeautifulSoup(html, "html.parser")
    panel = soup.find(id="panel-options-content")
    assert panel is not None, "the options panel"
    return " ".join(e.get_text(" ", strip=True) for e in panel.select(".error-message"))


def _field_errors(html, name):
    """The error text rendered inside the field wrapper of ``name``."""
    soup = BeautifulSoup(html, "html.parser")
    widget = soup.find(attrs={"name": name})
    assert widget is not None, name
    wrapper = widget.find_parent(class_="w-field")
    return " ".join(
        e.get_text(" ", strip=True) for e in wrapper.select(".error-message")
    )


def test_a_valid_edit_is_saved_as_a_draft_revision(editor, make_item):
    item = make_item()
    before = item.revisions.count()
    data = _edit_data(editor, item)
    data["instructions"] = "请选一个"
    response = _post(editor, item, data)
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.revisions.count() == before + 1 and item.has_unpublished_changes


def test_two_keys_on_a_single_choice_item_are_refused_and_nothing_is_saved(
    editor, make_item
):
    item = make_item()  # key B
    before = _snapshot(item)
    data = _edit_data(editor, item)
    data["options-0-is_key"] = "on"  # A as well
    response = _post(editor, item, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "needs exactly one correct option; it has 2" in _options_panel_errors(html)
    assert _snapshot(item) == before


def test_a_likert_item_with_a_key_is_refused(editor, make_item):
    item = make_item(kind="likert", domain_code="needs.topics")
    before = _snapshot(item)
    data = _edit_data(editor, item)
    data["options-2-is_key"] = "on"
    response = _post(editor, item, data)
    assert response.status_code == 200
    assert "A Likert item has no key" in _options_panel_errors(
        response.content.decode()
    )
    assert _snapshot(item) == before


def test_an_item_without_options_is_refused(editor, make_item):
    item = make_item()
    before = _snapshot(item)
    data = _edit_data(editor, item)
    for n in range(int(data["options-TOTAL_FORMS"])):
        data[f"options-{n}-DELETE"] = "1"
    response = _post(editor, item, data)
    assert response.status_code == 200
    assert "it needs at least 2" in _options_panel_errors(response.content.decode())
    assert _snapshot(item) == before


def test_an_empty_stem_is_reported_on_the_stem_field(editor, make_item):
    from wagtail.test.utils.form_data import rich_text

    item = make_item()
    before = _snapshot(item)
    data = _edit_data(editor, item)
    data["stem"] = rich_text("<p></p>", features=["bold"])
    response = _post(editor, item, data)
    assert response.status_code == 200
    assert "The stem is empty" in _field_errors(response.content.decode(), "stem")
    assert _snapshot(item) == before


# -- images -----------------------------------------------------------------------------


def test_a_stem_image_without_alt_text_is_refused_on_its_field(
    editor, make_item, image
):
    item = make_item()
    before = _snapshot(item)
    data = _edit_data(editor, item)
    data["stem_image"] = str(image.pk)
    data["stem_image_alt"] = "  "
    response = _post(editor, item, data)
    assert response.status_code == 200
    assert "needs alt text" in _field_errors(
        response.content.decode(), "stem_image_alt"
    )
    assert _snapshot(item) == before

    data["stem_image_alt"] = "2024 年上海市民上网时长柱状图"
    assert _post(editor, item, data).status_code == 302
    draft = Item.objects.get(pk=item.pk).latest_revision.as_object()
    assert draft.stem_image_id == image.pk


def test_an_option_image_without_alt_text_is_refused_in_the_edit_view(
    editor, make_item, image
):
    item = make_item()
    before = _snapshot(item)
    data = _edit_data(editor, item)
    data["options-0-image"] = str(image.pk)
    response = _post(editor, item, data)
    assert response.status_code == 200
    assert "Option A has an image without alt text" in _options_panel_errors(
        response.content.decode()
    )
    assert _snapshot(item) == before


def test_images_with_alt_text_reach_the_payload_and_an_image_may_replace_text(
    make_item, image
):
    options = [
        {
            "option_id": "A",
            "text": "",
            "image": image,
            "alt": "红色警示图标",
            "is_key": True,
        },
        {"option_id": "B", "text": "文字选项"},
    ]
    item = make_item(stem_image=image, stem_image_alt="钓鱼短信截图", options=options)
    [delivered] = selectors.items_for_delivery([item.pk])
    payload = delivered.payload
    assert payload["stem_image_alt"] == "钓鱼短信截图"
    assert payload["stem_image_url"].endswith((".png", ".jpg", ".gif"))
    first = payload["options"][0]
    assert (
        first["alt"] == "红色警示图标"
        and first["image_url"]
        and first["text_html"] == ""
    )
    assert "is_key" not in first


def test_the_service_refuses_images_without_alt_text(domains, image):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        item_save_draft(
            code="IMG-1",
            domain_code="info.data",
            kind="single_choice",
            stem="<p>哪个？</p>",
            stem_image=image,
            stem_image_alt="",
            options=[
                {"option_id": "A", "text": "", "image": image, "is_key": True},
                {"option_id": "B", "text": "b"},
            ],
        )
    errors = exc.value.message_dict
    assert "The stem image needs alt text." in errors["stem_image_alt"]
    assert "Option A has an image without alt text." in errors["options"]
    assert not Item.objects.filter(code="IMG-1").exists()


# -- scheduled publishing ---------------------------------------------------------------


def test_scheduled_item_is_delivered_only_after_publish_scheduled(make_item, make_user):
    item = make_item(publish=False)
    go_live = timezone.now() + timedelta(seconds=8)
    item.go_live_at = go_live
    item.save()
    revision = item.save_revision()
    roles_sync()
    item_review_submit(item=item, user=make_user("item_author"))
    for role in (
        "item_reviewer",
        "item_fairness_reviewer",
        "item_psychometric_reviewer",
    ):
        item_review_decide(
            item=item, user=make_user(role), approve=True
        )  # last: scheduled
    item.refresh_from_db()
    revision.refresh_from_db()
    assert not item.live and revision.approved_go_live_at is not None
    assert timezone.now() < go_live
    call_command("publish_scheduled", verbosity=0)  # not yet due
    item.refresh_from_db()
    assert not item.live
    with pytest.raises(selectors.ItemNotDeliverable):
        selectors.items_for_delivery([item.pk])
    assert item.pk not in selectors.deliverable_item_ids(domain_codes=["info"])

    time.sleep(max(0.0, (go_live - timezone.now()).total_seconds()) + 0.2)
    call_command("publish_scheduled", verbosity=0)
    item.refresh_from_db()
    assert item.live and item.live_revision_id == revision.pk
    [delivered] = selectors.items_for_delivery([item.pk])
    assert delivered.revision_id == revision.pk
    assert item.pk in selectors.deliverable_item_ids(domain_codes=["info"])
