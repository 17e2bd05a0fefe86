"""The read-replica router on a real PostgreSQL primary and a ``pg_basebackup -R`` standby.

The fixture starts a pair of clusters of its own (``initdb``, then ``pg_basebackup -R``)
in a temporary directory on free loopback ports, and stops them after: the suite's
database is not involved. Marked reads go to the replica, writes and unmarked reads to
the primary; a replica that lags or is stopped sends marked reads back to the primary
without a failed call, and is used again once it is back.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections, models, transaction
from django.test import override_settings
from django.test.utils import isolate_apps

from benchmarks.cluster import (
    PG_BIN,
    pg_ctl,
    pg_pair_down,
    pg_pair_up,
    pg_sql,
    replica_caught_up,
)
from learning_platform.db_router import (
    ReplicaRouter,
    read_replica,
    replica_health,
    replica_health_forget,
)

ROOT = Path(__file__).resolve().parents[2]
PRIMARY, REPLICA, DB = "pair_primary", "pair_replica", "routertest"

POSTGRES_ONLY = (
    "PostgreSQL only: needs initdb and pg_basebackup (PostgreSQL 15 server binaries)"
)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_caught_up(replica: int, primary: int, seconds: float = 20) -> None:
    """Wait until the replica has replayed everything the primary has written so far.

    The replica's own "received = replayed" is not enough: it holds trivially while the
    newest WAL is still on its way from the primary. The target is the primary's insert
    position, not its write position: the pair runs with ``synchronous_commit=off``, so a
    commit record may still sit in the WAL buffers, unsent.
    """
    target = pg_sql(primary, "SELECT pg_current_wal_insert_lsn()", DB)
    deadline = time.monotonic() + seconds
    while not (
        replica_caught_up(replica, DB)
        and pg_sql(
            replica, f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn", DB
        )
        == "t"
    ):
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def pair(django_db_blocker):
    if connection.vendor != "postgresql" or not (PG_BIN / "pg_basebackup").exists():
        pytest.skip(POSTGRES_ONLY)
    base = Path(tempfile.mkdtemp(prefix="lp-pgpair-"))
    ports = {"primary": _free_port(), "replica": _free_port()}
    try:
        pg_pair_up(base, ports["primary"], ports["replica"], fast=True, databases=(DB,))
        pg_sql(
            ports["primary"],
            "CREATE TABLE scale_probe (id bigserial PRIMARY KEY, name text NOT NULL)",
            DB,
        )
        _wait_caught_up(ports["replica"], ports["primary"])
        for alias, port in ((PRIMARY, ports["primary"]), (REPLICA, ports["replica"])):
            settings.DATABASES[alias] = {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": DB,
                "USER": "postgres",
                "HOST": "127.0.0.1",
                "PORT": port,
                "OPTIONS": {"connect_timeout": 2},
            }
        connections.configure_settings(settings.DATABASES)
        router = ReplicaRouter(primary=PRIMARY, replica=REPLICA)
        with (
            django_db_blocker.unblock(),
            override_settings(
                DATABASE_ROUTERS=[router],
                DATABASE_REPLICA_MAX_LAG=3600,
                DATABASE_REPLICA_CHECK_SECONDS=0.2,
            ),
        ):
            yield {"base": base, **ports}
            for alias in (PRIMARY, REPLICA):
                connections[alias].close()
    finally:
        for alias in (PRIMARY, REPLICA):
            settings.DATABASES.pop(alias, None)
            with contextlib.suppress(AttributeError, KeyError):
                del connections[alias]
        replica_health_forget()
        pg_pair_down(base)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def Probe():  # noqa: N802 - a model class
    with isolate_apps("learning_platform.districts"):

        class Probe(models.Model):
            name = models.TextField()

            class Meta:
                app_label = "districts"
                db_table = "scale_probe"
                managed = False

            def __str__(self) -> str:
                return self.name

        yield Probe


@pytest.fixture
def replay_paused(pair):
    """Stop the replica replaying WAL (it still receives it), as a busy standby would lag."""
    pg_sql(pair["replica"], "SELECT pg_wal_replay_pause()", DB)
    yield
    pg_sql(pair["replica"], "SELECT pg_wal_replay_resume()", DB)
    _wait_caught_up(pair["replica"], pair["primary"])


def _names(qs) -> set[str]:
    return set(qs.values_list("name", flat=True))


def test_writes_go_to_the_primary_and_reach_the_replica(pair, Probe):
    with read_replica():  # even inside a mark: the replica is read-only
        row = Probe.objects.create(name="written")
    assert row._state.db == PRIMARY
    assert (
        pg_sql(
            pair["primary"], "SELECT name FROM scale_probe WHERE name = 'written'", DB
        )
        == "written"
    )
    _wait_caught_up(pair["replica"], pair["primary"])
    assert pg_sql(pair["replica"], "SELECT pg_is_in_recovery()", DB) == "t"
    assert (
        pg_sql(
            pair["replica"],
            "SELECT count(*) FROM scale_probe WHERE name = 'written'",
            DB,
        )
        == "1"
    )


def test_marked_reads_go_to_the_replica_and_others_to_the_primary(
    pair, Probe, replay_paused
):
    replica_health_forget()
    Probe.objects.create(name="only-on-primary")  # the paused replica never replays it
    assert Probe.objects.db_manager(PRIMARY).filter(name="only-on-primary").exists()

    with read_replica():
        marked = _names(Probe.objects.all())
    unmarked = _names(Probe.objects.using(PRIMARY).all())
    assert "only-on-primary" not in marked  # read on the replica
    assert "only-on-primary" in unmarked
    assert Probe.objects.all().db == "default"  # unmarked: the primary's alias

    @read_replica()
    def report() -> list[str]:
        return sorted(Probe.objects.values_list("name", flat=True))

    assert "only-on-primary" not in report()


def test_a_marked_read_inside_a_transaction_reads_its_own_write(
    pair, Probe, replay_paused
):
    replica_health_forget()
    with transaction.atomic(using=PRIMARY), read_replica():
        Probe.objects.create(name="in-transaction")
        assert "in-transaction" in _names(Probe.objects.all())


def test_a_lagging_replica_sends_marked_reads_to_the_primary(
    pair, Probe, replay_paused
):
    Probe.objects.create(name="after-the-pause")
    with override_settings(DATABASE_REPLICA_MAX_LAG=0.5):
        replica_health_forget()
        time.sleep(1.0)  # the replica now lags more than 0.5 s
        with read_replica():
            names = _names(Probe.objects.all())
        health = replica_health(REPLICA)
    assert "after-the-pause" in names  # answered by the primary
    assert not health.usable and "lags" in health.reason


def test_a_stopped_replica_costs_no_failed_read_and_is_used_again(pair, Probe):
    _wait_caught_up(pair["replica"], pair["primary"])
    Probe.objects.create(name="before-the-stop")
    _wait_caught_up(pair["replica"], pair["primary"])

    @read_replica()
    def names() -> set[str]:
        return _names(Probe.objects.all())

    with override_settings(DATABASE_REPLICA_CHECK_SECONDS=3600):
        replica_health_forget()
        assert "before-the-stop" in names()
        assert replica_health(REPLICA).usable  # checked and cached as well
        pg_ctl(pair["base"] / "replica", "stop", mode="immediate")
        # The cached check still says "usable": the call meets the dead replica, and
        # is run again on the primary instead of failing.
        assert "before-the-stop" in names()
        assert not replica_health(REPLICA).usable
        with read_replica():
            assert "before-the-stop" in _names(
                Probe.objects.all()
            )  # straight to the primary

    pg_ctl(pair["base"] / "replica", "start", pair["replica"])
    _wait_caught_up(pair["replica"], pair["primary"])
    replica_health_forget()
    with read_replica():
        assert Probe.objects.all().db == REPLICA


# ------------------------------------------------------------------ settings


def _settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE")}
    clean.update(
        {"DEBUG": "1", "DJANGO_SETTINGS_MODULE": "learning_platform.settings", **env}
    )
    code = (
        "import learning_platform.settings as s; "
        "print(sorted(s.DATABASES), getattr(s, 'DATABASE_ROUTERS', []))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
    )


PG = "postgres://postgres@127.0.0.1:5432/lp"


def test_without_a_replica_url_nothing_changes():
    out = _settings({"DATABASE_URL": PG})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['default'] []"


def test_a_replica_url_adds_the_alias_and_the_router():
    out = _settings(
        {"DATABASE_URL": PG, "DATABASE_REPLICA_URL": PG.replace("5432", "5433")}
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == (
        "['default', 'replica'] ['learning_platform.db_router.ReplicaRouter']"
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"DATABASE_REPLICA_MAX_LAG": "soon"},
            "DATABASE_REPLICA_MAX_LAG='soon' is not a number",
        ),
        (
            {"DATABASE_REPLICA_MAX_LAG": "-1"},
            "DATABASE_REPLICA_MAX_LAG=-1 must be at least 0",
        ),
        (
            {"DATABASE_REPLICA_CHECK_SECONDS": "0"},
            "DATABASE_REPLICA_CHECK_SECONDS=0 must be at least",
        ),
        (
            {"DATABASE_REPLICA_URL": "mysql://h/lp"},
            "DATABASE_REPLICA_URL must be a URL",
        ),
        (
            {"DATABASE_REPLICA_URL": "sqlite:////tmp/x.sqlite3"},
            "DATABASE_REPLICA_URL must be a postgres:// URL",
        ),
        (
            {"DATABASE_URL": "sqlite:////tmp/x.sqlite3", "DATABASE_REPLICA_URL": PG},
            "DATABASE_URL is not PostgreSQL",
        ),
        (
            {"DATABASE_REPLICA_URL": PG, "DATABASE_REPLICA_CONNECT_TIMEOUT": "x"},
            "DATABASE_REPLICA_CONNECT_TIMEOUT='x' is not a whole number",
        ),
    ],
)
def test_bad_replica_settings_stop_start_up_by_name(env, message):
    out = _settings({"DATABASE_URL": PG, **env})
    assert out.returncode != 0
    assert message in out.stderr
