"""Jobs that survive faults, in one process: claim, lease, expiry, cancel, labels.

The multi-process version (two real ``db_worker`` processes and a kill -9) is
``test_job_workers.py``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation

from assessment.survey import job_control, pipeline
from assessment.survey.job_control import (
    LeaseLost,
    job_cancel,
    job_claim,
    job_expire_stale,
    job_finish,
    job_heartbeat,
)
from assessment.survey.job_labels import stage_label, status_label
from assessment.survey.jobs import Reporter, run_job
from assessment.survey.models import Calibration, Job
from assessment.survey.services import job_create
from learning_platform.accounts.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _short_lease(settings):
    settings.SURVEY_JOB_LEASE_SECONDS = 30  # tests expire leases by hand


def _expire(job: Job) -> None:
    Job.objects.filter(pk=job.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )


def test_only_one_worker_claims_a_job(campaign):
    job = job_create(kind="calibrate", campaign=campaign)
    assert job_claim(job_id=job.pk, owner="host:1:a")
    assert not job_claim(job_id=job.pk, owner="host:2:b")
    job.refresh_from_db()
    assert job.status == "running" and job.lease_owner == "host:1:a"
    assert job.lease_expires_at > timezone.now()
    # a second task for the same job returns its state and runs nothing
    assert run_job(str(job.pk), owner="host:2:b") == "running"
    assert not Calibration.objects.filter(campaign=campaign).exists()


def test_a_dead_workers_job_no_longer_blocks_its_kind(campaign):
    job = job_create(kind="weights", campaign=campaign)
    job_claim(job_id=job.pk, owner="host:1:a")
    with pytest.raises(ValidationError, match="already running"):
        job_create(kind="weights", campaign=campaign)
    _expire(job)
    again = job_create(kind="weights", campaign=campaign)
    job.refresh_from_db()
    assert job.status == "failed" and "后台进程已停止" in job.error
    assert again.status == "queued"
    # the dead worker's late writes change nothing
    assert not job_heartbeat(job_id=job.pk, owner="host:1:a", progress=0.5)
    assert not job_finish(job_id=job.pk, owner="host:1:a", status="finished")
    job.refresh_from_db()
    assert job.status == "failed" and job.progress == 0.0


def test_heartbeat_renews_the_lease_and_keeps_the_job(campaign):
    job = job_create(kind="weights", campaign=campaign)
    job_claim(job_id=job.pk, owner="host:1:a")
    _expire(job)
    assert job_heartbeat(job_id=job.pk, owner="host:1:a", progress=0.4, stage="raking")
    assert job_expire_stale() == []
    job.refresh_from_db()
    assert job.status == "running" and job.progress == 0.4 and job.stage == "raking"


def test_reporter_stops_on_cancel_and_on_a_lost_lease(campaign):
    job = job_create(kind="weights", campaign=campaign)
    job_claim(job_id=job.pk, owner="host:1:a")
    job.refresh_from_db()
    reporter = Reporter(job, owner="host:1:a", every=0)
    reporter(0.1, "base weights")
    assert (
        job_cancel(job=job).status == "running"
    )  # a live worker stops at its next step
    with pytest.raises(pipeline.Cancelled):
        reporter(0.2, "raking")
    other = job_create(kind="score", campaign=campaign)
    job_claim(job_id=other.pk, owner="host:1:a")
    other.refresh_from_db()
    _expire(other)
    job_expire_stale()
    with pytest.raises(LeaseLost):
        Reporter(other, owner="host:1:a", every=0)(0.5, "plausible values: info")


def test_cancel_of_a_job_whose_worker_died_ends_it_cancelled(campaign):
    job = job_create(kind="calibrate", campaign=campaign)
    job_claim(job_id=job.pk, owner="host:1:a")
    _expire(job)
    job = job_cancel(job=job)
    assert job.status == "cancelled" and job.finished_at is not None
    with pytest.raises(ValidationError, match="already ended"):
        job_cancel(job=job)


def test_a_job_that_failed_in_its_runner_is_recorded_and_can_run_again(campaign):
    job = job_create(kind="weights", campaign=campaign)
    assert run_job(str(job.pk)) == "failed"  # no respondents stored
    job.refresh_from_db()
    assert "no respondents" in job.error and job.lease_expires_at is None
    assert job_create(kind="weights", campaign=campaign).status == "queued"


def test_sweep_command_fails_expired_jobs(campaign, capsys):
    job = job_create(kind="rollup", campaign=campaign)
    job_claim(job_id=job.pk, owner="host:1:a")
    call_command("survey_jobs_sweep")
    assert Job.objects.get(pk=job.pk).status == "running"
    _expire(job)
    call_command("survey_jobs_sweep")
    assert Job.objects.get(pk=job.pk).status == "failed"
    assert f"job {job.pk}" in capsys.readouterr().out


def test_lease_setting_is_checked(settings):
    settings.SURVEY_JOB_LEASE_SECONDS = "soon"
    with pytest.raises(ImproperlyConfigured, match="SURVEY_JOB_LEASE_SECONDS"):
        job_control.lease_seconds()
    settings.SURVEY_JOB_LEASE_SECONDS = 0
    with pytest.raises(ImproperlyConfigured, match="above 0"):
        job_control.lease_seconds()


@translation.override("zh-hans")
def test_status_and_stage_read_in_chinese():
    assert status_label("finished") == "已完成" and status_label("running") == "运行中"
    assert stage_label("calibrating info: EM step 12") == "正在校准info：EM 第 12 步"
    assert stage_label("80 JK2 replicates") == "生成 80 组 JK2 重复权重"
    assert stage_label("finished") == "完成"
    assert stage_label("something new") == "处理中"


def test_progress_endpoint_reads_the_row_and_fails_a_dead_workers_job(
    campaign, make_user
):
    researcher = make_user(Role.RESEARCHER)
    client = Client()
    client.force_login(researcher)
    job = job_create(kind="calibrate", campaign=campaign)
    job_claim(job_id=job.pk, owner="host:1:a")
    job_heartbeat(
        job_id=job.pk,
        owner="host:1:a",
        progress=0.37,
        stage="calibrating info: EM step 3",
    )
    body = client.get(f"/api/v1/survey/jobs/{job.pk}").json()
    assert body["status"] == "running" and body["status_label"] == "运行中"
    assert body["progress"] == 0.37 and "EM 第 3 步" in body["stage_label"]
    _expire(job)
    body = client.get(f"/api/v1/survey/jobs/{job.pk}").json()
    assert body["status"] == "failed" and body["status_label"] == "失败"
    assert "后台进程已停止" in body["error"]


@pytest.fixture
def in_memory_layer(settings):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    }
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def test_jobs_page_shows_no_raw_codes_and_polls_without_a_shared_layer(
    campaign, make_user, in_memory_layer
):
    researcher = make_user(Role.RESEARCHER)
    client = Client()
    client.force_login(researcher)
    running = job_create(kind="calibrate", campaign=campaign)
    job_claim(job_id=running.pk, owner="host:1:a")
    job_heartbeat(
        job_id=running.pk,
        owner="host:1:a",
        progress=0.5,
        stage="calibrating info: EM step 30",
    )
    done = job_create(kind="weights", campaign=campaign)
    job_claim(job_id=done.pk, owner="host:1:a")
    job_finish(job_id=done.pk, owner="host:1:a", status="finished", progress=1.0)
    html = client.get("/admin/survey/").content.decode()
    assert 'data-live="poll"' in html
    assert "任务类型" in html and "题型" not in html
    assert "运行中" in html and "已完成" in html and "EM 第 30 步" in html
    assert "50%" in html and "100%" in html
    for raw in (">running<", ">finished<", ">calibrating", ">started<"):
        assert raw not in html


def test_live_mode_polls_with_the_in_memory_layer_and_pushes_with_redis(settings):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    }
    channel_layers.backends.clear()
    assert job_control.live_mode() == "poll"
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:6379/15"]},
        }
    }
    channel_layers.backends.clear()
    try:
        assert job_control.live_mode() == "push"
    finally:
        channel_layers.backends.clear()
