"""The credit bank at Shanghai's size: a hundredth and a tenth of the city, measured in one run.

Issue 22's budgets: the account page p95 under 100 ms at a tenth of the city (550,000
accounts, about 11 million ledger entries), and within 1.5× of the same page at a
hundredth: per account, the cost must not grow with the size of the bank.

    .venv/bin/python benchmarks/creditbank_scale.py                 # 0.01 then 0.1 (baseline: 0.01)
    .venv/bin/python benchmarks/creditbank_scale.py --scales 0.001 0.01 --samples 100   # quick
    .venv/bin/python benchmarks/creditbank_scale.py --scales 0.01 1 --keep   # the whole city

For each scale the script makes a PostgreSQL database of its own (``lp_bench_creditbank_*``
on 127.0.0.1:5432, copied from a migrated template named by a digest of the migrations), fills it with
``benchmarks/creditbank_gen.py`` (``COPY``), then measures in a fresh process:

- the account page (``/creditbank/``) and the account API (``/api/v1/creditbank/account``),
  and the ledger API and the data download, through Django's full handler stack
  (``DEBUG=0``, production settings, the citizen logged in) for randomly drawn citizens,
  each once (p50 / p95 / max and the queries per request);
- ledger appends per second: ``--writers`` processes each entering outcomes for random
  accounts through ``services.outcome_enter`` (an outcome and the awards its rules give);
- the daily expiry job (``services.credits_expire`` for today; rolled back after timing);
- the district counts that feed the indicators (``selectors.account_counts_by_district``);
- ``EXPLAIN (ANALYZE, BUFFERS)`` of the queries behind each of them.

The databases are dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
PY = str(ROOT / ".venv" / "bin" / "python")
HOST = "127.0.0.1"
PREFIX = "lp_bench_creditbank"
PAGE_BUDGET_MS = 100.0
RATIO_BUDGET = 1.5


def env_for(db: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"postgres://postgres@{HOST}:5432/{db}",
            "SECRET_KEY": "bench-creditbank-not-secret",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            "DJANGO_SETTINGS_MODULE": "learning_platform.settings",
            "SECURE_SSL_REDIRECT": "0",
            "LOG_LEVEL": "WARNING",
        }
    )
    env.pop("REDIS_URL", None)
    return env


def psql(sql: str, db: str = "postgres") -> str:
    return subprocess.run(
        ["psql", "-h", HOST, "-U", "postgres", "-d", db, "-tAq", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def db_exists(db: str) -> bool:
    return psql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'") == "1"


def drop(db: str) -> None:
    psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def template(name: str) -> None:
    """A migrated database with the districts, copied for each scale."""
    if db_exists(name):
        return
    print(f"migrating the template database {name} …", flush=True)
    psql(f'CREATE DATABASE "{name}"')
    try:
        for command in (["migrate", "-v0"], ["load_districts", "-v0"]):
            subprocess.run(
                [PY, "manage.py", *command], cwd=ROOT, env=env_for(name), check=True
            )
    except BaseException:
        drop(name)
        raise


def migrations_digest() -> str:
    """Eight hex digits naming the project's migrations: a template migrated by another
    checkout (or before a new migration) is not reused, and not dropped by this run."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("**/migrations/0*.py")):
        if ".venv" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


def tag(scale: float) -> str:
    return f"{scale:g}".replace(".", "_")


# --------------------------------------------------------------------------- the child


def _setup() -> None:
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


