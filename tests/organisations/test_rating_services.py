"""Expert rating services: assignment rules, bad scores, the third rater and the final score."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from learning_platform.organisations.models import (
    AssessmentStatus,
    ItemEvidence,
    RaterAssignment,
    Rating,
)
from learning_platform.organisations.selectors import rating as sel
from learning_platform.organisations.services import rating as services
from tests.organisations.rating_fixtures import (
    make_assessment,
    make_set,
    make_year,
    rated_item_ids,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The messages are matched in English (the site default is Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def hp(districts):
    return next(d for d in districts if d.code == "310101")


@pytest.fixture
def people(make_user):
    return {
        "researcher": make_user("researcher", username="res"),
        "experts": [make_user("expert", username=f"expert{i}") for i in range(4)],
        "member": make_user("organisation", username="member"),
        "citizen": make_user("citizen", username="cit"),
    }


@pytest.fixture
def world(hp, people):
    indicator_set = make_set()
    year = make_year(threshold=1)
    assessment = make_assessment(
        district=hp, indicator_set=indicator_set, monitoring_year=year
    )
    return {
        "set": indicator_set,
        "year": year,
        "assessment": assessment,
        "items": rated_item_ids(indicator_set),
    }


def _two_raters(world, people):
    e = people["experts"]
    one = services.rater_assign(
        assessment=world["assessment"], rater=e[0], round=1, actor=people["researcher"]
    )
    two = services.rater_assign(
        assessment=world["assessment"], rater=e[1], round=2, actor=people["researcher"]
    )
    return one, two


def _submit(assignment, user, scores):
    return services.ratings_save(
        assignment=assignment, user=user, scores=scores, submit=True
    )


# ------------------------------------------------------------------ assignment


def test_two_distinct_raters_are_required(world, people):
    """The same expert cannot take both rounds of one submission."""
    e = people["experts"]
    services.rater_assign(
        assessment=world["assessment"], rater=e[0], round=1, actor=people["researcher"]
    )
    with pytest.raises(ValidationError, match="different people"):
        services.rater_assign(
            assessment=world["assessment"],
            rater=e[0],
            round=2,
            actor=people["researcher"],
        )
    assert RaterAssignment.objects.count() == 1


def test_no_rater_rates_their_own_organisation(hp, world, people, make_user):
    """An expert who maintains the organisation is refused, by hand and by the random draw."""
    insider = make_user("expert", username="insider")
    own = make_assessment(
        district=hp,
        indicator_set=world["set"],
        monitoring_year=world["year"],
        users=[insider],
    )
    with pytest.raises(ValidationError, match="belongs to"):
        services.rater_assign(
            assessment=own, rater=insider, round=1, actor=people["researcher"]
        )
    for seed in range(5):
        RaterAssignment.objects.all().delete()
        services.raters_assign_randomly(
            monitoring_year=world["year"], seed=seed, actor=people["researcher"]
        )
        assert not RaterAssignment.objects.filter(
            assessment=own, rater=insider
        ).exists()


def test_only_experts_and_only_submitted_assessments(hp, world, people):
    with pytest.raises(ValidationError, match="not an active expert rater"):
        services.rater_assign(
            assessment=world["assessment"],
            rater=people["citizen"],
            round=1,
            actor=people["researcher"],
        )
    draft = make_assessment(
        district=hp,
        indicator_set=world["set"],
        monitoring_year=world["year"],
        status=AssessmentStatus.DRAFT,
    )
    with pytest.raises(ValidationError, match="has not submitted"):
        services.rater_assign(
            assessment=draft,
            rater=people["experts"][0],
            round=1,
            actor=people["researcher"],
        )
    with pytest.raises(ValidationError, match="round must be"):
        services.rater_assign(
            assessment=world["assessment"],
            rater=people["experts"][0],
            round=4,
            actor=people["researcher"],
        )


def test_only_researchers_assign(world, people):
    with pytest.raises(PermissionDenied):
        services.rater_assign(
            assessment=world["assessment"],
            rater=people["experts"][0],
            round=1,
            actor=people["experts"][1],
        )
    with pytest.raises(PermissionDenied):
        services.raters_assign_randomly(
            monitoring_year=world["year"], seed=1, actor=people["citizen"]
        )


def test_random_assignment_is_balanced_and_reproducible(hp, world, people):
    """Six submissions × two rounds over four experts: loads 3 each; the seed fixes who."""
    for _ in range(5):
        make_assessment(
            district=hp, indicator_set=world["set"], monitoring_year=world["year"]
        )

    def draw(seed):
        RaterAssignment.objects.all().delete()
        made = services.raters_assign_randomly(
            monitoring_year=world["year"], seed=seed, actor=people["researcher"]
        )
        return [(a.assessment_id, a.round, a.rater_id) for a in made]

    first = draw(11)
    assert len(first) == 12
    assert draw(11) == first
    loads = sel.rater_loads(monitoring_year=world["year"])
    assert sorted(loads.values()) == [3, 3, 3, 3]
    for assessment_id in {a for a, _r, _u in first}:
        raters = [u for a, _r, u in first if a == assessment_id]
        assert len(set(raters)) == 2
    assert any(draw(seed) != first for seed in range(12, 20))


def test_random_assignment_saves_nothing_without_enough_experts(hp, world, people):
    for expert in people["experts"][1:]:
        expert.is_active = False
        expert.save()
    with pytest.raises(ValidationError, match="no eligible expert left for round 2"):
        services.raters_assign_randomly(
            monitoring_year=world["year"], seed=1, actor=people["researcher"]
        )
    assert RaterAssignment.objects.count() == 0


def test_random_assignment_keeps_existing_raters(world, people):
    services.rater_assign(
        assessment=world["assessment"],
        rater=people["experts"][3],
        round=1,
        actor=people["researcher"],
    )
    made = services.raters_assign_randomly(
        monitoring_year=world["year"], seed=3, actor=people["researcher"]
    )
    assert [a.round for a in made] == [2]
    assert made[0].rater_id != people["experts"][3].pk


# ------------------------------------------------------------------ scores


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (5, "outside the rubric 0–4"),
        (-1, "outside the rubric"),
        ("2.5", "not a whole number"),
        (2.5, "not a whole number"),
        ("abc", "not a whole number"),
        (True, "not a whole number"),
    ],
)
def test_bad_scores_are_refused_and_nothing_is_saved(world, people, value, message):
    one, _two = _two_raters(world, people)
    items = world["items"]
    with pytest.raises(ValidationError) as caught:
        services.ratings_save(
            assignment=one,
            user=people["experts"][0],
            scores={items[0]: 3, items[1]: value},
        )
    assert message in " ".join(caught.value.messages)
    assert f"score_{items[1]}" in caught.value.message_dict
    assert Rating.objects.count() == 0


def test_submitting_needs_every_item_and_then_freezes(world, people):
    one, _two = _two_raters(world, people)
    items = world["items"]
    with pytest.raises(ValidationError, match="give a score before submitting"):
        _submit(one, people["experts"][0], {items[0]: 3})
    services.ratings_save(
        assignment=one, user=people["experts"][0], scores={items[0]: 3, items[1]: 2}
    )
    _submit(one, people["experts"][0], {items[2]: 4})  # earlier draft scores count
    with pytest.raises(ValidationError, match="already submitted"):
        services.ratings_save(
            assignment=one, user=people["experts"][0], scores={items[0]: 1}
        )


def test_a_rater_cannot_write_into_another_raters_assignment(world, people):
    one, _two = _two_raters(world, people)
    with pytest.raises(RaterAssignment.DoesNotExist):
        services.ratings_save(
            assignment=one, user=people["experts"][1], scores={world["items"][0]: 1}
        )


def test_items_outside_the_round_are_refused(world, people):
    one, _two = _two_raters(world, people)
    document_item = 10**6
    with pytest.raises(ValidationError, match="not rated in this round"):
        services.ratings_save(
            assignment=one, user=people["experts"][0], scores={document_item: 1}
        )


# ------------------------------------------------------------------ settling


def test_agreeing_items_get_the_mean_and_disagreement_calls_a_third_rater(
    world, people
):
    """Threshold 1: |3−4| = 1 agrees (mean 3.5), |0−2| = 2 and |4−1| = 3 go to a third rater."""
    one, two = _two_raters(world, people)
    a, b, c = world["items"]
    _submit(one, people["experts"][0], {a: 3, b: 0, c: 4})
    assert (
        ItemEvidence.objects.get(assessment=world["assessment"], item_id=a).score
        is None
    )
    _submit(two, people["experts"][1], {a: 4, b: 2, c: 1})
    scores = dict(
        ItemEvidence.objects.filter(assessment=world["assessment"]).values_list(
            "item_id", "score"
        )
    )
    assert scores[a] == 3.5 and scores[b] is None and scores[c] is None
    third = RaterAssignment.objects.get(assessment=world["assessment"], round=3)
    assert third.rater_id not in {people["experts"][0].pk, people["experts"][1].pk}
    assert [i.pk for i in sel.assignment_items(assignment=third)] == [b, c]
    assert (
        sel.rating_state(assessment=world["assessment"]) == sel.RatingState.THIRD_RATING
    )
    # the third rater's score is final on the disputed items; the agreed item keeps its mean
    _submit(third, third.rater, {b: 1, c: 2})
    scores = dict(
        ItemEvidence.objects.filter(assessment=world["assessment"]).values_list(
            "item_id", "score"
        )
    )
    assert scores == {
        a: 3.5,
        b: 1.0,
        c: 2.0,
        **{k: v for k, v in scores.items() if k not in (a, b, c)},
    }
    assert sel.rating_state(assessment=world["assessment"]) == sel.RatingState.DONE


def test_no_third_rater_within_the_threshold(world, people):
    one, two = _two_raters(world, people)
    a, b, c = world["items"]
    _submit(one, people["experts"][0], {a: 0, b: 2, c: 4})
    _submit(two, people["experts"][1], {a: 1, b: 2, c: 3})
    assert not RaterAssignment.objects.filter(round=3).exists()
    scores = dict(
        ItemEvidence.objects.filter(
            assessment=world["assessment"], item_id__in=[a, b, c]
        ).values_list("item_id", "score")
    )
    assert scores == {a: 0.5, b: 2.0, c: 3.5}
    with pytest.raises(ValidationError, match="needs no third rater"):
        services.rater_assign(
            assessment=world["assessment"],
            rater=people["experts"][2],
            round=3,
            actor=people["researcher"],
        )


def test_a_stricter_threshold_sends_more_to_the_third_rater(world, people):
    world["year"].disagreement_threshold = 0
    world["year"].save()
    one, two = _two_raters(world, people)
    a, b, c = world["items"]
    _submit(one, people["experts"][0], {a: 3, b: 2, c: 2})
    _submit(two, people["experts"][1], {a: 4, b: 2, c: 2})
    assert sel.disputed_item_ids(assessment=world["assessment"]) == [a]


def test_without_anyone_left_the_submission_is_flagged_for_the_researcher(
    world, people
):
    for expert in people["experts"][2:]:
        expert.is_active = False
        expert.save()
    one, two = _two_raters(world, people)
    a, b, c = world["items"]
    _submit(one, people["experts"][0], {a: 0, b: 0, c: 0})
    _submit(two, people["experts"][1], {a: 4, b: 0, c: 0})
    assert not RaterAssignment.objects.filter(round=3).exists()
    assert (
        sel.rating_state(assessment=world["assessment"]) == sel.RatingState.NEEDS_THIRD
    )
    people["experts"][3].is_active = True
    people["experts"][3].save()
    third = services.rater_assign(
        assessment=world["assessment"],
        rater=people["experts"][3],
        round=3,
        actor=people["researcher"],
    )
    _submit(third, people["experts"][3], {a: 2})
    assert (
        ItemEvidence.objects.get(assessment=world["assessment"], item_id=a).score == 2.0
    )


def test_a_submitted_round_cannot_be_reassigned(world, people):
    one, _two = _two_raters(world, people)
    _submit(one, people["experts"][0], dict.fromkeys(world["items"], 2))
    with pytest.raises(ValidationError, match="already submitted"):
        services.rater_assign(
            assessment=world["assessment"],
            rater=people["experts"][2],
            round=1,
            actor=people["researcher"],
        )


def test_agreement_report_counts_pairs_and_third_raters(hp, world, people):
    one, two = _two_raters(world, people)
    a, b, c = world["items"]
    _submit(one, people["experts"][0], {a: 0, b: 2, c: 4})
    _submit(two, people["experts"][1], {a: 0, b: 3, c: 1})
    [row] = sel.agreement_report(monitoring_year=world["year"])
    assert row.n == 3 and row.submissions == 1
    assert row.agreement.exact == pytest.approx(1 / 3)
    assert row.to_third_items == 1 and row.to_third_submissions == 1
    from psychometrics.agreement import cohen_kappa

    assert row.agreement.kappa_quadratic == pytest.approx(
        cohen_kappa([0, 2, 4], [0, 3, 1], max_score=4, weights="quadratic")
    )
