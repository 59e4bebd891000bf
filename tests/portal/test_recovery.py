"""Recovery from leftover queue state: records a killed worker, a TTL or a Redis restart left.

The job records are made by real RQ code (a worker process that starts a job and is killed
with SIGKILL), on a redis-server of this module's own, so the shared Redis is never touched.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import django_rq
import pytest
import redis
from rq.exceptions import AbandonedJobError
from rq.job import Job, JobStatus

from portal import queue as portal_queue, queue_state
from portal.models import BatchStatus, RejudgeBatch, SubmissionStatus
from portal.services import recovery

pytestmark = [
    pytest.mark.skipif(
        shutil.which("redis-server") is None, reason="redis-server is not installed"
    ),
    # django-rq enqueues on commit: jobs reach Redis only outside a test transaction.
    pytest.mark.django_db(transaction=True),
]

REPO = Path(__file__).resolve().parents[2]
# A worker that takes one job from the queue, starts it as RQ's worker does, then hangs until
# it is killed: the records a worker killed mid-job leaves.
_STARTED_WORKER = """
import sys, time
from redis import Redis
from rq import Queue, Worker
connection = Redis.from_url(sys.argv[1])
queue = Queue(sys.argv[2], connection=connection)
worker = Worker([queue], connection=connection)
worker.register_birth()
job, _queue = worker.dequeue_job_and_maintain_ttl(timeout=5)
worker.prepare_execution(job)
worker.prepare_job_execution(job)
print(worker.execution.key, flush=True)
time.sleep(600)
"""


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server of this module's own on a free port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    directory = tmp_path_factory.mktemp("recovery-redis")
    process = subprocess.Popen(
        [
            *("redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""),
            *("--appendonly", "no", "--dir", str(directory)),
        ],
        stdout=subprocess.DEVNULL,
    )
    connection = redis.Redis(port=port)
    for _ in range(100):
        try:
            connection.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def connection(redis_url: str, settings: Any) -> Iterator[redis.Redis]:
    """The module's Redis, empty, as every queue's."""
    settings.RQ_QUEUES = {
        name: {"URL": redis_url, "DEFAULT_TIMEOUT": 600} for name in portal_queue.QUEUES
    }
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()


def _start_and_kill(redis_url: str, queue: str) -> str:
    """Let a real RQ worker start the queue's first job, then SIGKILL it; its execution key."""
    process = subprocess.Popen(
        [sys.executable, "-c", _STARTED_WORKER, redis_url, queue],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        execution_key = process.stdout.readline().strip()
        assert execution_key.startswith("rq:execution:"), "the worker did not start the job"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    return execution_key


def _inside_the_ttl_window(connection: redis.Redis, execution_key: str) -> None:
    """What the clock does 95-140 s after the kill: the execution record's heartbeat TTL has
    run out, while the job's execution registry (60 s longer) still lists it."""
    assert connection.ttl(execution_key) > 0
    connection.delete(execution_key)


def _traces(connection: redis.Redis, job_id: str) -> list[str]:
    """Every key that still mentions the job id, and every registry or queue that lists it."""
    found = [key.decode() for key in connection.scan_iter(f"*{job_id}*")]
    for key in connection.scan_iter("rq:*"):
        kind = connection.type(key)
        if kind == b"zset":
            members = connection.zrange(key, 0, -1)
        elif kind == b"list":
            members = connection.lrange(key, 0, -1)
        else:
            continue
        if any(member.decode().split(":")[0] == job_id for member in members):
            found.append(key.decode())
    return found


@pytest.mark.parametrize("aged", [False, True], ids=["at-once", "inside-the-ttl-window"])
def test_calibration_enqueue_replaces_the_job_a_killed_worker_left(db, connection, redis_url, aged):
    job = portal_queue.calibrate_task_enqueue(task_id=7, fingerprint="f" * 40)
    execution_key = _start_and_kill(redis_url, portal_queue.CALIBRATE_QUEUE)
    if aged:
        _inside_the_ttl_window(connection, execution_key)
        # RQ's own delete fails on exactly this state (what stopped `make run` from starting).
        with pytest.raises(ValueError, match="not found in Redis"):
            Job.fetch(job.id, connection=connection).delete()

    again = portal_queue.calibrate_task_enqueue(task_id=7, fingerprint="f" * 40)

    assert again is not None and again.id == job.id
    assert again.get_status(refresh=True) == JobStatus.QUEUED
    queue = django_rq.get_queue(portal_queue.CALIBRATE_QUEUE)
    assert queue.job_ids == [job.id]
    # Nothing of the killed run is left: no started entry, no execution records.
    assert sorted(_traces(connection, job.id)) == sorted([f"rq:job:{job.id}", queue.key])


def test_a_half_deleted_record_is_replaced(db, connection):
    job = portal_queue.calibrate_task_enqueue(task_id=7, fingerprint="f" * 40)
    # A worker's late status write recreates the hash after a delete: no data, no origin.
    connection.delete(f"rq:job:{job.id}")
    connection.hset(f"rq:job:{job.id}", mapping={"status": "started", "worker_name": "gone"})
    connection.zadd(
        f"rq:wip:{portal_queue.CALIBRATE_QUEUE}", {f"{job.id}:deadbeef": time.time() + 60}
    )

    again = portal_queue.calibrate_task_enqueue(task_id=7, fingerprint="f" * 40)

    assert again is not None
    assert Job.fetch(job.id, connection=connection).get_status() == JobStatus.QUEUED
    assert connection.zcard(f"rq:wip:{portal_queue.CALIBRATE_QUEUE}") == 0


def test_a_queued_record_missing_from_its_queue_counts_as_dead(db, connection):
    job = portal_queue.calibrate_task_enqueue(task_id=7, fingerprint="f" * 40)
    queue = django_rq.get_queue(portal_queue.CALIBRATE_QUEUE)
    assert queue_state.job_is_alive(job)
    connection.lrem(queue.key, 0, job.id)  # dequeued by a worker killed before it started it

    assert not queue_state.job_is_alive(job)
    assert portal_queue.calibrate_task_enqueue(task_id=7, fingerprint="f" * 40) is not None
    assert queue.job_ids == [job.id]


def test_a_worker_pid_reused_by_another_process_is_a_dead_worker():
    from datetime import UTC, datetime, timedelta

    me = os.getpid()
    assert queue_state.process_is_alive(me, started_before=datetime.now(UTC))
    # A worker registered long before this process started cannot have been this process.
    started = datetime.fromtimestamp(time.time() - 10 * 365 * 86400, UTC)
    assert not queue_state.process_is_alive(me, started_before=started + timedelta(seconds=1))


@pytest.mark.parametrize("aged", [False, True], ids=["at-once", "inside-the-ttl-window"])
def test_recovery_requeues_calibrations_and_submissions_a_killed_run_left(
    make_task, create_submission, connection, redis_url, aged
):
    alpha = make_task(slug="alpha")
    make_task(slug="beta")
    submission = create_submission([{"task_id": "alpha", "completion": "x"}])
    portal_queue.calibrate_task_enqueue(task_id=alpha.pk, fingerprint=alpha.fingerprint)
    execution_key = _start_and_kill(redis_url, portal_queue.CALIBRATE_QUEUE)
    chunk_job = portal_queue.evaluate_job_id(submission.pk, 0)  # queued when the upload committed
    chunk_execution = _start_and_kill(redis_url, portal_queue.EVALUATE_QUEUE)
    submission.status = SubmissionStatus.RUNNING
    submission.save(update_fields=["status"])
    if aged:
        _inside_the_ttl_window(connection, execution_key)
        _inside_the_ttl_window(connection, chunk_execution)

    report = recovery.recovery_run(startup=True)

    assert report.calibrations_requeued == ["alpha"]
    assert report.calibrations_queued == ["beta"]  # never queued before: not a recovery
    assert report.submissions_requeued == [submission.pk]
    assert sorted(report.records_discarded) == sorted(
        [portal_queue.calibrate_job_id(alpha.pk, alpha.fingerprint), chunk_job]
    )
    assert report.summary().startswith(
        "re-queued 1 calibration and 1 submission left by a previous run; "
        "queued 1 calibration of tasks not yet calibrated on this host"
    )
    for name in (portal_queue.CALIBRATE_QUEUE, portal_queue.EVALUATE_QUEUE):
        assert connection.zcard(f"rq:wip:{name}") == 0
    assert len(django_rq.get_queue(portal_queue.CALIBRATE_QUEUE).job_ids) == 2
    assert django_rq.get_queue(portal_queue.EVALUATE_QUEUE).job_ids == [chunk_job]
    # Run again at once: nothing twice.
    again = recovery.recovery_run()
    assert not again.recovered and not again.records_discarded
    assert again.summary() == "nothing left unfinished by a previous run"


def test_recovery_keeps_a_genuine_failure_for_staff_and_requeues_a_killed_one(
    make_task, create_submission, connection
):
    failed = create_submission([{"task_id": make_task(slug="a").slug, "completion": "x"}])
    killed = create_submission([{"task_id": make_task(slug="b").slug, "completion": "y"}])
    queue = django_rq.get_queue(portal_queue.EVALUATE_QUEUE)
    registry = queue.failed_job_registry
    for submission, text in ((failed, "RuntimeError: boom"), (killed, None)):
        job_id = portal_queue.evaluate_job_id(submission.pk, 0)  # queued when the upload committed
        job = queue.fetch_job(job_id)
        connection.lrem(queue.key, 0, job_id)
        job.set_status(JobStatus.FAILED)
        exc = text or f"Moved to FailedJobRegistry, due to {AbandonedJobError.__name__}"
        registry.add(job, exc_string=exc)
    failed.status = SubmissionStatus.ERROR
    failed.save(update_fields=["status"])
    killed.status = SubmissionStatus.RUNNING
    killed.save(update_fields=["status"])

    report = recovery.recovery_run()

    assert report.submissions_requeued == [killed.pk]
    assert report.failures_kept == [portal_queue.evaluate_job_id(failed.pk, 0)]
    assert registry.get_job_ids() == [portal_queue.evaluate_job_id(failed.pk, 0)]
    assert queue.job_ids == [portal_queue.evaluate_job_id(killed.pk, 0)]


def test_recovery_requeues_an_unfinished_rejudge_batch_whose_job_is_gone(db, connection):
    batch = RejudgeBatch.objects.create(
        description="all", submission_ids=[], total=0, status=BatchStatus.RUNNING
    )

    report = recovery.recovery_run()

    assert report.batches_requeued == [batch.pk]
    assert django_rq.get_queue(portal_queue.DEFAULT_QUEUE).job_ids == [
        portal_queue.rejudge_batch_job_id(batch.pk)
    ]
    assert recovery.recovery_run().batches_requeued == []


def test_a_retry_waiting_out_its_backoff_runs_at_once_at_start_up_only(make_task, connection):
    from datetime import UTC, datetime, timedelta

    from rq.registry import ScheduledJobRegistry

    alpha = make_task(slug="alpha")
    job = portal_queue.calibrate_task_enqueue(task_id=alpha.pk, fingerprint=alpha.fingerprint)
    rq_queue = django_rq.get_queue(portal_queue.CALIBRATE_QUEUE)
    # What RQ does when a stop kills the work horse: the retry waits 30 s (then 300 s).
    connection.lrem(rq_queue.key, 0, job.id)
    registry = ScheduledJobRegistry(queue=rq_queue)
    registry.schedule(job, datetime.now(UTC) + timedelta(seconds=300))
    job.set_status(JobStatus.SCHEDULED)

    assert recovery.recovery_run().calibrations_requeued == []  # the detector leaves it
    assert registry.get_job_ids() == [job.id]

    report = recovery.recovery_run(startup=True)

    assert report.calibrations_requeued == ["alpha"]
    assert registry.get_job_ids() == []
    assert rq_queue.job_ids == [job.id]
