"""Reads shaped for the JSON API: one task, a submission's results, a user's submissions."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from portal.models import Result, Submission
from portal.selectors.accounts import submissions_of
from portal.selectors.common import (
    calibration_is_current,
    calibration_runtimes,
    calibrations_for,
    submission_figures,
)
from portal.selectors.tasks import task_api_row, task_get

# The evaluator's --json result keys (DESIGN §5), in its order.
RESULT_KEYS = ("task_id", "sample", "verdict", "runtime_s", "beyond", "percentile")


def task_api_detail(*, slug: str) -> dict[str, Any]:
    """A task with its prompt and a summary of its reference runtimes, JSON-ready (or 404)."""
    task = task_get(slug=slug)
    calibration = calibrations_for(fingerprints={task.pk: task.fingerprint}).get(task.pk)
    runtimes = calibration_runtimes(calibration.data) if calibration else {}
    references: dict[str, Any] = {
        "names": list(task.references.order_by("name").values_list("name", flat=True)),
        "calibrated": calibration is not None,
        "current_host": calibration_is_current(calibration),
        "runtimes_s": dict(sorted(runtimes.items(), key=lambda item: item[1])),
        "fastest_s": min(runtimes.values()) if runtimes else None,
        "slowest_s": max(runtimes.values()) if runtimes else None,
        "spread": calibration.spread if calibration else None,
        "host": calibration.host if calibration else None,
    }
    return {**task_api_row(task), "references": references}


def submission_api_results(*, submission: Submission) -> dict[str, Any]:
    """A submission's per-sample results under the evaluator's key names (no code)."""
    rows = (
        Result.objects.filter(submission=submission)
        .order_by("task__lc_id", "task__slug", "sample")
        .values_list("task__slug", "sample", "verdict", "runtime_s", "beyond", "percentile")
    )
    return {
        "id": submission.pk,
        "status": submission.status,
        "finished": submission.is_finished,
        **submission_figures(submission),
        "results": [dict(zip(RESULT_KEYS, row, strict=True)) for row in rows],
    }


def submissions_api_rows(*, user: AbstractBaseUser) -> list[dict[str, Any]]:
    """The user's own submissions in every state, newest first, JSON-ready."""
    return [
        {
            "id": submission.pk,
            "model_name": submission.model_name,
            "model_version": submission.model_version,
            "status": submission.status,
            "moderation": submission.moderation,
            "moderation_reason": submission.moderation_reason or None,
            "progress": {"done": submission.progress_done, "total": submission.progress_total},
            **submission_figures(submission),
            "error": submission.error_message or None,
            "created_at": submission.created_at.isoformat(),
            "finished_at": submission.finished_at.isoformat() if submission.finished_at else None,
            "url": submission.get_absolute_url(),
        }
        for submission in submissions_of(user=user)
    ]
