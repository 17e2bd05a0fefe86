"""IRT engine of the lifelong-learning assessment platform.

Plain Python on numpy, scipy, scikit-learn and girth: never Django, so researchers can
use it from a notebook or the command line.
"""

# models, calibration, scoring and simulation (issue 3, the core engine)
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
from psychometrics.irt import MODELS as MODELS
from psychometrics.irt import ItemParameters as ItemParameters
from psychometrics.irt import category_probabilities as category_probabilities
from psychometrics.irt import item_information as item_information
from psychometrics.irt import log_likelihood as log_likelihood
from psychometrics.irt import normal_quadrature as normal_quadrature
from psychometrics.irt import test_information as test_information
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

# isort: split
# survey statistics and plausible values (issue 6)
from psychometrics import survey as survey
from psychometrics.plausible import LatentRegression as LatentRegression
from psychometrics.plausible import PlausibleValues as PlausibleValues
from psychometrics.plausible import plausible_values as plausible_values
from psychometrics.survey import ProficiencyLevels as ProficiencyLevels
from psychometrics.survey import ReplicateWeights as ReplicateWeights
from psychometrics.survey import SurveyEstimate as SurveyEstimate
from psychometrics.survey import estimate_mean as estimate_mean
from psychometrics.survey import estimate_percentage as estimate_percentage
from psychometrics.survey import jk2_replicate_weights as jk2_replicate_weights
from psychometrics.survey import rake as rake
from psychometrics.survey import rubin_combine as rubin_combine
from psychometrics.survey import suppress_cells as suppress_cells

# isort: split
# adaptive testing, item statistics, fit, DIF and linking (issue 3)
from psychometrics import cat as cat
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
from psychometrics.linking import LinkingResult as LinkingResult
from psychometrics.linking import link as link
from psychometrics.linking import transform_parameters as transform_parameters
from psychometrics.linking import transform_theta as transform_theta
