"""RQ job bodies: take primitive ids, call one service. Enqueueing lives in `portal.queue`.

Imports read one way: jobs → services → queue. `portal.queue` names these functions by their
import path (`portal.jobs.<name>`) when it enqueues them, so it never imports this module.
"""

import logging
from typing import Any

from rq.exceptions import AbandonedJobError
from rq.job import Job

from portal.queue import EVALUATE_RETRY
from portal.services import calibration, evaluation, moderation

log = logging.getLogger(__name__)


def evaluate_chunk(submission_id: int, task_ids: list[int]) -> bool:
    """Job body: judge one chunk of a submission (see `evaluation.submission_evaluate_chunk`)."""
    return evaluation.submission_evaluate_chunk(
        submission_id=submission_id, task_ids=list(task_ids)
    )


def calibrate_task(task_id: int) -> str:
    """Job body: make sure one task is calibrated on this worker's host."""
    stored = calibration.calibration_job(task_id=task_id)
    return f"{stored.data.get('task_slug')}: spread {stored.spread:.2f}x"


def rejudge_batch(batch_id: int) -> str:
    """Job body: rejudge every submission of a batch staff started (see services.moderation)."""
    batch = moderation.rejudge_batch_run(batch_id=batch_id)
    return f"rejudge batch {batch.pk}: {batch.done}/{batch.total} ({batch.status})"


def evaluate_failed(job: Job, connection: Any, exc_type: type, exc: BaseException, tb: Any) -> None:
    """RQ failure callback of a chunk job: mark the submission failed once no retry is left.

    A worker that died (AbandonedJobError) is not the submission's fault: it stays running and
    the stale-run detector resumes it.
    """
    if job.retries_left:
        log.warning("%s failed (%s: %s); RQ retries it", job.id, exc_type.__name__, exc)
        return
    if isinstance(exc, AbandonedJobError):
        log.warning("%s was abandoned by its worker; recover_submissions resumes it", job.id)
        return
    evaluation.submission_fail(
        submission_id=int(job.args[0]),
        message=f"{exc_type.__name__}: {exc} (job {job.id}, after {EVALUATE_RETRY.max} retries)",
    )
