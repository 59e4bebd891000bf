"""Submission reads: the detail page by task, live progress, results and files for download."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.http import Http404
from django.utils import timezone

from portal.models import Result, Submission, Verdict
from portal.selectors.common import (
    DIFFICULTIES,
    PageInfo,
    calibration_is_current,
    calibration_runtimes,
    calibrations_for,
    page_info,
)
from portal.selectors.queue import submission_queue_estimate

TASKS_PER_PAGE = 20
LIVE_RESULTS_LIMIT = 500
_UNSCORED = (Verdict.PENDING, Verdict.INTERNAL_ERROR)


@dataclass
class TaskResults:
    """One task of a submission: its samples (with code) and the reference range there."""

    task_id: int
    slug: str
    title: str
    difficulty: str
    reference_range: tuple[float, float] | None = None
    calibration_current: bool = True
    results: list[Result] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(1 for result in self.results if result.verdict == Verdict.PASSED)

    @property
    def pending(self) -> int:
        return sum(1 for result in self.results if result.verdict == Verdict.PENDING)


@dataclass(frozen=True)
class SubmissionDetail:
    """A submission with one page of its tasks' results and whole-submission summaries."""

    submission: Submission
    tasks: list[TaskResults]
    page: PageInfo
    verdict_counts: dict[str, int]
    verdicts_by_difficulty: dict[str, dict[str, int]]
    task_summaries: list[dict[str, Any]]


def submission_detail(
    *, submission: Submission, page: int = 1, per_page: int = TASKS_PER_PAGE
) -> SubmissionDetail:
    """A submission page's data in three queries, whatever the size of the submission.

    `submission` is the row the caller's access check returned (`submission_get_visible`).
    """
    light = list(
        Result.objects.filter(submission=submission)
        .order_by("task__lc_id", "task__slug", "sample")
        .values_list(
            "pk",
            "task_id",
            "task__slug",
            "task__title",
            "task__difficulty",
            "task__fingerprint",
            "verdict",
            "beyond",
            "percentile",
        )
    )
    counts: dict[str, int] = {}
    by_difficulty: dict[str, dict[str, int]] = {level: {} for level in DIFFICULTIES}
    tasks: dict[int, TaskResults] = {}
    fingerprints: dict[int, str] = {}
    scores: dict[int, list[float]] = {}
    percentiles: dict[int, list[float]] = {}
    result_task: dict[int, int] = {}
    for pk, task_id, slug, title, level, fingerprint, verdict, beyond, percentile in light:
        counts[verdict] = counts.get(verdict, 0) + 1
        level_counts = by_difficulty.setdefault(level, {})
        level_counts[verdict] = level_counts.get(verdict, 0) + 1
        if task_id not in tasks:
            tasks[task_id] = TaskResults(task_id, slug, title, level)
            fingerprints[task_id] = fingerprint
        result_task[pk] = task_id
        if verdict not in _UNSCORED:
            passed = verdict == Verdict.PASSED
            scores.setdefault(task_id, []).append((beyond or 0.0) if passed else 0.0)
            if passed and percentile is not None:
                percentiles.setdefault(task_id, []).append(percentile)
    summaries = [
        {
            "task": tasks[task_id].slug,
            "difficulty": tasks[task_id].difficulty,
            "beyond": sum(values) / len(values),
            "percentile": (
                sum(percentiles[task_id]) / len(percentiles[task_id])
                if task_id in percentiles
                else None
            ),
        }
        for task_id, values in scores.items()
    ]
    ordered = list(tasks.values())
    info = page_info(total=len(ordered), number=page, size=per_page)
    shown = ordered[info.start : info.end]
    shown_ids = {item.task_id for item in shown}
    page_pks = [pk for pk, task_id in result_task.items() if task_id in shown_ids]
    for result in (
        Result.objects.filter(pk__in=page_pks).defer("task_id").order_by("sample").iterator()
        if page_pks
        else []
    ):
        tasks[result_task[result.pk]].results.append(result)
    calibrations = calibrations_for(
        fingerprints={task_id: fingerprints[task_id] for task_id in shown_ids}
    )

    for item in shown:
        calibration = calibrations.get(item.task_id)
        if calibration is not None:
            runtimes = calibration_runtimes(calibration.data).values()
            if runtimes:
                item.reference_range = (min(runtimes), max(runtimes))
            item.calibration_current = calibration_is_current(calibration)
    return SubmissionDetail(
        submission=submission,
        tasks=shown,
        page=info,
        verdict_counts=counts,
        verdicts_by_difficulty=by_difficulty,
        task_summaries=summaries,
    )


def submission_eta_seconds(*, submission: Submission, now: datetime | None = None) -> float | None:
    """Seconds until an unfinished submission finishes (None if unknown): its own pace while it
    runs, else the work ahead of it at the site's measured rate (`submission_queue_estimate`)."""
    estimate = submission_queue_estimate(submission=submission, now=now)
    return estimate.eta_s if estimate else None


def submission_progress(*, submission: Submission, since: datetime | None = None) -> dict[str, Any]:
    """Status, progress, ETA and (once done) metrics of a submission, JSON-ready.

    With `since`, also the results judged at or after that moment, for live updates.
    """
    now = timezone.now()
    estimate = submission_queue_estimate(submission=submission, now=now)
    data: dict[str, Any] = {
        "id": submission.pk,
        "model_name": submission.model_name,
        "model_version": submission.model_version,
        "status": submission.status,
        "finished": submission.is_finished,
        "progress": {"done": submission.progress_done, "total": submission.progress_total},
        "eta_s": estimate.eta_s if estimate else None,
        "queue_position": estimate.position if estimate else None,
        "pass@1": submission.pass_at_1,
        "beyond@1": submission.beyond_at_1,
        "by_difficulty": submission.by_difficulty,
        "tasks": submission.n_tasks,
        "tasks_total": submission.tasks_total or None,
        "error": submission.error_message or None,
        "url": submission.get_absolute_url(),
        "now": now.isoformat(),
    }
    if since is not None:
        data["results"] = list(
            Result.objects.filter(
                submission=submission, judged_at__isnull=False, judged_at__gte=since
            )
            .order_by("judged_at")
            .values(
                "id", "verdict", "runtime_s", "beyond", "percentile", "diagnostic", "tests_passed"
            )[:LIVE_RESULTS_LIMIT]
        )
    return data


def submission_result_rows(*, submission: Submission) -> list[dict[str, Any]]:
    """Every sample's outcome (no code), for the CSV and JSON downloads."""
    return list(
        Result.objects.filter(submission=submission)
        .order_by("task__lc_id", "task__slug", "sample")
        .values(
            "task__slug",
            "task__difficulty",
            "sample",
            "verdict",
            "runtime_s",
            "beyond",
            "percentile",
            "tests_passed",
            "tests_total",
            "diagnostic",
        )
    )


def submission_completions(*, submission_id: int) -> list[dict[str, str]]:
    """The submission's samples as the evaluator's input lines, in upload order."""
    return [
        {"task_id": slug, "completion": code}
        for slug, code in Result.objects.filter(submission_id=submission_id)
        .order_by("line", "task__slug", "sample")
        .values_list("task__slug", "code")
    ]


def result_code(*, submission_id: int, result_id: int) -> str:
    """The code of one sample of a submission, or 404."""
    code = (
        Result.objects.filter(pk=result_id, submission_id=submission_id)
        .values_list("code", flat=True)
        .first()
    )
    if code is None:
        raise Http404("No such result.")
    return code
