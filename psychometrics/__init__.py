"""IRT engine of the lifelong-learning assessment platform.

Plain Python on numpy, scipy, scikit-learn and girth: never Django, so researchers can
use it from a notebook or the command line.

The public names below are loaded on first use (PEP 562), so ``import psychometrics``
costs almost nothing and scipy or scikit-learn are imported only by the parts that use
them: a command-line calibration does not pay for scikit-learn's start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# name -> (module, attribute); attribute None: the module itself
_EXPORTS: dict[str, tuple[str, str | None]] = {
    "ConvergenceWarning": ("psychometrics._validation", "ConvergenceWarning"),
    "NotFittedError": ("psychometrics._validation", "NotFittedError"),
    "ResponseError": ("psychometrics._validation", "ResponseError"),
    "CalibrationCancelled": ("psychometrics.calibration", "CalibrationCancelled"),
    "GeneralizedPartialCredit": (
        "psychometrics.calibration",
        "GeneralizedPartialCredit",
    ),
    "GradedResponse": ("psychometrics.calibration", "GradedResponse"),
    "ItemStandardErrors": ("psychometrics.calibration", "ItemStandardErrors"),
    "MMLCalibrator": ("psychometrics.calibration", "MMLCalibrator"),
    "Rasch": ("psychometrics.calibration", "Rasch"),
    "ThreePL": ("psychometrics.calibration", "ThreePL"),
    "TwoPL": ("psychometrics.calibration", "TwoPL"),
    "MODELS": ("psychometrics.irt", "MODELS"),
    "ItemParameters": ("psychometrics.irt", "ItemParameters"),
    "category_probabilities": ("psychometrics.irt", "category_probabilities"),
    "item_information": ("psychometrics.irt", "item_information"),
    "log_likelihood": ("psychometrics.irt", "log_likelihood"),
    "normal_quadrature": ("psychometrics.irt", "normal_quadrature"),
    "test_information": ("psychometrics.irt", "test_information"),
    "AbilityEstimate": ("psychometrics.scoring", "AbilityEstimate"),
    "SumScoreTable": ("psychometrics.scoring", "SumScoreTable"),
    "estimate_ability": ("psychometrics.scoring", "estimate_ability"),
    "summed_score_table": ("psychometrics.scoring", "summed_score_table"),
    "TwoStageDesign": ("psychometrics.simulate", "TwoStageDesign"),
    "booklet_design": ("psychometrics.simulate", "booklet_design"),
    "mst_bank": ("psychometrics.simulate", "mst_bank"),
    "random_item_parameters": ("psychometrics.simulate", "random_item_parameters"),
    "simulate_responses": ("psychometrics.simulate", "simulate_responses"),
    "two_stage_design": ("psychometrics.simulate", "two_stage_design"),
    "LatentRegression": ("psychometrics.plausible", "LatentRegression"),
    "PlausibleValues": ("psychometrics.plausible", "PlausibleValues"),
    "plausible_values": ("psychometrics.plausible", "plausible_values"),
    "ProficiencyLevels": ("psychometrics.survey", "ProficiencyLevels"),
    "ReplicateWeights": ("psychometrics.survey", "ReplicateWeights"),
    "SurveyEstimate": ("psychometrics.survey", "SurveyEstimate"),
    "estimate_mean": ("psychometrics.survey", "estimate_mean"),
    "estimate_percentage": ("psychometrics.survey", "estimate_percentage"),
    "jk2_replicate_weights": ("psychometrics.survey", "jk2_replicate_weights"),
    "rake": ("psychometrics.survey", "rake"),
    "rubin_combine": ("psychometrics.survey", "rubin_combine"),
    "suppress_cells": ("psychometrics.survey", "suppress_cells"),
    "CATBank": ("psychometrics.cat", "CATBank"),
    "CATSimulationReport": ("psychometrics.cat", "CATSimulationReport"),
    "CATState": ("psychometrics.cat", "CATState"),
    "Randomesque": ("psychometrics.cat", "Randomesque"),
    "StopDecision": ("psychometrics.cat", "StopDecision"),
    "SympsonHetter": ("psychometrics.cat", "SympsonHetter"),
    "cat_replay": ("psychometrics.cat", "cat_replay"),
    "cat_start": ("psychometrics.cat", "cat_start"),
    "cat_update": ("psychometrics.cat", "cat_update"),
    "select_next_item": ("psychometrics.cat", "select_next_item"),
    "should_stop": ("psychometrics.cat", "should_stop"),
    "simulate_cat": ("psychometrics.cat", "simulate_cat"),
    "sympson_hetter_calibrate": ("psychometrics.cat", "sympson_hetter_calibrate"),
    "ClassicalStatistics": ("psychometrics.classical", "ClassicalStatistics"),
    "classical_statistics": ("psychometrics.classical", "classical_statistics"),
    "cronbach_alpha": ("psychometrics.classical", "cronbach_alpha"),
    "dif_by_group": ("psychometrics.dif", "dif_by_group"),
    "logistic_dif": ("psychometrics.dif", "logistic_dif"),
    "mantel_haenszel_dif": ("psychometrics.dif", "mantel_haenszel_dif"),
    "dimensionality_check": ("psychometrics.fit", "dimensionality_check"),
    "item_fit": ("psychometrics.fit", "item_fit"),
    "lord_wingersky": ("psychometrics.fit", "lord_wingersky"),
    "person_fit": ("psychometrics.fit", "person_fit"),
    "s_x2": ("psychometrics.fit", "s_x2"),
    "LinkingResult": ("psychometrics.linking", "LinkingResult"),
    "link": ("psychometrics.linking", "link"),
    "transform_parameters": ("psychometrics.linking", "transform_parameters"),
    "transform_theta": ("psychometrics.linking", "transform_theta"),
    "survey": ("psychometrics.survey", None),
    "cat": ("psychometrics.cat", None),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    try:
        module_name, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(
            f"module 'psychometrics' has no attribute {name!r}"
        ) from None
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:  # the same names for type checkers and editors
    from psychometrics import cat as cat
    from psychometrics import survey as survey
    from psychometrics._validation import ConvergenceWarning as ConvergenceWarning
    from psychometrics._validation import NotFittedError as NotFittedError
    from psychometrics._validation import ResponseError as ResponseError
    from psychometrics.calibration import CalibrationCancelled as CalibrationCancelled
    from psychometrics.calibration import (
        GeneralizedPartialCredit as GeneralizedPartialCredit,
    )
    from psychometrics.calibration import GradedResponse as GradedResponse
    from psychometrics.calibration import ItemStandardErrors as ItemStandardErrors
    from psychometrics.calibration import MMLCalibrator as MMLCalibrator
    from psychometrics.calibration import Rasch as Rasch
    from psychometrics.calibration import ThreePL as ThreePL
    from psychometrics.calibration import TwoPL as TwoPL
    from psychometrics.cat import CATBank as CATBank
    from psychometrics.cat import CATSimulationReport as CATSimulationReport
    from psychometrics.cat import CATState as CATState
    from psychometrics.cat import Randomesque as Randomesque
    from psychometrics.cat import StopDecision as StopDecision
    from psychometrics.cat import SympsonHetter as SympsonHetter
    from psychometrics.cat import cat_replay as cat_replay
    from psychometrics.cat import cat_start as cat_start
    from psychometrics.cat import cat_update as cat_update
    from psychometrics.cat import select_next_item as select_next_item
    from psychometrics.cat import should_stop as should_stop
    from psychometrics.cat import simulate_cat as simulate_cat
    from psychometrics.cat import sympson_hetter_calibrate as sympson_hetter_calibrate
    from psychometrics.classical import ClassicalStatistics as ClassicalStatistics
    from psychometrics.classical import classical_statistics as classical_statistics
    from psychometrics.classical import cronbach_alpha as cronbach_alpha
    from psychometrics.dif import dif_by_group as dif_by_group
    from psychometrics.dif import logistic_dif as logistic_dif
    from psychometrics.dif import mantel_haenszel_dif as mantel_haenszel_dif
    from psychometrics.fit import dimensionality_check as dimensionality_check
    from psychometrics.fit import item_fit as item_fit
    from psychometrics.fit import lord_wingersky as lord_wingersky
    from psychometrics.fit import person_fit as person_fit
    from psychometrics.fit import s_x2 as s_x2
    from psychometrics.irt import MODELS as MODELS
    from psychometrics.irt import ItemParameters as ItemParameters
    from psychometrics.irt import category_probabilities as category_probabilities
    from psychometrics.irt import item_information as item_information
    from psychometrics.irt import log_likelihood as log_likelihood
    from psychometrics.irt import normal_quadrature as normal_quadrature
    from psychometrics.irt import test_information as test_information
    from psychometrics.linking import LinkingResult as LinkingResult
    from psychometrics.linking import link as link
    from psychometrics.linking import transform_parameters as transform_parameters
    from psychometrics.linking import transform_theta as transform_theta
    from psychometrics.plausible import LatentRegression as LatentRegression
    from psychometrics.plausible import PlausibleValues as PlausibleValues
    from psychometrics.plausible import plausible_values as plausible_values
    from psychometrics.scoring import AbilityEstimate as AbilityEstimate
    from psychometrics.scoring import SumScoreTable as SumScoreTable
    from psychometrics.scoring import estimate_ability as estimate_ability
    from psychometrics.scoring import summed_score_table as summed_score_table
    from psychometrics.simulate import TwoStageDesign as TwoStageDesign
    from psychometrics.simulate import booklet_design as booklet_design
    from psychometrics.simulate import mst_bank as mst_bank
    from psychometrics.simulate import random_item_parameters as random_item_parameters
    from psychometrics.simulate import simulate_responses as simulate_responses
    from psychometrics.simulate import two_stage_design as two_stage_design
    from psychometrics.survey import ProficiencyLevels as ProficiencyLevels
    from psychometrics.survey import ReplicateWeights as ReplicateWeights
    from psychometrics.survey import SurveyEstimate as SurveyEstimate
    from psychometrics.survey import estimate_mean as estimate_mean
    from psychometrics.survey import estimate_percentage as estimate_percentage
    from psychometrics.survey import jk2_replicate_weights as jk2_replicate_weights
    from psychometrics.survey import rake as rake
    from psychometrics.survey import rubin_combine as rubin_combine
    from psychometrics.survey import suppress_cells as suppress_cells
