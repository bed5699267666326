from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "pupilhub.core"
    label = "core"
    verbose_name = "Core: audit log and shared plumbing"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .middleware import mark_fresh_session

        user_logged_in.connect(mark_fresh_session, dispatch_uid="mark_fresh_session")
