"""Pupil-page banner."""
