"""Submission reads: the detail page by task, live progress, results and files for download."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from django.http import Http404
from django.utils import timezone

from evaluator.metrics import METRICS, SampleOutcome, score_samples
from portal.models import Result, Submission, Verdict
from portal.selectors.common import (
    DIFFICULTIES,
    PageInfo,
    calibration_is_current,
    calibration_runtimes,
    calibrations_for,
    page_info,
    submission_figures,
)
from portal.selectors.queue import submission_queue_estimate
from portal.selectors.tasks import calibration_waiting

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

    @property
    def pending(self) -> int:
        return sum(1 for result in self.results if result.verdict == Verdict.PENDING)


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


@dataclass(frozen=True)
class ResultFilter:
    """Which of a submission's tasks its page lists, and in which order (from the URL).

    `q` matches a task's slug, title or number; `task` is one slug exactly; `verdict` is a
    verdict, or "failed" for tasks with a judged sample that failed; `sort` is "task" (the
    benchmark's order), "runtime" or "beyond", "-" in front for descending.
    """

    q: str = ""
    task: str = ""
    verdict: str = ""
    difficulty: str = ""
    sort: str = "task"

    SORTS = ("task", "runtime", "-runtime", "beyond", "-beyond")

    @classmethod
    def from_params(cls, params: Any) -> "ResultFilter":
        verdict = params.get("verdict", "")
        difficulty = params.get("difficulty", "")
        sort = params.get("sort", "task")
        return cls(
            q=params.get("q", "").strip()[:100],
            task=params.get("task", "").strip()[:100],
            verdict=verdict if verdict == "failed" or verdict in Verdict._value2member_map_ else "",
            difficulty=difficulty if difficulty in DIFFICULTIES else "",
            sort=sort if sort in cls.SORTS else "task",
        )

    @property
    def active(self) -> bool:
        return bool(self.q or self.task or self.verdict or self.difficulty or self.sort != "task")

    def params(self) -> dict[str, str]:
        """The non-default choices, for links (the pager, a reset)."""
        values = {
            "q": self.q,
            "task": self.task,
            "verdict": self.verdict,
            "difficulty": self.difficulty,
            "sort": "" if self.sort == "task" else self.sort,
        }
        return {key: value for key, value in values.items() if value}

    def keeps(self, item: "TaskResults", verdicts: list[Verdict]) -> bool:
        needle = self.q.casefold()
        if needle and not any(needle in text.casefold() for text in (item.slug, item.title)):
            return False
        if self.task and item.slug != self.task:
            return False
        if self.difficulty and item.difficulty != self.difficulty:
            return False
        if self.verdict == "failed":
            return any(v.judged and not v.passed for v in verdicts)
        return not self.verdict or self.verdict in verdicts


def submission_detail(
    *,
    submission: Submission,
    page: int = 1,
    per_page: int = TASKS_PER_PAGE,
    filters: ResultFilter | None = None,
) -> SubmissionDetail:
    """A submission page's data in three queries, whatever the size of the submission.

    `submission` is the row the caller's access check returned (`submission_get_visible`);
    `filters` choose and order the listed tasks (the scores and charts cover every task).
    """
    filters = filters or ResultFilter()
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
            "runtime_s",
        )
    )
    tasks: dict[int, TaskResults] = {}
    task_verdicts: dict[int, list[Verdict]] = {}
    fingerprints: dict[int, str] = {}
    result_task: dict[int, int] = {}
    outcomes = []
    difficulty: dict[str, str] = {}
    for pk, task_id, slug, title, level, fingerprint, verdict, beyond, percentile, runtime in light:
        if task_id not in tasks:
            tasks[task_id] = TaskResults(task_id, slug, title, level)
            fingerprints[task_id] = fingerprint
            difficulty[slug] = level
        result_task[pk] = task_id
        task_verdicts.setdefault(task_id, []).append(Verdict.coerce(verdict))
        outcomes.append(SampleOutcome(slug, Verdict.coerce(verdict), beyond, percentile, runtime))
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
    ordered = [item for item in tasks.values() if filters.keeps(item, task_verdicts[item.task_id])]
    if filters.sort != "task":
        key, descending = filters.sort.lstrip("-"), filters.sort.startswith("-")

        def figure(item: TaskResults) -> float | None:
            scored = score.tasks[item.slug]
            return scored.best_runtime_s if key == "runtime" else scored.beyond_at_1

        # Tasks without the figure (nothing passed: no runtime) go last either way.
        known = [item for item in ordered if figure(item) is not None]
        known.sort(key=lambda item: figure(item) or 0.0, reverse=descending)
        ordered = known + [item for item in ordered if figure(item) is None]
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
        "calibration": None
        if submission.is_finished
        else calibration_waiting(submission_id=submission.pk),
        "queue_position": estimate.position if estimate else None,
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
