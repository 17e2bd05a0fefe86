"""The order in which an item's options are shown (invariant 10).

Single-choice, multiple-response and ordering items show their options in an order
drawn from the session's secret ``option_seed`` and the item id, so the same session
sees the same order again (a resumed or re-presented item) and nothing about the key
follows from a position. An ordering item never starts in its key order: the page
shows (and the no-JavaScript form pre-selects) the order drawn, so an untouched
submission cannot score full marks.

Likert items keep their order: their categories are an ordered scale, and shuffling a
scale would change what it measures. True/false items keep "true" first: the label,
not the position, carries the meaning, so shuffling two options hides nothing; the
item bank's balance of true and false keys is what matters, and the key-position lint
(``itembank.selectors.key_position_balance``) checks it.

Answers name option ids, never positions, so scoring needs no permutation; the order
shown is stored with the response (``Response.presented_order``) for audit and for
position-effect analyses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from assessment import items as bank

if TYPE_CHECKING:
    from itembank.selectors import DeliveryItem

SHUFFLED_KINDS = frozenset({"single_choice", "multiple_response", "ordered"})
_DRAWS = 32  # an ordering item redraws when it drew its key order


def _is_key_order(item: DeliveryItem, ids: list[str]) -> bool:
    """Whether ``ids`` is the ordering item's key: only the key earns every point."""
    score = bank.item_answer_score(revision_id=item.revision_id, answer=ids)
    return score >= int(item.n_categories) - 1


def option_order(*, seed: int, item: DeliveryItem) -> list[dict[str, Any]]:
    """Return the item's payload options in the order this session shows them."""
    options = list(item.payload.get("options", []))
    if item.kind not in SHUFFLED_KINDS or len(options) < 2:
        return options
    rng = np.random.default_rng([abs(int(seed)), int(item.item_id)])
    shown = options
    for _draw in range(_DRAWS):
        shown = [options[k] for k in rng.permutation(len(options))]
        if item.kind != "ordered" or not _is_key_order(
            item, [str(o["id"]) for o in shown]
        ):
            return shown
    # Drew the key every time (p = (1/n!)^32): one rotation of it is never the key.
    return shown[1:] + shown[:1]


def presented_payload(*, seed: int, item: DeliveryItem) -> dict[str, Any]:
    """The item's payload with its options in the order shown; the cached one is kept."""
    return dict(item.payload, options=option_order(seed=seed, item=item))


def presented_ids(pending: dict[str, Any]) -> list[str]:
    """Option ids of the presented item in the order shown."""
    return [str(o.get("id")) for o in (pending.get("payload") or {}).get("options", [])]
