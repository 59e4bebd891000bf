"""Task models: problems, their tests and references, and reference calibrations per host."""

from django.db import models
from django.db.models import Q
from django.urls import reverse


class Difficulty(models.TextChoices):
    """LeetCode difficulty of a task, spelt as in the Mercury dataset."""

    EASY = "Easy"
    MEDIUM = "Medium"
    HARD = "Hard"


class Task(models.Model):
    """One benchmark problem: metadata, prompt and checker; tests live in `TestSuite`."""

    slug = models.SlugField(max_length=200, unique=True)
    lc_id = models.PositiveIntegerField("LeetCode id")
    title = models.CharField(max_length=200)
    difficulty = models.CharField(max_length=6, choices=Difficulty.choices)
    entry_point = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    description = models.TextField(help_text="Markdown, rendered with escaping.")
    prompt = models.TextField()
    params = models.JSONField(default=list)
    returns = models.CharField(max_length=200, blank=True)
    checker = models.CharField(max_length=50, default="exact")
    validator_source = models.TextField(blank=True, help_text="checker.py of a validator task.")
    canonical = models.CharField(max_length=100)
    seed = models.IntegerField(default=1)
    fingerprint = models.CharField(max_length=64, help_text="evaluator Task.fingerprint")
    origin = models.CharField(max_length=20, default="builtin")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["lc_id", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(difficulty__in=Difficulty.values), name="task_difficulty_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lc_id}. {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("portal:task_detail", kwargs={"slug": self.slug})


class TestSuite(models.Model):
    """The stored test cases of one task version (inputs and expected outputs, as JSON)."""

    task = models.OneToOneField(Task, on_delete=models.CASCADE, related_name="suite")
    small = models.JSONField(default=list, help_text='[{"input": [...], "expected": ...}]')
    large = models.JSONField(default=list)

    __test__ = False  # not a pytest class

    def __str__(self) -> str:
        return f"tests of {self.task.slug} ({len(self.small)} small, {len(self.large)} large)"


class Reference(models.Model):
    """A reference solution of a task, one of several of graded efficiency."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="references")
    name = models.CharField(max_length=100)
    source = models.TextField()

    class Meta:
        ordering = ["task", "name"]
        constraints = [
            models.UniqueConstraint(fields=["task", "name"], name="reference_unique_per_task"),
        ]

    def __str__(self) -> str:
        return f"{self.task.slug}/{self.name}"


class Calibration(models.Model):
    """Reference runtimes of one task version measured on one host by one harness version."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="calibrations")
    host = models.CharField(max_length=200)
    harness_version = models.CharField(max_length=50)
    task_fingerprint = models.CharField(max_length=64)
    data = models.JSONField(help_text="evaluator.judge.Calibration.to_dict()")
    spread = models.FloatField()
    flagged = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["task", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["host", "harness_version", "task_fingerprint"],
                name="calibration_unique_per_host_harness_task",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task.slug} on {self.host} ({self.harness_version})"