def _explain(label: str, queryset_or_sql, params=None) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of a queryset or of raw SQL, printed under a heading."""
    from django.db import connection

    if isinstance(queryset_or_sql, str):
        with connection.cursor() as cursor:
            cursor.execute(
                "EXPLAIN (ANALYZE, BUFFERS) " + queryset_or_sql, params or []
            )
            plan = "\n".join(row[0] for row in cursor.fetchall())
    else:
        plan = queryset_or_sql.explain(analyze=True, buffers=True)
    print(f"\n--- EXPLAIN (ANALYZE, BUFFERS): {label}\n{_shorten(plan)}", flush=True)
    return plan


def _shorten(plan: str, width: int = 400) -> str:
    """The plan with long literal lists (the expiry job's candidate ids) cut short."""
    return "\n".join(
        line if len(line) <= width else f"{line[:width]}… ({len(line):,} characters)"
        for line in plan.splitlines()
    )


def _time_requests(client, users, url: str, *, check=None) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries, sizes = [], [], []
    for user in users:
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url, secure=True)
            body = (
                response.getvalue()
                if hasattr(response, "getvalue")
                else response.content
            )
            elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{url} for {user.username}: HTTP {response.status_code}")
        if check:
            check(user, response)
        times.append(elapsed)
        queries.append(len(captured))
        sizes.append(len(body))
    return {
        "p50": _pct(times, 0.5),
        "p95": _pct(times, 0.95),
        "max": max(times),
        "n": len(times),
        "queries_max": max(queries),
        "queries_min": min(queries),
        "bytes_median": statistics.median(sizes),
    }


def _sample_users(n: int, seed: int):
    """Citizens with an open account, drawn uniformly from the whole id range."""
    from learning_platform.accounts.models import User
    from learning_platform.creditbank.models import LearningAccount

    bounds = LearningAccount.objects.filter(user__username__startswith="cb").order_by(
        "pk"
    )
    low, high = (
        bounds.values_list("pk", flat=True).first(),
        bounds.values_list("pk", flat=True).last(),
    )
    rng = random.Random(seed)
    picked: list[int] = []
    while len(picked) < n:
        ids = [rng.randint(low, high) for _ in range(n * 2)]
        picked.extend(
            LearningAccount.objects.filter(pk__in=ids, status="open").values_list(
                "user_id", flat=True
            )[: n - len(picked)]
        )
    return list(User.objects.filter(pk__in=picked))


