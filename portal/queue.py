"""RQ plumbing: queues, job ids, timeouts, retries, enqueueing and liveness; imports no service.

A submission is judged by one job per chunk of its tasks, so it fans out over every worker on
every host. Each job is safe to run twice (results are written once, with a compare-and-swap),
so a lost or doubled job costs time, never correctness. The job bodies live in `portal.jobs`
(jobs → services → queue) and are named here by their import path, so this module never
imports them.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import django_rq
from rq import Callback, Queue, Retry
from rq.job import Job

from portal import queue_state
from portal.queue_state import job_is_alive

log = logging.getLogger(__name__)

EVALUATE_QUEUE = "evaluate"
CALIBRATE_QUEUE = "calibrate"
DEFAULT_QUEUE = "default"
QUEUES = (EVALUATE_QUEUE, CALIBRATE_QUEUE, DEFAULT_QUEUE)
# Generous bounds: the sandbox's own limits per sample are far below these.
EVALUATE_BASE_TIMEOUT_S = 600
EVALUATE_PER_SAMPLE_TIMEOUT_S = 120
EVALUATE_PER_TASK_TIMEOUT_S = 300  # a chunk may first calibrate each of its tasks on its host
CALIBRATE_TIMEOUT_S = 1800
REJUDGE_BATCH_TIMEOUT_S = 3600
RESULT_TTL_S = 24 * 3600
FAILURE_TTL_S = 7 * 24 * 3600
# Internal errors (a database or Redis hiccup, a host whose sandbox is not ready) are retried
# with backoff; the retries wait in RQ's scheduled registry, so workers run `--with-scheduler`.
EVALUATE_RETRY = Retry(max=3, interval=[10, 60, 300])
CALIBRATE_RETRY = Retry(max=2, interval=[30, 300])


@dataclass(frozen=True)
class Chunk:
    """Some tasks of one submission, judged by one job; `index` makes the job id."""

    index: int
    task_ids: tuple[int, ...]
    n_samples: int


EVALUATE_JOB = "portal.jobs.evaluate_chunk"
EVALUATE_FAILED = "portal.jobs.evaluate_failed"
CALIBRATE_JOB = "portal.jobs.calibrate_task"
REJUDGE_BATCH_JOB = "portal.jobs.rejudge_batch"


def evaluate_job_id(submission_id: int, index: int) -> str:
    """Deterministic RQ job id of one chunk of a submission's evaluation."""
    return f"evaluate-submission-{submission_id}-chunk-{index}"


def calibrate_job_id(task_id: int, fingerprint: str) -> str:
    """Deterministic RQ job id of a task version's calibration."""
    return f"calibrate-task-{task_id}-{fingerprint[:16]}"


def _fetch(queue: Queue, job_id: str) -> Job | None:
    """The job of this id; an unreadable leftover record is discarded (see queue_state)."""
    return queue_state.job_fetch(connection=queue.connection, job_id=job_id, queue_names=QUEUES)


def _discard(queue: Queue, job_id: str) -> None:
    """Remove a dead or finished job's every record, whatever state a crash left them in."""
    queue_state.job_discard(connection=queue.connection, job_id=job_id, queue_names=QUEUES)


def submission_evaluate_enqueue(*, submission_id: int, chunks: Sequence[Chunk]) -> list[str]:
    """Enqueue a job per chunk (one Redis round trip) unless that chunk's job is alive.

    Whatever a dead or finished job of the same id left (in any state a crash leaves) is
    discarded first, so RQ's registries show only the new one.
    Returns the enqueued job ids.
    """
    queue = django_rq.get_queue(EVALUATE_QUEUE)
    datas = []
    for chunk in chunks:
        job_id = evaluate_job_id(submission_id, chunk.index)
        old = _fetch(queue, job_id)
        # A synchronous queue (tests, commands) runs each job as it is enqueued.
        if old is not None and queue.is_async and job_is_alive(old):
            log.debug("%s is already queued or running", job_id)
            continue
        _discard(queue, job_id)  # whatever a crash left under this id
        datas.append(
            Queue.prepare_data(
                EVALUATE_JOB,
                args=(submission_id, list(chunk.task_ids)),
                job_id=job_id,
                timeout=EVALUATE_BASE_TIMEOUT_S
                + EVALUATE_PER_TASK_TIMEOUT_S * len(chunk.task_ids)
                + EVALUATE_PER_SAMPLE_TIMEOUT_S * chunk.n_samples,
                result_ttl=RESULT_TTL_S,
                failure_ttl=FAILURE_TTL_S,
                description=(
                    f"evaluate submission {submission_id}, chunk {chunk.index} "
                    f"({len(chunk.task_ids)} tasks, {chunk.n_samples} samples)"
                ),
                retry=EVALUATE_RETRY,
                on_failure=Callback(EVALUATE_FAILED),
            )
        )
    if not datas:
        return []
    return [job.id for job in queue.enqueue_many(datas)]


def calibrate_task_enqueue(*, task_id: int, fingerprint: str) -> Job | None:
    """Enqueue a task's calibration unless the same calibration job is already waiting or running."""
    queue = django_rq.get_queue(CALIBRATE_QUEUE)
    job_id = calibrate_job_id(task_id, fingerprint)
    old = _fetch(queue, job_id)
    if old is not None and job_is_alive(old):
        log.info("%s is already queued or running", job_id)
        return None
    _discard(queue, job_id)  # whatever a crash left under this id
    return queue.enqueue(
        CALIBRATE_JOB,
        task_id,
        job_id=job_id,
        job_timeout=CALIBRATE_TIMEOUT_S,
        result_ttl=RESULT_TTL_S,
        failure_ttl=FAILURE_TTL_S,
        retry=CALIBRATE_RETRY,
        description=f"calibrate task {task_id}",
    )


def rejudge_batch_job_id(batch_id: int) -> str:
    """Deterministic RQ job id of a rejudge batch."""
    return f"rejudge-batch-{batch_id}"


def rejudge_batch_enqueue(*, batch_id: int) -> Job:
    """Enqueue a rejudge batch on the default queue (it only queues evaluations: quick)."""
    return django_rq.get_queue(DEFAULT_QUEUE).enqueue(
        REJUDGE_BATCH_JOB,
        batch_id,
        job_id=rejudge_batch_job_id(batch_id),
        job_timeout=REJUDGE_BATCH_TIMEOUT_S,
        result_ttl=RESULT_TTL_S,
        failure_ttl=FAILURE_TTL_S,
        retry=Retry(max=2, interval=[10, 60]),
        description=f"rejudge batch {batch_id}",
    )
