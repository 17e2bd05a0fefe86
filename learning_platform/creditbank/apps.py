from django.apps import AppConfig


class CreditbankConfig(AppConfig):
    name = "learning_platform.creditbank"
    label = "creditbank"
