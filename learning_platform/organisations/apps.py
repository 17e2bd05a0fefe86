from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "learning_platform.organisations"
    label = "organisations"
