"""Time the freeze of a 10,000-respondent campaign (about 1.1 million responses) on PostgreSQL.

The campaign is built fast and directly in the benchmark's own database (not timed):
10,000 citizen accounts and finished sessions (``bulk_create``) and 110 responses a
session written with one ``COPY`` (50 information, 30 science and 30 health items out of
330, scores 0/1, three revisions in use). Then, in the same run:

- the baseline: the same response rows read with one plain ``SELECT`` (session id as
  text, item, score of the campaign's completed sessions), fetched whole;
- the freeze: ``assessment.survey.services.survey_data_freeze`` (the service behind the
  admin button, the API and ``manage.py survey_freeze``): the response matrix by item
  and revision, background answers, respondents, the compressed arrays, provenance.

Printed: seconds and rows per second of each, and the freeze's time as a multiple of
the plain read. The target is a freeze under 20 s.

Usage::

    .venv/bin/python benchmarks/bench_freeze.py                    # 10,000 respondents
    .venv/bin/python benchmarks/bench_freeze.py --respondents 2000 --drop

The database (``--db``, default ``lp_bench_freeze``) is created and migrated if needed
and kept (a second run skips most of the set-up; ``--drop`` drops it at the end); a
previous run's rows are removed first. PostgreSQL is reached at ``PGHOST`` (default
127.0.0.1) as ``PGUSER`` (default postgres).
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PY = str(ROOT / ".venv" / "bin" / "python")

DOMAINS = {
    "info": (150, 50),
    "science": (90, 30),
    "health": (90, 30),
}  # items, per person
AGE_BANDS = ("15-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
EDUCATION = (
    "primary",
    "junior_secondary",
    "senior_secondary",
    "junior_college",
    "bachelor",
    "postgraduate",
)
DISTRICTS = tuple(
    f"3101{k:02d}" for k in (1, 4, 5, 6, 7, 9, 10, 12, 13, 14, 15, 16, 17, 18, 20, 51)
)


def _pg_url(db: str) -> str:
    host = os.environ.get("PGHOST", "127.0.0.1")
    user = os.environ.get("PGUSER", "postgres")
    return f"postgres://{user}@{host}:5432/{db}"


def _psql(*args: str) -> None:
    env = {
        **os.environ,
        "PGHOST": os.environ.get("PGHOST", "127.0.0.1"),
        "PGUSER": os.environ.get("PGUSER", "postgres"),
    }
    subprocess.run(list(args), check=True, env=env, capture_output=True)


def setup(db: str) -> None:
    exists = subprocess.run(
        [
            "psql",
            "-h",
            os.environ.get("PGHOST", "127.0.0.1"),
            "-U",
            os.environ.get("PGUSER", "postgres"),
            "-lqt",
        ],
        capture_output=True,
        text=True,
    ).stdout
    if not any(line.split("|")[0].strip() == db for line in exists.splitlines()):
        _psql("createdb", db)
    env = {
        **os.environ,
        "DATABASE_URL": _pg_url(db),
        "SECRET_KEY": "bench-freeze-not-secret",
        "DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "learning_platform.settings",
    }
    env.pop("REDIS_URL", None)
    t0 = time.perf_counter()
    subprocess.run(
        [PY, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    print(f"database {db} migrated in {time.perf_counter() - t0:.0f} s")
    os.environ.update(env)
    import django

    django.setup()
    clear()


def clear() -> None:
    """Remove a previous run's campaign, sessions, responses and accounts (kept databases)."""
    from django.contrib.auth import get_user_model

    from assessment.models import Campaign, Instrument, Response, Session
    from assessment.survey.models import Respondent, SurveyData

    for campaign in Campaign.objects.filter(instrument__code="bench-freeze"):
        Response.objects.filter(session__campaign=campaign)._raw_delete("default")
        SurveyData.objects.filter(campaign=campaign).delete()
        Respondent.objects.filter(campaign=campaign)._raw_delete("default")
        Session.objects.filter(campaign=campaign)._raw_delete("default")
        campaign.delete()
    Instrument.objects.filter(code="bench-freeze").delete()
    get_user_model().objects.filter(username__startswith="bench-freeze-")._raw_delete(
        "default"
    )


