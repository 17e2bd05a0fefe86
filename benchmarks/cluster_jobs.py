"""A slow, idempotent job for the cluster benchmark: something to kill a worker in the middle of."""

from __future__ import annotations

import time

from django_tasks import task


@task()
def slow_probe(seconds: float, label: str) -> str:
    """Sleep ``seconds`` in small steps, then return ``label`` (rerunning it changes nothing)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.1)
    return label
