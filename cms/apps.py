from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    label = "cms"

    def ready(self) -> None:
        from cms.services import report_signals_connect

        report_signals_connect()
