"""Writes of the expert rating: assigning raters, saving and submitting scores, and settling
each expert-rated item's final score.

The rule for the final score of an expert-rated item (written to ``ItemEvidence.score``):

* Rounds 1 and 2 score every expert-rated item independently (neither sees the other).
* An item whose two scores differ by at most the year's ``disagreement_threshold`` gets
  their mean (e.g. 3 and 4 → 3.5).
* An item whose scores differ by more goes to a third rater (round 3), who scores it
  independently, blind to the first two; the third rater's score is the final score.
* The third rater is drawn automatically from the expert pool (least loaded first, ties
  broken in primary-key order); when nobody eligible is left, the submission is flagged
  "needs a third rater" and a researcher assigns one by hand.
"""

from __future__ import annotations

import random
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learning_platform.organisations.models import (
    ItemEvidence,
    MonitoringYear,
    RaterAssignment,
    Rating,
    SelfAssessment,
)
from learning_platform.organisations.selectors import rating as sel


def _check_city(actor) -> None:
    if not sel.is_city_user(actor):
        raise PermissionDenied(
            _("Only researchers of the monitoring centre assign raters.")
        )


def _org_name(assessment: SelfAssessment) -> str:
    return assessment.sampled.organisation.name


@transaction.atomic
def rater_assign(
    *, assessment: SelfAssessment, rater, round: int, actor
) -> RaterAssignment:
    """Assign (or replace, while nothing is submitted) the rater of one round of a submission."""
    _check_city(actor)
    assessment = SelfAssessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.status in sel.UNSUBMITTED:
        raise ValidationError(
            _(
                "%(org)s has not submitted its self-assessment yet, so it cannot be rated."
            )
            % {"org": _org_name(assessment)}
        )
    if round not in (1, 2, sel.THIRD_ROUND):
        raise ValidationError(
            _("The round must be 1, 2 or 3, not %(round)s.") % {"round": round}
        )
    name = rater.get_full_name() or rater.username
    if not sel.is_expert(rater) or not rater.is_active:
        raise ValidationError(
            _("%(name)s is not an active expert rater.") % {"name": name}
        )
    if not sel.rater_eligible(assessment=assessment, rater=rater):
        raise ValidationError(
            _("%(name)s belongs to %(org)s and may not rate it.")
            % {"name": name, "org": _org_name(assessment)}
        )
    others = assessment.raters.exclude(round=round)
    if others.filter(rater=rater).exists():
        raise ValidationError(
            _(
                "%(name)s already rates %(org)s in another round; the raters must be different people."
            )
            % {"name": name, "org": _org_name(assessment)}
        )
    if round == sel.THIRD_ROUND and not sel.disputed_item_ids(assessment=assessment):
        raise ValidationError(
            _(
                "%(org)s has no disagreement beyond the threshold, so it needs no third rater."
            )
            % {"org": _org_name(assessment)}
        )
    current = assessment.raters.filter(round=round).first()
    if current is not None:
        if current.submitted_at is not None:
            raise ValidationError(
                _(
                    "Round %(round)s of %(org)s is already submitted and cannot be reassigned."
                )
                % {"round": round, "org": _org_name(assessment)}
            )
        if current.rater_id == rater.pk:
            return current
        current.delete()  # its draft scores go with it
    return RaterAssignment.objects.create(
        assessment=assessment, rater=rater, round=round
    )


def _pick(candidates: list, loads: dict[int, int], rng: random.Random | None):
    least = min(loads.get(c.pk, 0) for c in candidates)
    tied = [c for c in candidates if loads.get(c.pk, 0) == least]
    return rng.choice(tied) if rng is not None else tied[0]


@transaction.atomic
def raters_assign_randomly(
    *, monitoring_year: MonitoringYear, seed: int, actor
) -> list[RaterAssignment]:
    """Give every submitted assessment of the year without its two raters two distinct experts.

    Balanced: each pick takes an eligible expert with the fewest assignments in the year so
    far; ties are broken by a ``random.Random(seed)`` draw, and assessments are taken in
    primary-key order, so the same seed on the same data gives the same assignment. Nothing
    is saved when any submission lacks two eligible experts.
    """
    _check_city(actor)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValidationError(
            _("The random seed must be a whole number of at least 0.")
        )
    rng = random.Random(seed)
    pool = list(sel.expert_pool().prefetch_related("groups"))
    loads = sel.rater_loads(monitoring_year=monitoring_year)
    made: list[RaterAssignment] = []
    problems: list[str] = []
    for assessment in sel.assessments_to_rate(monitoring_year=monitoring_year):
        members = set(
            assessment.sampled.organisation.users.values_list("pk", flat=True)
        )
        taken = {a.round: a.rater_id for a in assessment.raters.all()}
        for number in sel.ROUNDS:
            if number in taken:
                continue
            candidates = [
                u for u in pool if u.pk not in members and u.pk not in taken.values()
            ]
            if not candidates:
                problems.append(
                    _("%(org)s: no eligible expert left for round %(round)s.")
                    % {"org": _org_name(assessment), "round": number}
                )
                break
            chosen = _pick(candidates, loads, rng)
            made.append(
                RaterAssignment.objects.create(
                    assessment=assessment, rater=chosen, round=number
                )
            )
            taken[number] = chosen.pk
            loads[chosen.pk] = loads.get(chosen.pk, 0) + 1
    if problems:
        raise ValidationError(problems)
    return made


