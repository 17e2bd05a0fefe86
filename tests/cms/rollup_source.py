"""Roll-up selectors over factory views, used only while the survey's selectors are missing.

Tests point ``settings.CMS_ROLLUP_SELECTORS`` here (fixture ``rollups``); the functions
have the contract's names and shapes (notes/interfaces.md).
"""

from __future__ import annotations

VIEWS: dict[int, object] = {}
PREVIOUS: dict[int, int] = {}


class RollUpDoesNotExist(LookupError):
    pass


def rollups_available():
    return list(VIEWS.values())


def rollup_get(rollup_id: int):
    try:
        return VIEWS[rollup_id]
    except KeyError as exc:
        raise RollUpDoesNotExist(rollup_id) from exc


def rollup_previous(rollup_id: int):
    previous = PREVIOUS.get(rollup_id)
    return VIEWS.get(previous) if previous is not None else None
