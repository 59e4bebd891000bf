"""Task reads: the task list with calibration progress, a task's page, prompts for download."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.urls import reverse

from evaluator.host import HARNESS_VERSION
from evaluator.metrics import SampleOutcome, score_task
from evaluator.tasks import full_prompt
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
    """Every task with `calibrated` (on this host) and `n_references` annotations, and across
    public models `models` (how many have a scored sample), `solve_rate` (their mean pass rate)
    and `mean_beyond` (their mean Beyond), both 0..1 or None, by the one scoring rule (2
    queries)."""
    tasks = list(
        Task.objects.annotate(calibrated=_calibrated_here(), n_references=Count("references"))
        .defer("description", "prompt", "validator_source")
        .order_by("lc_id", "slug")
    )
    outcomes: dict[tuple[int, int], list[SampleOutcome]] = {}
    for task_id, submission_id, verdict, beyond, percentile, runtime_s in (
        Result.objects.filter(_PUBLIC)
        .order_by()
        .values_list("task_id", "submission_id", "verdict", "beyond", "percentile", "runtime_s")
    ):
        outcomes.setdefault((task_id, submission_id), []).append(
            SampleOutcome("", Verdict.coerce(verdict), beyond, percentile, runtime_s)
        )
    rates: dict[int, list[tuple[float, float]]] = {}
    for (task_id, _), samples in outcomes.items():
        # The one scoring rule, per model on this task; models without a judged sample skipped.
        scored = score_task("", "", samples)
        if scored.samples:
            rates.setdefault(task_id, []).append((scored.pass_at_1, scored.beyond_at_1))
    for task in tasks:
        found = rates.get(task.pk, [])
        task.models = len(found)  # type: ignore[attr-defined]
        task.solve_rate = sum(r for r, _ in found) / len(found) if found else None  # type: ignore[attr-defined]
        task.mean_beyond = sum(b for _, b in found) / len(found) if found else None  # type: ignore[attr-defined]
    return tasks


def calibration_progress() -> dict[str, int]:
    """How many tasks are calibrated on this host for the current harness and task versions."""
    counts = Task.objects.aggregate(
        total=Count("pk"), calibrated=Count("pk", filter=Q(_calibrated_here()))
    )
    return {"calibrated": counts["calibrated"], "total": counts["total"]}


def calibration_waiting(*, submission_id: int) -> dict[str, int] | None:
    """While this host is still calibrating: how far, overall and for one entry's tasks (2 queries).

    None once every task is calibrated. An entry's own tasks are calibrated by its own judging
    jobs, ahead of the background calibration, so its figure moves first.
    """
    overall = calibration_progress()
    if overall["calibrated"] >= overall["total"]:
        return None
    task_ids = Result.objects.filter(submission_id=submission_id).values("task_id")
    own = Task.objects.filter(pk__in=task_ids).aggregate(
        total=Count("pk"), calibrated=Count("pk", filter=Q(_calibrated_here()))
    )
    return {**overall, "own_calibrated": own["calibrated"], "own_total": own["total"]}


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
                "url": submission_task_url(submission_id=submission_id, slug=slug),
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


def submission_task_url(*, submission_id: int, slug: str) -> str:
    """A submission's page narrowed to one task's row (from a task page's chart or table)."""
    return f"{reverse('portal:submission_detail', args=[submission_id])}?task={slug}#task-{slug}"


def _name(model_name: str, model_version: str) -> str:
    return f"{model_name} {model_version}".strip()


def task_api_row(task: Task) -> dict[str, Any]:
    """A task's identity, statement and prompts, JSON-ready (the rows of GET /api/tasks/).

    `prompt` is the full prompt (statement, examples and constraints, then the starter code);
    `starter_code` the bare `class Solution` stub a completion continues.
    """
    return {
        "task_id": task.slug,
        "id": task.lc_id,
        "title": task.title,
        "difficulty": task.difficulty,
        "entry_point": task.entry_point,
        "description": task.description,
        "prompt": full_prompt(title=task.title, description=task.description, starter=task.prompt),
        "starter_code": task.prompt,
        "version": task.version,
    }


def tasks_api_rows() -> list[dict[str, Any]]:
    """Every task with its statement and prompts, JSON-ready."""
    return [
        task_api_row(task)
        for task in Task.objects.order_by("lc_id", "slug").only(
            "slug",
            "lc_id",
            "title",
            "difficulty",
            "entry_point",
            "description",
            "prompt",
            "version",
        )
    ]


def prompt_rows() -> list[dict[str, str]]:
    """Every task's prompt as a generation input line: task_id, the full prompt, the starter
    code, entry_point, difficulty, title."""
    return [
        {
            "task_id": slug,
            "prompt": full_prompt(title=title, description=description, starter=prompt),
            "starter_code": prompt,
            "entry_point": entry_point,
            "difficulty": difficulty,
            "title": title,
        }
        for slug, title, description, prompt, entry_point, difficulty in Task.objects.order_by(
            "lc_id", "slug"
        ).values_list("slug", "title", "description", "prompt", "entry_point", "difficulty")
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
            "url": submission_task_url(submission_id=row["submission_id"], slug=slug),
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
