"""Item calibration by marginal maximum likelihood (Bock–Aitkin EM).

Estimators follow scikit-learn: parameters in ``__init__``, ``fit`` returns ``self``,
results end in ``_``. See :class:`MMLCalibrator` for the shared options.
"""

from ._em import CalibrationCancelled
from ._estimators import (
    GeneralizedPartialCredit,
    GradedResponse,
    ItemStandardErrors,
    MMLCalibrator,
    Rasch,
    ThreePL,
    TwoPL,
)

__all__ = [
    "CalibrationCancelled",
    "GeneralizedPartialCredit",
    "GradedResponse",
    "ItemStandardErrors",
    "MMLCalibrator",
    "Rasch",
    "ThreePL",
    "TwoPL",
]
