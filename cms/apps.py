from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    label = "cms"

    def ready(self) -> None:
        # lazy: apps.py loads before the model registry; models import only in ready()
        from cms.services import report_signals_connect

        report_signals_connect()
