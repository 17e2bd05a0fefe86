"""Fast row writing for the delivered survey simulation: results, timestamps, raw inserts.

The simulation writes some 800,000 responses for a 10,000-person survey; these helpers
keep that within a couple of minutes on SQLite while storing every value the way the
delivery models store it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from django.utils import timezone

from assessment import items as bank
from assessment.models import Session
from psychometrics import estimate_ability
from psychometrics.survey import level_index

if TYPE_CHECKING:
    from assessment.survey.simulation.booklets import BookletPlan


def levels_by_domain(plan: BookletPlan) -> dict[str, list]:
    out = {}
    for d in plan.ability_ids:
        out[d] = sorted(bank.domain_levels(d), key=lambda lv: lv.order)
    return out


def level_code(levels: list, theta: float) -> str:
    """Return the code of the level ``theta`` reaches (levels lowest first)."""
    if not levels:
        return ""
    cuts = [float(lv.min_theta) for lv in levels[1:]]
    return levels[int(level_index([theta], cuts)[0])].code


def result_rows(
    plan: BookletPlan,
    sessions: list[Session],
    scores: Mapping[int, np.ndarray],
    chunk: range,
    levels: Mapping[str, list],
) -> list[tuple]:
    """Per session and main domain the EAP and SE with the active set, as delivery scores
    a closed session (``session_score``): rows for :class:`RowWriter` of ``Result``."""

    rows: list[tuple] = []
    now = timezone.now()
    pset = plan.parameter_set_id
    booklet_items = [set(b) for b in plan.booklets]
    idx = np.asarray(chunk)
    for d, ids in plan.ability_ids.items():
        x = np.column_stack([scores[i][idx] for i in ids]).astype(float)
        for r, s in enumerate(sessions):
            x[r, [i not in booklet_items[s.booklet] for i in ids]] = np.nan
        est = estimate_ability(x, plan.params[d], method="eap")
        for r, s in enumerate(sessions):
            th = float(est.theta[r])
            rows.append(
                (
                    s.id,
                    d,
                    th,
                    float(est.se[r]),
                    level_code(levels[d], th),
                    pset,
                    int((~np.isnan(x[r])).sum()),
                    {},
                    now,
                )
            )
    if plan.needs_ids:
        x = np.column_stack([scores[i][idx] for i in plan.needs_ids]).astype(float)
        for r, s in enumerate(sessions):
            x[r, [i not in booklet_items[s.booklet] for i in plan.needs_ids]] = np.nan
        est = estimate_ability(x, plan.params["needs"], method="eap")
        for r, s in enumerate(sessions):
            rows.append(
                (
                    s.id,
                    "needs",
                    float(est.theta[r]),
                    float(est.se[r]),
                    "",
                    pset,
                    int((~np.isnan(x[r])).sum()),
                    {},
                    now,
                )
            )
    return rows


def db_times(origin: datetime, seconds: np.ndarray) -> list:
    """``origin + seconds`` as the database stores a ``DateTimeField`` value.

    SQLite keeps naive UTC text (what ``adapt_datetimefield_value`` writes), made here in
    one vectorised call; other databases take aware datetimes as they are.
    """
    from django.db import connection

    if connection.vendor != "sqlite":
        return [origin + timedelta(seconds=float(t)) for t in seconds]
    base = np.datetime64(origin.astimezone(UTC).replace(tzinfo=None), "us")
    stamps = base + np.round(np.asarray(seconds) * 1e6).astype("timedelta64[us]")
    return [t.replace("T", " ") for t in np.datetime_as_string(stamps, unit="us")]


class RowWriter:
    """INSERT many rows of a model with one ``executemany`` per batch.

    ``bulk_create`` compiles every value of every row through the ORM, which on SQLite
    costs more than the insert itself (about 5,000 responses a second here). This
    writer prepares each column the way the field does (``get_db_prep_save``) but only
    where the database needs it — dates, JSON and foreign keys, remembering repeated
    values — and leaves plain numbers and strings as they are. Rows are tuples in
    ``field_names`` order, with Python values; columns named in ``prepared`` already hold
    the database's form (see :func:`db_times`).
    """

    def __init__(
        self,
        model,
        field_names: Sequence[str],
        *,
        prepared: Sequence[str] = (),
        batch_size: int = 20_000,
    ):
        from django.db import connection, models

        self.connection = connection
        self.fields = [model._meta.get_field(n) for n in field_names]
        qn = connection.ops.quote_name
        self.sql = (
            f"INSERT INTO {qn(model._meta.db_table)} "
            f"({', '.join(qn(f.column) for f in self.fields)}) "
            f"VALUES ({', '.join(['%s'] * len(self.fields))})"
        )
        plain = (
            models.IntegerField,
            models.FloatField,
            models.CharField,
            models.TextField,
        )
        self.convert: list[Callable | None] = []
        for f in self.fields:
            if f.name in prepared or (isinstance(f, plain) and not f.is_relation):
                self.convert.append(None)
            elif isinstance(f, models.DateTimeField):
                self.convert.append(connection.ops.adapt_datetimefield_value)
            else:
                self.convert.append(self._memo(f))
        self.batch_size = batch_size

    def _memo(self, f) -> Callable:
        import json

        cache: dict[str, Any] = {}

        def prep(value: Any) -> Any:
            key = json.dumps(value, sort_keys=True, default=str)
            if key not in cache:
                if len(cache) > 50_000:
                    cache.clear()
                cache[key] = f.get_db_prep_save(value, self.connection)
            return cache[key]

        return prep

    def insert(self, rows: Sequence[tuple]) -> int:
        conv = list(enumerate(self.convert))
        prepared = [
            tuple(
                v if c is None else c(v) for (_k, c), v in zip(conv, row, strict=True)
            )
            for row in rows
        ]
        with self.connection.cursor() as cursor:
            for lo in range(0, len(prepared), self.batch_size):
                cursor.executemany(self.sql, prepared[lo : lo + self.batch_size])
        return len(prepared)
