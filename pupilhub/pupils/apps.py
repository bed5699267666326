from django.apps import AppConfig


class PupilsConfig(AppConfig):
    name = "pupilhub.pupils"
    label = "pupils"
    verbose_name = "Pupils"

    def ready(self) -> None:
        from . import counts, demo  # noqa: F401  (demo registers its step)

        counts.connect()
