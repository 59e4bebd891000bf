"""What RQ holds about a job, read and repaired without trusting any single record of it.

RQ spreads one job over several keys (the job hash, a queue list, a registry per state, the
records of each execution and their registry) that different processes write at different
times. A worker killed at the wrong moment, a Redis restart or one TTL expiring before another
leaves them disagreeing, and RQ's own `Job.delete()` then raises: a job left `started` by a
killed worker keeps its execution registry 60 seconds longer than the execution record it
lists, and deleting it inside that window fails with `ValueError: Execution ... not found`.
Everything here tolerates any such leftover: a record that cannot be read is discarded, and
discarding removes every trace of a job id by key, whatever its hash says.
"""

import logging
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from redis import Redis
from rq import Queue, Worker
from rq.exceptions import NoSuchJobError
from rq.executions import Execution, ExecutionRegistry
from rq.job import Job, JobStatus
from rq.registry import (
    CanceledJobRegistry,
    DeferredJobRegistry,
    FailedJobRegistry,
    FinishedJobRegistry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)
from rq.utils import as_text, parse_composite_key

log = logging.getLogger(__name__)

# Registries keyed by plain job id (the started registry holds `job_id:execution_id`).
_PLAIN_REGISTRIES = (
    FinishedJobRegistry,
    FailedJobRegistry,
    DeferredJobRegistry,
    ScheduledJobRegistry,
    CanceledJobRegistry,
)
# What RQ writes when a job's process died rather than the job raising: RQ's registry cleanup
# (worker gone), the worker seeing its work horse killed (a kill, an out-of-memory kill, a cold
# shutdown).
KILLED_MARKERS = ("AbandonedJobError", "Work-horse terminated unexpectedly")
# A process that started this long after the worker registered is another process (pid reuse).
_PID_REUSE_SLACK_S = 5.0


def job_fetch(*, connection: Redis, job_id: str, queue_names: Iterable[str]) -> Job | None:
    """The job of this id, or None when there is none or its record cannot be read.

    A half-written or half-deleted hash (a worker writing its status after the job was deleted,
    data that no longer deserializes) is discarded, so the caller can enqueue afresh.
    """
    try:
        job = Job.fetch(job_id, connection=connection)
        job.func_name  # noqa: B018 - deserializes the data: a hash without it is not a job
    except NoSuchJobError:
        if connection.exists(Job.key_for(job_id)):  # a hash without a job's fields
            job_discard(connection=connection, job_id=job_id, queue_names=queue_names)
        return None
    except Exception as exc:  # noqa: BLE001 - any unreadable record is replaced, never fatal
        log.warning(
            "discarding the unreadable record of job %s (%s: %s)", job_id, type(exc).__name__, exc
        )
        job_discard(connection=connection, job_id=job_id, queue_names=queue_names)
        return None
    return job


def job_discard(*, connection: Redis, job_id: str, queue_names: Iterable[str]) -> None:
    """Remove every trace of a job id: queue lists, every registry, executions, the hash.

    Unlike `Job.delete()` it reads nothing it then relies on (the hash's status, the execution
    records), so it works on any leftover; removing what is absent is a no-op.
    """
    executions_key = ExecutionRegistry.key_template.format(job_id)
    execution_ids = [as_text(member) for member in connection.zrange(executions_key, 0, -1)]
    started_members: dict[str, list[bytes]] = {}
    for name in queue_names:
        key = StartedJobRegistry(name, connection=connection).key
        started_members[key] = [
            member
            for member in connection.zrange(key, 0, -1)
            if parse_composite_key(as_text(member))[0] == job_id
        ]
    with connection.pipeline() as pipe:
        for name in queue_names:
            queue = Queue(name, connection=connection)
            pipe.lrem(queue.key, 0, job_id)
            pipe.lrem(queue.intermediate_queue_key, 0, job_id)
            for registry_class in _PLAIN_REGISTRIES:
                pipe.zrem(registry_class(name, connection=connection).key, job_id)
        for key, members in started_members.items():
            if members:
                pipe.zrem(key, *members)
        pipe.delete(
            *(Execution(id=eid, job_id=job_id, connection=connection).key for eid in execution_ids),
            executions_key,
            Job.key_for(job_id),
            Job.dependents_key_for(job_id),
            f"{Job.key_for(job_id)}:dependencies",
        )
        pipe.execute()


