"""The survey simulator: a survey delivered to simulated citizens, with known truth.

A tool for demos, tests and benchmarks, kept apart from the production modules:
nothing in ``assessment.survey`` outside this package imports it (the demo set-up and
the ``simulate_survey`` command do). It writes through the same services a real
campaign uses (design, invitations, delivery rows, the freeze).

- :mod:`.booklets`: the items, their blocks and booklets, and the survey instrument;
- :mod:`.needs`: the learning-needs questionnaire's simulated answers;
- :mod:`.delivery`: the simulated delivery and :func:`survey_simulate`;
- :mod:`.truth`: the population model and the recovery of a roll-up against it;
- :mod:`.rows`: fast row writing (results, timestamps, raw inserts).
"""

from __future__ import annotations

from assessment.survey.simulation.booklets import (
    DICHOTOMOUS_KINDS,
    ITEMS_PER_BLOCK,
    N_BLOCKS,
    NEEDS_CORE,
    SURVEY_NEEDS_AREAS,
    BookletPlan,
    SurveyItem,
    booklet_plan,
    instrument_ensure,
)
from assessment.survey.simulation.delivery import (
    CHUNK,
    SimulationResult,
    survey_simulate,
)
from assessment.survey.simulation.needs import needs_answers, simulate_needs_likert
from assessment.survey.simulation.truth import (
    ABILITY_DOMAINS,
    AGE_BANDS,
    BAR_COVERED,
    BAR_RMSE_MEAN,
    BAR_RMSE_SHARE,
    EDUCATION_BY_AGE,
    OCCUPATION_BY_AGE,
    OCCUPATIONS,
    RESPONSE_RATE,
    SEXES,
    DomainRecovery,
    TruthModel,
    survey_recovery,
    true_district_figures,
)

__all__ = [
    "ABILITY_DOMAINS",
    "AGE_BANDS",
    "BAR_COVERED",
    "BAR_RMSE_MEAN",
    "BAR_RMSE_SHARE",
    "CHUNK",
    "DICHOTOMOUS_KINDS",
    "EDUCATION_BY_AGE",
    "ITEMS_PER_BLOCK",
    "N_BLOCKS",
    "NEEDS_CORE",
    "OCCUPATIONS",
    "OCCUPATION_BY_AGE",
    "RESPONSE_RATE",
    "SEXES",
    "SURVEY_NEEDS_AREAS",
    "BookletPlan",
    "DomainRecovery",
    "SimulationResult",
    "SurveyItem",
    "TruthModel",
    "booklet_plan",
    "instrument_ensure",
    "needs_answers",
    "simulate_needs_likert",
    "survey_recovery",
    "survey_simulate",
    "true_district_figures",
]
