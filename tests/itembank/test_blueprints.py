"""Blueprint targets (largest remainder), fixed-form assembly and its errors."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from itembank.models import Blueprint, ItemParameter
from itembank.selectors import blueprint_errors, blueprint_targets
from itembank.services import (
    form_assemble,
    parameter_set_activate,
    parameter_set_create,
)

pytestmark = pytest.mark.django_db


def _bp(content, length=10, lo=-2.5, hi=2.5, code="bp"):
    return Blueprint(
        code=code,
        name_zh="测试蓝图",
        length=length,
        content=content,
        difficulty_min=lo,
        difficulty_max=hi,
    )


# -- targets (pure) --------------------------------------------------------------------


def test_proportions_become_counts_by_largest_remainder():
    # quotas 3.333.., 3.333.., 3.333.. -> 4, 3, 3: the tie goes to the earlier code
    assert blueprint_targets(_bp({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3})) == {
        "a": 4,
        "b": 3,
        "c": 3,
    }
    # quotas 4.5, 3.5, 2.0 at length 10 -> ties broken by the larger share
    assert blueprint_targets(_bp({"x": 0.45, "y": 0.35, "z": 0.2})) == {
        "x": 5,
        "y": 3,
        "z": 2,
    }
    # quotas 1.4, 1.4, 7.2 (remainders .4, .4, .2) -> one extra for the first .4
    assert blueprint_targets(_bp({"p": 0.14, "q": 0.14, "r": 0.72})) == {
        "p": 2,
        "q": 1,
        "r": 7,
    }


@pytest.mark.parametrize("length", [1, 7, 13, 20, 41])
def test_targets_always_sum_to_the_length(length):
    targets = blueprint_targets(_bp({"a": 0.2, "b": 0.3, "c": 0.5}), length=length)
    assert sum(targets.values()) == length
    assert all(v >= 0 for v in targets.values())


def test_counts_are_returned_as_given_and_scaled_for_another_length():
    bp = _bp({"a": 3, "b": 5, "c": 2}, length=10)
    assert blueprint_targets(bp) == {"a": 3, "b": 5, "c": 2}
    assert blueprint_targets(bp, length=20) == {"a": 6, "b": 10, "c": 4}
    assert blueprint_targets(_bp({"a": 1}, length=1)) == {"a": 1}
    assert blueprint_targets(_bp({"a": 1.0}, length=8)) == {"a": 8}  # a proportion of 1


def test_a_plain_mapping_is_a_set_of_weights():
    shares = {"info.data": 1.0, "info.safety": 1.0, "info.problem": 2.0}
    assert blueprint_targets(shares, length=8) == {
        "info.data": 2,
        "info.safety": 2,
        "info.problem": 4,
    }
    with pytest.raises(ValidationError, match="length"):
        blueprint_targets(shares)


@pytest.mark.parametrize(
    ("content", "length", "message"),
    [
        ({"a": 0.5, "b": 0.4}, 10, "sum to 0.9"),
        ({"a": 3, "b": 5}, 10, "counts sum to 8 but the length is 10"),
        ({"a": -0.5, "b": 1.5}, 10, "for: a"),
        ({"a": "half", "b": 0.5}, 10, "for: a"),
        ({"a": True}, 1, "for: a"),
        ({}, 10, "empty"),
    ],
)
def test_bad_shares_are_refused_with_the_reason(content, length, message):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        blueprint_targets(_bp(content, length=length))
    assert message in " ".join(exc.value.messages)


def test_validation_names_unknown_overlapping_and_needs_domains(domains):
    with translation.override("en"):
        errors = blueprint_errors(
            content={
                "info": 0.25,
                "info.safety": 0.25,
                "astrology": 0.25,
                "needs.topics": 0.25,
            },
            length=8,
            difficulty_min=1.0,
            difficulty_max=-1.0,
        )
    text = " ".join(errors["content"])
    assert "Unknown domain code(s): astrology." in text
    assert "“info.safety” lies inside “info”" in text
    assert "needs.topics" in text
    assert "difficulty_max" in errors
    assert (
        blueprint_errors(
            content={"info.data": 5, "science": 5},
            length=10,
            difficulty_min=-2,
            difficulty_max=2,
        )
        == {}
    )


# -- assembly ----------------------------------------------------------------------------


@pytest.fixture
def bank(make_item, make_user):
    """info.data 8 items b -2.4..2.6 (one out of range), info.safety 3, science 6,
    a draft, a Likert item and an uncalibrated item; the set is active."""
    items = {}
    bs = {}
    for k, b in enumerate([-2.4, -1.8, -1.1, -0.4, 0.2, 0.9, 1.6, 2.6]):
        it = make_item(code=f"DATA-{k}", domain_code="info.data")
        items[it.pk], bs[it.pk] = {"a": 1.2, "b": b}, b
    for k, b in enumerate([-0.5, 0.0, 0.5]):
        it = make_item(
            code=f"SAFE-{k}",
            domain_code="info.safety",
            kind="true_false" if k == 0 else "single_choice",
        )
        items[it.pk], bs[it.pk] = {"a": 1.0, "b": b}, b
    for k, b in enumerate([-2.0, -1.0, 0.0, 0.3, 1.0, 2.0]):
        it = make_item(code=f"SCI-{k}", domain_code="science")
        items[it.pk], bs[it.pk] = {"a": 0.9, "b": b}, b
    draft = make_item(code="DATA-DRAFT", domain_code="info.data", publish=False)
    items[draft.pk] = {"a": 1.0, "b": 0.0}
    make_item(code="DATA-NOPARAM", domain_code="info.data")
    likert = make_item(code="L-1", kind="likert", domain_code="needs.topics")
    items[likert.pk] = {"model": "grm", "a": 1.0, "thresholds": [-1, 0, 1]}
    pset = parameter_set_create(name="bank", model="2pl", source="test", items=items)
    parameter_set_activate(
        parameter_set=pset, approved_by=make_user("researcher"), comment="test"
    )
    return {"pset": pset, "b": bs, "draft": draft.pk}


def _domain_of(ids):
    from itembank.models import Item

    return dict(Item.objects.filter(pk__in=ids).values_list("pk", "domain__code"))


def test_assembly_meets_the_counts_and_the_range(bank):
    bp = _bp({"info": 0.5, "science": 0.5}, length=8, lo=-2.5, hi=2.5)
    ids = form_assemble(blueprint=bp)
    assert len(ids) == len(set(ids)) == 8
    domains = _domain_of(ids)
    assert sum(d.startswith("info") for d in domains.values()) == 4  # subdomains count
    assert sum(d == "science" for d in domains.values()) == 4
    assert all(-2.5 <= bank["b"][i] <= 2.5 for i in ids)
    assert bank["draft"] not in ids
    assert [bank["b"][i] for i in ids] == sorted(
        bank["b"][i] for i in ids
    )  # easiest first


def test_assembly_spreads_difficulty_over_the_range(bank):
    ids = form_assemble(blueprint=_bp({"info.data": 4}, length=4, lo=-2.5, hi=2.5))
    bs = sorted(bank["b"][i] for i in ids)
    # four of -2.4 .. 1.6: not the four nearest 0 (-1.1, -0.4, 0.2, 0.9)
    assert bs[0] <= -1.8 and bs[-1] >= 1.6
    narrow = form_assemble(blueprint=_bp({"info.data": 3}, length=3, lo=-0.5, hi=1.0))
    assert sorted(bank["b"][i] for i in narrow) == [-0.4, 0.2, 0.9]


def test_target_theta_pulls_the_form_towards_it(bank):
    easy = form_assemble(blueprint=_bp({"science": 3}, length=3), target_theta=-2.0)
    hard = form_assemble(blueprint=_bp({"science": 3}, length=3), target_theta=2.0)
    mean = lambda ids: sum(bank["b"][i] for i in ids) / len(ids)  # noqa: E731
    assert mean(easy) < mean(hard)


def test_seed_gives_reproducible_parallel_forms_and_exclude_is_respected(bank):
    bp = _bp({"science": 3}, length=3)
    assert form_assemble(blueprint=bp) == form_assemble(blueprint=bp)
    forms = {tuple(form_assemble(blueprint=bp, seed=s)) for s in range(8)}
    assert len(forms) > 1
    assert form_assemble(blueprint=bp, seed=5) == form_assemble(blueprint=bp, seed=5)
    first = form_assemble(blueprint=bp)
    second = form_assemble(blueprint=bp, exclude=first)
    assert not set(first) & set(second)


def test_a_thin_domain_is_named_with_what_the_bank_has(bank):
    bp = _bp({"info.safety": 5, "info.data": 5}, length=10, lo=-2.5, hi=2.5)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        form_assemble(blueprint=bp)
    text = " ".join(exc.value.messages)
    assert (
        "信息素养/安全 (info.safety): needs 5 items, bank has 3 published with parameters "
        "in [-2.5, 2.5]."
    ) in text
    assert "info.data" not in text  # 7 calibrated in range: enough
    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="needs 8 items, bank has 7"),
    ):
        form_assemble(blueprint=_bp({"info.data": 8}, length=8))


def test_assembly_uses_the_parameter_set_it_is_given(bank, make_item):
    other = parameter_set_create(
        name="other",
        model="2pl",
        source="t",
        items={i: {"a": 1.0, "b": 3.0} for i in bank["b"]},
    )  # everything out of range
    with pytest.raises(ValidationError):
        form_assemble(blueprint=_bp({"science": 2}, length=2), parameter_set=other)
    assert len(form_assemble(blueprint=_bp({"science": 2}, length=2))) == 2
    assert ItemParameter.objects.filter(parameter_set=other).count() == len(bank["b"])


def test_without_parameters_items_are_drawn_per_domain(make_item):
    for k in range(4):
        make_item(code=f"H-{k}", domain_code="health")
    ids = form_assemble(blueprint=_bp({"health": 3}, length=3), seed=1)
    assert len(set(ids)) == 3
    assert form_assemble(blueprint=_bp({"health": 3}, length=3), seed=1) == ids
    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="needs 5 items, bank has 4 published"),
    ):
        form_assemble(blueprint=_bp({"health": 5}, length=5))


def test_an_invalid_blueprint_is_refused_before_assembly(domains):
    with translation.override("en"), pytest.raises(ValidationError, match="astrology"):
        form_assemble(blueprint=_bp({"astrology": 1.0}, length=5))


# -- admin -------------------------------------------------------------------------------


@pytest.fixture
def researcher_client(client, make_user):
    from learning_platform.accounts.services import roles_sync

    roles_sync()
    client.force_login(make_user("researcher"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _post_blueprint(client, content, **extra):
    import json

    data = {
        "code": "form-a",
        "name_zh": "信息素养 A 卷",
        "name_en": "Form A",
        "length": 10,
        "content": json.dumps(content),
        "difficulty_min": -2.5,
        "difficulty_max": 2.5,
    }
    data.update(extra)
    return client.post("/admin/snippets/itembank/blueprint/add/", data)


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        ({"info.data": 0.5, "info.safety": 0.4}, {}, "sum to 0.9"),
        (
            {"info.data": 3, "info.safety": 5},
            {},
            "counts sum to 8 but the length is 10",
        ),
        (
            {"info.data": 0.5, "astrology": 0.5},
            {},
            "Unknown domain code(s): astrology.",
        ),
        ({"info": 0.5, "info.safety": 0.5}, {}, "lies inside"),
        (
            {"info.data": 1.0},
            {"difficulty_min": 1, "difficulty_max": 0},
            "must be above",
        ),
    ],
)
def test_admin_refuses_a_bad_blueprint_and_names_the_problem(
    researcher_client, domains, content, extra, message
):
    response = _post_blueprint(researcher_client, content, **extra)
    assert response.status_code == 200  # the form again, with the errors
    assert message in response.content.decode()
    assert not Blueprint.objects.exists()


def test_admin_saves_a_good_blueprint_and_previews_a_form(researcher_client, bank):
    response = _post_blueprint(
        researcher_client, {"info": 0.5, "science": 0.5}, length=6
    )
    assert response.status_code == 302
    bp = Blueprint.objects.get(code="form-a")
    listing = researcher_client.get(
        "/admin/snippets/itembank/blueprint/"
    ).content.decode()
    url = f"/admin/itembank/blueprint/{bp.pk}/assemble/"
    assert url in listing
    html = researcher_client.get(url + "?seed=3&target_theta=0.5").content.decode()
    assert 'class="listing form-items"' in html
    assert html.count("DATA-") + html.count("SAFE-") == 3 and html.count("SCI-") == 3
    assert "信息素养 (info)" in html and "科学素养 (science)" in html
    # a thin bank: the preview names the domain instead of failing
    Blueprint.objects.filter(pk=bp.pk).update(content={"info.safety": 6})
    html = researcher_client.get(url).content.decode()
    assert "needs 6 items, bank has 3 published" in html
    html = researcher_client.get(url + "?target_theta=abc&seed=-1").content.decode()
    assert "is not a number" in html and "is not a whole number" in html


def test_citizens_cannot_preview_a_blueprint(client, make_user, domains):
    bp = Blueprint.objects.create(code="x", name_zh="x", length=1, content={"info": 1})
    client.force_login(make_user("citizen"))
    assert client.get(f"/admin/itembank/blueprint/{bp.pk}/assemble/").status_code in (
        302,
        403,
    )
