"""Issue 27: a reset or verification mail sent while the relay was down was dropped (the
task raised once and was never retried)."""

from pupilhub.accounts import tasks


def test_account_mail_is_retried_with_back_off_for_over_an_hour():
    for task in (tasks.send_password_reset, tasks.send_verification, tasks.send_plain):
        assert OSError in task.autoretry_for and task.max_retries >= 8
    delays = [min(60 * 2**n, 900) for n in range(tasks.RETRY["max_retries"])]
    assert sum(delays) >= 3600


def test_a_relay_refusing_for_now_schedules_another_try(db, monkeypatch):
    import pytest
    from celery.exceptions import Retry

    def down(name, to, context, **kwargs):
        raise ConnectionRefusedError("relay down")

    monkeypatch.setattr(tasks.emails, "send_now", down)
    with pytest.raises(Retry) as retry:
        tasks.send_plain.apply(args=("password_changed", "a@example.org", {}), throw=True)
    assert 0 <= retry.value.when <= 60  # tried again within a minute (jittered), not dropped
    caps = [min(60 * 2**n, 900) for n in range(tasks.send_plain.max_retries)]
    assert tasks.send_plain.retry_jitter and sum(caps) / 2 >= 3600  # about an hour on average
