"""Moderation models: the audit log, users' flags and staff's rejudge batches."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from portal.models.submissions import Submission


class ModerationAction(models.TextChoices):
    """What a moderator (or the system, for auto-approval) did to a submission."""

    APPROVE = "approve"
    HIDE = "hide"
    REJECT = "reject"
    REOPEN = "reopen", "back to pending"
    REJUDGE = "rejudge"
    AUTO_APPROVE = "auto_approve", "approved (trusted user)"
    FLAG_RESOLVE = "flag_resolve", "flag resolved"
    TRUST = "trust", "user trusted"
    UNTRUST = "untrust", "user no longer trusted"


class AuditLog(models.Model):
    """One moderation action: who did what to which submission (or user), when and why."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty for the system (auto-approval).",
    )
    action = models.CharField(max_length=20, choices=ModerationAction.choices)
    submission = models.ForeignKey(
        Submission, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_log"
    )
    # Kept apart from the foreign keys so the record outlives a deleted submission or user.
    subject = models.CharField(max_length=250, help_text="What was acted on, as it was named.")
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10, blank=True)
    reason = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=ModerationAction.values), name="auditlog_action_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor or 'system'} {self.action} {self.subject}"


class Flag(models.Model):
    """A user's report that a public entry needs a moderator's look, with the reason."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags"
    )
    reason = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "user"],
                condition=Q(resolved_at__isnull=True),
                name="flag_one_open_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"flag on #{self.submission_id} by {self.user}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class BatchStatus(models.TextChoices):
    """Lifecycle of a background rejudge batch."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    ERROR = "error"


class RejudgeBatch(models.Model):
    """Staff's rejudge of every submission a filter matched, run as a background job."""

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.CharField(max_length=300, help_text="The filter, as staff chose it.")
    reason = models.TextField(blank=True, max_length=2000)
    submission_ids = models.JSONField(default=list)
    status = models.CharField(
        max_length=10, choices=BatchStatus.choices, default=BatchStatus.QUEUED
    )
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "rejudge batches"
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=models.F("total")), name="rejudgebatch_done_within_total"
            ),
        ]

    def __str__(self) -> str:
        return f"rejudge batch #{self.pk}: {self.description} ({self.done}/{self.total})"

    @property
    def progress_percent(self) -> float:
        return 100.0 * self.done / self.total if self.total else 0.0
