from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo world `make run` loads (`manage.py demo_data`), built by each app's steps."""

    name = "pupilhub.demo"
    label = "demo"
