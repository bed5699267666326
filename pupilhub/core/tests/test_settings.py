import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


# What production reads: none of it may leak in from the shell running the tests (CI's
# second leg sets REDIS_URL and DATABASE_URL, for one).
CONFIG_PREFIXES = (
    "SECRET_KEY",
    "LICENCE_KEY_SECRET",
    "DEBUG",
    "DATABASE_URL",
    "ALLOWED_HOSTS",
    "PUPILHUB_",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "REDIS_",
    "EMAIL_",
    "ANYMAIL_",
    "TRUSTED_PROXY_COUNT",
    "INVOICE_",
    "AWS_",
    "SENTRY_DSN",
    "LOG_FORMAT",
)


def run(env_extra, command=("check", "--deploy", "--fail-level", "WARNING")):
    env = {k: v for k, v in os.environ.items() if not k.startswith(CONFIG_PREFIXES)}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_its_secrets(tmp_path):
    result = run({"PUPILHUB_ENV": "production", "PUPILHUB_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = run(
        {
            "PUPILHUB_ENV": "production",
            "PUPILHUB_DATA_DIR": str(tmp_path),
            **PRODUCTION_ENV,
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        }
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


PRODUCTION_ENV = {
    "PUPILHUB_ENV": "production",
    "SECRET_KEY": "x" * 30 + "-a-long-random-production-secret-value",
    "LICENCE_KEY_SECRET": "y" * 30 + "-another-long-random-secret-value",
    "ALLOWED_HOSTS": "pupilhub.example",
    "PUPILHUB_BASE_URL": "https://pupilhub.example",
    "REDIS_URL": "redis://127.0.0.1:6379",
    "EMAIL_HOST": "smtp.pupilhub.example",
    "DEFAULT_FROM_EMAIL": "pupilhub <no-reply@mail.pupilhub.co.uk>",
    "TRUSTED_PROXY_COUNT": "1",
    "INVOICE_SUPPLIER_ADDRESS": "1 Real Street, Leeds LS1 1AA",
    "INVOICE_BANK_SORT_CODE": "20-00-00",
    "INVOICE_BANK_ACCOUNT_NUMBER": "12345678",
}


def test_production_refuses_invoices_without_real_payment_details(tmp_path):
    for missing in ("INVOICE_SUPPLIER_ADDRESS", "INVOICE_BANK_SORT_CODE"):
        env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
        env.update(PUPILHUB_DATA_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
        result = run(env)
        assert result.returncode != 0 and f"{missing} must be set" in result.stderr


@pytest.mark.parametrize(
    "sender",
    [
        "pupilhub <no-reply@pupilhub.invalid>",
        "no-reply@school.example",
        "no-reply@localhost",
        "no-reply@mail.test",
        "pupilhub",
    ],
)
def test_production_refuses_a_sender_on_a_reserved_domain(tmp_path, sender):
    env = {**PRODUCTION_ENV, "PUPILHUB_DATA_DIR": str(tmp_path), "DEFAULT_FROM_EMAIL": sender}
    result = run({**env, "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"})
    assert result.returncode != 0
    assert "DEFAULT_FROM_EMAIL on a real domain" in result.stderr


def test_production_refuses_debug(tmp_path):
    env = {**PRODUCTION_ENV, "PUPILHUB_DATA_DIR": str(tmp_path), "DEBUG": "1"}
    result = run({**env, "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"})
    assert result.returncode != 0
    assert "DEBUG must be off" in result.stderr


def test_production_refuses_a_missing_licence_key_secret(tmp_path):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "LICENCE_KEY_SECRET"}
    env.update(PUPILHUB_DATA_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    result = run(env)
    assert result.returncode != 0
    assert "LICENCE_KEY_SECRET must be set" in result.stderr


def test_production_lists_every_missing_piece_in_one_message(tmp_path):
    result = run({"PUPILHUB_ENV": "production", "PUPILHUB_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    for piece in (
        "SECRET_KEY must be set",
        "LICENCE_KEY_SECRET must be set",
        "DATABASE_URL must be set",
        "REDIS_URL must be set",
        "ALLOWED_HOSTS must be set",
        "PUPILHUB_BASE_URL must be set to the site's https:// address",
        "a real mail backend",
        "TRUSTED_PROXY_COUNT must be set",
    ):
        assert piece in result.stderr, piece
    assert result.stderr.count("PUPILHUB_ENV=production cannot start") == 1


def test_production_refuses_console_mail_and_a_plain_http_base_url(tmp_path):
    env = {
        **PRODUCTION_ENV,
        "PUPILHUB_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "EMAIL_HOST": "",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "PUPILHUB_BASE_URL": "http://127.0.0.1:8000",
    }
    result = run(env)
    assert result.returncode != 0
    assert "a real mail backend" in result.stderr and "https:// address" in result.stderr
    anymail = {
        **env,
        "PUPILHUB_BASE_URL": "https://pupilhub.example",
        "EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend",
        "ANYMAIL_POSTMARK_SERVER_TOKEN": "a-token",
    }
    printed = run(
        anymail,
        (
            "shell",
            "-c",
            "from django.conf import settings; print(settings.EMAIL_BACKEND, "
            "sorted(settings.ANYMAIL))",
        ),
    )
    assert printed.returncode == 0, printed.stderr
    assert "anymail.backends.postmark.EmailBackend ['POSTMARK_SERVER_TOKEN']" in printed.stdout


def test_cache_broker_and_results_use_separate_redis_databases(tmp_path):
    printed = run(
        {"PUPILHUB_DATA_DIR": str(tmp_path), "REDIS_URL": "redis://cache.example:6379/0"},
        (
            "shell",
            "-c",
            "from django.conf import settings as s; print(s.CELERY_BROKER_URL, "
            "s.CELERY_RESULT_BACKEND, s.CACHES['default']['LOCATION'])",
        ),
    )
    assert printed.returncode == 0, printed.stderr
    broker, results, cache = printed.stdout.split()[-3:]
    assert broker.endswith("/0") and results.endswith("/1") and cache.endswith("/2")
