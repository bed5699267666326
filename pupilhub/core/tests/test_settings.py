import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def run(env_extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "SECRET_KEY",
            "LICENCE_KEY_SECRET",
            "DEBUG",
            "DATABASE_URL",
            "ALLOWED_HOSTS",
            "PUPILHUB_ENV",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        )
    }
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
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
