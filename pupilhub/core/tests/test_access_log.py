"""A single-use link's token never reaches the access log."""

from pupilhub.core.access_log import redact


def test_tokens_in_paths_are_logged_as_placeholders():
    assert redact("/child-protection-file/abc123XYZ") == "/child-protection-file/[token]"
    assert redact("/child-protection-file/abc/pdf") == "/child-protection-file/[token]/pdf"
    assert redact("/reset-password/tok-en_1") == "/reset-password/[token]"
    assert redact("/schools/1/pupils/") == "/schools/1/pupils/"


def test_gunicorn_uses_the_redacting_logger():
    import importlib

    settings = importlib.import_module("config.gunicorn")
    assert settings.logger_class == "pupilhub.core.access_log.RedactingLogger"
