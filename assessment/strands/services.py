"""The citizen strand questionnaires: their instruments, and the weighted district figures
they hand to the district framework's monitoring points.

The questionnaires run through delivery like the needs questionnaire (fixed forms of
published Likert items). A survey respondent who also answers a strand questionnaire
carries their survey weight and replicate weights into it: ``strand_values_supply``
reads the year's published survey roll-up, its weight set and respondents, joins the
strand sessions of the same citizens (campaigns of the same year), computes each
measure per district with ``psychometrics.survey.strands`` and stores the figures as
platform-supplied values of the monitoring points (``indicators.point_values``).
It runs from the management command ``strands_feed --year`` (and from the demo).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessment import items as bank
from assessment.models import Instrument, Response, Session, SessionStatus
from assessment.services import instrument_create
from assessment.strands.measures import MEASURES, STRAND_SLUGS, Measure
from assessment.survey.models import Respondent, RollUp, unpack_arrays
from itembank.models import Item
from itembank.strand_content import STRAND_INSTRUMENTS, strand_item_code
from learning_platform.indicators.point_values import point_value_supply
from psychometrics.survey.strands import (
    any_at_or_above,
    estimate_strand_mean,
    estimate_strand_proportion,
    mapped_mean,
    share_at_or_above,
)

CHUNK = 2000


def strand_instruments_ensure() -> dict[str, Instrument]:
    """Create each strand questionnaire (fixed form of its published items) once."""

    out = {}
    for slug, (
        name_zh,
        name_en,
        desc_zh,
        desc_en,
        domains,
    ) in STRAND_INSTRUMENTS.items():
        instrument = Instrument.objects.filter(code=slug).first()
        if instrument is None:
            item_ids: list[int] = []
            for domain in domains:
                item_ids += bank.deliverable_item_ids(domain_codes=[domain])
            if not item_ids:
                raise ValidationError(
                    {
                        "instrument": _(
                            "The item bank has no published items for the questionnaire %(slug)s."
                        )
                        % {"slug": slug}
                    }
                )
            instrument = instrument_create(
                code=slug,
                name_zh=name_zh,
                name_en=name_en,
                description_zh=desc_zh,
                description_en=desc_en,
                kind="questionnaire",
                domain_code="strand",
                mode="fixed",
                settings={"item_ids": item_ids},
            )
        out[slug] = instrument
    return out


@dataclass
class StrandFeedReport:
    year: int
    rollup_id: int
    respondents: dict[str, int] = field(
        default_factory=dict
    )  # instrument -> n answered
    supplied: int = 0
    withheld: int = 0
    errors: list[str] = field(default_factory=list)


def survey_rollup_published(year: int):
    """Return the year's published survey roll-up the strands are weighted by."""

    rollup = (
        RollUp.objects.filter(year=year, published=True)
        .select_related("campaign", "weight_set")
        .order_by("-published_at", "-pk")
        .first()
    )
    if rollup is None:
        raise ValidationError(
            {
                "year": _(
                    "No published survey roll-up for %(year)s: the strand "
                    "questionnaires take its weights."
                )
                % {"year": year}
            }
        )
    return rollup


def survey_weights_by_user(rollup):
    """Rows of the survey's weight set by citizen: user id -> row, plus the arrays."""

    arrays = unpack_arrays(rollup.weight_set.arrays)
    if "replicates" not in arrays or "pseudo_id" not in arrays:
        raise ValidationError(
            {"weight_set": _("The roll-up's weight set has no replicate weights.")}
        )
    row_of = {str(p): k for k, p in enumerate(arrays["pseudo_id"])}
    respondents = dict(
        Respondent.objects.filter(campaign=rollup.campaign)
        .exclude(session_id="")
        .values_list("session_id", "pseudo_id")
    )
    keys = list(respondents)
    users: dict = {}
    for start in range(0, len(keys), CHUNK):
        users.update(
            Session.objects.filter(pk__in=keys[start : start + CHUNK]).values_list(
                "pk", "user_id"
            )
        )
    district = dict(
        Respondent.objects.filter(campaign=rollup.campaign).values_list(
            "pseudo_id", "district_code"
        )
    )
    user_row: dict[int, tuple[int, str]] = {}
    for session_id, pseudo in respondents.items():
        user = users.get(session_id) or users.get(_uuid(session_id))
        if user is not None and pseudo in row_of:
            user_row[user] = (row_of[pseudo], district[pseudo])
    return (
        user_row,
        np.asarray(arrays["final"], float),
        np.asarray(arrays["replicates"], float),
    )


