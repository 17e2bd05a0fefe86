"""Sympson–Hetter exposure control of an adaptive instrument, derived by simulation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import DeliveryMode, Instrument
from assessment.services.instruments import exposure_control_build
from assessment.services.selection import (
    instrument_adaptive_settings,
    pool_for_instrument,
)
from psychometrics.cat import simulate_cat, sympson_hetter_calibrate


@dataclass(frozen=True)
class ExposureCalibration:
    """What calibrating an instrument's exposure control did."""

    instrument_code: str
    parameter_set_id: int | None
    n_items: int
    n_simulees: int
    target_rate: float
    method_before: str
    max_exposure_before: float
    max_exposure_after: float
    n_iter: int
    n_controlled: int

    def __repr__(self) -> str:
        return (
            f"ExposureCalibration({self.instrument_code}: max exposure "
            f"{self.max_exposure_before:.3f} ({self.method_before}) -> "
            f"{self.max_exposure_after:.3f}, target {self.target_rate:.2f}, "
            f"{self.n_controlled}/{self.n_items} items controlled)"
        )

    def lines(self) -> list[str]:
        return [
            f"instrument {self.instrument_code}, parameter set {self.parameter_set_id}",
            f"pool {self.n_items} items, {self.n_simulees} simulees, "
            f"target rate {self.target_rate:.2f}",
            f"max exposure before ({self.method_before}): {self.max_exposure_before:.3f}",
            f"max exposure after (sympson_hetter): {self.max_exposure_after:.3f} "
            f"after {self.n_iter} simulation(s)",
            f"items with K < 1: {self.n_controlled}",
        ]


def instrument_exposure_calibrate(
    *,
    instrument: Instrument,
    target_rate: float = 0.25,
    n_simulees: int = 2000,
    seed: int = 0,
) -> ExposureCalibration:
    """Derive Sympson–Hetter parameters for the instrument and store them in its settings.

    Simulees drawn from N(0, 1) take the instrument's adaptive test (its pool on the
    active parameter set, stopping rule, selection rule and content targets), first
    with its present exposure control (the "before" figure), then through
    ``psychometrics.cat.sympson_hetter_calibrate``. ``settings.exposure`` becomes
    ``{"method": "sympson_hetter", "k_params": {item id: K}}`` with the simulation's
    provenance (parameter set, target, simulees, seed, time, max exposure).
    """
    if instrument.mode != DeliveryMode.ADAPTIVE:
        raise ValidationError(
            {"instrument": _("Only an adaptive instrument has exposure control.")}
        )
    if not 0 < target_rate <= 1:
        raise ValidationError({"target_rate": _("The target rate must lie in (0, 1].")})
    if not 100 <= n_simulees <= 100_000:
        raise ValidationError(
            {"n_simulees": _("The number of simulees must be between 100 and 100000.")}
        )
    try:
        pool = pool_for_instrument(instrument)
    except ValueError:
        raise ValidationError(
            {"instrument": _("This adaptive test has no calibrated items yet.")}
        ) from None
    conf = instrument_adaptive_settings(instrument)
    options = {
        "se_target": conf["se_target"],
        "max_length": conf["max_length"],
        "min_length": conf["min_length"],
        "rule": conf["rule"],
        "blueprint": pool.blueprint,
    }
    thetas = np.random.default_rng(seed).standard_normal(n_simulees)
    current = conf["exposure"] or {}
    before = simulate_cat(
        pool.bank,
        thetas,
        exposure=exposure_control_build(current, pool),
        rng=seed,
        **options,
    )
    result = sympson_hetter_calibrate(
        pool.bank, thetas, target_rate, rng=seed + 1, **options
    )
    k = result.exposure.k_params
    spec = {
        "method": "sympson_hetter",
        "k_params": {
            str(i): round(float(v), 6) for i, v in zip(pool.item_ids, k, strict=True)
        },
        "target_rate": float(target_rate),
        "parameter_set_id": pool.parameter_set_id,
        "n_simulees": int(n_simulees),
        "seed": int(seed),
        "max_exposure": round(float(result.max_exposure), 6),
        "calibrated_at": timezone.now().isoformat(),
    }
    with transaction.atomic():
        locked = Instrument.objects.select_for_update().get(pk=instrument.pk)
        locked.settings = {**(locked.settings or {}), "exposure": spec}
        locked.save(update_fields=["settings"])
    instrument.settings = locked.settings
    return ExposureCalibration(
        instrument_code=instrument.code,
        parameter_set_id=pool.parameter_set_id,
        n_items=len(pool.item_ids),
        n_simulees=int(n_simulees),
        target_rate=float(target_rate),
        method_before=str(current.get("method") or "none"),
        max_exposure_before=float(before.max_exposure),
        max_exposure_after=float(result.max_exposure),
        n_iter=int(result.n_iter),
        n_controlled=int((k < 1).sum()),
    )
