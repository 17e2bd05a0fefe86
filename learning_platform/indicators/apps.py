from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "learning_platform.indicators"
    label = "indicators"
