"""Submission models: an uploaded completions file, its lifecycle and outcome, its samples."""

from functools import reduce
from operator import and_
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from evaluator.metrics import METRICS, sample_beyond
from evaluator.verdicts import Verdict
from portal.models.tasks import Calibration, Task


class SubmissionStatus(models.TextChoices):
    """Lifecycle of a submission; outcomes live in the metrics and the results."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    ERROR = "error"


class Moderation(models.TextChoices):
    """Whether a submission is public; apart from its lifecycle (`status`) and its outcome."""

    PENDING = "pending"
    APPROVED = "approved"
    HIDDEN = "hidden"
    REJECTED = "rejected"


class Weights(models.TextChoices):
    """Whether the model's weights can be downloaded."""

    OPEN = "open", "open weights"
    CLOSED = "closed", "closed weights"
    UNKNOWN = "unknown", "not stated"


class Submission(models.Model):
    """One uploaded completions file of one model, judged as a whole."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    model_name = models.CharField(max_length=100)
    # What the submitter says about the model and how the completions were generated.
    model_version = models.CharField(max_length=100, blank=True)
    link = models.URLField(max_length=300, blank=True, help_text="Model card or paper.")
    parameters_b = models.FloatField(
        "parameters (billions)", null=True, blank=True, help_text="Parameter count in billions."
    )
    weights = models.CharField(max_length=10, choices=Weights.choices, default=Weights.UNKNOWN)
    release_date = models.DateField(null=True, blank=True)
    temperature = models.FloatField(null=True, blank=True)
    samples_per_task = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Samples generated per task (as declared)."
    )
    notes = models.TextField(blank=True, max_length=2000)
    content_sha256 = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="SHA-256 of the uploaded file."
    )
    status = models.CharField(
        max_length=10, choices=SubmissionStatus.choices, default=SubmissionStatus.QUEUED
    )
    moderation = models.CharField(
        max_length=10,
        choices=Moderation.choices,
        default=Moderation.PENDING,
        help_text="Only approved submissions are public; owners and staff see the others.",
    )
    moderation_reason = models.TextField(blank=True, max_length=2000)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True)
    # Outcome, filled when status becomes done (fractions 0..1); the two figures are copied out
    # of `metrics` so the leaderboard can sort on them.
    n_tasks = models.PositiveIntegerField(default=0)
    n_samples = models.PositiveIntegerField(default=0)
    metrics = models.JSONField(
        default=dict,
        blank=True,
        help_text='evaluator.metrics.Score.to_dict(): {"pass@1", "beyond@1", "tasks", '
        '"pass@1_ci", "beyond@1_ci", "by_difficulty": {"Easy": {...}, ...}} plus '
        '"verdicts": {"Easy": {"passed": n, ...}, ...}',
    )
    # Precomputed at aggregation so the leaderboard sorts and filters without reading `metrics`
    # or any Result row. Averages are over all `tasks_total` tasks of the benchmark. Each
    # registered metric adds its columns below the class (`_add_metric_columns`).
    tasks_total = models.PositiveIntegerField(default=0, help_text="Benchmark size when scored.")
    task_set = models.CharField(
        max_length=64, blank=True, help_text="Fingerprint of the task set it was scored on."
    )
    harness_version = models.CharField(max_length=50, blank=True)
    scoring_version = models.CharField(
        max_length=50, blank=True, help_text="Version of the scoring rule (evaluator.host)."
    )
    host = models.CharField(max_length=200, blank=True, help_text="Host fingerprint of the judge.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "moderation"]),
            models.Index(fields=["user", "created_at"]),
            models.Index(fields=["model_name", "model_version"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(weights__in=Weights.values), name="submission_weights_valid"
            ),
            models.CheckConstraint(
                condition=Q(parameters_b__isnull=True) | Q(parameters_b__gt=0),
                name="submission_parameters_positive",
            ),
            models.CheckConstraint(
                condition=Q(temperature__isnull=True) | Q(temperature__gte=0),
                name="submission_temperature_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(status__in=SubmissionStatus.values), name="submission_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(moderation__in=Moderation.values), name="submission_moderation_valid"
            ),
            models.CheckConstraint(
                condition=Q(progress_done__lte=models.F("progress_total")),
                name="submission_progress_within_total",
            ),
            models.CheckConstraint(
                condition=~Q(status=SubmissionStatus.DONE)
                | reduce(and_, [Q(**{f"{m.field}__isnull": False}) for m in METRICS]),
                name="submission_done_has_metrics",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.display_name}"

    def get_absolute_url(self) -> str:
        return reverse("portal:submission_detail", kwargs={"pk": self.pk})

    @property
    def display_name(self) -> str:
        """Model name with its version, as the pages show it."""
        return f"{self.model_name} {self.model_version}".strip()

    @property
    def is_public(self) -> bool:
        return self.moderation == Moderation.APPROVED

    @property
    def is_finished(self) -> bool:
        return self.status in (SubmissionStatus.DONE, SubmissionStatus.ERROR)

    @property
    def by_difficulty(self) -> dict[str, dict[str, Any]]:
        return (self.metrics or {}).get("by_difficulty") or {}

    @property
    def progress_percent(self) -> float:
        return 100.0 * self.progress_done / self.progress_total if self.progress_total else 0.0


def _add_metric_columns() -> None:
    """A column per registered metric, its interval and each difficulty (fractions 0..1).

    Copied out of `metrics` at aggregation so the leaderboard sorts on them; a new entry in
    `evaluator.metrics.METRICS` adds its columns here (then `makemigrations`).
    """
    for metric in METRICS:
        for name in metric.columns:
            Submission.add_to_class(name, models.FloatField(null=True, blank=True))


_add_metric_columns()


class Result(models.Model):
    """One sample of a submission for one task: its code and, once judged, its verdict."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="results")
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="results")
    sample = models.PositiveIntegerField(help_text="0-based index among the task's samples.")
    line = models.PositiveIntegerField(default=0, help_text="Line of the uploaded file.")
    code = models.TextField()
    verdict = models.CharField(
        max_length=20, choices=Verdict.choices(), default=Verdict.PENDING.value
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    runtime_s = models.FloatField(null=True, blank=True)
    # The sample's score (evaluator.metrics.sample_beyond): 0 for every judged failure.
    beyond = models.FloatField(null=True, blank=True)
    percentile = models.FloatField(null=True, blank=True)
    calibration = models.ForeignKey(
        Calibration,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The reference runtimes it was placed among (Beyond = f(runtime, these)).",
    )
    tests_passed = models.PositiveIntegerField(null=True, blank=True)
    tests_total = models.PositiveIntegerField(null=True, blank=True)
    diagnostic = models.TextField(blank=True)
    judged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["submission", "task__lc_id", "sample"]
        indexes = [models.Index(fields=["task", "verdict"])]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "task", "sample"], name="result_unique_per_sample"
            ),
            models.CheckConstraint(
                condition=Q(verdict__in=[v.value for v in Verdict]), name="result_verdict_valid"
            ),
            models.CheckConstraint(
                condition=Q(beyond__isnull=True) | (Q(beyond__gte=0) & Q(beyond__lte=1)),
                name="result_beyond_in_unit_interval",
            ),
            models.CheckConstraint(
                condition=~Q(verdict=Verdict.PASSED) | Q(runtime_s__isnull=False),
                name="result_passed_has_runtime",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.submission_id}/{self.task_id}#{self.sample}: {self.verdict}"

    @property
    def is_judged(self) -> bool:
        return Verdict.coerce(self.verdict).judged

    @property
    def verdict_enum(self) -> Verdict:
        return Verdict.coerce(self.verdict)

    @property
    def score(self) -> float | None:
        """The Beyond this sample scores (0 when judged and failed, None while pending)."""
        return sample_beyond(self.verdict, self.beyond)
