from django.apps import AppConfig


class SurveyConfig(AppConfig):
    """The survey workflow of assessment: sample, weights, jobs, plausible values, roll-up."""

    name = "assessment.survey"
    label = "survey"

    def ready(self):
        # Field monitoring (indicators) asks delivery for its satisfaction campaign through this.
        # lazy: apps.py loads before the model registry; models import only in ready()
        from assessment.survey.field_satisfaction import register

        register()
