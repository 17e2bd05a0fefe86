"""Classical item statistics kept up to date from finished sessions.

A closed session schedules, after its commit, one background task that recomputes
the statistics of every item it presented from all closed sessions (so the work
is idempotent and a lost or repeated task only delays or repeats a recount).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import numpy as np
from django.db import transaction
from django.db.models import Sum

from assessment.models import Response, Session, SessionStatus
from itembank.services import item_statistics_update

logger = logging.getLogger(__name__)

CLOSED = (SessionStatus.FINISHED, SessionStatus.EXPIRED)
# Session.plan key of the item on screen when the session closed: presented, not
# answered, so it counts as an omission (items never reached count as nothing).
LEFT_UNANSWERED = "left_unanswered"


def session_presented_item_ids(session: Session) -> list[int]:
    """Return the items a closed session presented: answered ones and the omitted one."""
    ids = set(session.responses.values_list("item_id", flat=True))
    left = (session.plan or {}).get(LEFT_UNANSWERED)
    if left is not None:
        ids.add(int(left))
    return sorted(ids)


def item_statistics_arrays(
    *, item_id: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return (scores, rest_scores, seconds, omitted) of an item over closed sessions.

    One entry per closed session that presented the item: its score category (nan
    when omitted), the session's total score on its other items, the seconds spent
    (nan when omitted) and whether it was omitted.
    """
    answered = list(
        Response.objects.filter(item_id=item_id, session__status__in=CLOSED)
        .order_by("session_id")
        .values_list("session_id", "score", "seconds")
    )
    omitted_ids = list(
        Session.objects.filter(
            status__in=CLOSED, **{f"plan__{LEFT_UNANSWERED}": item_id}
        )
        .exclude(responses__item_id=item_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    totals = _session_totals([row[0] for row in answered] + omitted_ids)
    n = len(answered) + len(omitted_ids)
    scores = np.full(n, np.nan)
    rest = np.full(n, np.nan)
    seconds = np.full(n, np.nan)
    omitted = np.zeros(n, dtype=bool)
    for k, (session_id, score, secs) in enumerate(answered):
        own = float(score) if score is not None else np.nan
        scores[k] = own
        total = totals.get(session_id)
        if total is not None:
            rest[k] = float(total) - (0.0 if np.isnan(own) else own)
        seconds[k] = np.nan if secs is None else float(secs)
    for k, session_id in enumerate(omitted_ids, start=len(answered)):
        omitted[k] = True
        total = totals.get(session_id)
        rest[k] = float(total) if total is not None else 0.0
    return scores, rest, seconds, omitted


def _session_totals(session_ids: Sequence) -> dict:
    """Return session id -> total score, in chunks that every database accepts."""
    ids = list(session_ids)
    totals: dict = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        totals.update(
            Response.objects.filter(session_id__in=chunk)
            .values_list("session_id")
            .annotate(total=Sum("score"))
            .values_list("session_id", "total")
        )
    return totals


def item_statistics_refresh(*, item_ids: Iterable[int]) -> int:
    """Recompute the statistics of the given items from closed sessions; return how many.

    Each item is updated in its own transaction, so one failing item (deleted from the
    bank since) does not stop the others.
    """
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError

    done = 0
    for item_id in sorted({int(i) for i in item_ids}):
        scores, rest, seconds, omitted = item_statistics_arrays(item_id=item_id)
        for attempt in (1, 2):
            try:
                with transaction.atomic():
                    item_statistics_update(
                        item_id=item_id,
                        scores=scores,
                        rest_scores=rest,
                        seconds=seconds,
                        omitted=omitted,
                    )
                done += 1
                break
            except IntegrityError:
                # Two workers created the item's first statistics row at once; the
                # second try updates the row the first one made.
                if attempt == 2:
                    raise
            except ValidationError as exc:
                logger.warning("No statistics for item %s: %s", item_id, exc)
                break
    return done


def item_statistics_schedule(*, item_ids: Sequence[int]) -> None:
    """Recount the items' statistics in the background once this transaction commits."""
    ids = sorted({int(i) for i in item_ids})
    if not ids:
        return

    def enqueue() -> None:
        # lazy: import cycle (assessment.tasks -> assessment.services.statistics)
        from assessment.tasks import item_statistics_refresh_task

        try:
            item_statistics_refresh_task.enqueue(ids)
        except Exception:  # the answer is stored; statistics catch up on the next close
            logger.warning(
                "Could not schedule item statistics for %s", ids, exc_info=True
            )

    transaction.on_commit(enqueue)