def _parse_score(raw: Any, *, item, label: str) -> int:
    if isinstance(raw, bool):
        raw = None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, str):
        text = raw.strip()
        if text.lstrip("-").isdigit():
            raw = int(text)
    if not isinstance(raw, int):
        raise ValidationError(
            {
                label: _("Item %(code)s: the score “%(value)s” is not a whole number.")
                % {"code": item.code, "value": raw}
            }
        )
    if raw < 0 or raw > item.max_score:
        raise ValidationError(
            {
                label: _(
                    "Item %(code)s: the score %(value)s is outside the rubric 0–%(max)s."
                )
                % {"code": item.code, "value": raw, "max": item.max_score}
            }
        )
    return raw


@transaction.atomic
def ratings_save(
    *,
    assignment: RaterAssignment,
    user,
    scores: dict[int, Any],
    comments: dict[int, str] | None = None,
    submit: bool = False,
) -> RaterAssignment:
    """Save the rater's scores (and submit them): all items valid or nothing is saved.

    ``scores`` maps item ids to the score typed (blank/None leaves the item unscored); a
    submission needs every item of the round scored and settles the final scores.
    """
    assignment = RaterAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.rater_id != user.pk:
        raise RaterAssignment.DoesNotExist  # someone else's assignment is missing, not forbidden
    if assignment.submitted_at is not None:
        raise ValidationError(
            _("These scores are already submitted and can no longer change.")
        )
    comments = comments or {}
    items = {item.pk: item for item in sel.assignment_items(assignment=assignment)}
    unknown = [str(k) for k in list(scores) + list(comments) if k not in items]
    if unknown:
        raise ValidationError(
            _("Items %(ids)s are not rated in this round.")
            % {"ids": ", ".join(sorted(set(unknown)))}
        )
    errors: dict[str, list[str]] = {}
    parsed: dict[int, int | None] = {}
    for item_id, item in items.items():
        raw = scores.get(item_id)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            parsed[item_id] = None
            continue
        try:
            parsed[item_id] = _parse_score(raw, item=item, label=f"score_{item_id}")
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    existing = sel.own_ratings(assignment=assignment)
    if submit:
        for item_id, item in items.items():
            if item_id not in parsed:  # already refused above
                continue
            if parsed[item_id] is None and (
                item_id in scores or item_id not in existing
            ):
                errors.setdefault(f"score_{item_id}", []).append(
                    _("Item %(code)s: give a score before submitting.")
                    % {"code": item.code}
                )
    if errors:
        raise ValidationError(errors)
    for item_id, score in parsed.items():
        comment = (comments.get(item_id) or "").strip()
        if score is None:
            if item_id in scores:  # cleared: forget the draft score
                Rating.objects.filter(assignment=assignment, item_id=item_id).delete()
            continue
        Rating.objects.update_or_create(
            assignment=assignment,
            item_id=item_id,
            defaults={"score": score, "comment": comment},
        )
    if submit:
        assignment.submitted_at = timezone.now()
        assignment.save(update_fields=["submitted_at"])
        rating_settle(assessment=assignment.assessment)
    return assignment


def _third_rater_pick(assessment: SelfAssessment):
    members = set(assessment.sampled.organisation.users.values_list("pk", flat=True))
    taken = set(assessment.raters.values_list("rater_id", flat=True))
    candidates = [
        u for u in sel.expert_pool() if u.pk not in members and u.pk not in taken
    ]
    if not candidates:
        return None
    loads = sel.rater_loads(monitoring_year=assessment.sampled.monitoring_year)
    return _pick(candidates, loads, None)


@transaction.atomic
def rating_settle(*, assessment: SelfAssessment) -> dict[int, float]:
    """Write the final scores the submitted rounds allow, and call a third rater if needed.

    Returns the final scores written (item id → score). Idempotent.
    """
    assessment = SelfAssessment.objects.select_related("sampled__monitoring_year").get(
        pk=assessment.pk
    )
    raters = {a.round: a for a in assessment.raters.all()}
    if not all(r in raters and raters[r].submitted_at for r in sel.ROUNDS):
        return {}
    one = dict(raters[1].ratings.values_list("item_id", "score"))
    two = dict(raters[2].ratings.values_list("item_id", "score"))
    disputed = set(sel.disputed_item_ids(assessment=assessment))
    final: dict[int, float] = {
        item_id: (one[item_id] + two[item_id]) / 2
        for item_id in one.keys() & two.keys()
        if item_id not in disputed
    }
    if disputed:
        third = raters.get(sel.THIRD_ROUND)
        if third is None:
            rater = _third_rater_pick(assessment)
            if rater is not None:
                try:
                    with transaction.atomic():
                        RaterAssignment.objects.create(
                            assessment=assessment, rater=rater, round=sel.THIRD_ROUND
                        )
                except IntegrityError:  # assigned meanwhile
                    pass
        elif third.submitted_at:
            adjudicated = dict(third.ratings.values_list("item_id", "score"))
            final.update({k: float(v) for k, v in adjudicated.items() if k in disputed})
    for item_id, score in final.items():
        ItemEvidence.objects.update_or_create(
            assessment=assessment, item_id=item_id, defaults={"score": score}
        )
    return final
