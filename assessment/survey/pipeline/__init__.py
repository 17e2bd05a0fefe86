"""The survey pipeline on plain arrays: weights, calibration, plausible values, roll-up.

Nothing here touches the database, so the jobs (``tasks.py``), the benchmark and the tests
run the same code. Each stage takes a ``progress(fraction, stage)`` callable; it may raise
:class:`Cancelled` to stop the stage (the jobs do that when a researcher cancels).

The stages live in their own modules and are re-exported here, so callers write
``pipeline.compute_weights``, ``pipeline.rollup`` and so on:

- :mod:`~assessment.survey.pipeline.base`: ``Progress``, ``Cancelled`` and the defaults;
- :mod:`~assessment.survey.pipeline.weighting`: base weights, non-response, raking, JK2;
- :mod:`~assessment.survey.pipeline.scaling`: linked calibration and plausible values;
- :mod:`~assessment.survey.pipeline.evidence`: fit, DIF, linking error and drift for review;
- :mod:`~assessment.survey.pipeline.rollups`: district and city cells, needs, linking errors;
- :mod:`~assessment.survey.pipeline.suppression`: which cells are withheld.
"""

from assessment.survey.pipeline.base import (
    N_DRAWS,
    N_REPLICATES,
    SUPPRESSION_THRESHOLD,
    Cancelled,
    Progress,
    span,
)
from assessment.survey.pipeline.evidence import calibration_evidence, district_group
from assessment.survey.pipeline.rollups import (
    NeedsArrays,
    change_se,
    needs_cells,
    rollup,
)
from assessment.survey.pipeline.scaling import (
    CalibrationResult,
    ScoreResult,
    calibrate,
    params_from_json,
    params_to_json,
    score,
)
from assessment.survey.pipeline.suppression import Atoms, apply_suppression, atoms_of
from assessment.survey.pipeline.weighting import (
    WeightsResult,
    compute_poststratified_weights,
    compute_weights,
    stratum_labels,
)

__all__ = [
    "N_DRAWS",
    "N_REPLICATES",
    "SUPPRESSION_THRESHOLD",
    "Atoms",
    "CalibrationResult",
    "Cancelled",
    "NeedsArrays",
    "Progress",
    "ScoreResult",
    "WeightsResult",
    "apply_suppression",
    "atoms_of",
    "calibrate",
    "calibration_evidence",
    "change_se",
    "compute_poststratified_weights",
    "compute_weights",
    "district_group",
    "needs_cells",
    "params_from_json",
    "params_to_json",
    "rollup",
    "score",
    "span",
    "stratum_labels",
]
