"""Settings for the benchmark server: the real settings with the bare yardstick view added."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
