"""Reads of the portal: leaderboard rows, submission detail and progress, tasks and their charts."""

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404

from evaluator.host import HARNESS_VERSION, host_fingerprint
from portal.models import (
    Calibration,
    Difficulty,
    Result,
    Submission,
    SubmissionStatus,
    Task,
    Verdict,
)

DIFFICULTIES = [choice.value for choice in Difficulty]


@lru_cache(maxsize=1)
def current_host() -> str:
    """This machine's host fingerprint (stable for the life of the process)."""
    return host_fingerprint()


@dataclass(frozen=True)
class LeaderboardRow:
    """One public, finished submission as the leaderboard shows it (fractions 0..1)."""

    rank: int
    submission_id: int
    model_name: str
    pass_at_1: float
    beyond_at_1: float
    by_difficulty: dict[str, dict[str, Any]]
    beyond_ci: tuple[float, float] | None
    tied_with_previous: bool
    n_tasks: int
    n_samples: int
    finished_at: datetime | None
    created_at: datetime

    def difficulty_metric(self, difficulty: str, metric: str) -> float | None:
        entry = self.by_difficulty.get(difficulty) or {}
        if not entry.get("tasks"):
            return None
        value = entry.get(metric)
        return None if value is None else float(value)

    @property
    def cells(self) -> list[tuple[float | None, float | None]]:
        """(Pass@1, Beyond@1) per difficulty in Easy, Medium, Hard order."""
        return [
            (self.difficulty_metric(d, "pass@1"), self.difficulty_metric(d, "beyond@1"))
            for d in DIFFICULTIES
        ]


def leaderboard_rows(*, limit: int = 500) -> list[LeaderboardRow]:
    """Finished, visible submissions ranked by Beyond@1, then Pass@1, then age (one query)."""
    queryset = (
        Submission.objects.filter(status=SubmissionStatus.DONE, hidden=False)
        .order_by("-beyond_at_1", "-pass_at_1", "created_at", "pk")
        .values(
            "pk",
            "model_name",
            "pass_at_1",
            "beyond_at_1",
            "metrics",
            "n_tasks",
            "n_samples",
            "finished_at",
            "created_at",
        )[:limit]
    )
    rows: list[LeaderboardRow] = []
    for row in queryset:
        metrics = row["metrics"] or {}
        ci = metrics.get("beyond@1_ci")
        beyond_ci = (float(ci[0]), float(ci[1])) if ci and len(ci) == 2 else None
        previous = rows[-1] if rows else None
        # Rows whose 95% intervals of Beyond@1 overlap share a rank (shown as a tie).
        tied = bool(
            previous and previous.beyond_ci and beyond_ci and beyond_ci[1] >= previous.beyond_ci[0]
        )
        rows.append(
            LeaderboardRow(
                rank=previous.rank if tied and previous else len(rows) + 1,
                submission_id=row["pk"],
                model_name=row["model_name"],
                pass_at_1=row["pass_at_1"],
                beyond_at_1=row["beyond_at_1"],
                by_difficulty=metrics.get("by_difficulty") or {},
                beyond_ci=beyond_ci,
                tied_with_previous=tied,
                n_tasks=row["n_tasks"],
                n_samples=row["n_samples"],
                finished_at=row["finished_at"],
                created_at=row["created_at"],
            )
        )
    return rows


def leaderboard_api_rows(*, limit: int = 500) -> list[dict[str, Any]]:
    """The leaderboard as JSON-ready dicts (fractions 0..1)."""
    return [
        {
            "rank": row.rank,
            "id": row.submission_id,
            "model_name": row.model_name,
            "pass@1": row.pass_at_1,
            "beyond@1": row.beyond_at_1,
            "beyond@1_ci": row.beyond_ci,
            "by_difficulty": row.by_difficulty,
            "tasks": row.n_tasks,
            "samples": row.n_samples,
            "finished_at": row.finished_at.isoformat() if row.finished_at else None,
        }
        for row in leaderboard_rows(limit=limit)
    ]


def task_count() -> int:
    """How many tasks the portal knows."""
    return Task.objects.count()


@dataclass(frozen=True)
class SubmissionDetail:
    """A submission with its results, ordered by task and sample."""

    submission: Submission
    results: list[Result]
    verdict_counts: dict[str, int]
    task_beyond: list[dict[str, Any]]


def submission_get(*, submission_id: int) -> Submission:
    """The submission or 404."""
    try:
        return Submission.objects.get(pk=submission_id)
    except Submission.DoesNotExist:
        raise Http404("No such submission.") from None