def build(n: int, seed: int):
    """A closed five-yearly campaign with ``n`` finished sessions; returns (campaign, rows)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from assessment.models import Campaign, Instrument, Response, Session

    rng = np.random.default_rng(seed)
    now = timezone.now()
    instrument = Instrument.objects.create(
        code="bench-freeze",
        name_zh="基准:冻结",
        kind="ability",
        domain_code="info",
        mode="booklet",
        settings={"booklets": [[1]]},
    )
    campaign = Campaign.objects.create(
        name_zh="基准:一万人调查",
        kind="five_yearly",
        instrument=instrument,
        audience="invited",
        opens_at=now - timedelta(days=90),
        closes_at=now - timedelta(days=1),
        year=2025,
    )
    User = get_user_model()  # noqa: N806
    unusable = make_password(None)
    t0 = time.perf_counter()
    users = User.objects.bulk_create(
        [
            User(username=f"bench-freeze-{k:06d}", password=unusable, is_active=False)
            for k in range(n)
        ],
        batch_size=2000,
    )
    starts = now - timedelta(days=80)
    sessions = [
        Session(
            id=uuid.uuid4(),
            user_id=u.pk,
            campaign_id=campaign.pk,
            instrument_id=instrument.pk,
            status="finished",
            consented_at=starts + timedelta(seconds=k),
            started_at=starts + timedelta(seconds=k),
            finished_at=starts + timedelta(seconds=k + 1800),
            background={
                "district_code": DISTRICTS[k % len(DISTRICTS)],
                "age_band": AGE_BANDS[int(rng.integers(len(AGE_BANDS)))],
                "sex": ("female", "male")[k % 2],
                "education": EDUCATION[int(rng.integers(len(EDUCATION)))],
                "occupation": "office",
            },
            n_answered=110,
            stop_reason="form_complete",
        )
        for k, u in enumerate(users)
    ]
    Session.objects.bulk_create(sessions, batch_size=2000)
    t_sessions = time.perf_counter() - t0
    # items: 1.. per domain, contiguous ids; each person a random subset per domain
    first, pools = 1, {}
    for d, (n_items, _per) in DOMAINS.items():
        pools[d] = np.arange(first, first + n_items)
        first += n_items
    table = Response._meta.db_table
    fields = {f.name: f.column for f in Response._meta.fields}
    columns = [
        fields[c]
        for c in (
            "session",
            "sequence",
            "item_id",
            "revision_id",
            "domain_code",
            "score",
            "seconds",
            "server_ts",
        )
    ]
    t0 = time.perf_counter()
    rows = 0
    ts = (starts + timedelta(seconds=60)).isoformat()
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3: COPY ... FROM STDIN
        buf = io.StringIO()
        for k, s in enumerate(sessions):
            seq = 0
            for d, (_n_items, per) in DOMAINS.items():
                items = rng.choice(pools[d], per, replace=False)
                scores = rng.integers(0, 2, per)
                for item, score in zip(items, scores, strict=True):
                    seq += 1
                    # item revision: most items one, every 7th item a second revision
                    revision = int(item) * 10 + (1 if (item % 7 or k % 2) else 2)
                    buf.write(
                        f"{s.id}\t{seq}\t{item}\t{revision}\t{d}\t{score}\t30.0\t{ts}\n"
                    )
                    rows += 1
            if k % 1000 == 999 or k == len(sessions) - 1:
                with raw.copy(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                ) as copy:
                    copy.write(buf.getvalue())
                buf = io.StringIO()
        cursor.execute(f"ANALYZE {table}")
        cursor.execute(f"ANALYZE {Session._meta.db_table}")
    print(
        f"built: {n} users and sessions in {t_sessions:.1f} s, {rows:,} responses by COPY "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    return campaign, rows


def plain_select(campaign) -> tuple[float, int]:
    """The same rows the freeze reads, with one plain SELECT fetched whole."""
    from django.db import connection

    from assessment.models import Response, Session

    sql = (
        f"SELECT r.session_id::text, r.item_id, r.revision_id, r.score "
        f"FROM {Response._meta.db_table} r JOIN {Session._meta.db_table} s "
        f"ON s.id = r.session_id WHERE s.campaign_id = %s AND s.status <> 'in_progress'"
    )
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, [campaign.pk])
        rows = cursor.fetchall()
    return time.perf_counter() - t0, len(rows)


def check_reader(campaign) -> None:
    """The freeze's PostgreSQL reader gives exactly ``campaign_response_matrix``'s matrix."""
    from assessment.selectors import campaign_response_matrix
    from assessment.survey.services.data import campaign_response_matrix_pg

    t0 = time.perf_counter()
    generic = campaign_response_matrix(campaign_id=campaign.pk)
    t_generic = time.perf_counter() - t0
    t0 = time.perf_counter()
    fast = campaign_response_matrix_pg(campaign, item_ids=generic.item_ids)
    t_fast = time.perf_counter() - t0
    assert fast.session_ids == generic.session_ids and fast.item_ids == generic.item_ids
    assert fast.background == generic.background
    assert np.array_equal(fast.scores, generic.scores, equal_nan=True)
    print(
        f"reader check: the freeze's reader {t_fast:.2f} s, campaign_response_matrix "
        f"{t_generic:.2f} s: identical matrices"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--respondents", type=int, default=10_000)
    parser.add_argument("--db", default="lp_bench_freeze")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--drop",
        action="store_true",
        help="drop the database afterwards (kept by default: a second run "
        "skips the migrations)",
    )
    args = parser.parse_args()
    setup(args.db)
    try:
        campaign, rows = build(args.respondents, args.seed)
        from assessment.survey.services import survey_arrays, survey_data_freeze

        t_select, n_select = plain_select(campaign)
        t0 = time.perf_counter()
        data = survey_data_freeze(campaign=campaign)
        t_freeze = time.perf_counter() - t0
        arrays, meta = survey_arrays(campaign)
        p = data.provenance
        assert p["responses"] == rows == n_select, (p["responses"], rows, n_select)
        assert p["sessions"] == args.respondents
        assert (
            sum(
                int(np.count_nonzero(~np.isnan(arrays[f"responses_{d}"])))
                for d in DOMAINS
            )
            == rows
        )
        print(
            f"plain SELECT: {n_select:,} rows in {t_select:.2f} s "
            f"({n_select / t_select:,.0f} rows/s)"
        )
        print(
            f"freeze:       {rows:,} responses of {p['sessions']:,} sessions in "
            f"{t_freeze:.2f} s ({rows / t_freeze:,.0f} rows/s); "
            f"{len(meta.get('mixed_revisions', {}))} items with two revisions; "
            f"stored {len(bytes(data.arrays)) / 1e6:.1f} MB"
        )
        print(
            f"ratio: the freeze takes {t_freeze / t_select:.1f}x the plain SELECT; "
            f"target under 20 s: {'met' if t_freeze < 20 else 'NOT met'}"
        )
        check_reader(campaign)
    finally:
        from django.db import connections

        connections.close_all()
        if args.drop:
            _psql("dropdb", "--force", "--if-exists", args.db)


if __name__ == "__main__":
    main()
