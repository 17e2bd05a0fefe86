"""Survey statistics: sample design, weights, replicate weights, estimates, suppression.

Plain numpy/scipy; the workflow that stores samples and weights lives in ``assessment``.
"""

from psychometrics.survey.background import background_design
from psychometrics.survey.design import (
    SampleDesign,
    Strata,
    allocate,
    inclusion_probabilities,
    largest_remainder,
    select_sample,
)
from psychometrics.survey.estimates import (
    RubinResult,
    SurveyEstimate,
    estimate_level_percentages,
    estimate_mean,
    estimate_percentage,
    estimate_sd,
    estimate_total,
    group_weighted_sums,
    rubin_combine,
)
from psychometrics.survey.levels import (
    ProficiencyLevels,
    level_index,
    levels_by_domain,
)
from psychometrics.survey.needs import (
    NEEDS_AREAS,
    SimulatedNeeds,
    estimate_needs_shares,
    estimate_satisfaction_index,
    needs_arrays_from,
    satisfaction_scores,
    simulate_needs,
)
from psychometrics.survey.org_sample import (
    OrganisationSample,
    allocate_with_floor,
    draw_organisation_sample,
)
from psychometrics.survey.poststratify import (
    EmptyCellError,
    PostStratification,
    poststratify,
)
from psychometrics.survey.replicates import (
    ReplicateWeights,
    jk2_replicate_weights,
    jk2_zones,
    replicate_variance,
)
from psychometrics.survey.suppression import (
    Suppression,
    recoverable_cells,
    suppress_cells,
)
from psychometrics.survey.weights import (
    Margin,
    RakingReport,
    RakingResult,
    base_weights,
    margin_totals,
    nonresponse_adjust,
    rake,
)

__all__ = [
    "OrganisationSample",
    "allocate_with_floor",
    "draw_organisation_sample",
    "EmptyCellError",
    "PostStratification",
    "poststratify",
    "NEEDS_AREAS",
    "SimulatedNeeds",
    "estimate_needs_shares",
    "estimate_satisfaction_index",
    "needs_arrays_from",
    "satisfaction_scores",
    "simulate_needs",
    "Margin",
    "ProficiencyLevels",
    "RakingReport",
    "RakingResult",
    "ReplicateWeights",
    "RubinResult",
    "SampleDesign",
    "Strata",
    "Suppression",
    "SurveyEstimate",
    "allocate",
    "background_design",
    "base_weights",
    "estimate_level_percentages",
    "estimate_mean",
    "estimate_percentage",
    "estimate_sd",
    "estimate_total",
    "group_weighted_sums",
    "inclusion_probabilities",
    "jk2_replicate_weights",
    "jk2_zones",
    "largest_remainder",
    "level_index",
    "levels_by_domain",
    "margin_totals",
    "nonresponse_adjust",
    "rake",
    "recoverable_cells",
    "replicate_variance",
    "rubin_combine",
    "select_sample",
    "suppress_cells",
]