def _uuid(value: str):
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _answers(year: int, user_row: dict[int, tuple[int, str]]):
    """{instrument slug: {user: {item id: score}}} of the latest closed session per citizen."""
    sessions = (
        Session.objects.filter(instrument__code__in=STRAND_SLUGS, campaign__year=year)
        .exclude(status=SessionStatus.IN_PROGRESS)
        .order_by("finished_at")
        .values_list("pk", "user_id", "instrument__code")
    )
    latest: dict[tuple[str, int], object] = {}
    for pk, user, slug in sessions.iterator(chunk_size=5000):
        if user in user_row:  # a survey respondent: carries their survey weight
            latest[(slug, user)] = pk
    by_session = {pk: key for key, pk in latest.items()}
    ids = list(by_session)
    out: dict[str, dict[int, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for start in range(
        0, len(ids), CHUNK
    ):  # keep each IN list under the database's limit
        for session_id, item_id, score in (
            Response.objects.filter(session_id__in=ids[start : start + CHUNK])
            .exclude(score=None)
            .values_list("session_id", "item_id", "score")
        ):
            slug, user = by_session[session_id]
            out[slug][user][item_id] = score
    return out


def _item_ids(measure: Measure) -> list[int]:
    ids = dict(
        Item.objects.filter(domain__code=measure.domain).values_list("code", "pk")
    )
    if measure.items is None:
        return [ids[c] for c in sorted(ids)]
    return [
        ids[strand_item_code(measure.domain, k)]
        for k in measure.items
        if strand_item_code(measure.domain, k) in ids
    ]


def _person_values(measure: Measure, answers: np.ndarray) -> np.ndarray:
    if measure.rule == "share":
        return share_at_or_above(answers, measure.min_code)
    if measure.rule == "any":
        return any_at_or_above(answers, measure.min_code)
    return mapped_mean(answers, measure.values)


def _source_line(rollup, slug: str, n_replicates: int) -> str:
    instrument = Instrument.objects.filter(code=slug).first()
    name = instrument.name_zh if instrument else slug
    return (
        f"监测中心：{name}（{rollup.year}年），按{rollup.campaign.name_zh}区级汇总#{rollup.pk}"
        f"的最终权重与{n_replicates}个JK2重复权重加权"
    )


def strand_values_supply(
    *, year: int, threshold: int | None = None
) -> StrandFeedReport:
    """Compute every strand measure per district for ``year`` and supply it to the
    monitoring points it feeds; a district under the suppression threshold is withheld.

    Each district is supplied in its own savepoint, so one refusal is reported without
    losing the others. Running it again updates the figures in place.
    """

    threshold = settings.SUPPRESSION_THRESHOLD if threshold is None else threshold
    rollup = survey_rollup_published(year)
    user_row, final, replicates = survey_weights_by_user(rollup)
    answers_by = _answers(year, user_row)
    report = StrandFeedReport(year=year, rollup_id=rollup.pk)
    for order, measure in enumerate(MEASURES):
        answers = answers_by.get(measure.instrument, {})
        report.respondents[measure.instrument] = len(answers)
        if not answers:
            continue
        users = sorted(answers)
        item_ids = _item_ids(measure)
        matrix = np.array(
            [[answers[u].get(i, np.nan) for i in item_ids] for u in users], float
        )
        values = _person_values(measure, matrix)
        rows = np.array([user_row[u][0] for u in users])
        districts = np.array([user_row[u][1] for u in users])
        estimate = (
            estimate_strand_mean
            if measure.rule == "mean"
            else estimate_strand_proportion
        )(values, final[rows], replicates[rows], groups=districts)
        source = _source_line(rollup, measure.instrument, replicates.shape[1])
        for g, district_code in enumerate(estimate.groups):
            n = int(estimate.n[g])
            if n == 0:  # nobody in the district answered these items
                continue
            withheld = n < threshold or not np.isfinite(estimate.se[g])
            for indicator_code, point in measure.feeds:
                try:
                    with transaction.atomic():
                        point_value_supply(
                            district_code=str(district_code),
                            year=year,
                            indicator_code=indicator_code,
                            point=point,
                            measure=measure.code,
                            label_zh=measure.label_zh,
                            label_en=measure.label_en,
                            unit=measure.unit,
                            n=n,
                            suppressed=withheld,
                            source=source,
                            value=None
                            if withheld
                            else round(float(estimate.estimate[g]), 2),
                            se=None if withheld else float(estimate.se[g]),
                            ci_low=None if withheld else float(estimate.ci_low[g]),
                            ci_high=None if withheld else float(estimate.ci_high[g]),
                            sort=order,
                        )
                    report.supplied += 1
                    report.withheld += int(withheld)
                except ValidationError as exc:
                    report.errors.append(
                        f"{district_code} {indicator_code} {measure.code}: "
                        f"{'; '.join(exc.messages)}"
                    )
    return report
