"""Demo of the citizen strand questionnaires (safe to run twice).

Publishes the strand items, creates the five questionnaires with an open practice
campaign each (a citizen can answer them), and, when the simulated five-yearly survey is
rolled up, simulates answers of part of its respondents in companion campaigns of the
same year: 1,500 respondents answer the behaviour, outcomes and services questionnaires,
800 the family and community ones (bulk rows, a few seconds). It then supplies the
weighted district figures to the monitoring points of the year's district filings
(``strand_values_supply``), as ``manage.py strands_feed --year 2025`` does.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import numpy as np
from django.utils import timezone

from assessment.models import Campaign, Response, Session, SessionStatus
from assessment.services import campaign_create
from assessment.strands.measures import STRAND_SLUGS
from assessment.strands.services import (
    strand_instruments_ensure,
    strand_values_supply,
    survey_rollup_published,
    survey_weights_by_user,
)
from assessment.survey.demo import DEMO_YEAR
from itembank.models import Item
from itembank.strands import strand_items_ensure

N_MAIN = 1_500
N_ORG = 800
SEED = 2031
ORG_SLUGS = ("family-learning", "community-residents")


def _campaign(instrument, *, kind: str, year: int | None, name_zh: str, name_en: str):
    campaign = Campaign.objects.filter(
        instrument=instrument, kind=kind, year=year
    ).first()
    if campaign is None:
        campaign = campaign_create(
            instrument=instrument,
            name_zh=name_zh,
            name_en=name_en,
            kind=kind,
            year=year,
            audience="public" if kind == "practice" else "invited",
            opens_at=timezone.now() - timedelta(days=1 if kind == "practice" else 100),
        )
    return campaign


def _simulate(instruments, user_row, year: int) -> int:
    """Bulk-write finished sessions with answers for a sample of the survey's respondents."""

    rng = np.random.default_rng(SEED)
    users = np.array(sorted(user_row))
    districts = sorted({d for _r, d in user_row.values()})
    effect = dict(zip(districts, rng.normal(0.0, 0.35, len(districts)), strict=True))
    now = timezone.now()
    written = 0
    for slug, instrument in instruments.items():
        n = min(users.size, N_ORG if slug in ORG_SLUGS else N_MAIN)
        chosen = rng.choice(users, size=n, replace=False)
        campaign = _campaign(
            instrument,
            kind="five_yearly",
            year=year,
            name_zh=f"{year}年{instrument.name_zh}（随调查样本，模拟）",
            name_en=f"{year} {instrument.name_en} (survey sample, simulated)",
        )
        items = list(
            Item.objects.filter(pk__in=instrument.settings["item_ids"])
            .select_related("domain")
            .prefetch_related("options")
            .order_by("pk")
        )
        engagement = np.array(
            [effect[user_row[int(u)][1]] for u in chosen]
        ) + rng.normal(0, 1, n)
        sessions, responses = [], []
        for p, user_id in enumerate(chosen):
            finished = now - timedelta(
                days=40, seconds=int(rng.integers(0, 86_400 * 30))
            )
            session = Session(
                id=uuid.uuid4(),
                user_id=int(user_id),
                campaign_id=campaign.pk,
                instrument_id=instrument.pk,
                status=SessionStatus.FINISHED,
                consented_at=finished - timedelta(minutes=5),
                started_at=finished - timedelta(minutes=5),
                finished_at=finished,
                plan={"items": [i.pk for i in items]},
                pending={},
                n_answered=len(items),
                stop_reason="form_complete",
            )
            sessions.append(session)
            for seq, item in enumerate(items, start=1):
                options = [o.option_id for o in item.options.all()]
                k = len(options)
                # ordered categories from a latent engagement: cuts spread over ±1.5
                latent = engagement[p] + rng.normal(0, 0.8) + 0.3
                code = int(np.searchsorted(np.linspace(-1.5, 1.5, k - 1), latent))
                responses.append(
                    Response(
                        session_id=session.id,
                        sequence=seq,
                        item_id=item.pk,
                        revision_id=item.live_revision_id,
                        domain_code=item.domain.code,
                        answer=str(options[code]),
                        score=code,
                        seconds=8.0,
                        server_ts=finished,
                    )
                )
        Session.objects.bulk_create(sessions, batch_size=500)
        Response.objects.bulk_create(responses, batch_size=2000)
        written += len(sessions)
    return written


def load_demo(*, stdout) -> None:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    created = strand_items_ensure(author=users.filter(username="author").first())
    instruments = strand_instruments_ensure()
    for instrument in instruments.values():
        _campaign(
            instrument,
            kind="practice",
            year=None,
            name_zh=f"开放问卷：{instrument.name_zh}",
            name_en=f"Open questionnaire: {instrument.name_en}",
        )
    stdout.write(
        f"  strands: {created} items published, {len(instruments)} questionnaires open"
    )
    try:
        rollup = survey_rollup_published(DEMO_YEAR)
    except Exception:  # noqa: BLE001 - the survey demo did not run: questionnaires only
        stdout.write("  strands: no published survey roll-up: no simulated answers")
        return
    if not Session.objects.filter(
        instrument__code__in=STRAND_SLUGS, campaign__year=DEMO_YEAR
    ).exists():
        user_row, _final, _rw = survey_weights_by_user(rollup)
        n = _simulate(instruments, user_row, DEMO_YEAR)
        stdout.write(
            f"  strands: simulated {n} questionnaire sessions of survey respondents"
        )
    report = strand_values_supply(year=DEMO_YEAR)
    stdout.write(
        f"  strands: {report.supplied} monitoring-point figures supplied for {DEMO_YEAR} "
        f"({report.withheld} withheld){'; ' + '; '.join(report.errors[:3]) if report.errors else ''}"
    )
