"""The PostgreSQL connection pool outlives its backends being killed.

With ``DATABASE_POOL`` on (the default for PostgreSQL) a request borrows a pooled
connection. When PostgreSQL restarts — or an operator terminates the backends — the
pooled connections are dead; Django's health check (``CONN_HEALTH_CHECKS``, which the
settings turn on beside the pool) has the pool replace them when they are borrowed, so
the next request works instead of failing with a server error.
"""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # settings only: asking for connection.pool here would build the pool on the
    # development database's name before the test database exists
    pytest.mark.skipif(
        connection.vendor != "postgresql"
        or not connection.settings_dict.get("OPTIONS", {}).get("pool"),
        reason="the connection pool is PostgreSQL's",
    ),
]


@pytest.fixture(autouse=True)
def _fresh_pool():
    """Each test starts from a pool of its minimum size: an earlier test that ran
    several threads at once grew the process's pool, and a grown pool hands out as
    many backends as it holds."""
    connection.close_pool()
    yield
    connection.close_pool()


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _terminate_pool_backends() -> int:
    """Kill every other backend of the test database, as a PostgreSQL crash would."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


def test_requests_borrow_pooled_connections():
    pids = []
    for _ in range(6):
        pids.append(_backend_pid())
        connection.close()  # the end of a request: the connection goes back to the pool
    # without a pool every request starts a backend of its own: six different pids;
    # the pool hands its few connections round in turn
    assert len(set(pids)) < len(pids), pids
    assert connection.pool.get_stats()["pool_available"] >= 1


def test_a_pool_whose_backends_were_killed_serves_the_next_request(client):
    _backend_pid()
    connection.close()
    assert _terminate_pool_backends() >= 1
    response = client.get("/api/v1/system/health")
    assert response.status_code == 200, response.content
    assert _backend_pid() > 0
