"""When a session's result measures: its instrument's precision rule (invariant 9).

A result gives a level, a credit or a badge only when the session reached the rule:
either a minimum number of items answered in the main domain (a fixed form or
booklet shorter than that minimum counts once all of it is answered) or a standard
error at or below the target. A session that ran to its design's own end (the
whole form, or an adaptive test's stopping rule) measured as designed; the rule
judges sessions cut short (ended by the citizen, by the clock, by the campaign's
close, or by a pool run dry). Questionnaires give no level and are not gated.
"""

from __future__ import annotations

from typing import Any

from assessment.models import Instrument, InstrumentKind, PrecisionRule, Session

CUT_SHORT = frozenset(
    {"ended_by_user", "time_limit", "campaign_closed", "bank_exhausted"}
)


def precision_met(*, session: Session, main: Any | None) -> bool:
    """Whether ``main`` (the session's main-domain result) meets the instrument's rule."""
    instrument: Instrument = session.instrument
    if instrument.kind != InstrumentKind.ABILITY:
        return True
    if main is None or main.theta is None:
        return False
    if session.stop_reason and session.stop_reason not in CUT_SHORT:
        return True
    if instrument.precision_rule == PrecisionRule.SE_TARGET:
        return main.se is not None and main.se <= instrument.precision_se_target
    planned = (session.plan or {}).get("items")
    needed = int(instrument.precision_min_items)
    if planned:
        if session.n_answered >= len(planned):
            return True
        needed = min(needed, len(planned))
    return int(main.n_items) >= needed
