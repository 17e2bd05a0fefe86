"""Demo item bank: domains, levels, 192 ability and 40 needs items, a demo parameter set.

Safe to run twice. The parameter set is drawn by ``psychometrics.simulate`` around each
scenario's intended difficulty and is marked as a demonstration set (``is_demo``). The
science and health items written for the survey booklets (``ABILITY_SURVEY``) follow
their domain's other items and draw a discrimination in ``SURVEY_DISCRIMINATION`` from
their own stream, so the items before them keep their codes, key positions and
parameters.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from django.db import transaction

from psychometrics.simulate import random_item_parameters

from .demo_content import (
    ABILITY,
    ABILITY_SURVEY,
    DOMAINS,
    LEVELS,
    NEEDS,
    SURVEY_DISCRIMINATION,
)
from .demo_review import review_demo_ensure
from .models import Domain, Item, ItemParameterSet, ProficiencyLevel
from .services import (
    cut_score_set_from_levels,
    item_create_published,
    parameter_set_activate,
    parameter_set_create,
    review_workflow_ensure,
)
from .strand_content import likert_option_id
from .taxonomies import demo_domains_map, reference_frameworks_load_kept

DEMO_SET_NAME = "演示参数集 Demo parameter set (simulated 2PL/GPCM/GRM)"


def _letters(n: int) -> list[str]:
    return [chr(ord("A") + i) for i in range(n)]


def _balanced(
    kind: str, options: list[dict], key, placed: dict[str, int]
) -> list[dict]:
    """Store the options so that the bank's keys fall evenly on every position.

    Single choice: the key moves to positions 1, 2, 3, 4, 1, … item by item (the
    distractors keep their order around it). Multiple response: the options rotate by
    0, 1, 2, 3, … Ordering: a fixed-seed order that is not the key. True/false keeps
    "true" first; its statements are written half true, half false (demo_content).
    The itembank lint (``manage.py itembank_lint``) checks the result.
    """
    if kind not in placed:
        return options
    count = placed[kind]
    placed[kind] += 1
    n = len(options)
    if kind == "single_choice":
        shift = (key - count % n) % n
    elif kind == "multiple_response":
        shift = count % n
    else:
        rng = np.random.default_rng([2026, count])
        while True:
            perm = [int(k) for k in rng.permutation(n)]
            if [options[k]["key_position"] for k in perm] != list(range(1, n + 1)):
                return [options[k] for k in perm]
    return options[shift:] + options[:shift]


def domains_ensure() -> None:
    for order, (code, parent, kind, zh, en) in enumerate(DOMAINS):
        Domain.objects.update_or_create(
            code=code,
            defaults={
                "parent": Domain.objects.get(code=parent) if parent else None,
                "kind": kind,
                "name_zh": zh,
                "name_en": en,
                "sort_order": order,
            },
        )
    for code, levels in LEVELS.items():
        domain = Domain.objects.get(code=code)
        if domain.levels.exists():
            continue
        for order, lcode, cut, attained, nzh, nen, dzh, den, szh, sen in levels:
            ProficiencyLevel.objects.create(
                domain=domain,
                order=order,
                code=lcode,
                min_theta=cut,
                attained=attained,
                name_zh=nzh,
                name_en=nen,
                description_zh=dzh,
                description_en=den,
                suggestion_zh=szh,
                suggestion_en=sen,
            )

    for code in LEVELS:
        domain = Domain.objects.get(code=code)
        if not domain.cut_score_sets.exists():
            cut_score_set_from_levels(
                domain=domain,
                set_by="演示数据 demo",
                scale="演示参数集的θ量尺 theta of the demo parameter set",
                note="demo standard setting",
            )


def demo_item_specs() -> list[dict]:
    """Every demo item as keyword arguments of ``services.item_save_draft``."""
    specs = []
    placed = {"single_choice": 0, "multiple_response": 0, "ordered": 0}
    numbered: dict[str, int] = {}
    groups: list[tuple[str, Any, tuple[float, float] | None]] = [
        (d, s, None) for d, s in ABILITY.items()
    ]
    groups += [(d, s, SURVEY_DISCRIMINATION) for d, s in ABILITY_SURVEY.items()]
    for domain_code, scenarios, a_range in groups:
        prefix = domain_code.upper().replace(".", "-")
        n = numbered.get(domain_code, 0)
        for kind, szh, sen, opts, key, contexts, difficulty in scenarios:
            for czh, cen in contexts:
                n += 1
                options = []
                for i, (ozh, oen) in enumerate(opts):
                    o = {"text": ozh, "text_en": oen}
                    if kind == "ordered":
                        o["key_position"] = key.index(i) + 1
                    elif kind == "multiple_response":
                        o["is_key"] = i in key
                    else:
                        o["is_key"] = i == key
                    options.append(o)
                options = _balanced(kind, options, key, placed)
                ids = ("T", "F") if kind == "true_false" else _letters(len(options))
                options = [
                    dict(o, option_id=v) for o, v in zip(options, ids, strict=True)
                ]
                specs.append(
                    {
                        "code": f"{prefix}-{n:03d}",
                        "domain_code": domain_code,
                        "kind": kind,
                        "scoring": "all_or_nothing",
                        "stem": f"<p>{szh.format(c=czh)}</p>",
                        "stem_en": f"<p>{sen.format(e=cen)}</p>",
                        "instructions": {
                            "multiple_response": "请选择所有正确的选项。",
                            "ordered": "请为每个选项选择它在正确顺序中的位置。",
                        }.get(kind, "请选择一个答案。"),
                        "instructions_en": {
                            "multiple_response": "Choose all correct options.",
                            "ordered": "Give each option its place in the right order.",
                        }.get(kind, "Choose one answer."),
                        "estimated_seconds": 90 if kind == "ordered" else 60,
                        "target_population": "all",
                        "options": options,
                        "tags": ["演示", domain_code.split(".")[0]],
                        "_difficulty": difficulty + (0.25 if n % 2 == 0 else -0.25),
                        "_a_range": a_range,
                    }
                )
        numbered[domain_code] = n
    for domain_code, (szh, sen, scale, topics) in NEEDS.items():
        prefix = domain_code.upper().replace(".", "-")
        for n, (czh, cen) in enumerate(topics, start=1):
            specs.append(
                {
                    "code": f"{prefix}-{n:03d}",
                    "domain_code": domain_code,
                    "kind": "likert",
                    "stem": f"<p>{szh.format(c=czh)}</p>",
                    "stem_en": f"<p>{sen.format(e=cen)}</p>",
                    "instructions": "请根据您的实际情况选择。",
                    "instructions_en": "Choose what fits you.",
                    "estimated_seconds": 15,
                    "options": [
                        {"option_id": likert_option_id(i), "text": zh, "text_en": en}
                        for i, (zh, en) in enumerate(scale)
                    ],
                    "tags": ["演示", "needs"],
                    "_difficulty": 0.0,
                }
            )
    return specs


def demo_parameters(
    specs: list[dict], ids: dict[str, int], seed: int = 2026
) -> dict[int, dict]:
    rng = np.random.default_rng(seed)
    # the survey items' own stream: the other items' draws do not move when they are added
    survey_rng = np.random.default_rng([seed, 19])
    out: dict[int, dict] = {}
    for spec in specs:
        item_id = ids[spec["code"]]
        kind = spec["kind"]
        if kind == "likert":
            p = random_item_parameters(
                1, "grm", rng=rng, n_categories=len(spec["options"])
            )
            out[item_id] = {
                "model": "grm",
                "a": float(p.a[0]),
                "thresholds": [round(float(t), 3) for t in p.thresholds[0]],
                "se": {"a": 0.08},
            }
        elif kind == "ordered":
            p = random_item_parameters(
                1, "gpcm", rng=rng, n_categories=len(spec["options"])
            )
            thr = p.thresholds[0] - p.b[0] + spec["_difficulty"]
            out[item_id] = {
                "model": "gpcm",
                "a": float(p.a[0]),
                "thresholds": [round(float(t), 3) for t in thr],
                "se": {"a": 0.1},
            }
        else:
            r = rng
            if spec.get("_a_range") is None:
                a = float(np.clip(rng.lognormal(0.15, 0.25), 0.6, 2.4))
            else:
                r = survey_rng
                a = float(r.uniform(*spec["_a_range"]))
            b = float(spec["_difficulty"] + r.normal(0, 0.2))
            out[item_id] = {
                "model": "2pl",
                "a": round(a, 3),
                "b": round(b, 3),
                "se": {"a": round(0.06 + 0.02 * a, 3), "b": 0.08},
                "fit": {
                    "infit": round(float(r.normal(1, 0.06)), 3),
                    "outfit": round(float(r.normal(1, 0.09)), 3),
                },
            }
    return out


@transaction.atomic
def load_demo(*, stdout=None) -> None:
    from django.contrib.auth import get_user_model

    domains_ensure()
    reference_frameworks_load_kept()
    demo_domains_map()
    review_workflow_ensure()
    users = get_user_model().objects
    author = users.filter(username="author").first()
    researcher = (
        users.filter(username="researcher").first()
        or users.filter(is_superuser=True).first()
    )
    specs = demo_item_specs()
    created = 0
    existing = set(Item.objects.values_list("code", flat=True))
    for spec in specs:
        if spec["code"] in existing:
            continue
        kwargs = {k: v for k, v in spec.items() if not k.startswith("_")}
        item_create_published(user=author, **kwargs)
        created += 1
    ids = dict(
        Item.objects.filter(code__in=[s["code"] for s in specs]).values_list(
            "code", "pk"
        )
    )
    pset = ItemParameterSet.objects.filter(is_demo=True, name=DEMO_SET_NAME).first()
    if pset is None:
        pset = parameter_set_create(
            name=DEMO_SET_NAME,
            model="mixed",
            items=demo_parameters(specs, ids),
            source="psychometrics.simulate (seed 2026) around the authors' intended difficulty",
            data_note="演示用模拟参数，非真实校准结果。Simulated for the demo; not a real calibration.",
            created_by=researcher,
            is_demo=True,
        )
    if not ItemParameterSet.objects.filter(is_active=True).exists():
        parameter_set_activate(
            parameter_set=pset,
            approved_by=researcher,
            comment="演示参数集 demo activation",
        )

    in_review = review_demo_ensure()  # one item waiting at each review step
    if stdout is not None:
        stdout.write(
            f"itembank: {created} demo items created, {len(ids)} in the bank; "
            f"parameter set #{pset.pk} ({'active' if pset.is_active else 'inactive'}); "
            f"{in_review} items put under review\n"
        )
