"""Scoring a session with the active parameter set."""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

import numpy as np

from assessment import items as bank
from assessment.models import (
    InstrumentKind,
    Response,
    Result,
    Session,
)
from assessment.precision import precision_met
from psychometrics.scoring import estimate_ability

logger = logging.getLogger(__name__)


def _top(domain_code: str) -> str:
    return domain_code.split(".")[0] if domain_code else ""


def session_score(*, session: Session) -> list[Result]:
    """(Re)compute the session's results with the active parameter set.

    Ability tests: one EAP estimate with its SE per main domain of the items
    answered, and the level its cut scores give. Questionnaires: per domain the
    mean category (and a scale score where items are calibrated).
    """
    responses = list(session.responses.order_by("sequence"))
    Result.objects.filter(session=session).delete()
    if not responses:
        return []
    instrument = session.instrument
    questionnaire = instrument.kind == InstrumentKind.QUESTIONNAIRE
    groups: dict[str, list[Response]] = defaultdict(list)
    for response in responses:
        key = (
            (response.domain_code or instrument.domain_code)
            if questionnaire
            else _top(response.domain_code or instrument.domain_code)
        )
        groups[key].append(response)
    active = bank.active_parameters(item_ids=[r.item_id for r in responses])
    positions = {int(item_id): k for k, item_id in enumerate(active.item_ids)}
    results = []
    for domain_code, rows in sorted(groups.items()):
        scored = [r for r in rows if r.score is not None and r.item_id in positions]
        theta = se = None
        if scored:
            idx = [positions[r.item_id] for r in scored]
            estimate = estimate_ability(
                np.array([float(r.score) for r in scored]),
                active.params.subset(idx),
                method="eap",
            )
            theta, se = float(estimate.theta[0]), float(estimate.se[0])
        decision = (
            None
            if questionnaire or theta is None
            else bank.level_decision(domain_code, theta)
        )
        level = decision.level if decision else None
        profile: dict[str, Any] = {}
        if questionnaire:
            values = [r.score for r in rows if r.score is not None]
            profile = {
                "mean_category": float(np.mean(values)) if values else None,
                "items": {str(r.item_id): r.score for r in rows},
            }
        results.append(
            Result(
                session=session,
                domain_code=domain_code,
                theta=theta,
                se=se,
                level_code=level.code if level else "",
                cut_score_set_id=decision.cut_score_set_id if level else None,
                parameter_set_id=active.parameter_set_id if scored else None,
                n_items=len(scored) if scored else len(rows),
                profile=profile,
            )
        )
    if not questionnaire and not precision_met(
        session=session, main=_main_of(session, results)
    ):
        # Too short to measure: the scores stay for statistics, no level is given.
        for result in results:
            result.level_code = ""
    return Result.objects.bulk_create(results)


def session_main_result(session: Session) -> Result | None:
    return _main_of(session, list(session.results.all()))


def _main_of(session: Session, results: list[Result]) -> Result | None:
    for result in results:
        if result.domain_code == _top(session.instrument.domain_code):
            return result
    return results[0] if results else None
