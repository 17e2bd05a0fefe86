"""The monitoring year end to end through the REST API, on the real models, with no simulator.

A researcher creates a five-yearly campaign of a booklet instrument, its sample design
and invitation codes; a few hundred citizens (simulated takers: each answers from a
true ability and the item's 2PL parameters) take it through the sessions API with their
one-time codes; the researcher closes the campaign, freezes it, runs weights,
calibration, scoring and the roll-up as jobs and publishes the roll-up — every step a
client call. (Steps that later need an approval, e.g. of the parameter set before
scoring, go between ``calibrate`` and ``score`` below.)
"""

from __future__ import annotations

import io
import json
from datetime import timedelta

import numpy as np
import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from assessment.models import Response, Session
from assessment.survey.models import Respondent, RollUp, RollUpCell, SurveyData
from tests.assessment.fixtures import item_bank  # noqa: F401 - the small calibrated bank

pytestmark = pytest.mark.django_db

API = "/api/v1"
YEAR = 2025
# Of the invited persons the first of each stratum takes the test (the weights need a
# respondent in every weighting class; the job does not collapse empty ones), the others
# with this probability.
RESPONSE_SHARE = 0.6


def _post(client: Client, url: str, data=None):
    return client.post(
        API + url, data=json.dumps(data or {}), content_type="application/json"
    )


def _ok(response, status=200):
    assert response.status_code == status, (
        response.status_code,
        response.content[:600],
    )
    return response.json()


def _take(
    client: Client,
    campaign_id: int,
    code: str,
    background: dict,
    theta: float,
    bank,
    rng,
) -> int:
    """One citizen's session over HTTP: start with the code, answer every item, finish."""
    state = _ok(
        _post(
            client,
            f"/assessment/campaigns/{campaign_id}/sessions",
            {"consent": True, "background": background, "invitation_code": code},
        ),
        201,
    )
    sid, answered = state["session_id"], 0
    while state["status"] == "in_progress" and state.get("item"):
        item = state["item"]
        i = item["item_id"]
        p = 1.0 / (1.0 + np.exp(-bank.a[i] * (theta - bank.b[i])))
        answer = bank.keys[i] if rng.random() < p else "A"
        state = _ok(
            _post(
                client,
                f"/assessment/sessions/{sid}/responses",
                {
                    "sequence": item["sequence"],
                    "item_id": i,
                    "answer": answer,
                    "client_ts": timezone.now().isoformat(),
                    "connection_epoch": state.get("connection_epoch"),
                },
            ),
            201,
        )["session"]
        answered += 1
    if state["status"] == "in_progress":
        _ok(_post(client, f"/assessment/sessions/{sid}/finish"))
    return answered


def _run_job(client: Client, campaign_id: int, kind: str, capture, params=None) -> dict:
    with capture(
        execute=True
    ):  # the job is enqueued on commit (immediate backend in tests)
        started = _ok(
            _post(
                client,
                f"/survey/campaigns/{campaign_id}/jobs",
                {"kind": kind, "params": params or {}},
            ),
            202,
        )
    job = _ok(client.get(f"{API}/survey/jobs/{started['id']}"))
    assert job["status"] == "finished", job["error"]
    return job["result"]


