"""Computerised adaptive testing as pure functions over an immutable state.

A :class:`CATBank` is built once per parameter set (information and log-probability
tables on a theta grid); a session is a :class:`CATState` advanced by
:func:`cat_update` (incremental EAP), with :func:`select_next_item` and
:func:`should_stop` deciding what comes next. The Django side persists the state
(``CATState.to_dict``), as mirtCAT separates its engine from its interface.

Example
-------
>>> bank = CATBank(params, content_areas=areas)
>>> state = cat_start(bank)
>>> while not should_stop(state, se_target=0.3, max_length=30):
...     item = select_next_item(state, bank, exposure=Randomesque(5), rng=rng)
...     state = cat_update(state, item, ask(item), bank)
"""

from psychometrics.cat._bank import CATBank, as_bank
from psychometrics.cat._select import (
    RULES,
    Randomesque,
    SympsonHetter,
    select_next_item,
)
from psychometrics.cat._simulate import (
    CATSimulationReport,
    SympsonHetterResult,
    simulate_cat,
    sympson_hetter_calibrate,
)
from psychometrics.cat._state import (
    CATState,
    StopDecision,
    cat_replay,
    cat_start,
    cat_update,
    should_stop,
)

__all__ = [
    "RULES",
    "CATBank",
    "CATSimulationReport",
    "CATState",
    "Randomesque",
    "StopDecision",
    "SympsonHetter",
    "SympsonHetterResult",
    "as_bank",
    "cat_replay",
    "cat_start",
    "cat_update",
    "select_next_item",
    "should_stop",
    "simulate_cat",
    "sympson_hetter_calibrate",
]
