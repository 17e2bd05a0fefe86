"""Respondent data: the campaign's response matrix, respondents and background, as the jobs read them."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import Campaign, Response, Session, SessionStatus
from assessment.selectors import ResponseMatrix, campaign_response_matrix
from assessment.survey.models import (
    DataSource,
    Respondent,
    SurveyData,
    SurveyInvitation,
    pack_arrays,
    unpack_arrays,
)
from assessment.survey.services.designs import AGE_SHARES, EDUCATION_ORDER
from itembank.selectors import domain_tree
from psychometrics.survey import NEEDS_AREAS


def _pseudo_ids(n: int, *, prefix: str, seed: int) -> list[str]:
    order = np.random.default_rng(seed).permutation(n)
    return [f"{prefix}{int(k) + 1:06d}" for k in order]


@transaction.atomic
def survey_data_store(
    *,
    campaign: Campaign,
    source: str,
    sampled: Sequence[Mapping[str, Any]],
    responses: Mapping[str, np.ndarray],
    item_ids: Mapping[str, Sequence],
    background: np.ndarray,
    background_columns: Sequence[str],
    categorical: Sequence[int] = (),
    extra_arrays: Mapping[str, np.ndarray] | None = None,
    meta: Mapping[str, Any] | None = None,
    frozen_by=None,
    provenance: Mapping[str, Any] | None = None,
) -> SurveyData:
    """Store the sampled persons and the respondents' response matrix of a campaign.

    ``sampled`` has one dict per sampled person (``district_code``, ``age_band``,
    ``sex``, ``education``, ``responded``, optional ``session_id``); the response and
    background arrays hold the respondents only, in the order they appear in
    ``sampled``. Everything is checked before anything is written.

    Each call adds a new version of the campaign's survey data (earlier versions stay
    as they were; the sampled persons' pseudonymous ids are kept in every version's
    ``pseudo_id`` array); the ``Respondent`` rows describe the latest version.
    """
    n_resp = sum(1 for p in sampled if p.get("responded"))
    errors = []
    for d, x in responses.items():
        if x.ndim != 2 or x.shape[0] != n_resp:
            errors.append(
                f"responses[{d!r}] has shape {x.shape}; expected ({n_resp}, items)"
            )
        elif x.shape[1] != len(item_ids.get(d, ())):
            errors.append(
                f"responses[{d!r}] has {x.shape[1]} columns, {len(item_ids.get(d, ()))} item ids"
            )
    if background.shape != (n_resp, len(background_columns)):
        errors.append(
            f"background has shape {background.shape}; expected "
            f"({n_resp}, {len(background_columns)})"
        )
    design = getattr(campaign, "sample_design", None)
    strata = set()
    if design is not None:
        strata = {(s.district_code, s.age_band, s.sex) for s in design.strata.all()}
    for i, p in enumerate(sampled):
        key = (
            str(p.get("district_code", "")),
            str(p.get("age_band", "")),
            str(p.get("sex", "")),
        )
        if strata and key not in strata:
            errors.append(
                f"sampled person {i}: stratum {key} is not in the campaign's design"
            )
            break
    if errors:
        raise ValidationError(errors)
    arrays = {
        f"responses_{d}": np.asarray(x, dtype=np.float32) for d, x in responses.items()
    }
    arrays.update(
        {f"items_{d}": np.asarray([str(i) for i in ids]) for d, ids in item_ids.items()}
    )
    arrays["background"] = np.asarray(background, dtype=np.float64)
    arrays.update(extra_arrays or {})
    Respondent.objects.filter(campaign=campaign).delete()
    pseudo = _pseudo_ids(len(sampled), prefix="R", seed=campaign.pk)
    arrays["pseudo_id"] = np.asarray(pseudo)
    arrays["responded"] = np.asarray([bool(p.get("responded")) for p in sampled])
    rows, r = [], 0
    for i, p in enumerate(sampled):
        responded = bool(p.get("responded"))
        rows.append(
            Respondent(
                campaign=campaign,
                pseudo_id=pseudo[i],
                row=r if responded else None,
                session_id=str(p.get("session_id", "")),
                district_code=str(p["district_code"]),
                age_band=str(p["age_band"]),
                sex=str(p["sex"]),
                education=str(p.get("education", "")),
                responded=responded,
            )
        )
        r += responded
    Respondent.objects.bulk_create(rows, batch_size=5000)
    last = (
        SurveyData.objects.select_for_update()
        .filter(campaign=campaign)
        .order_by("-version")
        .first()
    )
    return SurveyData.objects.create(
        campaign=campaign,
        version=(last.version + 1) if last else 1,
        source=source,
        arrays=pack_arrays(**arrays),
        frozen_by=frozen_by,
        provenance={
            **dict(provenance or {}),
            "version": (last.version + 1) if last else 1,
        },
        meta={
            "domains": list(responses),
            "background_columns": list(background_columns),
            "categorical": [int(c) for c in categorical],
            **dict(meta or {}),
        },
    )


def _domain_kinds() -> dict[str, str]:
    """Top-level domain code -> kind ("ability", "needs", ...) from the item bank."""
    return {
        d["code"]: d.get("kind", "") for d in domain_tree() if not d.get("parent_code")
    }


def campaign_response_matrix_pg(campaign: Campaign, *, item_ids: Sequence[int]):
    """``campaign_response_matrix`` of the completed sessions, read faster on PostgreSQL.

    The same rows, columns and values, but the responses come one row per session
    (``array_agg`` of item ids and scores, parsed by the driver) instead of one Python
    tuple per response: a 10,000-person survey has 1.1 million responses.
    """

    sessions = list(
        Session.objects.filter(campaign=campaign)
        .exclude(status=SessionStatus.IN_PROGRESS)
        .order_by("started_at", "pk")
        .values_list("pk", "background")
    )
    row_of = {str(pk): k for k, (pk, _bg) in enumerate(sessions)}
    columns = np.asarray(item_ids, dtype=np.int64)
    scores = np.full((len(sessions), len(columns)), np.nan)
    sql = (
        f"SELECT r.session_id::text, array_agg(r.item_id), array_agg(r.score) "
        f"FROM {Response._meta.db_table} r JOIN {Session._meta.db_table} s "
        f"ON s.id = r.session_id WHERE s.campaign_id = %s AND s.status <> %s "
        f"GROUP BY r.session_id"
    )
    rows, lengths, items, values = [], [], [], []
    with connection.cursor() as cursor:
        cursor.execute(sql, [campaign.pk, SessionStatus.IN_PROGRESS])
        for key, session_items, session_scores in cursor.fetchall():
            row = row_of.get(key)
            if row is None:  # closed after the sessions were read: not in the rows
                continue
            rows.append(row)
            lengths.append(len(session_items))
            items.extend(session_items)
            values.extend(session_scores)
    if items:
        r = np.repeat(np.asarray(rows, dtype=np.intp), lengths)
        c = np.searchsorted(columns, np.asarray(items, dtype=np.int64))
        v = np.asarray(values, dtype=float)  # None (unscored) is nan
        scored = ~np.isnan(v)
        scores[r[scored], c[scored]] = v[scored]
    background = [dict(bg or {}) for _pk, bg in sessions]
    return ResponseMatrix(
        session_ids=[str(pk) for pk, _bg in sessions],
        item_ids=[int(i) for i in columns],
        scores=scores,
        background=background,
        district_codes=[bg.get("district_code", "") for bg in background],
    )


def survey_data_from_delivery(
    *,
    campaign: Campaign,
    session_arrays: Mapping[str, Mapping[str, Any]] | None = None,
    extra_arrays: Mapping[str, np.ndarray] | None = None,
    meta: Mapping[str, Any] | None = None,
    frozen_by=None,
    provenance: Mapping[str, Any] | None = None,
) -> SurveyData:
    """Adapter: read the campaign's delivered sessions into the survey's arrays.

    Respondents are the closed sessions (``campaign_response_matrix``); each unused
    invitation counts as a non-respondent of its stratum. A campaign without a sample
    design has respondents only (its weights come from raking to the population). Ability items are grouped by
    the main domain (``info.safety`` -> ``info``) their responses were recorded under,
    as delivery scores them; items of a needs or satisfaction domain (the item bank's
    domain kind ``needs``) go to ``needs_<area>`` arrays (Likert codes 0..4, items in id
    order) with ``needs_<area>_options`` instead, as
    :func:`psychometrics.survey.needs_arrays_from` reads them, so they are never
    calibrated as an ability.

    ``session_arrays`` maps an array name to ``{session id: value}`` and is stored in
    the respondents' row order (e.g. a simulation's true abilities); a respondent
    without a value is an error. ``extra_arrays`` and ``meta`` are stored as given.

    Each column records the item revision its responses were delivered as
    (``revisions_<domain>``); an item delivered as more than one revision is listed in
    ``meta["mixed_revisions"]`` with the count of each. Use :func:`survey_data_freeze`,
    which checks that the campaign may be frozen, rather than calling this directly.
    """

    design = getattr(campaign, "sample_design", None)
    domain_of: dict[int, str] = {}
    revisions: dict[int, dict[int, int]] = {}
    for item, code, revision, n in (
        Response.objects.filter(session__campaign=campaign)
        .exclude(session__status=SessionStatus.IN_PROGRESS)
        .values_list("item_id", "domain_code", "revision_id")
        .annotate(n=models.Count("pk"))
        .order_by()
    ):
        domain_of.setdefault(item, code)
        revisions.setdefault(item, {})[int(revision)] = int(n)
    if connection.vendor == "postgresql":
        mat = campaign_response_matrix_pg(campaign, item_ids=sorted(revisions))
    else:
        mat = campaign_response_matrix(campaign_id=campaign.pk)
    if not mat.session_ids:
        raise ValidationError({"campaign": _("No finished sessions to read yet.")})
    # the revision most of an item's responses were delivered as
    revision_of = {
        i: max(rv, key=lambda r, rv=rv: (rv[r], r)) for i, rv in revisions.items()
    }
    mixed = {
        str(i): {str(r): n for r, n in sorted(rv.items())}
        for i, rv in revisions.items()
        if len(rv) > 1
    }
    kinds = _domain_kinds()
    by_domain: dict[str, list[int]] = {}
    needs_by_domain: dict[str, list[int]] = {}
    for j, item in enumerate(mat.item_ids):
        code = domain_of.get(item) or campaign.instrument.domain_code
        top = code.split(".")[0]
        if kinds.get(top) == "needs":
            needs_by_domain.setdefault(code, []).append(j)
        else:
            by_domain.setdefault(top, []).append(j)
    if not by_domain:
        raise ValidationError(
            {"campaign": _("The delivered sessions hold no ability items.")}
        )
    responses = {d: mat.scores[:, cols] for d, cols in by_domain.items()}
    item_ids = {d: [mat.item_ids[j] for j in cols] for d, cols in by_domain.items()}
    extra: dict[str, np.ndarray] = {
        f"revisions_{d}": np.asarray(
            [revision_of.get(mat.item_ids[j], 0) for j in cols], dtype=np.int64
        )
        for d, cols in by_domain.items()
    }
    needs_items: dict[str, list[str]] = {}
    for d, cols in needs_by_domain.items():
        # psychometrics.survey.needs_arrays_from reads needs_<area> and its option codes
        area = d.split(".", 1)[1] if "." in d else d
        ids = [str(mat.item_ids[j]) for j in cols]
        known = NEEDS_AREAS.get(area, ())
        extra[f"needs_{area}"] = mat.scores[:, cols].astype(np.float32)
        extra[f"needs_{area}_options"] = np.asarray(
            known if len(known) == len(ids) else ids
        )
        needs_items[area] = ids
    for name, values in (session_arrays or {}).items():
        missing = [sid for sid in mat.session_ids if sid not in values]
        if missing:
            raise ValidationError(
                {
                    "session_arrays": (
                        f"{name}: no value for {len(missing)} delivered session(s), "
                        f"e.g. {missing[0]}"
                    )
                }
            )
        extra[name] = np.asarray([values[sid] for sid in mat.session_ids])
    extra.update(extra_arrays or {})
    sampled, bg = [], []
    occupations: dict[str, int] = {}
    for sid, b in zip(mat.session_ids, mat.background, strict=True):
        sampled.append(
            {
                **{
                    k: b.get(k, "")
                    for k in ("district_code", "age_band", "sex", "education")
                },
                "responded": True,
                "session_id": sid,
            }
        )
        edu = b.get("education", "")
        occ = b.get("occupation", "")
        bg.append(
            [
                float(EDUCATION_ORDER.index(edu)) if edu in EDUCATION_ORDER else np.nan,
                float(occupations.setdefault(occ, len(occupations))) if occ else np.nan,
                float(list(AGE_SHARES).index(b["age_band"]))
                if b.get("age_band") in AGE_SHARES
                else np.nan,
                1.0 if b.get("sex") == "female" else 0.0,
            ]
        )
    # Without a sample design (open practice, a thematic survey anyone may take) there
    # are no invitations and so no known non-respondents: the weights job then rakes
    # the respondents to the population margins instead.
    used_by_stratum = (
        dict(
            SurveyInvitation.objects.filter(
                stratum__design=design, redeemed_at__isnull=False
            )
            .values_list("stratum_id")
            .annotate(n=models.Count("pk"))
        )
        if design is not None
        else {}
    )
    for s in design.strata.all() if design is not None else ():
        missing = max(s.allocation - used_by_stratum.get(s.pk, 0), 0)
        sampled += [
            {
                "district_code": s.district_code,
                "age_band": s.age_band,
                "sex": s.sex,
                "responded": False,
            }
        ] * missing
    return survey_data_store(
        campaign=campaign,
        source=DataSource.DELIVERY,
        sampled=sampled,
        responses=responses,
        item_ids=item_ids,
        background=np.asarray(bg, dtype=np.float64),
        background_columns=["education", "occupation", "age_band", "female"],
        categorical=(1,),
        extra_arrays=extra,
        meta={
            **({"needs_items": needs_items} if needs_items else {}),
            **({"mixed_revisions": mixed} if mixed else {}),
            "occupation_codes": list(occupations),
            **dict(meta or {}),
        },
        frozen_by=frozen_by,
        provenance={
            "sessions": len(mat.session_ids),
            "responses": sum(n for rv in revisions.values() for n in rv.values()),
            "scored_responses": int(np.count_nonzero(~np.isnan(mat.scores))),
            "items": len(mat.item_ids),
            "respondents": len(mat.session_ids),
            "non_respondents": len(sampled) - len(mat.session_ids),
            "design_id": design.pk if design is not None else None,
            **dict(provenance or {}),
        },
    )


def freeze_refusal(
    campaign: Campaign, *, now=None, new_version: bool = False
) -> str | None:
    """Why ``campaign`` cannot be frozen now (a sentence for the researcher), or None.

    Refused: a campaign that is still open (no closing time, or one still ahead), one
    without a completed session, and one already frozen unless ``new_version`` asks for
    a further version.
    """

    now = now or timezone.now()
    if campaign.closes_at is None:
        return _(
            "The campaign is still open (it has no closing time): close it before "
            "freezing its data."
        )
    if campaign.closes_at > now:
        return _(
            "The campaign is still open until %(at)s: close it before freezing its "
            "data."
        ) % {"at": timezone.localtime(campaign.closes_at).strftime("%Y-%m-%d %H:%M")}
    if not (
        Session.objects.filter(campaign=campaign)
        .exclude(status=SessionStatus.IN_PROGRESS)
        .exists()
    ):
        return _("The campaign has no completed sessions to freeze.")
    last = SurveyData.objects.filter(campaign=campaign).order_by("-version").first()
    if last is not None and not new_version:
        return _(
            "The campaign's data is already frozen (version %(version)s, %(at)s). "
            "Freeze it again as a new version to include later changes; version "
            "%(version)s stays as it is."
        ) % {
            "version": last.version,
            "at": timezone.localtime(last.created_at).strftime("%Y-%m-%d %H:%M"),
        }
    return None


def survey_data_freeze(
    *,
    campaign: Campaign,
    frozen_by=None,
    new_version: bool = False,
    now=None,
    session_arrays: Mapping[str, Mapping[str, Any]] | None = None,
    extra_arrays: Mapping[str, np.ndarray] | None = None,
    meta: Mapping[str, Any] | None = None,
) -> SurveyData:
    """Freeze a closed campaign's delivered sessions into a new version of its survey data.

    Reads every completed session (finished or expired; sessions still in progress are
    left out and counted): the responses by item and the revision each was delivered
    as, the background answers, the sample design's non-respondents (the weights'
    inputs). ``provenance`` records the counts, the time taken, when and by whom.

    Refused with a sentence naming the reason when the campaign is still open, has no
    completed session, or is already frozen (pass ``new_version=True`` to add version
    N + 1: an earlier version is never overwritten). Nothing is written on a refusal.
    """

    started = time.perf_counter()
    now = now or timezone.now()
    with transaction.atomic():
        # one freeze at a time per campaign: the second waits, then sees the first's version
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        reason = freeze_refusal(locked, now=now, new_version=new_version)
        if reason:
            raise ValidationError({"campaign": reason})
        in_progress = Session.objects.filter(
            campaign=locked, status=SessionStatus.IN_PROGRESS
        ).count()
        data = survey_data_from_delivery(
            campaign=locked,
            session_arrays=session_arrays,
            extra_arrays=extra_arrays,
            meta=meta,
            frozen_by=frozen_by,
            provenance={
                "in_progress_left_out": in_progress,
                "frozen_at": now.isoformat(),
                "frozen_by": getattr(frozen_by, "username", "") if frozen_by else "",
                "frozen_by_id": getattr(frozen_by, "pk", None),
                "campaign_closed_at": locked.closes_at.isoformat(),
            },
        )
        seconds = round(time.perf_counter() - started, 3)
        SurveyData.objects.filter(pk=data.pk).update(
            provenance={**data.provenance, "seconds": seconds}
        )
        data.provenance["seconds"] = seconds
    return data


def survey_data_latest(campaign: Campaign) -> SurveyData | None:
    """The campaign's latest survey data version, or None."""
    return SurveyData.objects.filter(campaign=campaign).order_by("-version").first()


def survey_arrays(campaign: Campaign) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    data = survey_data_latest(campaign)
    if data is None:
        raise ValidationError({"campaign": _("The campaign has no survey data yet.")})
    return unpack_arrays(data.arrays), dict(data.meta)
