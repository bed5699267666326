"""Test-wide setup: the persona fixtures (settings pick a temporary data dir)."""

pytest_plugins = ["pupilhub.testing"]
