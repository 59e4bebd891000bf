"""RQ plumbing: queues, job ids, timeouts, retries, enqueueing and liveness; imports no service.

A submission is judged by one job per chunk of its tasks, so it fans out over every worker on
every host. Each job is safe to run twice (results are written once, with a compare-and-swap),
so a lost or doubled job costs time, never correctness. The job bodies live in `portal.jobs`
(jobs → services → queue) and are named here by their import path, so this module never
imports them.
"""

import logging
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import django_rq
from rq import Callback, Queue, Retry, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

log = logging.getLogger(__name__)

EVALUATE_QUEUE = "evaluate"
CALIBRATE_QUEUE = "calibrate"
DEFAULT_QUEUE = "default"
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
_WAITING = {JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED}


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


def _pid_is_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    # A process killed but not yet reaped by its parent is a zombie: as good as gone.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"


def job_is_alive(job: Job) -> bool:
    """Whether a job waits to run, or runs on a worker that is still there.

    A worker killed with SIGKILL leaves its job `started` for ever. It is known dead when its
    Redis key has expired (no heartbeat for a minute and a half), or at once when it ran on this
    host and its process is gone.
    """
    status = job.get_status(refresh=True)
    if status in _WAITING:
        return True
    if status != JobStatus.STARTED:
        return False
    if not job.worker_name:
        return True  # between dequeue and the first heartbeat
    worker = Worker.find_by_key(
        Worker.redis_worker_namespace_prefix + job.worker_name, connection=job.connection
    )
    if worker is None:
        return False
    on_this_host = worker.hostname == socket.gethostname()
    return not (on_this_host and worker.pid and _pid_is_gone(worker.pid))


def _fetch(queue: Queue, job_id: str) -> Job | None:
    try:
        return Job.fetch(job_id, connection=queue.connection)
    except NoSuchJobError:
        return None


def submission_evaluate_enqueue(*, submission_id: int, chunks: Sequence[Chunk]) -> list[str]:
    """Enqueue a job per chunk (one Redis round trip) unless that chunk's job is alive.

    A dead or finished job of the same id is deleted first, so RQ's registries show the new one.
    Returns the enqueued job ids.
    """
    queue = django_rq.get_queue(EVALUATE_QUEUE)
    datas = []
    for chunk in chunks:
        job_id = evaluate_job_id(submission_id, chunk.index)
        old = _fetch(queue, job_id)
        if old is not None:
            # A synchronous queue (tests, commands) runs each job as it is enqueued.
            if queue.is_async and job_is_alive(old):
                log.debug("%s is already queued or running", job_id)
                continue
            old.delete()
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
    if old is not None:
        if job_is_alive(old):
            log.info("%s is already queued or running", job_id)
            return None
        old.delete()
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