def child(args) -> None:
    _setup()
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from benchmarks import creditbank_gen as gen
    from learning_platform.accounts.services import user_create
    from learning_platform.creditbank import selectors, services
    from learning_platform.creditbank.models import CreditEntry, LearningAccount

    result: dict = {"scale": args.scale}
    today = timezone.localdate()
    if not LearningAccount.objects.filter(user__username__startswith="cb").exists():
        started = time.perf_counter()

        def progress(done, total, ctx):
            print(
                f"  {done:,}/{total:,} accounts, {ctx.counts.get('creditbank_creditentry', 0):,} "
                f"ledger entries, {time.perf_counter() - started:.0f} s",
                flush=True,
            )

        ctx = gen.load(
            connection, scale=args.scale, today=today, seed=args.seed, progress=progress
        )
        loaded = time.perf_counter() - started
        gen.vacuum_analyze(connection)
        result["load_s"] = loaded
        result["load_and_vacuum_s"] = time.perf_counter() - started
        result["rows"] = ctx.counts
        print(
            f"loaded {sum(ctx.counts.values()):,} rows in {loaded:.0f} s "
            f"({result['load_and_vacuum_s']:.0f} s with VACUUM ANALYZE): {ctx.counts}",
            flush=True,
        )
        if args.check:
            problems = gen.consistency_problems(connection, today=today)
            print(f"consistency: {problems or 'all checks hold'}", flush=True)
            result["consistency"] = problems
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database())), "
            "(SELECT COUNT(*) FROM creditbank_learningaccount), "
            "(SELECT COUNT(*) FROM creditbank_creditentry)"
        )
        size, accounts, entries = cursor.fetchone()
    result.update(db_size=size, accounts=accounts, entries=entries)
    print(
        f"database {settings.DATABASES['default']['NAME']}: {size}, {accounts:,} accounts, "
        f"{entries:,} ledger entries",
        flush=True,
    )

    # --- pages and API, each citizen once
    users = _sample_users(args.samples + 10, args.seed)
    client = Client()
    _time_requests(client, users[:10], "/creditbank/")  # warm the process, not the rows
    users = users[10:]
    rows = {
        "account page": "/creditbank/",
        "account API": "/api/v1/creditbank/account",
        "ledger API (first page)": "/api/v1/creditbank/credits",
        "data download (JSON)": "/creditbank/my-data.json",
    }
    result["requests"] = {}
    for label, url in rows.items():
        stats = _time_requests(client, users, url)
        result["requests"][label] = stats
        print(
            f"{label:26s} p50 {stats['p50']:7.1f} ms  p95 {stats['p95']:7.1f} ms  "
            f"max {stats['max']:7.1f} ms  queries {stats['queries_min']}–{stats['queries_max']}",
            flush=True,
        )

    # --- EXPLAIN of the account page's queries, for one sampled account
    account = LearningAccount.objects.get(user=users[0])
    print(
        f"\nthe plans below are for account {account.pk} "
        f"({account.credit_entries.count()} ledger entries)",
        flush=True,
    )
    _explain(
        "account page: latest ledger entries",
        selectors.credit_entries_for_account(account=account).order_by(
            "-created_at", "-pk"
        )[:20],
    )
    _explain(
        "account page: outcomes with their scores",
        account.outcomes.filter(revoked_at__isnull=True).order_by("achieved_on", "pk"),
    )
    _explain(
        "data download: the whole ledger of the account",
        selectors.credit_entries_for_account(account=account).order_by("pk"),
    )

    # --- district counts (feed 市民在学分银行的开户数)
    admin = user_create(
        username=f"bench-admin-{os.getpid()}",
        password="bench-Pass-2026",
        roles=["administrator"],
    )
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        counts = selectors.account_counts_by_district(user=admin, year=today.year)
        times.append((time.perf_counter() - start) * 1000)
    result["district_counts_ms"] = statistics.median(times)
    result["district_counts_total"] = sum(r.accounts for r in counts)
    print(
        f"\ndistrict counts ({len(counts)} districts, {result['district_counts_total']:,} accounts "
        f"open): median {result['district_counts_ms']:.0f} ms of {args.repeats}",
        flush=True,
    )
    _explain("district counts", selectors.account_counts_queryset(year=today.year))
    # a district officer's count: one district, along cb_account_district_open
    own = [LearningAccount.objects.values_list("district_id", flat=True).first()]
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        list(selectors.account_counts_queryset(year=today.year, district_ids=own))
        times.append((time.perf_counter() - start) * 1000)
    result["district_count_one_ms"] = statistics.median(times)
    print(
        f"district count of one district: median {result['district_count_one_ms']:.1f} ms",
        flush=True,
    )
    _explain(
        "district count of one district (a district officer)",
        selectors.account_counts_queryset(year=today.year, district_ids=own),
    )

    # --- the daily expiry job, rolled back so the next measurement sees the same bank
    due = services.awards_due_to_expire(today=today, since=services.expiry_last_run())
    _explain("expiry job: the awards due today", due)
    before = CreditEntry.objects.count()
    start = time.perf_counter()
    with transaction.atomic():
        written = services.credits_expire(today=today)
        elapsed = time.perf_counter() - start
        transaction.set_rollback(True)
    result["expiry"] = {
        "seconds": elapsed,
        "entries": len(written),
        "ms_per_entry": elapsed * 1000 / max(1, len(written)),
    }
    print(
        f"\nexpiry job for {today}: {len(written):,} expiry entries in {elapsed:.2f} s "
        f"({result['expiry']['ms_per_entry']:.2f} ms each; rolled back)",
        flush=True,
    )
    assert CreditEntry.objects.count() == before

    # --- appends with concurrent writers
    institution = user_create(
        username=f"bench-inst-{os.getpid()}",
        password="bench-Pass-2026",
        roles=["institution"],
        display_name="基准测试机构",
    )
    result["appends"] = {}
    for writers in args.writers:
        first = CreditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
        start_at = time.time() + 3
        procs = [
            subprocess.Popen(
                [
                    PY,
                    __file__,
                    "--writer",
                    "--db",
                    args.db,
                    "--seconds",
                    str(args.append_seconds),
                    "--start-at",
                    str(start_at),
                    "--institution",
                    str(institution.pk),
                    "--seed",
                    str(args.seed + 1000 * writers + i),
                ],
                env=env_for(args.db),
                stdout=subprocess.PIPE,
                text=True,
            )
            for i in range(writers)
        ]
        outs = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
        appended = CreditEntry.objects.filter(pk__gt=first).count()
        wall = max(o["seconds"] for o in outs)
        latencies = sorted(x for o in outs for x in o["latencies_ms"])
        result["appends"][writers] = {
            "entries": appended,
            "outcomes": sum(o["outcomes"] for o in outs),
            "seconds": wall,
            "entries_per_s": appended / wall,
            "outcome_p95_ms": _pct(latencies, 0.95),
            "errors": sum(o["errors"] for o in outs),
        }
        a = result["appends"][writers]
        print(
            f"appends, {writers} writer(s): {a['entries']:,} ledger entries ({a['outcomes']:,} "
            f"outcomes) in {wall:.1f} s = {a['entries_per_s']:.0f} entries/s; one outcome_enter "
            f"p95 {a['outcome_p95_ms']:.1f} ms; {a['errors']} errors",
            flush=True,
        )
    sample = CreditEntry.objects.filter(pk__gt=first).order_by("pk").first()
    if sample is not None:
        _explain(
            "append: cap check of one award (entries of the account, rule and period)",
            CreditEntry.objects.filter(
                account_id=sample.account_id,
                rule_id=sample.rule_id,
                period_key=sample.period_key,
            ).exclude(kind="expiry"),
        )
    print("RESULT " + json.dumps(result, default=str), flush=True)


