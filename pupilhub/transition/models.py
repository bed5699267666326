"""Clusters of schools and the transfer requests between them."""

from django.conf import settings
from django.db import models

from pupilhub.core.models import SchoolOwned, UUIDModel

from .choices import ItemStatus, MembershipStatus, RequestStatus


class Cluster(UUIDModel):
    """A group of schools that hand pupils' records on (e.g. a secondary and its feeders)."""

    name = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ClusterMembership(SchoolOwned):
    """A school in a cluster. Only `active` memberships share anything."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="memberships")
    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, related_name="cluster_memberships"
    )
    status = models.CharField(
        max_length=10, choices=MembershipStatus.choices, default=MembershipStatus.PENDING
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cluster__name"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "school"], name="one_membership_per_cluster")
        ]

    def __str__(self) -> str:
        return f"{self.school_id} in {self.cluster_id}: {self.status}"


class TransferRequest(UUIDModel):
    """The receiving school (`to_school`) asks the sending school for documents."""

    from_school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, related_name="outgoing_transfers"
    )
    to_school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, related_name="incoming_transfers"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    document_types = models.JSONField(default=list)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    # Child-protection files are due within 5 school days of the request.
    due_by = models.DateField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    # While copying: the job's last sign of life, and how often the sweeper has re-queued
    # it (a job silent for 10 minutes is re-queued, and failed after 3 tries).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    requeued = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set from document_types when the request is made (it never changes afterwards).
    includes_safeguarding = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["to_school", "-created_at"]),
            models.Index(fields=["from_school", "-created_at"]),
            # The daily overdue sweep: pending safeguarding requests not yet chased.
            models.Index(
                fields=["due_by"],
                condition=models.Q(status="pending", overdue_notified_at__isnull=True),
                name="transfer_overdue_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Transfer {self.from_school_id} -> {self.to_school_id}"

    @property
    def is_safeguarding_record(self) -> bool:
        """A request naming safeguarding issues reveals they exist: only those who may see
        safeguarding see it, or its audit events."""
        return self.includes_safeguarding


class TransferItem(UUIDModel):
    """One pupil of a request: the receiving school's pupil and, once matched, the sender's."""

    request = models.ForeignKey(TransferRequest, on_delete=models.CASCADE, related_name="items")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="+")
    partner_pupil = models.ForeignKey(
        "pupils.Pupil", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=12, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    reason = models.CharField(max_length=40, blank=True)
    differs = models.JSONField(default=list, blank=True)
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["pupil__surname", "pupil__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["request", "pupil"], name="one_item_per_pupil")
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id}: {self.status}"


class ClusterRequest(SchoolOwned):
    """A Main School Admin asks the platform operator for a cluster, naming its schools
    with their postcodes (the operator builds it; schools then approve as usual)."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=200)
    schools = models.JSONField(default=list)  # ["St Mary's Primary, OX4 1AB", ...]
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.name
