from pupilhub.core.demo import Demo, step  # noqa: F401
