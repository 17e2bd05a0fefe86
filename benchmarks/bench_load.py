"""Load: N simulated test-takers over WebSockets and HTTP against a real ASGI server.

Half the simulees (``--http-share``) answer through the HTTP API with a bearer token,
the others through the session WebSocket with a session cookie. Each answers the item
on screen every ``--interval`` seconds (±50 % jitter) for ``--duration`` seconds,
starting a new session when one ends; after a failure it counts it and carries on.
Reported per N:

- answer latency (send → acknowledgement and next item) p50 / p95 / p99;
- the trivial endpoint on the same server in the same run (``/api/v1/system/health``
  for HTTP simulees, ``/ws/ping/`` for WebSocket ones) and the ratio;
- failures (error answers, broken connections, 60 s timeouts) and lost answers
  (acknowledged without a stored row; must be 0);
- the machine's load average before and after the level;
- the largest N in the list whose answer p95 stays within ``--p95-target`` ms with no
  failure and no loss.

The server is ``uvicorn learning_platform.asgi:application`` with ``--workers``
processes (or one ``daphne``) on the local PostgreSQL, in a fresh database dropped on
exit unless ``--db`` names one to keep; ``--redis`` puts the channel layer and cache in
that Redis database (emptied before and after). The item bank, instrument and campaign
are built by ``benchmarks/_harness.py``; the server is warmed before measuring.

Usage::

    .venv/bin/python benchmarks/bench_load.py --users 100 150 200 --duration 600 \
        [--interval 5] [--workers 2] [--server uvicorn|daphne] [--db NAME] \
        [--redis redis://127.0.0.1:6379/7] [--out var/load.csv]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# crash_test.py imports the client pieces from here.
from benchmarks._harness import (  # noqa: E402, F401
    CSRF,
    PASSWORD,
    Http,
    campaign_id,
    choose_answer,
    http_simulee,
    ms,
    new_stats,
    ratio,
    simulees,
    stack,
    stored_pairs,
    token_headers,
    users_create,
    warm,
    ws_simulee,
)


async def run_level(
    port: int, n: int, *, interval: float, duration: float, http_share: float, run: str
) -> dict:
    from asgiref.sync import sync_to_async

    people = await sync_to_async(users_create)(n, run)
    campaign = await sync_to_async(campaign_id)()
    stats = new_stats()
    until = time.monotonic() + duration
    await asyncio.gather(
        *simulees(port, people, campaign, interval, until, stats, http_share)
    )
    stored = await sync_to_async(stored_pairs)(stats["sessions"])
    stats["lost"] = len(stats["acks"] - stored)
    stats["unacked"] = len(stored - stats["acks"])
    stats["n"] = n
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, nargs="+", default=[25, 50, 100])
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--server", choices=["uvicorn", "daphne"], default="uvicorn")
    parser.add_argument("--http-share", type=float, default=0.5)
    parser.add_argument("--p95-target", type=float, default=300.0)
    parser.add_argument(
        "--db",
        default=None,
        help="a named database to use and keep (default: a fresh one, dropped)",
    )
    parser.add_argument(
        "--redis",
        default="",
        help="Redis database for channel layer and cache (emptied); default: in-memory",
    )
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--out", type=Path, default=None, help="CSV of the levels")
    args = parser.parse_args()
    if min(args.users) < 1 or args.duration <= 0 or args.interval <= 0:
        parser.error("--users must be at least 1, --duration and --interval above 0")
    workers = 1 if args.server == "daphne" else args.workers
    rows = []
    best = None
    with stack(
        db=args.db,
        prefix="lp_load",
        n_items=args.items,
        workers=workers,
        redis=args.redis or None,
        kind=args.server,
    ) as box:
        run = time.strftime("%H%M%S")
        asyncio.run(warm(box["port"], workers, f"{run}-warm"))
        print(
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {args.server} × "
            f"{workers} on PostgreSQL {box['db']}, "
            f"{'Redis ' + args.redis if args.redis else 'in-memory channel layer'}; one "
            f"answer every {args.interval:g} s ± 50 % for {args.duration:g} s; "
            f"{args.http_share:.0%} HTTP, the rest WebSocket; {os.cpu_count()} cores"
        )
        print(
            "| N | answers | failures | lost | answer p50 / p95 / p99 | trivial p50 / p95 "
            "| ratio p50 / p95 | load avg before → after |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for n in args.users:
            before = os.getloadavg()[0]
            st = asyncio.run(
                run_level(
                    box["port"],
                    n,
                    interval=args.interval,
                    duration=args.duration,
                    http_share=args.http_share,
                    run=f"{run}-{n}",
                )
            )
            after = os.getloadavg()[0]
            a = [ms(st["answer"], q) for q in (50, 95, 99)]
            t = [ms(st["trivial"], q) for q in (50, 95)]
            print(
                f"| {n} | {len(st['answer'])} | {len(st['errors'])} | {st['lost']} "
                f"| {a[0]:.0f} / {a[1]:.0f} / {a[2]:.0f} ms | {t[0]:.1f} / {t[1]:.1f} ms "
                f"| {ratio(a[0], t[0]):.1f}× / {ratio(a[1], t[1]):.1f}× "
                f"| {before:.1f} → {after:.1f} |",
                flush=True,
            )
            for error in st["errors"][:3]:
                print(f"  failure: {error}", flush=True)
            rows.append(
                {
                    "users": n,
                    "duration_s": args.duration,
                    "answers": len(st["answer"]),
                    "sessions": len(st["sessions"]),
                    "failures": len(st["errors"]),
                    "lost": st["lost"],
                    "unacknowledged_rows": st["unacked"],
                    "answer_p50_ms": round(a[0], 1),
                    "answer_p95_ms": round(a[1], 1),
                    "answer_p99_ms": round(a[2], 1),
                    "trivial_p50_ms": round(t[0], 1),
                    "trivial_p95_ms": round(t[1], 1),
                    "load_before": round(before, 2),
                    "load_after": round(after, 2),
                }
            )
            if a[1] <= args.p95_target and not st["errors"] and not st["lost"]:
                best = n
        print(
            f"largest N with p95 ≤ {args.p95_target:g} ms, no failure and no loss: {best}"
        )
    if args.out and rows:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    sys.exit(1 if any(r["lost"] for r in rows) else 0)


if __name__ == "__main__":
    main()
