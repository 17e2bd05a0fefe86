"""Soak: N simulated test-takers for an hour; memory growth and latency drift.

Simulees as in ``bench_load.py`` (half over the HTTP API with a bearer token, half over
the session WebSocket; each answers every ``--interval`` s ± 50 % and starts a new
session when one ends) run for ``--minutes`` against ``uvicorn`` (``--workers``
processes) or ``daphne`` on loopback, PostgreSQL in a fresh database
``lp_soak_<timestamp>`` (dropped on exit) and Redis database ``--redis`` (emptied
before and after) as the channel layer and cache.

Every minute one sample: the RSS of each server process (psutil if installed, else
/proc), answer latency p50 / p95 / p99 of that minute's answers, the trivial endpoint
of the same server (``/api/v1/system/health`` after an HTTP answer, ``/ws/ping/``
after a WebSocket one) p50 / p95, failures, answers acknowledged, rows stored for
them and the difference (lost; must be 0), and the machine's load average. The
samples go to a CSV (``--out``, default ``var/soak_<timestamp>.csv``). At the end:

- memory growth of the server's processes from minute 5 (minute 1 in runs shorter
  than 6 minutes) to the end, in MiB and %;
- latency drift: the least-squares slope of the per-minute p95 in ms per 10 minutes,
  and the p95 of the last 10 minutes over the p95 of the first 10 (halves of the run
  when it is shorter than 20 minutes);
- the answer / trivial-endpoint ratio over the whole run and in both windows.

Usage::

    .venv/bin/python benchmarks/bench_soak.py --users 50 --minutes 60 \
        [--interval 5] [--workers 2] [--server uvicorn|daphne] \
        [--redis redis://127.0.0.1:6379/7] [--out var/soak.csv] [--db NAME]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._harness import (  # noqa: E402
    campaign_id,
    ms,
    new_stats,
    process_rss,
    ratio,
    simulees,
    stack,
    stored_pairs,
    users_create,
    warm,
)

MIB = 1024 * 1024
FIELDS = [
    "minute",
    "utc",
    "load1",
    "load5",
    "load15",
    "server_processes",
    "rss_mib",
    "rss_per_process_mib",
    "answers",
    "answer_p50_ms",
    "answer_p95_ms",
    "answer_p99_ms",
    "trivial_p50_ms",
    "trivial_p95_ms",
    "ratio_p95",
    "failures",
    "failures_total",
    "sessions",
    "acknowledged",
    "stored",
    "lost",
]


def _sample(
    minute: int,
    answers: list[float],
    trivial: list[float],
    failures: int,
    stats: dict,
    stored: set,
    rss: dict[int, int],
    acks: set,
) -> dict:
    load = os.getloadavg()
    return {
        "minute": minute,
        "utc": time.strftime("%H:%M:%S", time.gmtime()),
        "load1": round(load[0], 2),
        "load5": round(load[1], 2),
        "load15": round(load[2], 2),
        "server_processes": len(rss),
        "rss_mib": round(sum(rss.values()) / MIB, 1),
        "rss_per_process_mib": " ".join(
            f"{pid}:{v / MIB:.1f}" for pid, v in sorted(rss.items())
        ),
        "answers": len(answers),
        "answer_p50_ms": round(ms(answers, 50), 1),
        "answer_p95_ms": round(ms(answers, 95), 1),
        "answer_p99_ms": round(ms(answers, 99), 1),
        "trivial_p50_ms": round(ms(trivial, 50), 1),
        "trivial_p95_ms": round(ms(trivial, 95), 1),
        "ratio_p95": round(ratio(ms(answers, 95), ms(trivial, 95)), 2),
        "failures": failures,
        "failures_total": len(stats["errors"]),
        "sessions": len(stats["sessions"]),
        "acknowledged": len(acks),
        "stored": len(stored),
        "lost": len(acks - stored),
    }


async def soak(box: dict, args, out_path: Path) -> tuple[list[dict], dict]:
    from asgiref.sync import sync_to_async

    run = time.strftime("s%H%M%S")
    await warm(box["port"], box["workers"], f"{run}-warm")
    people = await sync_to_async(users_create)(args.users, run)
    campaign = await sync_to_async(campaign_id)()
    stats = new_stats()
    windows: list[tuple[list[float], list[float]]] = []
    samples: list[dict] = []
    start = time.monotonic()
    until = start + args.minutes * 60
    tasks = [
        asyncio.ensure_future(c)
        for c in simulees(
            box["port"], people, campaign, args.interval, until, stats, args.http_share
        )
    ]
    print(
        f"{args.users} simulees ({args.http_share:.0%} HTTP), one answer every "
        f"{args.interval:g} s ± 50 %, {args.minutes} min; {box['kind']} × "
        f"{box['workers']} on PostgreSQL {box['db']}, Redis {box['redis']}; "
        f"samples → {out_path}",
        flush=True,
    )
    print(
        "min  utc       load1  procs  RSS MiB  answers  p50/p95/p99 ms        "
        "trivial p50/p95   fail  acked  stored  lost",
        flush=True,
    )
    with out_path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        failures_seen = 0
        try:
            for minute in range(1, args.minutes + 1):
                await asyncio.sleep(max(0.0, start + minute * 60 - time.monotonic()))
                answers, stats["answer"] = stats["answer"], []
                trivial, stats["trivial"] = stats["trivial"], []
                acks = set(stats["acks"])  # acknowledged before the rows are read
                failures = len(stats["errors"]) - failures_seen
                failures_seen += failures
                stored = await sync_to_async(stored_pairs)(set(stats["sessions"]))
                rss = process_rss(box["server"].pid)
                windows.append((answers, trivial))
                s = _sample(
                    minute, answers, trivial, failures, stats, stored, rss, acks
                )
                samples.append(s)
                writer.writerow(s)
                f.flush()
                print(
                    f"{minute:3d}  {s['utc']}  {s['load1']:5.2f}  {s['server_processes']:5d}"
                    f"  {s['rss_mib']:7.1f}  {s['answers']:7d}  {s['answer_p50_ms']:5.0f} /"
                    f" {s['answer_p95_ms']:5.0f} / {s['answer_p99_ms']:5.0f}"
                    f"   {s['trivial_p50_ms']:5.1f} / {s['trivial_p95_ms']:5.1f}"
                    f"  {failures:4d}  {s['acknowledged']:6d}  {s['stored']:6d}"
                    f"  {s['lost']:4d}",
                    flush=True,
                )
                for error in stats["errors"][failures_seen - failures :][:3]:
                    print(f"     failure: {error}", flush=True)
        finally:
            for task in tasks:
                if not task.done():
                    task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    stored = await sync_to_async(stored_pairs)(set(stats["sessions"]))
    final = {
        "acknowledged": len(stats["acks"]),
        "stored": len(stored),
        "lost": len(stats["acks"] - stored),
        "unacked": len(stored - stats["acks"]),
        "failures": stats["errors"],
        "completed": stats["completed"],
        "sessions": len(stats["sessions"]),
        "windows": windows,
    }
    return samples, final


def summary(samples: list[dict], final: dict) -> list[str]:
    """The end-of-run figures: memory growth, latency drift, trivial ratio, losses."""
    lines = []
    n = len(samples)
    if not n:
        return ["no minute completed"]
    base = samples[4] if n >= 6 else samples[0]
    last = samples[-1]
    growth = last["rss_mib"] - base["rss_mib"]
    lines.append(
        f"server RSS: {base['rss_mib']:.1f} MiB at minute {base['minute']} → "
        f"{last['rss_mib']:.1f} MiB at minute {last['minute']}: "
        f"{growth:+.1f} MiB ({ratio(growth, base['rss_mib']) * 100:+.1f} %); "
        f"processes {base['server_processes']} → {last['server_processes']}"
    )
    first_pp = dict(p.split(":") for p in base["rss_per_process_mib"].split())
    last_pp = dict(p.split(":") for p in last["rss_per_process_mib"].split())
    lines.append(
        "  per process (pid: start → end MiB): "
        + ", ".join(
            f"{pid}: {float(first_pp[pid]):.1f} → {float(v):.1f}"
            for pid, v in last_pp.items()
            if pid in first_pp
        )
    )
    minutes = np.array([s["minute"] for s in samples], dtype=float)
    p95 = np.array([s["answer_p95_ms"] for s in samples], dtype=float)
    ok = ~np.isnan(p95)
    slope = (
        float(np.polyfit(minutes[ok], p95[ok], 1)[0]) * 10
        if ok.sum() >= 2
        else float("nan")
    )
    k = 10 if n >= 20 else max(1, n // 2)
    windows = final["windows"]
    head = [x for a, _t in windows[:k] for x in a]
    tail = [x for a, _t in windows[-k:] for x in a]
    head_t = [x for _a, t in windows[:k] for x in t]
    tail_t = [x for _a, t in windows[-k:] for x in t]
    every = [x for a, _t in windows for x in a]
    every_t = [x for _a, t in windows for x in t]
    lines.append(
        f"answer p95 slope: {slope:+.1f} ms per 10 min; p95 last {k} min / first "
        f"{k} min: {ms(tail, 95):.0f} / {ms(head, 95):.0f} ms = "
        f"{ratio(ms(tail, 95), ms(head, 95)):.2f}"
    )
    lines.append(
        f"whole run: {len(every)} answers, p50 / p95 / p99 {ms(every, 50):.0f} / "
        f"{ms(every, 95):.0f} / {ms(every, 99):.0f} ms; trivial endpoint p50 / p95 "
        f"{ms(every_t, 50):.1f} / {ms(every_t, 95):.1f} ms; ratio p50 "
        f"{ratio(ms(every, 50), ms(every_t, 50)):.1f}× / p95 "
        f"{ratio(ms(every, 95), ms(every_t, 95)):.1f}×"
    )
    lines.append(
        f"ratio to the trivial endpoint, p95: first {k} min "
        f"{ratio(ms(head, 95), ms(head_t, 95)):.1f}×, last {k} min "
        f"{ratio(ms(tail, 95), ms(tail_t, 95)):.1f}×; trivial p95 first / last "
        f"{ms(head_t, 95):.1f} / {ms(tail_t, 95):.1f} ms"
    )
    loads = [s["load1"] for s in samples]
    lines.append(
        f"load average (1 min) over the samples: min {min(loads):.2f}, median "
        f"{float(np.median(loads)):.2f}, max {max(loads):.2f} on {os.cpu_count()} cores"
    )
    lines.append(
        f"sessions {final['sessions']} (finished {final['completed']}); acknowledged "
        f"{final['acknowledged']}, stored {final['stored']}, lost (acknowledged − "
        f"stored, must be 0) {final['lost']}, stored without an acknowledgement "
        f"{final['unacked']}; failures {len(final['failures'])}"
    )
    kinds: dict[str, int] = {}
    for _t, where, status, detail in final["failures"]:
        key = f"{where} {status} {detail[:80]}"
        kinds[key] = kinds.get(key, 0) + 1
    for key, count in sorted(kinds.items(), key=lambda kv: -kv[1])[:5]:
        lines.append(f"  {count} × {key}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--server", choices=["uvicorn", "daphne"], default="uvicorn")
    parser.add_argument("--http-share", type=float, default=0.5)
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/7",
        help="the Redis database of the run (emptied); '' for in-memory",
    )
    parser.add_argument(
        "--db",
        default=None,
        help="a named database to use and keep (default: a fresh one, dropped)",
    )
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.users < 1 or args.minutes < 1 or args.interval <= 0:
        parser.error("--users and --minutes must be at least 1, --interval above 0")
    workers = 1 if args.server == "daphne" else args.workers
    out = args.out or ROOT / "var" / f"soak_{time.strftime('%Y%m%d_%H%M%S')}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_before = os.getloadavg()
    with stack(
        db=args.db,
        prefix="lp_soak",
        n_items=args.items,
        workers=workers,
        redis=args.redis or None,
        kind=args.server,
    ) as box:
        samples, final = asyncio.run(soak(box, args, out))
    print(
        f"\nsoak of {started}: load average before {load_before[0]:.2f} / "
        f"{load_before[1]:.2f} / {load_before[2]:.2f}"
    )
    for line in summary(samples, final):
        print(line)
    print(f"minute samples: {out}")
    sys.exit(1 if final["lost"] else 0)


if __name__ == "__main__":
    main()
