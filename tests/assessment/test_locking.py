"""An answer locks its own session row only, not the campaign's or instrument's.

PostgreSQL's ``FOR UPDATE`` on a query with joins locks every joined row; the soak
(benchmarks/README.md) found every answer of a campaign queued on the campaign row.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from assessment import services
from assessment.services.sessions import session_lock
from tests.assessment.fixtures import BACKGROUND

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks are PostgreSQL's; SQLite locks the database",
    ),
]


def _locking_sql(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "FOR UPDATE" in q["sql"]]


def test_an_answer_locks_only_the_session_row(make_user, districts, adaptive_campaign):
    user = make_user()
    session, _ = services.session_start(
        user=user, campaign=adaptive_campaign, background=BACKGROUND, consent=True
    )
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        session_lock(session_id=session.pk, user=user)
    (sql,) = _locking_sql(ctx)
    assert 'FOR UPDATE OF "assessment_session"' in sql


def test_no_lock_taken_while_starting_and_answering_spreads_over_a_join(
    make_user, districts, adaptive_campaign, item_bank
):
    user = make_user()
    with CaptureQueriesContext(connection) as ctx:
        session, _ = services.session_start(
            user=user, campaign=adaptive_campaign, background=BACKGROUND, consent=True
        )
        services.response_record(
            session_id=session.pk,
            user=user,
            sequence=1,
            item_id=session.pending["item_id"],
            answer="A",
        )
    locking = _locking_sql(ctx)
    assert len(locking) >= 2
    for sql in locking:
        assert " JOIN " not in sql or "FOR UPDATE OF" in sql, sql