def submission_detail(*, submission_id: int) -> SubmissionDetail:
    """A submission and its per-sample results (the code is not loaded)."""
    submission = submission_get(submission_id=submission_id)
    results = list(
        Result.objects.filter(submission=submission)
        .select_related("task")
        .defer("code")
        .order_by("task__lc_id", "sample")
    )
    counts: dict[str, int] = {}
    scored: dict[str, list[float]] = {}
    for result in results:
        counts[result.verdict] = counts.get(result.verdict, 0) + 1
        if result.verdict not in (Verdict.PENDING, Verdict.INTERNAL_ERROR):
            passed = result.verdict == Verdict.PASSED
            scored.setdefault(result.task.slug, []).append(
                (result.beyond or 0.0) if passed else 0.0
            )
    difficulty = {result.task.slug: result.task.difficulty for result in results}
    task_beyond = [
        {"task": slug, "difficulty": difficulty[slug], "beyond": sum(values) / len(values)}
        for slug, values in scored.items()
    ]
    return SubmissionDetail(
        submission=submission, results=results, verdict_counts=counts, task_beyond=task_beyond
    )


def submission_progress(*, submission_id: int) -> dict[str, Any]:
    """Status, progress and (once done) metrics of a submission, JSON-ready."""
    submission = submission_get(submission_id=submission_id)
    return {
        "id": submission.pk,
        "model_name": submission.model_name,
        "status": submission.status,
        "finished": submission.is_finished,
        "progress": {"done": submission.progress_done, "total": submission.progress_total},
        "pass@1": submission.pass_at_1,
        "beyond@1": submission.beyond_at_1,
        "by_difficulty": submission.by_difficulty,
        "error": submission.error_message or None,
        "url": submission.get_absolute_url(),
    }


def _calibrated_here() -> Exists:
    return Exists(
        Calibration.objects.filter(
            task=OuterRef("pk"),
            host=current_host(),
            harness_version=HARNESS_VERSION,
            task_fingerprint=OuterRef("fingerprint"),
        )
    )


def task_list() -> list[Task]:
    """Every task with `calibrated` (on this host) and `n_references` annotations."""
    return list(
        Task.objects.annotate(calibrated=_calibrated_here(), n_references=Count("references"))
        .defer("description", "prompt", "validator_source")
        .order_by("lc_id", "slug")
    )


def calibration_progress() -> dict[str, int]:
    """How many tasks are calibrated on this host for the current harness and task versions."""
    counts = Task.objects.aggregate(
        total=Count("pk"), calibrated=Count("pk", filter=Q(_calibrated_here()))
    )
    return {"calibrated": counts["calibrated"], "total": counts["total"]}


@dataclass(frozen=True)
class TaskDetail:
    """A task with its reference runtimes and every visible submission's runtime on it."""

    task: Task
    reference_names: list[str]
    calibration: Calibration | None
    calibration_is_current: bool
    runtimes: dict[str, float]
    points: list[dict[str, Any]]


def task_detail(*, slug: str) -> TaskDetail:
    """A task page's data: reference runtimes (this host's calibration) and submission points."""
    try:
        task = Task.objects.get(slug=slug)
    except Task.DoesNotExist:
        raise Http404("No such task.") from None
    matching = Calibration.objects.filter(task=task, task_fingerprint=task.fingerprint)
    # This host's current calibration; else the newest of this task version from another host
    # or an older harness (the page says which), so the chart is not empty meanwhile.
    calibration = (
        matching.filter(host=current_host(), harness_version=HARNESS_VERSION).first()
        or matching.order_by("-created_at").first()
    )
    runtimes = _calibration_runtimes(calibration.data) if calibration else {}
    points = [
        {
            "submission_id": row["submission_id"],
            "model_name": row["submission__model_name"],
            "sample": row["sample"],
            "runtime_s": row["runtime_s"],
            "percentile": row["percentile"],
            "beyond": row["beyond"],
        }
        for row in Result.objects.filter(
            task=task,
            verdict=Verdict.PASSED,
            runtime_s__isnull=False,
            submission__status=SubmissionStatus.DONE,
            submission__hidden=False,
        )
        .order_by("runtime_s")
        .values(
            "submission_id",
            "submission__model_name",
            "sample",
            "runtime_s",
            "percentile",
            "beyond",
        )
    ]
    return TaskDetail(
        task=task,
        reference_names=list(task.references.order_by("name").values_list("name", flat=True)),
        calibration=calibration,
        calibration_is_current=bool(
            calibration
            and calibration.host == current_host()
            and calibration.harness_version == HARNESS_VERSION
        ),
        runtimes=runtimes,
        points=points,
    )


def _calibration_runtimes(data: dict[str, Any]) -> dict[str, float]:
    """Reference runtimes in seconds from a stored Calibration dict (anchor seconds x ratio)."""
    if isinstance(data.get("runtimes"), dict):
        return {name: float(value) for name, value in data["runtimes"].items()}
    anchor = float(data.get("anchor_seconds") or 0.0)
    return {name: anchor * float(ratio) for name, ratio in (data.get("ratios") or {}).items()}


def tasks_api_rows() -> list[dict[str, Any]]:
    """Every task with its prompt, JSON-ready."""
    return [
        {
            "task_id": task.slug,
            "id": task.lc_id,
            "title": task.title,
            "difficulty": task.difficulty,
            "entry_point": task.entry_point,
            "prompt": task.prompt,
            "version": task.version,
        }
        for task in Task.objects.order_by("lc_id", "slug").only(
            "slug", "lc_id", "title", "difficulty", "entry_point", "prompt", "version"
        )
    ]