def writer(args) -> None:
    """One writer process: enter outcomes for random open accounts until the time is up."""
    _setup()
    from django.db import connection

    from learning_platform.accounts.models import User
    from learning_platform.creditbank.models import LearningAccount
    from learning_platform.creditbank.services import outcome_enter

    institution = User.objects.get(pk=args.institution)
    rng = random.Random(args.seed)
    bounds = LearningAccount.objects.filter(user__username__startswith="cb").order_by(
        "pk"
    )
    low = bounds.values_list("pk", flat=True).first()
    high = bounds.values_list("pk", flat=True).last()
    numbers = list(
        LearningAccount.objects.filter(
            pk__in=[rng.randint(low, high) for _ in range(5000)], status="open"
        ).values_list("number", flat=True)
    )
    connection.close()
    kinds = [
        "course",
        "venue_learning",
        "certificate",
        "vocational_certificate",
        "degree_credits",
    ]
    while time.time() < args.start_at:
        time.sleep(0.01)
    start = time.perf_counter()
    latencies, errors, i = [], 0, 0
    while time.perf_counter() - start < args.seconds:
        i += 1
        t = time.perf_counter()
        try:
            outcome_enter(
                entered_by=institution,
                account_number=rng.choice(numbers),
                kind=rng.choice(kinds),
                title="基准测试课程",
                achieved_on=date.today() - timedelta(days=rng.randint(0, 900)),
                source_ref=f"bench-writer:{args.seed}:{i}",
                evidence_ref=f"证书编号 W{args.seed}-{i}",
            )
        except Exception as exc:  # noqa: BLE001 - counted and reported
            errors += 1
            if errors < 3:
                print(f"writer error: {exc!r}", file=sys.stderr)
        latencies.append((time.perf_counter() - t) * 1000)
    print(
        json.dumps(
            {
                "outcomes": i - errors,
                "errors": errors,
                "seconds": time.perf_counter() - start,
                "latencies_ms": latencies,
            }
        )
    )


