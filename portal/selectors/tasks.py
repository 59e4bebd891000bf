"""Task reads: the task list with calibration progress, a task's page, prompts for download."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404

from evaluator.host import HARNESS_VERSION
from evaluator.metrics import SampleOutcome, score_task
from portal.models import Calibration, Moderation, Result, SubmissionStatus, Task, Verdict
from portal.selectors.common import (
    PageInfo,
    calibration_is_current,
    calibration_runtimes,
    calibrations_for,
    current_host,
    page_info,
)

MODELS_PER_PAGE = 50
_PUBLIC = Q(submission__status=SubmissionStatus.DONE, submission__moderation=Moderation.APPROVED)


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
    """A task with its reference runtimes and every public submission's outcome on it."""

    task: Task
    reference_names: list[str]
    calibration: Calibration | None
    calibration_is_current: bool
    runtimes: dict[str, float]
    models: list[dict[str, Any]]
    models_page: PageInfo


def task_get(*, slug: str) -> Task:
    """The task or 404."""
    try:
        return Task.objects.get(slug=slug)
    except Task.DoesNotExist:
        raise Http404("No such task.") from None


def task_detail(*, slug: str, page: int = 1, per_page: int = MODELS_PER_PAGE) -> TaskDetail:
    """A task page's data: reference runtimes and per-model outcomes, scored by the one rule.

    The calibration is this host's current one; else the newest of this task version from
    another host or an older harness (the page says which), so the chart is not empty meanwhile.
    """
    task = task_get(slug=slug)
    calibration = calibrations_for(fingerprints={task.pk: task.fingerprint}).get(task.pk)
    runtimes = calibration_runtimes(calibration.data) if calibration else {}
    rows = (
        Result.objects.filter(_PUBLIC, task=task)
        .order_by("submission_id", "sample")
        .values_list(
            "submission_id",
            "submission__model_name",
            "submission__model_version",
            "verdict",
            "beyond",
            "percentile",
            "runtime_s",
        )
    )
    names: dict[int, str] = {}
    samples: dict[int, list[SampleOutcome]] = {}
    for submission_id, model_name, version, verdict, beyond, percentile, runtime_s in rows:
        names[submission_id] = _name(model_name, version)
        samples.setdefault(submission_id, []).append(
            SampleOutcome(task.slug, Verdict.coerce(verdict), beyond, percentile, runtime_s)
        )
    models = []
    for submission_id, outcomes in samples.items():
        # The one scoring rule, on this task: the same figures the submission's score used.
        scored = score_task(task.slug, task.difficulty, outcomes)
        judged = bool(scored.samples)
        models.append(
            {
                "submission_id": submission_id,
                "model_name": names[submission_id],
                "samples": scored.samples,
                "passed": scored.passed,
                "pass_rate": scored.pass_at_1 if judged else None,
                "beyond": scored.beyond_at_1 if judged else None,
                "best_runtime_s": scored.best_runtime_s,
                "percentile": scored.percentile,
            }
        )
    models.sort(key=lambda m: (-(m["beyond"] or 0.0), -(m["pass_rate"] or 0.0), m["model_name"]))
    info = page_info(total=len(models), number=page, size=per_page)
    return TaskDetail(
        task=task,
        reference_names=list(task.references.order_by("name").values_list("name", flat=True)),
        calibration=calibration,
        calibration_is_current=calibration_is_current(calibration),
        runtimes=runtimes,
        models=models[info.start : info.end],
        models_page=info,
    )


def _name(model_name: str, model_version: str) -> str:
    return f"{model_name} {model_version}".strip()


def task_api_row(task: Task) -> dict[str, Any]:
    """A task's identity and prompt, JSON-ready (the rows of GET /api/tasks/)."""
    return {
        "task_id": task.slug,
        "id": task.lc_id,
        "title": task.title,
        "difficulty": task.difficulty,
        "entry_point": task.entry_point,
        "prompt": task.prompt,
        "version": task.version,
    }


def tasks_api_rows() -> list[dict[str, Any]]:
    """Every task with its prompt, JSON-ready."""
    return [
        task_api_row(task)
        for task in Task.objects.order_by("lc_id", "slug").only(
            "slug", "lc_id", "title", "difficulty", "entry_point", "prompt", "version"
        )
    ]


def prompt_rows() -> list[dict[str, str]]:
    """Every task's prompt as a generation input line: task_id, prompt, entry_point, difficulty."""
    return [
        {"task_id": slug, "prompt": prompt, "entry_point": entry_point, "difficulty": difficulty}
        for slug, prompt, entry_point, difficulty in Task.objects.order_by(
            "lc_id", "slug"
        ).values_list("slug", "prompt", "entry_point", "difficulty")
    ]


def task_chart_data(*, slug: str) -> dict[str, Any]:
    """Reference runtimes and every public passing sample's runtime on the task (3 queries)."""
    task = task_get(slug=slug)
    calibration = calibrations_for(fingerprints={task.pk: task.fingerprint}).get(task.pk)
    public = Result.objects.filter(_PUBLIC, task=task)
    points = [
        {
            "submission_id": row["submission_id"],
            "model_name": _name(row["submission__model_name"], row["submission__model_version"]),
            "sample": row["sample"],
            "runtime_s": row["runtime_s"],
            "percentile": row["percentile"],
            "beyond": row["beyond"],
        }
        for row in public.filter(verdict=Verdict.PASSED, runtime_s__isnull=False)
        .order_by("runtime_s")
        .values(
            "submission_id",
            "submission__model_name",
            "submission__model_version",
            "sample",
            "runtime_s",
            "percentile",
            "beyond",
        )
    ]
    return {
        "runtimes": calibration_runtimes(calibration.data) if calibration else {},
        "points": points,
    }
