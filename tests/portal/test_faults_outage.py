"""Redis down at upload time: the upload is stored whole and queued, and runs once Redis is back."""

import re
import socket
from typing import Any

import django_rq
import pytest
import redis
from django.urls import reverse

from portal import queue as portal_queue
from portal.models import Result, Submission, SubmissionStatus
from portal.services import evaluation
from portal.services.evaluation import (
    submission_enqueue_evaluation,
    submission_recover_stalled,
    submission_requeue,
)
from tests.conftest import TEST_REDIS_URL

QUEUES = ("evaluate", "calibrate", "default")
# A database of these tests' own: other test runs flush TEST_REDIS_URL's.
_BASE, _, _DB = TEST_REDIS_URL.rpartition("/")
OWN_REDIS_URL = f"{_BASE}/{int(_DB) - 2 if int(_DB) >= 2 else int(_DB) + 2}"


def _dead_redis_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"  # nothing listens there once the socket is closed


@pytest.fixture
def test_redis(settings: Any) -> Any:
    connection = redis.Redis.from_url(OWN_REDIS_URL)
    try:
        connection.ping()
    except redis.ConnectionError:
        pytest.skip(f"Redis is not reachable at {OWN_REDIS_URL}")
    connection.flushdb()
    settings.RQ_QUEUES = {name: {"URL": OWN_REDIS_URL} for name in QUEUES}
    yield connection
    connection.flushdb()


def test_an_upload_while_redis_is_down_is_queued_and_runs_when_it_returns(
    uploader_client, make_task, jsonl, upload_file, settings, fake_judge, test_redis, caplog,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    make_task(slug="alpha")
    make_task(slug="beta")
    settings.RQ_QUEUES = {name: {"URL": _dead_redis_url()} for name in QUEUES}
    rows = [{"task_id": slug, "completion": "FAST"} for slug in ("alpha", "beta", "beta")]

    with django_capture_on_commit_callbacks(execute=True):
        response = uploader_client.post(
            reverse("portal:upload"),
            {"model_name": "during-outage", "file": upload_file(jsonl(*rows))},
        )

    assert response.status_code == 302
    submission = Submission.objects.get()
    assert submission.status == SubmissionStatus.QUEUED
    assert Result.objects.filter(submission=submission).count() == 3  # stored whole
    assert "Error" in caplog.text  # the failed enqueue is logged
    # The detector cannot reach Redis either: it fails loudly, and changes nothing.
    with pytest.raises(redis.ConnectionError):
        submission_recover_stalled()

    settings.RQ_QUEUES = {name: {"URL": OWN_REDIS_URL} for name in QUEUES}
    assert submission_recover_stalled() == {"enqueued": [submission.pk], "resumed": []}
    assert submission_recover_stalled() == {"enqueued": [], "resumed": []}
    queue = django_rq.get_queue("evaluate")
    assert queue.job_ids == [f"evaluate-submission-{submission.pk}-chunk-0"]

    job = queue.fetch_job(queue.job_ids[0])
    job.perform()
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.DONE
    assert submission.pass_at_1 == 1.0


def test_recover_command_reports_redis_down_clearly(make_task, create_submission, settings):
    from django.core.management import CommandError, call_command

    make_task(slug="alpha")
    create_submission([{"task_id": "alpha", "completion": "x"}])
    settings.RQ_QUEUES = {name: {"URL": _dead_redis_url()} for name in QUEUES}

    with pytest.raises(CommandError, match="Redis is not reachable"):
        call_command("recover_submissions")


def test_a_job_rq_gave_up_on_is_visible_to_staff(
    admin_client, client, make_task, create_submission, test_redis, monkeypatch
):
    from django_rq.settings import get_queues_map
    from rq import SimpleWorker

    make_task(slug="alpha")
    submission = create_submission([{"task_id": "alpha", "completion": "x"}])
    queue = django_rq.get_queue("evaluate")
    [job_id] = submission_enqueue_evaluation(submission_id=submission.pk)
    job = queue.fetch_job(job_id)
    job.retries_left = 0  # the last retry
    job.save()

    def broken(**kwargs):
        raise RuntimeError("the sandbox is not ready on this host")

    monkeypatch.setattr(evaluation, "submission_evaluate_chunk", broken)
    SimpleWorker([queue], connection=queue.connection).work(burst=True)

    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.ERROR
    assert "the sandbox is not ready" in submission.error_message
    assert queue.failed_job_registry.get_job_ids() == [job_id]
    index = get_queues_map()["evaluate"]
    failed = admin_client.get(f"/admin/django-rq/queues/{index}/{job_id}/")
    assert failed.status_code == 200
    page = failed.content.decode()
    assert "failed" in page
    # The job's latest result page shows the traceback.
    result_url = re.search(rf'href="([^"]*/{job_id}/results/[^"/]+/)"', page).group(1)
    assert "the sandbox is not ready" in admin_client.get(result_url).content.decode()
    failed_list = admin_client.get(f"/admin/django-rq/queues/{index}/failed/")
    assert failed_list.status_code == 200 and job_id in failed_list.content.decode()
    assert client.get(f"/admin/django-rq/queues/{index}/failed/").status_code == 302  # staff only
    # Requeued from the admin: the failed job makes way for a fresh one.
    assert submission_requeue(submission_id=submission.pk)
    # Not enqueued yet (the requeue's enqueue waits for a commit): the failed job is still there.
    old = queue.fetch_job(portal_queue.evaluate_job_id(submission.pk, 0))
    assert old is not None and not portal_queue.job_is_alive(old)
