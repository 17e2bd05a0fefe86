"""Admin pages on the demo data: p50/p95 per page against a trivial page in the same run.

Goal (issue 17): every admin page answers in under 500 ms at p95 on the demo data, and the
published report's PDF renders in under 2 s.

    .venv/bin/python benchmarks/bench_admin_pages.py                 # var/db.sqlite3, built if absent
    .venv/bin/python benchmarks/bench_admin_pages.py --db /tmp/demo.sqlite3 -n 20
    DATABASE_URL=postgres:///lp_demo .venv/bin/python benchmarks/bench_admin_pages.py

It uses an existing demo database (``DATABASE_URL``, or the SQLite file given by ``--db``),
or builds one with ``migrate`` + ``demo_setup`` when the database has no demo users. The
requests go through Django's full handler stack (middleware, sessions, templates) in this
process with ``DEBUG=0``, logged in as the demo researcher; a login is itself a timed row.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PASSWORD = "demo-pass-2026"


def _setup(db: str | None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learning_platform.settings")
    os.environ.setdefault("SECRET_KEY", "bench-admin-pages-not-secret")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if db and "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(db).resolve()}"
    import warnings

    import django

    warnings.filterwarnings(
        "ignore", message="No directory at"
    )  # static files are not served here

    django.setup()


def _ensure_demo() -> None:
    from django.conf import settings
    from django.core.management import call_command

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        # production settings serve hashed static names from the manifest
        call_command("collectstatic", "--noinput", verbosity=0)
    from django.db.utils import OperationalError, ProgrammingError

    try:
        from learning_platform.accounts.models import User

        if User.objects.filter(username="researcher").exists():
            call_command("migrate", verbosity=0)
            return
    except (OperationalError, ProgrammingError):
        pass
    print(
        "no demo data found: building it (migrate + demo_setup, a few minutes) …",
        flush=True,
    )
    call_command("migrate", verbosity=0)
    call_command("demo_setup", stdout=open(os.devnull, "w"))  # noqa: SIM115


def _pages() -> list[tuple[str, str, str]]:
    """(label, method, url) of the pages to time; ids come from the demo data."""
    from django.urls import reverse

    from cms.models import SurveyReportPage
    from itembank.models import Item, ItemParameterSet

    item = Item.objects.order_by("pk").first()
    pset = (
        ItemParameterSet.objects.filter(is_active=True).first()
        or ItemParameterSet.objects.first()
    )
    pages = [
        ("trivial: login form (GET)", "GET", reverse("login")),
        ("admin home", "GET", reverse("wagtailadmin_home")),
        ("item listing", "GET", reverse("wagtailsnippets_itembank_item:list")),
        (
            "item edit",
            "GET",
            reverse("wagtailsnippets_itembank_item:edit", args=[item.pk]),
        ),
        ("item detail", "GET", reverse("itembank_admin:item_detail", args=[item.pk])),
        ("item bank overview (Wright map)", "GET", reverse("itembank_admin:overview")),
        (
            "parameter-set listing",
            "GET",
            reverse("wagtailsnippets_itembank_itemparameterset:list"),
        ),
    ]
    if pset is not None:
        pages.append(
            (
                "parameter set detail",
                "GET",
                reverse("itembank_admin:parameter_set", args=[pset.pk]),
            )
        )
    report = SurveyReportPage.objects.live().first()
    if report is not None:
        pages.append(("report page", "GET", report.url))
        pages.append(("report PDF", "GET", reverse("cms:report_pdf", args=[report.pk])))
    return pages


def _time(client, method: str, url: str, n: int) -> tuple[list[float], int]:
    times = []
    status = 0
    for _ in range(n):
        start = time.perf_counter()
        response = client.generic(method, url, secure=True)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        times.append((time.perf_counter() - start) * 1000)
        status = response.status_code
    return times, status


def _p(values: list[float], q: float) -> float:
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return values[k]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db",
        default=str(ROOT / "var" / "db.sqlite3"),
        help="SQLite demo database when DATABASE_URL is not set",
    )
    parser.add_argument(
        "-n", type=int, default=15, help="requests per page (default 15)"
    )
    args = parser.parse_args()
    _setup(args.db)
    _ensure_demo()

    from django.test import Client

    client = Client()
    # the login: a POST of the demo researcher's credentials, timed n times
    login_times = []
    # Once per user ever: the first login re-hashes a PBKDF2 password with Argon2id.
    client.post(
        "/accounts/login/",
        {"username": "researcher", "password": PASSWORD},
        secure=True,
    )
    for _ in range(args.n):
        client.logout()
        start = time.perf_counter()
        response = client.post(
            "/accounts/login/",
            {"username": "researcher", "password": PASSWORD},
            secure=True,
        )
        login_times.append((time.perf_counter() - start) * 1000)
    if response.status_code not in (200, 302) or "_auth_user_id" not in client.session:
        print(f"login failed: HTTP {response.status_code}")
        return 1

    rows = [("login (POST)", 302, login_times)]
    for label, method, url in _pages():
        client.get(url, secure=True)  # warm caches and template loaders once
        times, status = _time(client, method, url, args.n)
        rows.append((label, status, times))

    # The report PDF is drawn once per published revision and language (by the worker when
    # the report is published), kept in the private storage and cached: time a download by a
    # web process whose cache is cold, and the drawing itself as the worker does it.
    from django.core.cache import cache

    pdf_rows = [r for r in rows if r[0] == "report PDF"]
    if pdf_rows:
        from django.urls import reverse

        from cms import exports
        from cms.models import SurveyReportPage

        page = SurveyReportPage.objects.live().first()
        url = reverse("cms:report_pdf", args=[page.pk])
        cold, draws = [], []
        for _ in range(max(3, args.n // 5)):
            cache.clear()
            start = time.perf_counter()
            response = client.get(url, secure=True)
            cold.append((time.perf_counter() - start) * 1000)
        rows.append(("report PDF (cold cache, stored)", response.status_code, cold))
        for _ in range(max(3, args.n // 5)):
            start = time.perf_counter()
            exports.report_pdf(page=page)
            draws.append((time.perf_counter() - start) * 1000)
        rows.append(("report PDF (drawing, on the worker)", 200, draws))

    baseline = _p(rows[1][2], 0.5)
    print(f"{'page':<34} {'HTTP':>4} {'p50 ms':>8} {'p95 ms':>8} {'× trivial p50':>14}")
    worst = 0.0
    for label, status, times in rows:
        p50, p95 = _p(times, 0.5), _p(times, 0.95)
        print(
            f"{label:<34} {status:>4} {p50:>8.1f} {p95:>8.1f} {p50 / baseline:>14.1f}"
        )
        if "PDF" not in label and not label.startswith("trivial"):
            worst = max(worst, p95)
    print(f"worst admin p95: {worst:.0f} ms (goal < 500 ms); n={args.n} per page")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
