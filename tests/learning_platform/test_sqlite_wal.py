"""The embedded SQLite database runs in WAL mode with a busy timeout."""

from __future__ import annotations

import threading

import pytest
from django.db.backends.sqlite3.base import DatabaseWrapper

from learning_platform.env import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    env_database,
    sqlite_options,
)


@pytest.fixture(autouse=True)
def _own_connections(django_db_blocker):
    """These tests open their own SQLite files, outside the test database."""
    with django_db_blocker.unblock():
        yield


def _open(path) -> DatabaseWrapper:
    config = env_database("LP_TEST_UNSET_DATABASE_URL", default=f"sqlite:///{path}")
    config.setdefault("OPTIONS", {}).update(sqlite_options())
    config.update(
        {
            "TIME_ZONE": None,
            "CONN_HEALTH_CHECKS": False,
            "AUTOCOMMIT": True,
            "ATOMIC_REQUESTS": False,
            "CONN_MAX_AGE": 0,
            "TEST": {},
        }
    )
    return DatabaseWrapper(config, alias="wal-check")


def test_a_sqlite_connection_is_in_wal_mode_with_a_busy_timeout(tmp_path):
    connection = _open(tmp_path / "db.sqlite3")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == SQLITE_BUSY_TIMEOUT_SECONDS * 1000
    connection.close()


def test_a_reader_is_not_locked_out_while_a_writer_holds_its_transaction(tmp_path):
    """A worker's open write transaction does not make a web read fail."""
    path = tmp_path / "db.sqlite3"
    writer = _open(path)
    with writer.cursor() as cursor:
        cursor.execute("CREATE TABLE t (n integer)")
        cursor.execute("INSERT INTO t VALUES (1)")
    writer.set_autocommit(False)
    with writer.cursor() as cursor:
        cursor.execute("INSERT INTO t VALUES (2)")  # held, uncommitted
    result = {}

    def read():
        reader = _open(path)
        with reader.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM t")
            result["n"] = cursor.fetchone()[0]
        reader.close()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join(timeout=10)
    writer.commit()
    writer.close()
    assert result == {"n": 1}
