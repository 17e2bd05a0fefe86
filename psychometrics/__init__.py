"""IRT engine of the lifelong-learning assessment platform.

Plain Python on numpy, scipy, scikit-learn and girth: never Django, so researchers can
use it from a notebook or the command line.
"""

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
