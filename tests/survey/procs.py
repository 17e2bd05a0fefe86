"""The platform as separate processes on one SQLite file, as ``make demo`` runs it.

pytest's own test database lives in this process's memory, which another process cannot
open. Tests of what happens *between* processes (two ``db_worker`` processes and a
kill -9, a server whose in-memory channel layer cannot hear the worker) use a
:class:`ProcSite` instead: a migrated SQLite file of their own (migrated once per test
run and copied), ``manage.py`` subprocesses with the production settings and the
django-tasks database backend, and plain ``sqlite3`` reads to watch the rows.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _base_env(db: Path, lease: float) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE", "TASKS_BACKEND")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "learning_platform.settings",
            "DATABASE_URL": f"sqlite:///{db}",
            "DEBUG": "1",
            "SURVEY_JOB_LEASE_SECONDS": str(lease),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


@functools.lru_cache(maxsize=1)
def migrated_template() -> Path:
    """A SQLite file with every migration applied and the districts loaded (once per run)."""
    folder = Path(tempfile.mkdtemp(prefix="lp-procs-template-"))
    db = folder / "template.sqlite3"
    env = _base_env(db, 60)
    for args in (["migrate", "--noinput", "-v", "0"], ["load_districts", "-v", "0"]):
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=600,
        )
    return db


class ProcSite:
    """One test's copy of the migrated database and the processes running on it."""

    def __init__(self, folder: Path, *, lease: float = 3.0) -> None:
        self.folder = folder
        self.db = folder / "db.sqlite3"
        shutil.copy(migrated_template(), self.db)
        self.env = _base_env(self.db, lease)
        self.lease = lease
        self.procs: list[subprocess.Popen] = []

    # ------------------------------------------------------------ processes
    def python(self, code: str, timeout: float = 600) -> dict:
        """Run ``code`` with Django set up; it assigns ``out`` (a dict), returned as JSON."""
        script = (
            "import django, json\ndjango.setup()\nout = {}\n"
            + textwrap.dedent(code)
            + "\nprint('@@' + json.dumps(out, default=str))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise AssertionError(
                f"script failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            )
        line = [x for x in done.stdout.splitlines() if x.startswith("@@")][-1]
        return json.loads(line[2:])

    def manage(self, *args: str, timeout: float = 120) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise AssertionError(
                f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}"
            )
        return done.stdout

    def start(self, *args: str, name: str) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        proc.log_path = self.folder / f"{name}.log"  # type: ignore[attr-defined]
        self.procs.append(proc)
        return proc

    def worker(self, name: str) -> subprocess.Popen:
        return self.start(
            "db_worker",
            "--queue-name",
            "*",
            "--no-reload",
            "--interval",
            "0.2",
            "--no-startup-delay",
            "--worker-id",
            name,
            "-v",
            "1",
            name=name,
        )

    def server(self) -> str:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.start("runserver", f"127.0.0.1:{port}", "--noreload", name="server")
        url = f"http://127.0.0.1:{port}"
        until = time.monotonic() + 60
        while time.monotonic() < until:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return url
            except OSError:
                time.sleep(0.2)
        raise AssertionError("the server did not start: " + self.tail("server"))

    def tail(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text()[-3000:] if path.exists() else ""

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)  # as Ctrl-C in `make demo`
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    # ------------------------------------------------------------ rows
    def job(self, job_id: str) -> dict:
        """The job's row, read straight from the file (no Django in this process)."""
        con = sqlite3.connect(self.db, timeout=20)
        try:
            con.row_factory = sqlite3.Row
            row = con.execute(
                "SELECT * FROM survey_job WHERE id = ?", (uuid.UUID(job_id).hex,)
            ).fetchone()
            return dict(row) if row is not None else {}
        finally:
            con.close()

    def wait_job(self, job_id: str, predicate, timeout: float, what: str) -> dict:
        until = time.monotonic() + timeout
        while True:
            row = self.job(job_id)
            if row and predicate(row):
                return row
            if time.monotonic() > until:
                raise AssertionError(
                    f"job {job_id} never {what}; last {row}\n"
                    + "\n".join(
                        self.tail(p.log_path.stem)  # type: ignore
                        for p in self.procs
                    )
                )
            time.sleep(0.1)


SEED_SURVEY = """
from assessment.survey import demo
from tests.survey.conftest import make_campaign

campaign = make_campaign(year={year}, code="procs-{year}")
demo.simulate_and_store(campaign, n_sample={n_sample}, seed=11)
out["campaign_id"] = campaign.pk
"""
