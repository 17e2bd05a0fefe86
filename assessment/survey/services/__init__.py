"""State changes of the survey, by concern.

- :mod:`.designs`: population counts and sample designs;
- :mod:`.invitations`: one-time codes of a design (issue, redeem);
- :mod:`.data`: the campaign's respondent data (the freeze of delivered sessions);
- :mod:`.levels`: cut scores and proficiency levels;
- :mod:`.review`: the gate that refuses scoring, roll-up and publication on parameters
  not yet approved, and the approval itself;
- :mod:`.publication`: publishing a roll-up and feeding the district indicators;
- :mod:`.jobs`: creating, enqueueing and cancelling survey jobs;
- :mod:`.results`: the rows the jobs produce (weights, calibrations, scores, roll-ups).

The public names are re-exported here, so ``from assessment.survey.services import X``
and ``services.X`` keep working; helpers private to a module stay there.
"""

from __future__ import annotations

from assessment.survey.models import Calibration, ScoreSet, WeightSet
from assessment.survey.services.data import (
    freeze_refusal,
    survey_arrays,
    survey_data_freeze,
    survey_data_from_delivery,
    survey_data_latest,
    survey_data_store,
)
from assessment.survey.services.designs import (
    ADULT_SHARE,
    AGE_SHARES,
    EDUCATION_ORDER,
    SEX_SHARES,
    design_create,
    design_from_allocation,
    population_counts,
)
from assessment.survey.services.invitations import (
    invitation_code_hash,
    invitation_redeem,
    invitations_issue,
    invitations_redeem,
)
from assessment.survey.services.jobs import job_cancel, job_create, job_start
from assessment.survey.services.levels import cut_scores_set, levels_for
from assessment.survey.services.publication import (
    ATTAINMENT_ITEM,
    SATISFACTION_ITEM,
    indicators_feed,
    rollup_publish,
)
from assessment.survey.services.results import (
    calibration_parameter_set_link,
    calibration_store,
    rollup_store,
    score_set_store,
    weight_set_store,
)
from assessment.survey.services.review import (
    calibration_approve,
    calibration_evidence_store,
    calibration_require_approved,
    job_review_precheck,
    rollup_require_approved,
)

__all__ = [
    "ADULT_SHARE",
    "AGE_SHARES",
    "ATTAINMENT_ITEM",
    "Calibration",
    "EDUCATION_ORDER",
    "SATISFACTION_ITEM",
    "SEX_SHARES",
    "ScoreSet",
    "WeightSet",
    "invitation_code_hash",
    "calibration_approve",
    "calibration_evidence_store",
    "calibration_require_approved",
    "job_review_precheck",
    "rollup_require_approved",
    "cut_scores_set",
    "design_create",
    "design_from_allocation",
    "indicators_feed",
    "invitation_redeem",
    "invitations_issue",
    "invitations_redeem",
    "job_cancel",
    "job_create",
    "job_start",
    "levels_for",
    "population_counts",
    "rollup_publish",
    "freeze_refusal",
    "survey_arrays",
    "survey_data_freeze",
    "survey_data_from_delivery",
    "survey_data_latest",
    "survey_data_store",
    "calibration_parameter_set_link",
    "calibration_store",
    "rollup_store",
    "score_set_store",
    "weight_set_store",
]
