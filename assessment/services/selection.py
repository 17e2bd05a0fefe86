"""Which item comes next: the fixed form, the booklet, the multistage route or the
adaptive engine."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import Any

import numpy as np
from django.db.models import F
from django.utils.translation import gettext as _

from assessment import items as bank
from assessment.models import (
    Campaign,
    DeliveryMode,
    Instrument,
    Session,
    SessionStatus,
)
from assessment.services.errors import delivery_refusal
from assessment.services.instruments import (
    DEFAULT_MAX_LENGTH,
    DEFAULT_MIN_LENGTH,
    DEFAULT_SE_TARGET,
    exposure_control_build,
)
from assessment.services.multistage import (
    DESIGN_CHANGED,
    multistage_next_item,
    multistage_plan,
)
from assessment.services.outcomes import session_close
from assessment.services.presentation import presented_payload
from itembank.selectors import blueprint_targets
from psychometrics.cat import (
    cat_replay,
    select_next_item,
    should_stop,
)

logger = logging.getLogger(__name__)


def session_plan_draw(
    session: Session, campaign: Campaign, instrument: Instrument
) -> dict[str, Any]:
    settings = instrument.settings or {}
    if instrument.mode == DeliveryMode.FIXED:
        return {"items": list(settings["item_ids"])}
    if instrument.mode == DeliveryMode.BOOKLET:
        booklets = settings["booklets"]
        # Balanced rotation: one atomic counter per campaign.
        Campaign.objects.filter(pk=campaign.pk).update(
            rotation_counter=F("rotation_counter") + 1
        )
        counter = Campaign.objects.values_list("rotation_counter", flat=True).get(
            pk=campaign.pk
        )
        session.booklet = (counter - 1) % len(booklets)
        return {"items": list(booklets[session.booklet])}
    if instrument.mode == DeliveryMode.MULTISTAGE:
        return multistage_plan(session, campaign, instrument)
    return {"seed": secrets.randbelow(2**31)}


def _present(session: Session, item_id: int, now: datetime) -> None:
    item = bank.item_for_delivery(item_id)
    session.pending = {
        "sequence": session.n_answered + 1,
        "item_id": int(item.item_id),
        "revision_id": int(item.revision_id),
        "domain_code": item.domain_code,
        "kind": item.kind,
        "n_categories": int(item.n_categories),
        "payload": presented_payload(seed=session.option_seed, item=item),
        "presented_at": now.isoformat(),
    }


def session_advance(session: Session, *, now: datetime) -> None:
    """Present the next item, or close the session when the design says stop."""
    instrument = session.instrument
    if instrument.mode in (DeliveryMode.FIXED, DeliveryMode.BOOKLET):
        order = session.plan["items"]
        answered = set(session.responses.values_list("item_id", flat=True))
        remaining = [i for i in order if i not in answered]
        not_deliverable = bank.not_deliverable_error()
        while remaining:
            try:
                _present(session, remaining[0], now)
                return
            except not_deliverable:
                # An item withdrawn since the form was assembled is skipped.
                logger.warning(
                    "Item %s is no longer deliverable; skipped", remaining[0]
                )
                remaining.pop(0)
        session_close(
            session, status=SessionStatus.FINISHED, reason="form_complete", now=now
        )
        return
    if instrument.mode == DeliveryMode.MULTISTAGE:
        _advance_multistage(session, now=now)
        return
    _advance_adaptive(session, now=now)


def _advance_multistage(session: Session, *, now: datetime) -> None:
    """Present the route's next item (routing on at a module's end), or close."""
    skipped: set[int] = set()
    not_deliverable = bank.not_deliverable_error()
    while True:
        item_id = multistage_next_item(session, skip=skipped)
        if item_id is None:
            changed = (session.plan or {}).get(DESIGN_CHANGED)
            session_close(
                session,
                status=SessionStatus.FINISHED,
                reason="bank_exhausted" if changed else "route_complete",
                now=now,
            )
            return
        try:
            _present(session, item_id, now)
            return
        except not_deliverable:
            logger.warning("Item %s is no longer deliverable; skipped", item_id)
            skipped.add(item_id)


def instrument_adaptive_settings(instrument: Instrument) -> dict[str, Any]:
    settings = instrument.settings or {}
    return {
        "max_length": int(settings.get("max_length", DEFAULT_MAX_LENGTH)),
        "min_length": int(settings.get("min_length", DEFAULT_MIN_LENGTH)),
        "se_target": settings.get("se_target", DEFAULT_SE_TARGET),
        "rule": settings.get("rule", "mfi"),
        "exposure": settings.get("exposure", {"method": "randomesque", "k": 5}),
    }


def instrument_content_targets(
    instrument: Instrument,
) -> tuple[dict[str, float], tuple[float, float] | None]:
    """Return the content shares and difficulty range CAT balancing uses.

    With an item-bank blueprint: its targets (counts or proportions) as whole
    counts over the maximum length, and its difficulty range. Otherwise the
    instrument's own JSON shares and no range.
    """
    blueprint = instrument.item_blueprint if instrument.item_blueprint_id else None
    if blueprint is None:
        return dict(instrument.blueprint or {}), None

    length = int((instrument.settings or {}).get("max_length", blueprint.length))
    targets = blueprint_targets(blueprint, length=length)
    shares = {code: float(n) for code, n in targets.items() if n > 0}
    return shares, (float(blueprint.difficulty_min), float(blueprint.difficulty_max))


def pool_for_instrument(instrument: Instrument) -> bank.AdaptivePool:
    settings = instrument.settings or {}
    shares, difficulty = instrument_content_targets(instrument)
    domains = list(shares) or [instrument.domain_code]
    return bank.adaptive_pool(
        pool_ids=settings.get("item_ids"),
        domain_codes=domains,
        blueprint=shares,
        difficulty_range=difficulty,
    )


def _advance_adaptive(session: Session, *, now: datetime) -> None:
    instrument = session.instrument
    conf = instrument_adaptive_settings(instrument)
    try:
        pool = pool_for_instrument(instrument)
    except ValueError:
        raise delivery_refusal(
            "not_ready",
            _("This adaptive test has no calibrated items yet; please try later."),
            status=503,
        ) from None
    answered = list(
        session.responses.order_by("sequence").values_list("item_id", "score")
    )
    positions, scores, foreign = [], [], []
    for item_id, score in answered:
        position = pool.position(item_id)
        if position is None or score is None:
            foreign.append(item_id)  # retired from the pool since; counted, not scored
            continue
        positions.append(position)
        scores.append(int(score))
    state = cat_replay(pool.bank, positions, scores)
    decision = should_stop(
        state,
        se_target=conf["se_target"],
        max_length=conf["max_length"],
        min_length=conf["min_length"],
        bank=pool.bank,
    )
    if decision or len(answered) >= conf["max_length"]:
        session_close(
            session,
            status=SessionStatus.FINISHED,
            reason=decision.reason or "max_length",
            now=now,
        )
        return
    exposure = exposure_control_build(conf["exposure"], pool)
    rng = np.random.default_rng([int(session.plan.get("seed", 0)), len(answered)])
    excluded: list[int] = []
    not_deliverable = bank.not_deliverable_error()
    while True:
        try:
            position = select_next_item(
                state,
                pool.bank,
                rule=conf["rule"],
                exposure=exposure,
                blueprint=pool.blueprint,
                rng=rng,
                exclude=excluded or None,
            )
        except ValueError:
            session_close(
                session, status=SessionStatus.FINISHED, reason="bank_exhausted", now=now
            )
            return
        try:
            _present(session, pool.item_ids[position], now)
            return
        except not_deliverable:
            excluded.append(position)
