"""What the API keeps between requests: the first answer to an idempotent POST."""

from django.db import models

from pupilhub.core.models import UUIDModel


class IdempotentAnswer(UUIDModel):
    """A POST that carried `Idempotency-Key`: who sent it (a digest of their credential,
    so keys of different callers never meet), what they sent (a digest of method, path and
    body) and the answer, replayed for 24 hours. `status` 0 while the first is running."""

    caller = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    request_digest = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["caller", "key"], name="one_answer_per_key")]

    def __str__(self) -> str:
        return f"idempotent answer {self.pk}"
