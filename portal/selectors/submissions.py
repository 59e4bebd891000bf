"""Submission reads: the detail page by task, live progress, results and files for download."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from django.http import Http404
from django.utils import timezone

from evaluator.metrics import METRICS, SampleOutcome, score_samples
from portal.models import Result, Submission, SubmissionStatus, Verdict
from portal.selectors.common import (
    DIFFICULTIES,
    PageInfo,
    calibration_is_current,
    calibration_runtimes,
    calibrations_for,
    page_info,
    submission_figures,
)

TASKS_PER_PAGE = 20
LIVE_RESULTS_LIMIT = 500


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
        return sum(1 for result in self.results if result.verdict_enum.passed)


class ScoreCell(NamedTuple):
    """One metric's figure (0..1) and 95% interval in a score table."""

    value: float | None
    ci: tuple[float, float] | None


@dataclass(frozen=True)
class ScoreRow:
    """A line of a submission's score table: every registered metric with its interval."""

    label: str
    tasks: int
    cells: list[ScoreCell]


def score_rows(*, metrics: dict[str, Any]) -> list[ScoreRow]:
    """Overall and per difficulty, from a submission's stored `metrics` (Score.to_dict())."""
    blocks = [
        ("Overall", metrics),
        *((level, metrics.get("by_difficulty", {}).get(level) or {}) for level in DIFFICULTIES),
    ]
    rows = []
    for label, block in blocks:
        cells = []
        for metric in METRICS:
            interval = block.get(metric.ci_key)
            pair = (interval[0], interval[1]) if interval and len(interval) == 2 else None
            cells.append(ScoreCell(block.get(metric.key), pair))
        rows.append(ScoreRow(label=label, tasks=int(block.get("tasks") or 0), cells=cells))
    return rows


@dataclass(frozen=True)
class SubmissionDetail:
    """A submission with one page of its tasks' results and whole-submission summaries."""

    submission: Submission
    tasks: list[TaskResults]
    page: PageInfo
    verdict_counts: dict[str, int]
    verdicts_by_difficulty: dict[str, dict[str, int]]
    task_summaries: list[dict[str, Any]]
    scores: list[ScoreRow]


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
    tasks: dict[int, TaskResults] = {}
    fingerprints: dict[int, str] = {}
    result_task: dict[int, int] = {}
    outcomes = []
    difficulty: dict[str, str] = {}
    for pk, task_id, slug, title, level, fingerprint, verdict, beyond, percentile in light:
        if task_id not in tasks:
            tasks[task_id] = TaskResults(task_id, slug, title, level)
            fingerprints[task_id] = fingerprint
            difficulty[slug] = level
        result_task[pk] = task_id
        outcomes.append(SampleOutcome(slug, Verdict.coerce(verdict), beyond, percentile))
    # The one scoring rule, over the tasks this submission attempted (the stored metrics hold
    # the figures over the whole benchmark).
    score = score_samples(outcomes, difficulty, with_intervals=False)
    counts: dict[str, int] = {}
    for level_counts in score.verdicts.values():
        for verdict, n in level_counts.items():
            counts[verdict] = counts.get(verdict, 0) + n
    summaries = [
        {
            "task": task.task_id,
            "difficulty": task.difficulty,
            "beyond": task.beyond_at_1,
            "percentile": task.percentile,
        }
        for task in (score.tasks[slug] for slug in difficulty)  # in the page's task order
        if task.attempted
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
        verdicts_by_difficulty=score.verdicts,
        task_summaries=summaries,
        scores=score_rows(metrics=submission.metrics or {}),
    )


def submission_eta_seconds(*, submission: Submission, now: datetime | None = None) -> float | None:
    """Seconds until a running submission finishes, from its pace so far (None if unknown)."""
    if submission.status != SubmissionStatus.RUNNING or not submission.started_at:
        return None
    done, total = submission.progress_done, submission.progress_total
    if done <= 0 or total <= done:
        return None
    elapsed = ((now or timezone.now()) - submission.started_at).total_seconds()
    return max(0.0, elapsed / done * (total - done))


def submission_progress(*, submission: Submission, since: datetime | None = None) -> dict[str, Any]:
    """Status, progress, ETA and (once done) metrics of a submission, JSON-ready.

    With `since`, also the results judged at or after that moment, for live updates.
    """
    now = timezone.now()
    data: dict[str, Any] = {
        "id": submission.pk,
        "model_name": submission.model_name,
        "model_version": submission.model_version,
        "status": submission.status,
        "finished": submission.is_finished,
        "progress": {"done": submission.progress_done, "total": submission.progress_total},
        "eta_s": submission_eta_seconds(submission=submission, now=now),
        **submission_figures(submission),
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


def submission_outcomes(*, submission_id: int) -> list[SampleOutcome]:
    """Every sample of a submission as the scoring rule reads it (one query)."""
    return [
        SampleOutcome(slug, Verdict.coerce(verdict), beyond, percentile, runtime_s)
        for slug, verdict, beyond, percentile, runtime_s in Result.objects.filter(
            submission_id=submission_id
        ).values_list("task__slug", "verdict", "beyond", "percentile", "runtime_s")
    ]
