"""RQ jobs: explicit queues, deterministic ids, timeouts, enqueue-on-commit, duplicate guards."""

import django_rq
import pytest
import redis

from portal import jobs, queue as portal_queue
from portal.models import SubmissionStatus
from portal.services.calibration import calibration_enqueue
from portal.services.submissions import submission_create
from tests.conftest import TEST_REDIS_URL


@pytest.fixture
def test_redis():
    """The test Redis database, emptied before and after; skips when Redis is down."""
    connection = redis.Redis.from_url(TEST_REDIS_URL)
    try:
        connection.ping()
    except redis.ConnectionError:
        pytest.skip(f"Redis is not reachable at {TEST_REDIS_URL}")
    connection.flushdb()
    yield connection
    connection.flushdb()


def test_submission_evaluate_enqueue_makes_a_job_per_chunk(db, test_redis):
    chunks = [portal_queue.Chunk(0, (1, 2), 3), portal_queue.Chunk(1, (5,), 1)]

    ids = portal_queue.submission_evaluate_enqueue(submission_id=42, chunks=chunks)

    assert ids == ["evaluate-submission-42-chunk-0", "evaluate-submission-42-chunk-1"]
    queue = django_rq.get_queue("evaluate")
    assert queue.job_ids == ids
    job = queue.fetch_job("evaluate-submission-42-chunk-0")
    assert job.origin == "evaluate"
    assert job.args == (42, [1, 2])
    assert job.timeout == (
        portal_queue.EVALUATE_BASE_TIMEOUT_S
        + 2 * portal_queue.EVALUATE_PER_TASK_TIMEOUT_S
        + 3 * portal_queue.EVALUATE_PER_SAMPLE_TIMEOUT_S
    )
    assert job.retries_left == portal_queue.EVALUATE_RETRY.max
    # A chunk whose job still waits is not enqueued twice.
    assert portal_queue.submission_evaluate_enqueue(submission_id=42, chunks=chunks) == []
    assert queue.count == 2


def test_upload_enqueues_only_after_commit(
    make_task, create_submission, test_redis, django_capture_on_commit_callbacks
):
    make_task(slug="alpha")
    queue = django_rq.get_queue("evaluate")

    with django_capture_on_commit_callbacks(execute=True):
        submission = create_submission([{"task_id": "alpha", "completion": "x"}])
        assert queue.job_ids == []

    assert queue.job_ids == [portal_queue.evaluate_job_id(submission.pk, 0)]


def test_calibrate_task_enqueue_skips_a_job_already_waiting(
    db, test_redis, django_capture_on_commit_callbacks
):
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            portal_queue.calibrate_task_enqueue(task_id=7, fingerprint="abcdef0123456789ff")

    queue = django_rq.get_queue("calibrate")
    assert queue.job_ids == ["calibrate-task-7-abcdef0123456789"]
    assert queue.fetch_job("calibrate-task-7-abcdef0123456789").origin == "calibrate"


def test_calibration_enqueue_enqueues_each_task(
    make_task, test_redis, django_capture_on_commit_callbacks
):
    make_task(slug="alpha")
    make_task(slug="beta")

    with django_capture_on_commit_callbacks(execute=True):
        assert calibration_enqueue(slugs=["beta"]) == ["beta"]
    assert django_rq.get_queue("calibrate").count == 1


def test_evaluate_job_runs_the_service(
    make_task, upload_file, fake_judge, rq_sync, django_capture_on_commit_callbacks
):
    make_task(slug="alpha")
    with django_capture_on_commit_callbacks(execute=True):
        submission = submission_create(
            user=None,
            model_name="m",
            upload=upload_file(b'{"task_id": "alpha", "completion": "FAST"}'),
        )

    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.DONE
    assert submission.pass_at_1 == 1.0


def test_calibrate_job_stores_the_calibration(make_task, fake_judge):
    task = make_task(slug="alpha")

    assert jobs.calibrate_task(task.pk) == "alpha: spread 4.00x"
    assert task.calibrations.count() == 1
