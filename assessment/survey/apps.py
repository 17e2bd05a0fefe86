from django.apps import AppConfig


class SurveyConfig(AppConfig):
    """The survey workflow of assessment: sample, weights, jobs, plausible values, roll-up."""

    name = "assessment.survey"
    label = "survey"
