"""The satisfaction questionnaire of field monitoring (seed 001, attachment 4), run by delivery.

The indicators app (a lower layer) keeps the draw and asks through
``learning_platform.indicators.field_services.satisfaction_backend``; this module, registered
when the survey app is ready, creates the year's invited campaign with a sample design whose
strata are the sampled sites (one-time codes per site, base weight = the inverse of the site's
selection probability) and reads the responses back per site and per district.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment import items as bank
from assessment.models import (
    Audience,
    Campaign,
    Instrument,
    Response,
    Session,
    SessionStatus,
)
from assessment.services.instruments import campaign_create, instrument_create
from assessment.survey.models import (
    AllocationMethod,
    SampleDesign,
    Stratum,
    SurveyInvitation,
)
from assessment.survey.services.invitations import invitations_issue
from learning_platform.indicators.field_services import (
    satisfaction_backend_register,
)

INSTRUMENT_CODE = "service-satisfaction"  # 上海市民终身学习服务满意度问卷
SATISFACTION_DOMAIN = "needs.satisfaction"
N_POINTS = 5
SITE_PREFIX = "site-"


def satisfaction_instrument() -> Instrument:
    """Return the satisfaction questionnaire, assembling it from published satisfaction items once."""
    instrument = Instrument.objects.filter(code=INSTRUMENT_CODE).first()
    if instrument is not None:
        return instrument

    pool = bank.deliverable_item_ids(domain_codes=["needs"])
    items = [
        i.item_id
        for i in bank.items_for_delivery(pool)
        if i.kind == "likert"
        and (
            i.domain_code == SATISFACTION_DOMAIN
            or i.domain_code.startswith(SATISFACTION_DOMAIN + ".")
        )
    ]
    if not items:
        raise ValidationError(
            {
                "year": _(
                    "No satisfaction items are published in the item bank, so the "
                    "satisfaction questionnaire cannot be assembled."
                )
            }
        )
    return instrument_create(
        code=INSTRUMENT_CODE,
        name_zh="上海市民终身学习服务满意度问卷",
        name_en="Shanghai citizens' satisfaction with lifelong-learning services",
        description_zh="请告诉我们您对本区终身学习服务的满意程度。",
        description_en="Tell us how satisfied you are with lifelong-learning services in your district.",
        kind="questionnaire",
        domain_code="needs",
        mode="fixed",
        settings={"item_ids": items},
    )


class FieldSatisfaction:
    """The backend the indicators app calls (see ``SatisfactionBackend`` there)."""

    @transaction.atomic
    def campaign_create(
        self, *, field_year, user, per_site: int
    ) -> tuple[int, list[tuple[str, str]]]:
        instrument = satisfaction_instrument()
        sites = [
            s
            for fd in field_year.districts.select_related("district").prefetch_related(
                "sites__site"
            )
            for s in fd.sites.all()
        ]
        if not sites:
            raise ValidationError({"year": _("No site has been drawn.")})
        campaign = campaign_create(
            instrument=instrument,
            kind="thematic",
            audience=Audience.INVITED,
            year=field_year.year,
            name_zh=f"{field_year.year}年学习型城区实地监测：市民终身学习服务满意度问卷",
            name_en=f"Field monitoring {field_year.year}: satisfaction with lifelong-learning services",
            opens_at=timezone.now(),
            closes_at=timezone.now() + timedelta(days=120),
            max_attempts=1,
        )
        design = SampleDesign.objects.create(
            campaign=campaign,
            method=AllocationMethod.EQUAL,
            sample_size=per_site * len(sites),
            population_year=field_year.year,
            created_by=user,
            age_shares={
                "field_monitoring": True,
                "note": "one stratum per sampled site",
            },
        )
        names = {}
        for s in sites:
            stratum = Stratum.objects.create(
                design=design,
                district_code=s.field_district.district.code,
                age_band=f"{SITE_PREFIX}{s.pk}",
                sex="all",
                allocation=per_site,
                population=max(per_site, round(per_site / s.selection_probability)),
                inclusion_probability=s.selection_probability,
            )
            names[stratum.key] = f"{s.field_district.district.name_zh} · {s.site.name}"
        codes = invitations_issue(design=design)
        return campaign.pk, [(names.get(key, key), code) for key, code in codes]

    def _sessions_by_site(self, field_year) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        rows = SurveyInvitation.objects.filter(
            stratum__design__campaign_id=field_year.campaign_id,
            redeemed_at__isnull=False,
        ).values_list("stratum__age_band", "session_id")
        for band, session_id in rows:
            if band.startswith(SITE_PREFIX) and session_id:
                out.setdefault(int(band[len(SITE_PREFIX) :]), []).append(session_id)
        return out

    def site_counts(self, *, field_year) -> dict[int, dict[str, int]]:
        if not field_year.campaign_id:
            return {}
        issued = dict(
            Stratum.objects.filter(design__campaign_id=field_year.campaign_id)
            .annotate(n=Count("invitations"))
            .values_list("age_band", "n")
        )
        sessions = self._sessions_by_site(field_year)
        done = set(
            Session.objects.filter(campaign_id=field_year.campaign_id)
            .exclude(status=SessionStatus.IN_PROGRESS)
            .values_list("pk", flat=True)
        )
        out = {}
        for band, n in issued.items():
            if not band.startswith(SITE_PREFIX):
                continue
            site_id = int(band[len(SITE_PREFIX) :])
            ids = sessions.get(site_id, [])
            out[site_id] = {
                "issued": n,
                "started": len(ids),
                "completed": sum(1 for sid in ids if _uuid(sid) in done),
            }
        return out

    def district_results(self, *, field_year) -> dict[int, dict[str, Any]]:
        """Weighted satisfaction index (0–100) per sampled district, with a site-jackknife SE."""
        if (
            not field_year.campaign_id
            or not Campaign.objects.filter(pk=field_year.campaign_id).exists()
        ):
            return {}
        sessions = self._sessions_by_site(field_year)
        done = set(
            Session.objects.filter(campaign_id=field_year.campaign_id)
            .exclude(status=SessionStatus.IN_PROGRESS)
            .values_list("pk", flat=True)
        )
        scores: dict[str, list[int]] = {}
        for sid, score in Response.objects.filter(
            session__campaign_id=field_year.campaign_id,
            score__isnull=False,
            domain_code__startswith=SATISFACTION_DOMAIN,
        ).values_list("session_id", "score"):
            scores.setdefault(str(sid), []).append(score)
        threshold = getattr(settings, "SUPPRESSION_THRESHOLD", 30)
        out = {}
        for fd in field_year.districts.prefetch_related("sites"):
            per_site = []
            for s in fd.sites.all():
                values = [
                    100.0 * sum(scores[sid]) / (len(scores[sid]) * (N_POINTS - 1))
                    for sid in sessions.get(s.pk, [])
                    if _uuid(sid) in done and scores.get(sid)
                ]
                per_site.append((s.weight, values))
            out[fd.district_id] = site_jackknife(per_site, threshold=threshold)
        return out


def site_jackknife(
    per_site: list[tuple[float, list[float]]], *, threshold: int
) -> dict[str, Any]:
    """Weighted mean of respondents' scores and its delete-one-site jackknife (JK1) SE.

    ``per_site`` lists (weight of every respondent of the site, their scores). With H sites
    answering, replicate h leaves site h out; var = (H − 1) / H · Σ (θ_h − θ)².
    """
    n = sum(len(v) for _w, v in per_site)
    if n == 0:
        return {
            "n": 0,
            "mean": None,
            "se": None,
            "low": None,
            "high": None,
            "suppressed": True,
        }

    def est(rows):
        total_w = sum(w * len(v) for w, v in rows)
        return sum(w * sum(v) for w, v in rows) / total_w if total_w else None

    theta = est(per_site)
    answering = [i for i, (_w, v) in enumerate(per_site) if v]
    h = len(answering)
    se = None
    if h >= 2:
        reps = [
            est([row for j, row in enumerate(per_site) if j != i]) for i in answering
        ]
        se = math.sqrt((h - 1) / h * sum((r - theta) ** 2 for r in reps))
    suppressed = n < threshold
    return {
        "n": n,
        "mean": None if suppressed else theta,
        "se": None if suppressed else se,
        "low": None if suppressed or se is None else max(0.0, theta - 1.96 * se),
        "high": None if suppressed or se is None else min(100.0, theta + 1.96 * se),
        "suppressed": suppressed,
    }


def _uuid(value: str):
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def register() -> None:
    satisfaction_backend_register(FieldSatisfaction())
