"""Fixtures of the item-bank tests: the domain tree and a few published items."""

from __future__ import annotations

import pytest


@pytest.fixture
def domains(db):
    from itembank.demo import domains_ensure

    domains_ensure()


def choice_options(key="B", ids="ABCD"):
    return [
        {
            "option_id": o,
            "text": f"选项{o}",
            "text_en": f"Option {o}",
            "is_key": o == key,
        }
        for o in ids
    ]


@pytest.fixture
def make_item(domains):
    from itembank.services import item_create_published, item_save_draft

    counter = {"n": 0}

    def _make(
        *,
        publish=True,
        kind="single_choice",
        domain_code="info.data",
        options=None,
        **fields,
    ):
        counter["n"] += 1
        fields.setdefault("code", f"T-{counter['n']:03d}")
        fields.setdefault("stem", f"<p>题干 {counter['n']}</p>")
        if options is None:
            options = {
                "single_choice": choice_options(),
                "true_false": [
                    {"option_id": "T", "text": "正确", "is_key": True},
                    {"option_id": "F", "text": "错误"},
                ],
                "multiple_response": [
                    {"option_id": o, "text": o, "is_key": o in "AB"} for o in "ABCD"
                ],
                "ordered": [
                    {"option_id": o, "text": o, "key_position": i + 1}
                    for i, o in enumerate("ABCD")
                ],
                "likert": [
                    {"option_id": f"L{i}", "text": t}
                    for i, t in enumerate(["很少", "有时", "经常", "总是"], 1)
                ],
            }[kind]
        create = item_create_published if publish else item_save_draft
        return create(kind=kind, domain_code=domain_code, options=options, **fields)

    return _make