def test_campaign_delivered_closed_frozen_and_rolled_up_through_the_api(
    districts, make_user, item_bank, django_capture_on_commit_callbacks
):  # noqa: F811
    call_command("load_indicator_framework", stdout=io.StringIO())
    rng = np.random.default_rng(16)
    researcher = Client()
    researcher.force_login(make_user("researcher", username="researcher-16"))

    # an instrument of two overlapping booklets over the bank's 20 items
    from assessment.services import instrument_create

    ids = item_bank.ids
    instrument_create(
        code="survey-cycle",
        name_zh="市民信息素养调查",
        kind="ability",
        domain_code="info",
        mode="booklet",
        settings={"booklets": [ids[:14], ids[6:]]},
    )
    now = timezone.now()
    created = _ok(
        _post(
            researcher,
            "/assessment/campaigns",
            {
                "instrument_code": "survey-cycle",
                "name_zh": f"{YEAR}年市民信息素养调查",
                "kind": "five_yearly",
                "audience": "invited",
                "year": YEAR,
                "opens_at": (now - timedelta(days=1)).isoformat(),
                "closes_at": (now + timedelta(days=30)).isoformat(),
            },
        ),
        201,
    )
    cid = created["id"]
    # a citizen may not create one; an unknown instrument is named
    citizen = Client()
    citizen.force_login(make_user())
    assert (
        _post(
            citizen,
            "/assessment/campaigns",
            {
                "instrument_code": "survey-cycle",
                "name_zh": "x",
                "kind": "five_yearly",
                "opens_at": now.isoformat(),
            },
        ).status_code
        == 403
    )
    bad = _post(
        researcher,
        "/assessment/campaigns",
        {
            "instrument_code": "nope",
            "name_zh": "x",
            "kind": "five_yearly",
            "opens_at": now.isoformat(),
        },
    )
    assert (
        bad.status_code == 422 and bad.json()["errors"][0]["field"] == "instrument_code"
    )

    _ok(
        _post(
            researcher,
            f"/survey/campaigns/{cid}/design",
            {"method": "equal", "sample_size": 320, "population_year": 2020},
        ),
        201,
    )
    codes = _ok(_post(researcher, f"/survey/campaigns/{cid}/invitations"))["codes"]
    assert len(codes) >= 320

    # freezing an open campaign is refused, naming why
    refused = _post(researcher, f"/survey/campaigns/{cid}/freeze")
    assert refused.status_code == 422 and "仍在进行中" in refused.json()["message"]

    # the takers, each through the sessions API
    seen: set[str] = set()
    takers = []
    for entry in codes:
        if entry["stratum"] not in seen or rng.random() < RESPONSE_SHARE:
            takers.append(entry)
        seen.add(entry["stratum"])
    n_answers = 0
    for k, entry in enumerate(takers):
        district, band, sex = entry["stratum"].split("|")
        user = make_user(username=f"citizen-{k:04d}")
        client = Client()
        client.force_login(user)
        n_answers += _take(
            client,
            cid,
            entry["code"],
            {
                "district_code": district,
                "age_band": band,
                "sex": sex,
                "education": ("senior_secondary", "bachelor", "junior_college")[k % 3],
                "occupation": ("office", "retired", "professional")[k % 3],
            },
            float(rng.normal(0.2, 1.0)),
            item_bank,
            rng,
        )
    assert len(takers) >= 200
    assert Session.objects.filter(campaign_id=cid, status="finished").count() == len(
        takers
    )
    assert (
        n_answers
        == Response.objects.filter(session__campaign_id=cid).count()
        == 14 * len(takers)
    )

    # close, then freeze through the API
    closed = _ok(_post(researcher, f"/assessment/campaigns/{cid}/close"))
    assert closed["closes_at"] is not None
    preview = _ok(researcher.get(f"{API}/survey/campaigns/{cid}/freeze"))
    assert (preview["sessions"], preview["responses"]) == (len(takers), n_answers)
    assert (
        preview["non_respondents"] == len(codes) - len(takers)
        and preview["refusal"] is None
    )
    frozen = _ok(_post(researcher, f"/survey/campaigns/{cid}/freeze"), 201)
    assert frozen["version"] == 1 and frozen["frozen_by"] == "researcher-16"
    assert frozen["provenance"]["sessions"] == len(takers)
    assert frozen["provenance"]["responses"] == n_answers
    assert frozen["provenance"]["non_respondents"] == len(codes) - len(takers)
    assert Respondent.objects.filter(campaign_id=cid).count() == len(codes)
    assert SurveyData.objects.get(campaign_id=cid).source == "delivery"

    # weights, calibration, scoring, roll-up: jobs started and read through the API
    weights = _run_job(researcher, cid, "weights", django_capture_on_commit_callbacks)
    assert weights["weight_set_id"]
    cal = _run_job(researcher, cid, "calibrate", django_capture_on_commit_callbacks)
    assert list(cal["converged"]) == ["info"] and cal["parameter_set_id"]
    # scoring on parameters nobody has reviewed is refused, naming the set
    refused = _post(
        researcher, f"/survey/campaigns/{cid}/jobs", {"kind": "score", "params": {}}
    )
    assert refused.status_code == 422 and "批准" in refused.json()["message"]
    approved = _ok(
        _post(
            researcher,
            f"/survey/calibrations/{cal['calibration_id']}/approve",
            {"comment": "fit and DIF reviewed"},
        )
    )
    assert approved["approved_at"]
    scores = _run_job(researcher, cid, "score", django_capture_on_commit_callbacks)
    assert scores["score_set_id"]
    rolled = _run_job(
        researcher,
        cid,
        "rollup",
        django_capture_on_commit_callbacks,
        {"name": f"{YEAR}年区级信息素养汇总"},
    )
    rid = rolled["rollup_id"]
    assert not rolled["published"]
    # not public before publication
    assert Client().get(f"{API}/survey/rollups/{rid}").status_code == 404

    published = _ok(_post(researcher, f"/survey/rollups/{rid}/publish"))
    assert published["published"] and published["errors"] == [], published
    district_cells = RollUpCell.objects.filter(
        rollup_id=rid, breakdown="", domain_code="info", indicator="attainment_rate"
    ).exclude(district_code="")
    assert published["fed"] == district_cells.count() == 16
    again = _post(researcher, f"/survey/rollups/{rid}/publish")
    assert again.status_code == 422
    city = _ok(Client().get(f"{API}/survey/rollups/{rid}"))
    rate = next(
        c
        for c in city["cells"]
        if c["indicator"] == "attainment_rate"
        and c["domain_code"] == "info"
        and c["district_code"] in ("", None)
        and not c["breakdown"]
    )
    assert (
        0 < rate["estimate"] < 100
        and rate["ci_low"] < rate["estimate"] < rate["ci_high"]
    )
    assert (
        RollUp.objects.get(pk=rid).provenance["score_set_id"] == scores["score_set_id"]
    )
    # each district's filing for the survey year holds the published rate and interval
    from learning_platform.indicators.models import ItemValue

    for cell in district_cells:
        value = ItemValue.objects.get(
            item__code="info_literacy_rate",
            submission__district__code=cell.district_code,
            submission__year=YEAR,
        )
        assert f"区级汇总#{rid}" in value.source
        if not cell.suppressed:
            assert float(value.value) == pytest.approx(round(cell.estimate, 2))
            assert value.ci_low == pytest.approx(cell.ci_low)
            assert value.ci_high == pytest.approx(cell.ci_high)

    # a job can be cancelled through the API while queued (nothing enqueued here)
    queued = _ok(
        _post(researcher, f"/survey/campaigns/{cid}/jobs", {"kind": "weights"}), 202
    )
    cancelled = _ok(_post(researcher, f"/survey/jobs/{queued['id']}/cancel"))
    assert cancelled["status"] == "cancelled"
