"""What every stage of the survey pipeline shares: progress callbacks, cancelling, defaults."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[float, str], None]
N_REPLICATES = 80
N_DRAWS = 10
SUPPRESSION_THRESHOLD = 30


class Cancelled(RuntimeError):  # noqa: N818 - reads as "the job was cancelled"
    """The job was cancelled by a researcher."""


def _quiet(fraction: float, stage: str) -> None:
    return None