# --------------------------------------------------------------------------- the parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scales",
        type=float,
        nargs="+",
        default=[0.01, 0.1],
        help="fractions of the city; the first is the baseline of the ratios",
    )
    parser.add_argument(
        "--samples", type=int, default=200, help="citizens per request row"
    )
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--append-seconds", type=float, default=15.0)
    parser.add_argument(
        "--repeats", type=int, default=5, help="runs of the district counts"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--check",
        action="store_true",
        help="run the consistency checks on the generated rows (slow at 0.1)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    # internal
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--writer", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--institution", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.writer:
        writer(args)
        return 0
    if args.child:
        child(args)
        return 0

    tpl = f"{PREFIX}_template_{migrations_digest()}"
    template(tpl)
    # production settings serve hashed static names from the manifest
    subprocess.run(
        [PY, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env_for(tpl),
        check=True,
    )
    results = []
    databases = [tpl]
    try:
        for scale in args.scales:
            db = f"{PREFIX}_{tag(scale)}"
            databases.append(db)
            if not (args.keep and db_exists(db)):
                drop(db)
                psql(f'CREATE DATABASE "{db}" TEMPLATE "{tpl}"')
            print(f"\n===== scale {scale:g}: database {db}", flush=True)
            command = [
                PY,
                __file__,
                "--child",
                "--db",
                db,
                "--scale",
                str(scale),
                "--samples",
                str(args.samples),
                "--repeats",
                str(args.repeats),
                "--append-seconds",
                str(args.append_seconds),
                "--seed",
                str(args.seed),
                "--writers",
                *map(str, args.writers),
            ]
            if args.check:
                command.append("--check")
            proc = subprocess.Popen(
                command, env=env_for(db), stdout=subprocess.PIPE, text=True, cwd=ROOT
            )
            result = None
            for line in proc.stdout:
                if line.startswith("RESULT "):
                    result = json.loads(line[7:])
                else:
                    print(line, end="", flush=True)
            if proc.wait() != 0 or result is None:
                print(f"scale {scale:g} failed", file=sys.stderr)
                return 1
            results.append(result)
    finally:
        if not args.keep:
            for db in databases:
                drop(db)
    report(results)
    return 0


def report(results: list[dict]) -> None:
    base = results[0]
    print("\n===== summary (ratio: each scale against the first, measured in this run)")
    header = " | ".join(
        f"{r['scale']:g} ({r['accounts']:,} accounts, {r['entries']:,} entries)"
        for r in results
    )
    print(f"| measure | {header} | ratio |")

    def row(label, values, fmt="{:.1f}"):
        ratio = values[-1] / values[0] if values[0] else float("nan")
        print(
            f"| {label} | "
            + " | ".join(fmt.format(v) for v in values)
            + f" | {ratio:.2f}× |"
        )

    for label in base["requests"]:
        row(f"{label} p95 ms", [r["requests"][label]["p95"] for r in results])
        row(f"{label} p50 ms", [r["requests"][label]["p50"] for r in results])
        row(
            f"{label} queries",
            [r["requests"][label]["queries_max"] for r in results],
            "{:.0f}",
        )
    for writers in base["appends"]:
        row(
            f"ledger appends/s, {writers} writer(s)",
            [r["appends"][writers]["entries_per_s"] for r in results],
            "{:.0f}",
        )
    row("expiry job s", [r["expiry"]["seconds"] for r in results], "{:.2f}")
    row("expiry entries written", [r["expiry"]["entries"] for r in results], "{:.0f}")
    row("expiry ms per entry", [r["expiry"]["ms_per_entry"] for r in results], "{:.2f}")
    row("district counts ms", [r["district_counts_ms"] for r in results], "{:.0f}")
    row(
        "district count, one district ms",
        [r["district_count_one_ms"] for r in results],
        "{:.1f}",
    )
    page = [r["requests"]["account page"]["p95"] for r in results]
    ok_budget = page[-1] < PAGE_BUDGET_MS
    ok_ratio = page[-1] <= RATIO_BUDGET * page[0]
    print(
        f"\naccount page p95 at {results[-1]['scale']:g}: {page[-1]:.1f} ms "
        f"(budget {PAGE_BUDGET_MS:.0f} ms: {'met' if ok_budget else 'NOT met'}); "
        f"{page[-1] / page[0]:.2f}× the {base['scale']:g} figure "
        f"(budget {RATIO_BUDGET}×: {'met' if ok_ratio else 'NOT met'})"
    )


if __name__ == "__main__":
    sys.exit(main())
