"""Two real ``manage.py db_worker`` processes, one job, and a kill -9 of the one running it.

The job's lease (3 s here) is renewed by the worker; after the kill nobody renews it, and
the sweep (``survey_jobs_sweep --every``, a third process) fails the job once the lease
has run out. A new job of the same kind is then accepted and the surviving worker runs it
to its end. The same job enqueued twice runs once: the second worker's claim fails.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from assessment.survey.job_control import owner_pid
from tests.survey.procs import SEED_SURVEY, ProcSite

LEASE = 3.0


@pytest.fixture
def site(tmp_path):
    site = ProcSite(tmp_path, lease=LEASE)
    yield site
    site.stop()


def _start(site: ProcSite, campaign_id: int, kind: str, twice: bool = False) -> str:
    return site.python(f"""
        from assessment.models import Campaign
        from assessment.survey.services import job_start
        from assessment.survey.tasks import run_survey_job

        job = job_start(kind="{kind}", campaign=Campaign.objects.get(pk={campaign_id}))
        if {twice}:
            run_survey_job.enqueue(str(job.pk))  # a duplicate task for the same job
        out["job_id"] = str(job.pk)
    """)["job_id"]


def test_kill_9_of_the_worker_fails_the_job_within_the_lease_and_a_rerun_completes(
    site,
):
    campaign_id = site.python(SEED_SURVEY.format(year=2025, n_sample=4000))[
        "campaign_id"
    ]
    workers = [site.worker("worker-a"), site.worker("worker-b")]
    site.start("survey_jobs_sweep", "--every", "0.5", name="sweep")

    job_id = _start(site, campaign_id, "calibrate")
    row = site.wait_job(
        job_id,
        lambda r: r["status"] == "running" and r["progress"] > 0,
        timeout=120,
        what="made progress",
    )
    pid = owner_pid(row["lease_owner"])
    victim = next(
        p for p in workers if p.pid == pid
    )  # the claim names the worker's pid
    survivor = next(p for p in workers if p.pid != pid)
    os.kill(victim.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    victim.wait(timeout=10)

    row = site.wait_job(
        job_id,
        lambda r: r["status"] != "running",
        timeout=LEASE + 10,
        what="ended after the kill",
    )
    took = time.monotonic() - killed_at
    print(f"kill -9 -> failed in {took:.2f} s (lease {LEASE:g} s, sweep every 0.5 s)")
    assert row["status"] == "failed", row
    assert "后台进程已停止" in row["error"]
    # within the lease (its remainder at the kill) plus one sweep interval and slack
    assert took <= LEASE + 1.5, f"failed {took:.1f} s after the kill; lease {LEASE} s"

    rerun = _start(site, campaign_id, "calibrate")  # no longer refused as "running"
    row = site.wait_job(
        rerun,
        lambda r: r["status"] in ("finished", "failed", "cancelled"),
        timeout=300,
        what="ended",
    )
    assert row["status"] == "finished", row["error"]
    assert owner_pid(row["lease_owner"]) == survivor.pid
    assert site.job(job_id)["status"] == "failed"  # the dead run stays failed
    assert survivor.poll() is None


def test_two_workers_never_run_the_same_job(site):
    campaign_id = site.python(SEED_SURVEY.format(year=2024, n_sample=1500))[
        "campaign_id"
    ]
    site.worker("worker-a")
    site.worker("worker-b")
    job_id = _start(site, campaign_id, "weights", twice=True)
    row = site.wait_job(
        job_id, lambda r: r["status"] == "finished", timeout=120, what="finished"
    )
    out = site.python(f"""
        import time
        from django_tasks_db.models import DBTaskResult
        from assessment.survey.models import WeightSet

        until = time.monotonic() + 30
        while DBTaskResult.objects.exclude(status="SUCCESSFUL").exists():
            assert time.monotonic() < until, "the duplicate task never ended"
            time.sleep(0.2)
        results = [r for r in DBTaskResult.objects.all()
                   if r.args_kwargs.get("args") == ["{job_id}"]]
        out["returned"] = sorted(str(r.return_value) for r in results)
        out["workers"] = sorted({{str(r.worker_ids) for r in results}})
        out["weight_sets"] = WeightSet.objects.filter(campaign_id={campaign_id}).count()
    """)
    assert out["weight_sets"] == 1, out  # the job ran once
    # one task ran it; the other found it claimed (running) or ended (finished)
    assert "finished" in out["returned"] and len(out["returned"]) == 2, out
    assert row["result"]
