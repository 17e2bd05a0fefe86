"""Bulk generator of a credit bank at city scale: users, accounts, outcomes, ledger, credentials.

Shanghai's credit bank holds about 5.5 million accounts and 110 million learning
records, so ``scale=1`` is 5,500,000 accounts and about 20 ledger entries each;
``scale=0.1`` (the benchmark's default) is a tenth of the city. Rows are built as
numpy columns a block of accounts at a time and written with PostgreSQL ``COPY``
(psycopg 3's ``cursor.copy``) from CSV that pyarrow renders; on other databases
(SQLite in the tests) the same rows go through ``executemany``.

The rows are those the services would write, in the proportions below:
- every account has a user (group *citizen*) and a district drawn by resident population;
- outcomes: on average ``OUTCOMES_PER_ACCOUNT`` per account, of six kinds; assessments
  carry two domain scores; 1 % are revoked (their awards reversed);
- the ledger: each outcome earns an award under each of its kind's two rules; awards
  past their validity before ``today`` have their expiry entry (those expiring on
  ``today`` itself are left for the daily job); 1 % of live awards are corrected;
- credentials: an Open Badge for 30 % of institution outcomes, a CLR for 10 % of accounts;
- the denormalised balances equal the sums of the account's ledger;
- the per-district tally of accounts opened and closed each day equals the accounts.

Within a block the ledger is written in time order, so one account's entries lie on
as many heap pages as they would after years of appends by many writers.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

CITY_ACCOUNTS = 5_500_000
OUTCOMES_PER_ACCOUNT = (
    7.85  # 2 awards each + expiries + reversals + corrections ≈ 20 entries
)
HISTORY_DAYS = 7 * 365
SOURCES = [
    "上海开放大学",
    "上海市民终身学习公共服务平台",
    "上海老年大学",
    "上海科技馆",
    "上海图书馆",
    "上海市职业技能鉴定中心",
]

# (kind, share of outcomes, titles, hours)
KINDS = [
    ("assessment", 0.34, ["信息素养测评", "健康素养测评", "科学素养测评"], None),
    ("course", 0.26, ["非学历社会培训项目", "社区教育课程", "线上微课程"], 24),
    ("venue_learning", 0.16, ["社会场馆学习项目", "博物馆研学", "图书馆阅读推广"], 4),
    ("certificate", 0.12, ["老年教育结业证书", "社区教育结业证书"], 32),
    (
        "vocational_certificate",
        0.08,
        ["育婴员职业技能等级证书", "电工职业技能等级证书"],
        64,
    ),
    ("degree_credits", 0.04, ["开放大学课程学分"], 48),
]
DOMAINS = ["info", "health", "science"]

# Two published rules per outcome kind: (code, kind, credits, points, cap period, months valid)
RULES = [
    ("bench-assessment-points", "assessment", "0.00", 5, "month", 12),
    ("bench-assessment-credits", "assessment", "0.50", 10, "year", 36),
    ("bench-course-credits", "course", "0.50", 10, "year", 60),
    ("bench-course-points", "course", "0.00", 20, "none", 24),
    ("bench-venue-points", "venue_learning", "0.00", 5, "month", 24),
    ("bench-venue-credits", "venue_learning", "0.50", 0, "none", 36),
    ("bench-certificate-credits", "certificate", "1.00", 15, "none", None),
    ("bench-certificate-points", "certificate", "0.00", 10, "year", 24),
    ("bench-vocational-credits", "vocational_certificate", "4.00", 50, "none", None),
    ("bench-vocational-points", "vocational_certificate", "0.00", 30, "none", 60),
    ("bench-degree-credits", "degree_credits", "2.00", 20, "none", None),
    ("bench-degree-points", "degree_credits", "0.00", 10, "year", 60),
]
# High caps: the generated history never reaches them, but the award path still checks them.
CAP_CREDITS = Decimal("1000.00")
CAP_POINTS = 100_000

COLUMNS = {
    "accounts_user": [
        "id",
        "password",
        "last_login",
        "is_superuser",
        "username",
        "first_name",
        "last_name",
        "email",
        "is_staff",
        "is_active",
        "date_joined",
        "display_name",
        "district_id",
    ],
    "accounts_user_groups": ["id", "user_id", "group_id"],
    "creditbank_learningaccount": [
        "id",
        "number",
        "status",
        "opened_via",
        "opened_at",
        "closure_requested_at",
        "closure_reason",
        "closed_at",
        "credits_balance",
        "points_balance",
        "district_id",
        "user_id",
    ],
    "creditbank_learningoutcome": [
        "id",
        "kind",
        "title",
        "title_en",
        "achieved_on",
        "source",
        "source_ref",
        "evidence_url",
        "evidence_ref",
        "domain_code",
        "level_code",
        "level_name",
        "hours",
        "instrument_code",
        "instrument_name",
        "parameter_set_id",
        "details",
        "created_at",
        "revoked_at",
        "revocation_reason",
        "account_id",
        "entered_by_id",
    ],
    "creditbank_outcomedomainscore": [
        "id",
        "domain_code",
        "theta",
        "se",
        "level_code",
        "outcome_id",
    ],
    "creditbank_creditentry": [
        "id",
        "kind",
        "rule_version",
        "credits",
        "points",
        "period_key",
        "expires_on",
        "reason",
        "created_at",
        "corrects_id",
        "created_by_id",
        "rule_id",
        "account_id",
        "outcome_id",
    ],
    "creditbank_issuedcredential": [
        "id",
        "format",
        "issued_at",
        "key_id",
        "document_sha256",
        "revoked_at",
        "revocation_reason",
        "account_id",
        "outcome_id",
    ],
}
TABLES = list(COLUMNS)
# Tables whose id is a bigserial; the credential id is a UUID.
SERIAL_TABLES = [t for t in TABLES if t != "creditbank_issuedcredential"]


@dataclass
class Context:
    """What the generator needs from the database it fills."""

    today: date
    district_ids: np.ndarray
    district_weights: np.ndarray
    citizen_group_id: int
    rule_ids: dict[str, int]
    next_id: dict[str, int]  # table -> first free id
    first_account_index: int = (
        0  # accounts already generated (account numbers stay unique)
    )
    counts: dict[str, int] = field(default_factory=dict)


def accounts_for_scale(scale: float) -> int:
    return max(1, round(CITY_ACCOUNTS * scale))


# --------------------------------------------------------------------------- columns


def _luhn(bodies: np.ndarray, width: int) -> np.ndarray:
    """Check digits of the account-number bodies (the rule of ``services.accounts``)."""
    total = np.zeros(len(bodies), dtype=np.int64)
    rest = bodies.astype(np.int64).copy()
    for i in range(width):  # i = 0 is the rightmost digit
        digit = rest % 10
        rest //= 10
        if i % 2 == 0:
            digit = digit * 2
            digit = np.where(digit > 9, digit - 9, digit)
        total += digit
    return (10 - total % 10) % 10


def _ts(seconds: np.ndarray) -> pa.Array:
    return pa.array(seconds.astype("int64"), type=pa.int64()).cast(
        pa.timestamp("s", tz="UTC")
    )


def _ts_nullable(seconds: np.ndarray, valid: np.ndarray) -> pa.Array:
    return pa.array(seconds.astype("int64"), mask=~valid, type=pa.int64()).cast(
        pa.timestamp("s", tz="UTC")
    )


def _text(prefix: str, values: np.ndarray) -> pa.Array:
    """``prefix`` followed by each integer, as strings (pyarrow, not numpy's slow ``char``)."""
    numbers = pc.cast(pa.array(values.astype("int64")), pa.string())
    return pc.binary_join_element_wise(pa.scalar(prefix), numbers, "")


def _few(values: np.ndarray, render) -> pa.Array:
    """Strings of values that take few distinct values, each rendered once."""
    distinct, index = np.unique(values, return_inverse=True)
    return pa.array([render(v) for v in distinct], type=pa.string()).take(
        pa.array(index.astype("int64"))
    )


def _money(values: np.ndarray) -> pa.Array:
    """Amounts in half credits as exact decimal text."""
    return _few(
        np.round(values * 2).astype(np.int64), lambda halves: f"{halves / 2:.2f}"
    )


def _day(days: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Dates from days since 1970-01-01."""
    mask = None if valid is None else ~valid
    return pa.array(days.astype("int32"), mask=mask, type=pa.int32()).cast(pa.date32())


def _const(value: Any, n: int, type_: pa.DataType | None = None) -> pa.Array:
    return pa.repeat(pa.scalar(value, type=type_), n)


def _pick(choices: list[str], index: np.ndarray) -> pa.Array:
    return pa.array(choices, type=pa.string()).take(pa.array(index, type=pa.int32()))


def _nullable_int(values: np.ndarray, valid: np.ndarray) -> pa.Array:
    return pa.array(values.astype("int64"), mask=~valid, type=pa.int64())


def generate_block(
    ctx: Context, n_accounts: int, rng: np.random.Generator
) -> dict[str, pa.Table]:
    """Generate the rows of ``n_accounts`` new accounts and everything in them."""
    today = (ctx.today - date(1970, 1, 1)).days
    now_s = today * 86400
    ids = ctx.next_id
    out: dict[str, dict[str, Any]] = {}

    # --- users and accounts
    n = n_accounts
    account_index = ctx.first_account_index + np.arange(n)
    user_id = ids["accounts_user"] + np.arange(n)
    account_id = ids["creditbank_learningaccount"] + np.arange(n)
    district = ctx.district_ids[
        rng.choice(len(ctx.district_ids), size=n, p=ctx.district_weights)
    ]
    opened_s = now_s - rng.integers(30 * 86400, HISTORY_DAYS * 86400, size=n)
    joined_s = opened_s - rng.integers(0, 365 * 86400, size=n)
    status_draw = rng.random(n)
    closed = status_draw < 0.01
    closure_requested = (status_draw >= 0.01) & (status_draw < 0.015)
    closed_s = opened_s + ((now_s - opened_s) * rng.uniform(0.5, 0.99, size=n)).astype(
        np.int64
    )
    bodies = 31 * 10**9 + account_index
    numbers = pc.binary_join_element_wise(
        pc.cast(pa.array(bodies), pa.string()),
        pc.cast(pa.array(_luhn(bodies, 11)), pa.string()),
        "",
    )
    out["accounts_user"] = {
        "id": pa.array(user_id),
        "password": _const("!bench-unusable", n),
        "last_login": pa.nulls(n, pa.timestamp("us", tz="UTC")),
        "is_superuser": _const(False, n),
        "username": _text("cb", account_index),
        "first_name": _const("", n),
        "last_name": _const("", n),
        "email": _const("", n),
        "is_staff": _const(False, n),
        "is_active": _const(True, n),
        "date_joined": _ts(joined_s),
        "display_name": _const("", n),
        "district_id": pa.array(district),
    }
    out["accounts_user_groups"] = {
        "id": pa.array(ids["accounts_user_groups"] + np.arange(n)),
        "user_id": pa.array(user_id),
        "group_id": _const(ctx.citizen_group_id, n, pa.int64()),
    }

    # --- outcomes (account by account, then written in time order)
    per_account = rng.poisson(OUTCOMES_PER_ACCOUNT, size=n)
    n_out = int(per_account.sum())
    o_acc = np.repeat(np.arange(n), per_account)  # position of the account in the block
    shares = np.array([k[1] for k in KINDS])
    o_kind = rng.choice(len(KINDS), size=n_out, p=shares / shares.sum())
    opened_day = opened_s // 86400 + 1
    span = np.maximum(today - 1 - opened_day[o_acc], 1)
    o_day = opened_day[o_acc] + (rng.random(n_out) * span).astype(np.int64)
    o_created_s = o_day * 86400 + rng.integers(3600, 20 * 3600, size=n_out)
    # a closed account took no outcome after its closure
    keep = ~(closed[o_acc] & (o_created_s >= closed_s[o_acc]))
    o_acc, o_kind, o_day, o_created_s = (
        o_acc[keep],
        o_kind[keep],
        o_day[keep],
        o_created_s[keep],
    )
    order = np.argsort(o_created_s, kind="stable")
    o_acc, o_kind, o_day, o_created_s = (
        o_acc[order],
        o_kind[order],
        o_day[order],
        o_created_s[order],
    )
    n_out = len(o_acc)
    outcome_id = ids["creditbank_learningoutcome"] + np.arange(n_out)
    revoked = (rng.random(n_out) < 0.01) & (o_created_s + 30 * 86400 < now_s)
    revoked_s = o_created_s + 30 * 86400
    assessment = o_kind == 0
    domain = rng.integers(0, len(DOMAINS), size=n_out)
    title_choice = rng.integers(0, 3, size=n_out)
    titles_flat = []
    title_index = np.zeros(n_out, dtype=np.int64)
    for k, (_kind, _share, titles, _hours) in enumerate(KINDS):
        is_kind = o_kind == k
        title_index[is_kind] = len(titles_flat) + title_choice[is_kind] % len(titles)
        titles_flat.extend(titles)
    hours = np.array([h or 0 for *_x, h in KINDS], dtype=np.float64)[o_kind]
    levels = ["L1", "L2", "L3", "L4"]
    level = rng.integers(0, 4, size=n_out)
    source = np.where(assessment, 1, rng.integers(0, len(SOURCES), size=n_out))
    out["creditbank_learningoutcome"] = {
        "id": pa.array(outcome_id),
        "kind": _pick([k[0] for k in KINDS], o_kind),
        "title": _pick(titles_flat, title_index),
        "title_en": _const("", n_out),
        "achieved_on": _day(o_day),
        "source": _pick(SOURCES, source),
        "source_ref": _text("bench:", outcome_id),
        "evidence_url": _const("", n_out),
        "evidence_ref": pc.if_else(
            pa.array(assessment), "", _text("证书编号 ", outcome_id)
        ),
        "domain_code": _pick(DOMAINS, domain).cast(pa.string()),
        "level_code": _pick(levels, level),
        "level_name": _const("", n_out),
        "hours": pa.array(hours, mask=assessment),
        "instrument_code": _pick(["", "BENCH-2026"], assessment.astype(np.int64)),
        "instrument_name": _pick(["", "测评 2026"], assessment.astype(np.int64)),
        "parameter_set_id": pa.nulls(n_out, pa.int64()),
        "details": _const("{}", n_out),
        "created_at": _ts(o_created_s),
        "revoked_at": _ts_nullable(revoked_s, revoked),
        "revocation_reason": _pick(["", "bench: withdrawn"], revoked.astype(np.int64)),
        "account_id": pa.array(account_id[o_acc]),
        "entered_by_id": pa.nulls(n_out, pa.int64()),
    }
    # domain scores: the top domain and one sub-domain of every assessment
    a_idx = np.flatnonzero(assessment)
    n_a = len(a_idx)
    theta = rng.normal(0, 1, size=n_a)

    out["creditbank_outcomedomainscore"] = {
        "id": pa.array(ids["creditbank_outcomedomainscore"] + np.arange(2 * n_a)),
        "domain_code": _pick(
            DOMAINS + [d + ".data" for d in DOMAINS],
            np.concatenate([domain[a_idx], domain[a_idx] + len(DOMAINS)]),
        ),
        "theta": pa.array(np.concatenate([theta, theta - 0.2])),
        "se": pa.array(np.concatenate([np.full(n_a, 0.3), np.full(n_a, 0.4)])),
        "level_code": _pick(levels, np.concatenate([level[a_idx], level[a_idx]])),
        "outcome_id": pa.array(np.concatenate([outcome_id[a_idx], outcome_id[a_idx]])),
    }

    # --- the ledger: awards, then their expiries, reversals and corrections
    rule_credits = np.array([Decimal(r[2]) for r in RULES], dtype=np.float64)
    rule_points = np.array([r[3] for r in RULES], dtype=np.int64)
    rule_cap = [r[4] for r in RULES]
    rule_months = np.array([r[5] or 0 for r in RULES], dtype=np.int64)
    rule_db_id = np.array([ctx.rule_ids[r[0]] for r in RULES], dtype=np.int64)
    # every outcome gets an award under each of its kind's two rules (rules 2k, 2k+1)
    w_out = np.repeat(np.arange(n_out), 2)
    w_rule = 2 * o_kind[w_out] + np.tile([0, 1], n_out)
    n_w = len(w_out)
    w_created = o_created_s[w_out] + rng.integers(1, 60, size=n_w)
    months = rule_months[w_rule]
    expires = o_day[w_out] + (months * 30.4375).astype(np.int64)
    has_expiry = months > 0
    w_credits = rule_credits[w_rule]
    w_points = rule_points[w_rule]
    # period keys as codes: 0 none, 1yyyy a year, 2yyyymm a month; rendered at the end
    achieved = o_day[w_out].astype("datetime64[D]")
    years = achieved.astype("datetime64[Y]").astype(np.int64) + 1970
    month_no = achieved.astype("datetime64[M]").astype(np.int64) % 12 + 1
    cap = np.array([{"none": 0, "year": 1, "month": 2}[c] for c in rule_cap])[w_rule]
    period_code = np.where(
        cap == 1,
        10**4 + years,
        np.where(cap == 2, 2 * 10**6 + years * 100 + month_no, 0),
    )
    w_revoked = revoked[w_out]
    # reversals of revoked outcomes' awards (before any expiry: validity is ≥ 12 months)
    r_src = np.flatnonzero(w_revoked)
    # expiries of awards that ran out before today (today's are the daily job's work)
    x_src = np.flatnonzero(has_expiry & ~w_revoked & (expires < today))
    # corrections: +0.5 credits on 1 % of awards still live
    live = ~w_revoked & ~(has_expiry & (expires <= today))
    c_src = np.flatnonzero(live & (rng.random(n_w) < 0.01))
    c_src = c_src[w_created[c_src] + 86400 < now_s]

    kind = np.concatenate(
        [
            np.zeros(n_w, np.int8),
            np.full(len(r_src), 2, np.int8),
            np.full(len(x_src), 3, np.int8),
            np.full(len(c_src), 1, np.int8),
        ]
    )
    src = np.concatenate(
        [np.arange(n_w), r_src, x_src, c_src]
    )  # the award each row belongs to
    credits = np.concatenate(
        [w_credits, -w_credits[r_src], -w_credits[x_src], np.full(len(c_src), 0.5)]
    )
    points = np.concatenate(
        [w_points, -w_points[r_src], -w_points[x_src], np.zeros(len(c_src), np.int64)]
    )
    created = np.concatenate(
        [
            w_created,
            revoked_s[w_out[r_src]] + 1,
            (expires[x_src] + 1) * 86400
            + 2 * 3600
            + rng.integers(0, 600, size=len(x_src)),
            w_created[c_src] + rng.integers(86400, 90 * 86400, size=len(c_src)),
        ]
    )
    created = np.minimum(created, now_s - 60)
    # drop the corrections of a closed account after its closure? the balance stays consistent
    order = np.argsort(created, kind="stable")
    kind, src, credits, points, created = (
        a[order] for a in (kind, src, credits, points, created)
    )
    n_e = len(kind)
    entry_id = ids["creditbank_creditentry"] + np.arange(n_e)
    # the award's own entry id, for corrects_id
    award_entry_id = np.empty(n_w, dtype=np.int64)
    award_rows = np.flatnonzero(kind == 0)
    award_entry_id[src[award_rows]] = entry_id[award_rows]
    is_award = kind == 0
    e_rule = w_rule[src]
    e_out = w_out[src]
    e_acc = o_acc[e_out]
    # reasons as codes: -1 none, -2 reversal, -3 correction, else the expiry day
    reason_code = np.where(
        kind == 3, expires[src], np.where(kind == 2, -2, np.where(kind == 1, -3, -1))
    )

    def reason(code: int) -> str:
        if code >= 0:
            return "Expired on " + str(np.datetime64(int(code), "D"))
        return {
            -1: "",
            -2: "Outcome revoked: bench: withdrawn",
            -3: "bench correction",
        }[code]

    def period(code: int) -> str:
        if code >= 2 * 10**6:
            return f"{code // 100 - 2 * 10**4}-{code % 100:02d}"
        return str(code - 10**4) if code else ""

    out["creditbank_creditentry"] = {
        "id": pa.array(entry_id),
        "kind": _pick(["award", "correction", "reversal", "expiry"], kind),
        "rule_version": _const(1, n_e, pa.int64()),
        "credits": _money(credits),
        "points": pa.array(points),
        "period_key": _few(period_code[src], period),
        "expires_on": _day(expires[src], is_award & has_expiry[src]),
        "reason": _few(reason_code, reason),
        "created_at": _ts(created),
        "corrects_id": _nullable_int(award_entry_id[src], ~is_award),
        "created_by_id": pa.nulls(n_e, pa.int64()),
        "rule_id": pa.array(rule_db_id[e_rule]),
        "account_id": pa.array(account_id[e_acc]),
        "outcome_id": pa.array(outcome_id[e_out]),
    }
    credits_balance = np.bincount(e_acc, weights=credits, minlength=n)
    points_balance = np.bincount(e_acc, weights=points, minlength=n).astype(np.int64)
    out["creditbank_learningaccount"] = {
        "id": pa.array(account_id),
        "number": pa.array(numbers),
        "status": _pick(
            ["open", "closed", "closure_requested"],
            np.where(closed, 1, np.where(closure_requested, 2, 0)),
        ),
        "opened_via": _pick(
            ["explicit", "first_use"], (rng.random(n) < 0.7).astype(np.int64)
        ),
        "opened_at": _ts(opened_s),
        "closure_requested_at": _ts_nullable(
            closed_s - 86400 * 3, closed | closure_requested
        ),
        "closure_reason": _const("", n),
        "closed_at": _ts_nullable(closed_s, closed),
        "credits_balance": _money(credits_balance),
        "points_balance": pa.array(points_balance),
        "district_id": pa.array(district),
        "user_id": pa.array(user_id),
    }

    # --- credentials: badges of institution outcomes, CLRs of accounts
    b_idx = np.flatnonzero(~assessment & (rng.random(n_out) < 0.3))
    clr_acc = np.flatnonzero(rng.random(n) < 0.1)
    clr_acc = clr_acc[~closed[clr_acc]]
    n_c = len(b_idx) + len(clr_acc)
    issued = np.concatenate(
        [
            o_created_s[b_idx] + rng.integers(3600, 90 * 86400, size=len(b_idx)),
            now_s - rng.integers(86400, 365 * 86400, size=len(clr_acc)),
        ]
    )
    issued = np.maximum(
        np.minimum(issued, now_s - 60),
        np.concatenate([o_created_s[b_idx], opened_s[clr_acc]]),
    )
    c_acc = np.concatenate([o_acc[b_idx], clr_acc])
    c_revoked = (
        np.concatenate([revoked[b_idx], np.zeros(len(clr_acc), bool)]) | closed[c_acc]
    )
    c_revoked_s = np.where(
        closed[c_acc],
        closed_s[c_acc],
        np.concatenate([revoked_s[b_idx], np.zeros(len(clr_acc), np.int64)]),
    )
    # version-4 UUIDs from the generator's own random bits (reproducible per seed)
    words = rng.integers(0, 2**63, size=(n_c, 2), dtype=np.int64)
    hi = (words[:, 0] & ~np.int64(0xF000)) | np.int64(0x4000)
    lo = (words[:, 1] & np.int64(0x3FFFFFFFFFFFFFFF)) | np.int64(-0x8000000000000000)
    raw = np.empty((n_c, 2), dtype=">i8")
    raw[:, 0], raw[:, 1] = hi, lo
    # 32 hex digits: PostgreSQL reads them as a uuid, and Django stores them so on SQLite
    hex_digits = raw.tobytes().hex()
    uuids = [hex_digits[32 * i : 32 * i + 32] for i in range(n_c)]
    out["creditbank_issuedcredential"] = {
        "id": pa.array(uuids),
        "format": _pick(["ob3", "clr2"], np.repeat([0, 1], [len(b_idx), len(clr_acc)])),
        "issued_at": _ts(issued),
        "key_id": _const("did:web:bench#key-1", n_c),
        "document_sha256": pa.array(
            np.char.zfill(rng.integers(0, 2**62, size=n_c).astype(str), 64)
        ),
        "revoked_at": _ts_nullable(c_revoked_s, c_revoked),
        "revocation_reason": _pick(
            ["", "outcome revoked", "account closed"],
            np.where(closed[c_acc], 2, np.where(c_revoked, 1, 0)),
        ),
        "account_id": pa.array(account_id[c_acc]),
        "outcome_id": _nullable_int(
            np.concatenate([outcome_id[b_idx], np.zeros(len(clr_acc), np.int64)]),
            np.concatenate([np.ones(len(b_idx), bool), np.zeros(len(clr_acc), bool)]),
        ),
    }

    tables = {}
    for table, columns in COLUMNS.items():
        tables[table] = pa.table({c: out[table][c] for c in columns})
        if table in SERIAL_TABLES:
            ids[table] += tables[table].num_rows
        ctx.counts[table] = ctx.counts.get(table, 0) + tables[table].num_rows
    ctx.first_account_index += n
    return tables


# --------------------------------------------------------------------------- loading


def _csv(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(include_header=False))
    return sink.getvalue()


def _python_rows(table: pa.Table) -> list[tuple]:
    """Rows for ``executemany`` on SQLite: datetimes as naive UTC text, as Django stores them."""
    columns = []
    for name in table.column_names:
        values = table.column(name).to_pylist()
        if pa.types.is_timestamp(table.schema.field(name).type):
            values = [
                v.astimezone(UTC).replace(tzinfo=None).isoformat(" ") if v else None
                for v in values
            ]
        elif pa.types.is_date(table.schema.field(name).type):
            values = [v.isoformat() if v else None for v in values]
        elif name in ("credits", "credits_balance"):
            values = [str(Decimal(str(v)).quantize(Decimal("0.01"))) for v in values]
        columns.append(values)
    return list(zip(*columns, strict=True))


def write_tables(connection, tables: dict[str, pa.Table]) -> None:
    """Write one block: ``COPY`` on PostgreSQL, ``executemany`` elsewhere."""
    with connection.cursor() as cursor:
        for table, data in tables.items():
            if not data.num_rows:
                continue
            columns = ", ".join(COLUMNS[table])
            if connection.vendor == "postgresql":
                raw = cursor.cursor
                with raw.copy(
                    f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)"
                ) as copy:
                    payload = _csv(data)
                    for start in range(0, len(payload), 1 << 22):
                        copy.write(payload[start : start + (1 << 22)])
            else:
                marks = ", ".join(["%s"] * len(COLUMNS[table]))
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                    _python_rows(data),
                )


def context_from_db(connection, *, today: date) -> Context:
    """Read districts, the citizen group and the bench rules; create the rules if missing."""
    from django.contrib.auth.models import Group

    from learning_platform.accounts.roles import Role
    from learning_platform.creditbank.models import ConversionRule
    from learning_platform.creditbank.services import conversion_rule_save
    from learning_platform.districts.models import District, DistrictYearFigure

    districts = list(District.objects.order_by("pk"))
    if not districts:
        raise RuntimeError("No districts: run `manage.py load_districts` first.")
    population = {}
    for figure in DistrictYearFigure.objects.order_by("year"):
        population[figure.district_id] = float(figure.resident_population_10k or 0)
    weights = np.array([population.get(d.pk, 0) or 1.0 for d in districts])
    for code, kind, credits, points, cap, months in RULES:
        if not ConversionRule.objects.filter(code=code).exists():
            conversion_rule_save(
                code=code,
                changed_by=None,
                comment="bench",
                data={
                    "name": code,
                    "outcome_kind": kind,
                    "credits": Decimal(credits),
                    "points": points,
                    "cap_period": cap,
                    "cap_credits": CAP_CREDITS if cap != "none" else None,
                    "cap_points": CAP_POINTS if cap != "none" else None,
                    "valid_months": months,
                },
            )
    rule_ids = dict(
        ConversionRule.objects.filter(code__in=[r[0] for r in RULES]).values_list(
            "code", "pk"
        )
    )
    versions = set(
        ConversionRule.objects.filter(code__in=rule_ids).values_list(
            "version", flat=True
        )
    )
    if versions != {1}:
        raise RuntimeError(f"The bench rules must be at version 1, found {versions}")
    group, _created = Group.objects.get_or_create(name=Role.CITIZEN)
    next_id = {}
    with connection.cursor() as cursor:
        for table in SERIAL_TABLES:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            next_id[table] = cursor.fetchone()[0] + 1
        cursor.execute("SELECT COUNT(*) FROM creditbank_learningaccount")
        existing = cursor.fetchone()[0]
    return Context(
        today=today,
        district_ids=np.array([d.pk for d in districts], dtype=np.int64),
        district_weights=weights / weights.sum(),
        citizen_group_id=group.pk,
        rule_ids=rule_ids,
        next_id=next_id,
        first_account_index=existing + 10**8,
    )  # clear of numbers other code made


def _reset_sequences(connection) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in SERIAL_TABLES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
            )


def _constraints_and_indexes(
    connection,
) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Foreign keys and unique constraints (not primary keys), and plain indexes, of the tables."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
            FROM pg_constraint c WHERE c.conrelid::regclass::text = ANY(%s)
              AND c.contype IN ('f', 'u') ORDER BY c.contype""",
            [TABLES],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = ANY(%s) AND i.schemaname = 'public'
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
            [TABLES],
        )
        indexes = cursor.fetchall()
    return constraints, indexes


def load(
    connection,
    *,
    scale: float | None = None,
    accounts: int | None = None,
    today: date,
    seed: int = 2026,
    block: int = 50_000,
    progress=None,
    rebuild_indexes: bool | None = None,
) -> Context:
    """Fill the credit bank with ``scale`` × the city (or ``accounts`` accounts).

    On PostgreSQL the tables' indexes and foreign keys are dropped during the load and
    built again after it (one sort each instead of 11 million insertions), then the
    tables are vacuumed and analysed. ``rebuild_indexes`` (default: from 20,000
    accounts on) turns that on or off; small loads keep them, and can run inside a
    transaction that has already written (as the tests do).
    """
    total = accounts if accounts is not None else accounts_for_scale(scale or 0.1)
    ctx = context_from_db(connection, today=today)
    rng = np.random.default_rng(seed)
    if rebuild_indexes is None:
        rebuild_indexes = total >= 20_000
    postgres = connection.vendor == "postgresql" and rebuild_indexes
    constraints, indexes = ([], [])
    if postgres:
        constraints, indexes = _constraints_and_indexes(connection)
        with connection.cursor() as cursor:
            for table, name, _definition in constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
    done = 0
    while done < total:
        n = min(block, total - done)
        write_tables(connection, generate_block(ctx, n, rng))
        done += n
        if progress:
            progress(done, total, ctx)
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for _name, definition in indexes:
                cursor.execute(definition)
            for table, name, definition in reversed(constraints):
                cursor.execute(
                    f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
                )
    _reset_sequences(connection)
    _record_yesterdays_expiry_run(connection, today=today)
    _tally_fill(connection)
    return ctx


def _tally_fill(connection) -> None:
    """The per-district tally of the accounts (the services keep it as they open and close
    them): rebuilt with one ``INSERT … SELECT … GROUP BY`` over all accounts, so a second
    load, or accounts the services opened before, are counted too."""
    from learning_platform.creditbank.services import (  # lazy: Django is set up by the caller
        account_tally_rebuild,
    )

    account_tally_rebuild()


def _record_yesterdays_expiry_run(connection, *, today: date) -> None:
    """The bank as the daily job left it yesterday: every award that ran out before today
    has its expiry, so the next run starts from yesterday and the last entry written."""
    yesterday = today - timedelta(days=1)
    moment: Any = datetime.combine(yesterday, time(23, 0), tzinfo=UTC)
    if (
        connection.vendor == "sqlite"
    ):  # naive UTC text, as Django stores datetimes there
        moment = moment.replace(tzinfo=None).isoformat(" ")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO creditbank_expiryrun "
            "(through, last_entry_id, started_at, finished_at, written) "
            "SELECT %s, COALESCE(MAX(id), 0), %s, %s, 0 FROM creditbank_creditentry",
            [yesterday, moment, moment],
        )


