from django.apps import AppConfig


class TransitionConfig(AppConfig):
    name = "pupilhub.transition"
    label = "transition"
    verbose_name = "Transition"

    def ready(self) -> None:
        from . import demo, panels  # noqa: F401  (registers panels and the demo step)
