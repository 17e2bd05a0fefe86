"""Demo data of the expert rating: a pool of experts, two raters per submitted self-assessment,
most of them rated (with realistic disagreement) and some third raters at work.

Called by the organisations demo once a monitoring year has submitted self-assessments:
``load_rating_demo(monitoring_year=..., stdout=...)``. Safe to run twice: it only fills what
is missing and never changes submitted scores.
"""

from __future__ import annotations

import random

from learning_platform.accounts.management.commands.demo_setup import DEMO_PASSWORD
from learning_platform.accounts.models import User
from learning_platform.accounts.roles import Role
from learning_platform.accounts.services import user_create
from learning_platform.organisations.models import MonitoringYear, RaterAssignment
from learning_platform.organisations.selectors import rating as sel
from learning_platform.organisations.services import rating as services

# username, display name; ``expert`` is the one to sign in with.
DEMO_EXPERTS = (
    ("expert", "评估专家（王教授）"),
    ("expert2", "评估专家（李研究员）"),
    ("expert3", "评估专家（陈老师）"),
    ("expert4", "评估专家（赵教授）"),
    ("expert5", "评估专家（周研究员）"),
    ("expert6", "评估专家（吴老师）"),
)
# Share of first/second-round assignments submitted, and of third raters who finished.
RATED_SHARE = 0.75
THIRD_DONE_SHARE = 0.5
COMMENTS = (
    "材料完整，做法有特色。",
    "有制度，执行记录略少。",
    "佐证材料不足，建议补充。",
    "",
)


def _experts(stdout) -> list[User]:
    experts = []
    for username, name in DEMO_EXPERTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                username=username,
                password=DEMO_PASSWORD,
                display_name=name,
                roles=[Role.EXPERT],
            )
        experts.append(user)
    return experts


def _rate(
    assignment: RaterAssignment, truth: dict[int, int], rng: random.Random
) -> None:
    scores, comments = {}, {}
    for item in sel.assignment_items(assignment=assignment):
        noise = rng.choices((-2, -1, 0, 1, 2), weights=(1, 6, 14, 6, 1))[0]
        scores[item.pk] = min(item.max_score, max(0, truth.get(item.pk, 2) + noise))
        comments[item.pk] = rng.choice(COMMENTS)
    services.ratings_save(
        assignment=assignment,
        user=assignment.rater,
        scores=scores,
        comments=comments,
        submit=True,
    )


def load_rating_demo(
    *, monitoring_year: MonitoringYear, stdout, seed: int = 2026
) -> None:
    """Assign and rate the year's submitted self-assessments (most of them)."""
    experts = _experts(stdout)
    researcher = (
        User.objects.filter(groups__name=Role.RESEARCHER).order_by("pk").first()
    )
    if researcher is None:
        stdout.write("rating demo: no researcher to assign raters; skipped")
        return
    try:
        services.raters_assign_randomly(
            monitoring_year=monitoring_year, seed=seed, actor=researcher
        )
    except Exception as exc:  # noqa: BLE001 - the demo reports and carries on
        stdout.write(f"rating demo: raters not assigned: {exc}")
        return
    rated = 0
    for assessment in sel.assessments_to_rate(monitoring_year=monitoring_year):
        # One generator per submission, so a second run makes the same decisions.
        rng = random.Random(f"{seed}:{assessment.pk}")
        # Each organisation's "true" level per item, so the two raters agree more often than not.
        truth = {
            item.pk: rng.randint(1, item.max_score)
            for item in sel.rated_items(indicator_set=assessment.indicator_set)
        }
        rate_pair, finish_third = (
            rng.random() < RATED_SHARE,
            rng.random() < THIRD_DONE_SHARE,
        )
        if not rate_pair:
            continue
        for assignment in assessment.raters.filter(
            round__in=sel.ROUNDS, submitted_at__isnull=True
        ):
            _rate(assignment, truth, rng)
            rated += 1
        third = assessment.raters.filter(
            round=sel.THIRD_ROUND, submitted_at__isnull=True
        ).first()
        if third is not None and finish_third:
            _rate(third, truth, rng)
            rated += 1
    stdout.write(
        f"rating demo: {len(experts)} experts, {rated} rating rounds submitted "
        f"for {monitoring_year.year}"
    )