def job_is_alive(job: Job) -> bool:
    """Whether a job waits where a worker will find it, or runs on a worker that is still there.

    A job counts as waiting only where RQ looks: queued in its queue's list, scheduled in the
    scheduled registry, deferred in the deferred registry. A started job counts as running only
    while its worker's record exists, names this job as its current one and, for a worker of
    this host, its process is there (a worker killed with SIGKILL leaves its job `started`, and
    its own record for minutes).
    """
    connection = job.connection
    status = job.get_status(refresh=True)
    origin = job.origin or ""
    if status == JobStatus.QUEUED:
        return connection.lpos(Queue(origin, connection=connection).key, job.id) is not None
    if status == JobStatus.SCHEDULED:
        return job.id in ScheduledJobRegistry(origin, connection=connection)
    if status == JobStatus.DEFERRED:
        return job.id in DeferredJobRegistry(origin, connection=connection)
    if status != JobStatus.STARTED or not job.worker_name:
        return False
    return worker_runs(connection=connection, worker_name=job.worker_name, job_id=job.id)


def worker_runs(*, connection: Redis, worker_name: str, job_id: str) -> bool:
    """Whether the worker of this name is alive and busy with this job."""
    try:
        worker = Worker.find_by_key(
            Worker.redis_worker_namespace_prefix + worker_name, connection=connection
        )
        if worker is None or worker.get_current_job_id() != job_id:
            return False
    except Exception as exc:  # noqa: BLE001 - a half-written worker record is a dead worker
        log.warning("unreadable record of worker %s (%s: %s)", worker_name, type(exc).__name__, exc)
        return False
    if worker.hostname != socket.gethostname() or not worker.pid:
        return True  # another host's worker: its record expiring is the only sign of death
    return process_is_alive(worker.pid, started_before=worker.birth_date)


def process_is_alive(pid: int, *, started_before: datetime | None = None) -> bool:
    """Whether a process of this host runs (a zombie does not), and is the one that existed at
    `started_before` rather than a later process given the same pid."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
    except OSError:
        return True  # no /proc: trust kill(0)
    if fields[0] == "Z":
        return False
    if started_before is None:
        return True
    started_at = _boot_time() + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    reference = started_before
    if reference.tzinfo is None:
        reference = reference.replace(tzinfo=UTC)
    return started_at <= reference.timestamp() + _PID_REUSE_SLACK_S


def _boot_time() -> float:
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    return 0.0


def job_failure_was_a_kill(job: Job) -> bool:
    """Whether a failed job failed because its process died (killed, abandoned), not by raising."""
    try:
        result = job.latest_result()
    except Exception:  # noqa: BLE001 - an unreadable result tells nothing
        return False
    text = (result.exc_string or "") if result is not None else ""
    return any(marker in text for marker in KILLED_MARKERS)


@dataclass(frozen=True)
class Leftover:
    """A job record RQ keeps that no worker will finish now: `state` is 'started', 'failed' or
    'scheduled' (a retry waiting out its backoff)."""

    job_id: str
    queue: str
    state: str
    killed: bool  # failed because its process died, not by raising; True unless 'failed'
    job: Job | None


def leftovers(
    *, connection: Redis, queue_names: Iterable[str], scheduled: bool = False
) -> list[Leftover]:
    """Jobs that RQ's started and failed registries hold but no live worker runs; with
    `scheduled`, also the retries waiting in the scheduled registry (state 'scheduled').

    Read straight from the registries (without RQ's cleanup, which would run failure callbacks
    as a side effect of reading); started entries whose job record is gone and queue entries
    without a job record are removed on the way.
    """
    names = list(queue_names)
    found: dict[str, Leftover] = {}
    for name in names:
        registries = [
            ("started", StartedJobRegistry(name, connection=connection).key),
            ("failed", FailedJobRegistry(name, connection=connection).key),
        ]
        if scheduled:
            registries.append(("scheduled", ScheduledJobRegistry(name, connection=connection).key))
        for state, key in registries:
            for member in connection.zrange(key, 0, -1):
                job_id = as_text(member)
                if state == "started":  # `job_id:execution_id`
                    job_id = parse_composite_key(job_id)[0]
                if job_id in found:
                    continue
                job = job_fetch(connection=connection, job_id=job_id, queue_names=names)
                if job is None:
                    connection.zrem(key, member)
                    continue
                if state != "scheduled" and job_is_alive(job):
                    if state == "failed":  # enqueued again since: a stale entry
                        connection.zrem(key, member)
                    continue
                killed = state != "failed" or job_failure_was_a_kill(job)
                found[job_id] = Leftover(job_id, name, state, killed, job)
        queue = Queue(name, connection=connection)
        for member in connection.lrange(queue.key, 0, -1):
            if not connection.exists(Job.key_for(as_text(member))):
                connection.lrem(queue.key, 0, member)
    return list(found.values())
