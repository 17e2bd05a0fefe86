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


def span(progress: Progress, start: float, end: float) -> Progress:
    """``progress`` for one part of a job: the part's 0…1 is reported as ``start…end``.

    A job made of several stages (calibration, then the reviewer's evidence) thereby
    shows one bar that never reaches 100 % before the job's last stage ends.
    """

    def part(fraction: float, stage: str) -> None:
        progress(start + (end - start) * min(max(fraction, 0.0), 1.0), stage)

    return part
