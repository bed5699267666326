from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "pupilhub.documents"
    label = "documents"
    verbose_name = "SEN records"

    def ready(self) -> None:
        from . import demo, panels  # noqa: F401  (registers panels and demo steps)