CHECKS = {
    "balance differs from the ledger": """
        SELECT COUNT(*) FROM creditbank_learningaccount a
        LEFT JOIN (SELECT account_id, SUM(credits) c, SUM(points) p FROM creditbank_creditentry
                   GROUP BY account_id) l ON l.account_id = a.id
        WHERE a.credits_balance <> COALESCE(l.c, 0) OR a.points_balance <> COALESCE(l.p, 0)""",
    "entry of an outcome in another account": """
        SELECT COUNT(*) FROM creditbank_creditentry e
        JOIN creditbank_learningoutcome o ON o.id = e.outcome_id WHERE o.account_id <> e.account_id""",
    "adjustment not pointing at an award of its account": """
        SELECT COUNT(*) FROM creditbank_creditentry e
        LEFT JOIN creditbank_creditentry w ON w.id = e.corrects_id
        WHERE e.kind <> 'award' AND (w.id IS NULL OR w.kind <> 'award'
              OR w.account_id <> e.account_id OR w.created_at > e.created_at)""",
    "award taken below zero": """
        SELECT COUNT(*) FROM creditbank_creditentry w
        JOIN creditbank_creditentry e ON e.corrects_id = w.id OR e.id = w.id
        WHERE w.kind = 'award' GROUP BY w.id HAVING SUM(e.credits) < 0 OR SUM(e.points) < 0""",
    "award past its validity without an expiry entry (before today)": """
        SELECT COUNT(*) FROM creditbank_creditentry w
        JOIN creditbank_learningoutcome o ON o.id = w.outcome_id
        WHERE w.kind = 'award' AND w.expires_on < %(today)s AND o.revoked_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM creditbank_creditentry x
                          WHERE x.corrects_id = w.id AND x.kind = 'expiry')""",
    "revoked outcome with an award not reversed": """
        SELECT COUNT(*) FROM creditbank_creditentry w
        JOIN creditbank_learningoutcome o ON o.id = w.outcome_id
        WHERE w.kind = 'award' AND o.revoked_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM creditbank_creditentry x
                          WHERE x.corrects_id = w.id AND x.kind = 'reversal')""",
    "user with no account or account with another district": """
        SELECT COUNT(*) FROM accounts_user u
        JOIN accounts_user_groups g ON g.user_id = u.id
        LEFT JOIN creditbank_learningaccount a ON a.user_id = u.id
        WHERE u.username LIKE 'cb%%' AND (a.id IS NULL OR a.district_id <> u.district_id)""",
    "credential of an outcome in another account": """
        SELECT COUNT(*) FROM creditbank_issuedcredential c
        JOIN creditbank_learningoutcome o ON o.id = c.outcome_id WHERE o.account_id <> c.account_id""",
    "outcome of a closed account after its closure": """
        SELECT COUNT(*) FROM creditbank_learningoutcome o
        JOIN creditbank_learningaccount a ON a.id = o.account_id
        WHERE a.closed_at IS NOT NULL AND o.created_at > a.closed_at""",
}


def tally_problems() -> list[str]:
    """Districts and days where the tally disagrees with a live count of the accounts."""
    from learning_platform.creditbank.selectors import (  # lazy: Django is set up by the caller
        account_tally_differences,
    )

    return [str(d) for d in account_tally_differences()]


def consistency_problems(connection, *, today: date) -> dict[str, int]:
    """Count rows that break what the services guarantee; an empty dict when all hold."""
    problems = {}
    with connection.cursor() as cursor:
        for name, sql in CHECKS.items():
            cursor.execute(sql, {"today": today.isoformat()})
            rows = cursor.fetchall()
            count = sum(r[0] for r in rows) if "GROUP BY w.id" not in sql else len(rows)
            if count:
                problems[name] = count
    return problems


def vacuum_analyze(connection) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in [*TABLES, "creditbank_districtaccounttally"]:
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def epoch_day(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def today_local() -> date:
    from django.utils import timezone

    return timezone.localdate()
