"""Check districts' figures against the targets the seeds set: pure, no database.

A target reads items (by code) through a formula of the framework's grammar
(``formulas.py``) and compares the result with its threshold. The result is
``met``, ``missed`` or ``no_data`` (an input missing, or a division by zero). The
callers (selectors) give it the stored and computed values; pages word the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from learning_platform.indicators import formulas

MET = "met"
MISSED = "missed"
NO_DATA = "no_data"

GTE = "gte"
NOT_BELOW_LAST_YEAR = "not_below_last_year"
COMPARISONS = (GTE, NOT_BELOW_LAST_YEAR)


@dataclass(frozen=True)
class TargetSpec:
    code: str
    name_zh: str
    formula: str
    comparison: str
    threshold: Decimal
    unit: str = ""
    source_zh: str = ""
    quote_zh: str = ""


@dataclass(frozen=True)
class TargetResult:
    target: TargetSpec
    status: str  # met | missed | no_data
    value: Decimal | None = None
    previous: Decimal | None = None
    missing: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"<TargetResult {self.target.code}: {self.status} value={self.value}>"


def _value(
    spec: TargetSpec, values: Mapping[str, Decimal | None]
) -> tuple[Decimal | None, tuple[str, ...]]:
    def lookup(code: str) -> Decimal:
        value = values.get(code)
        if value is None:
            raise formulas.NotComputable("missing", missing=(code,))
        return Decimal(value)

    try:
        return formulas.evaluate(formulas.parse(spec.formula), lookup).quantize(
            Decimal("0.0001")
        ), ()
    except formulas.NotComputable as exc:
        return None, exc.missing


def target_evaluate(
    spec: TargetSpec,
    values: Mapping[str, Decimal | None],
    *,
    previous: Mapping[str, Decimal | None] | None = None,
) -> TargetResult:
    """Evaluate one target on one district-year's values (and last year's, for growth)."""
    if spec.comparison not in COMPARISONS:
        raise ValueError(
            f"Unknown comparison {spec.comparison!r} in target {spec.code}"
        )
    value, missing = _value(spec, values)
    if value is None:
        return TargetResult(spec, NO_DATA, missing=missing)
    if spec.comparison == GTE:
        return TargetResult(spec, MET if value >= spec.threshold else MISSED, value)
    before, missing = _value(spec, previous or {})
    if before is None:
        return TargetResult(spec, NO_DATA, value, missing=missing)
    return TargetResult(spec, MET if value >= before else MISSED, value, before)


def targets_evaluate(
    specs: Iterable[TargetSpec],
    values_by_key: Mapping[tuple[str, int], Mapping[str, Decimal | None]],
) -> dict[tuple[str, int], list[TargetResult]]:
    """Evaluate every target for every (district code, year) given; last year comes from the same map."""
    specs = list(specs)
    return {
        (district, year): [
            target_evaluate(s, values, previous=values_by_key.get((district, year - 1)))
            for s in specs
        ]
        for (district, year), values in values_by_key.items()
    }
