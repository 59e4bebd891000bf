"""Scale-out: a submission fans out in chunk jobs; the last chunk aggregates once; hosts stay apart."""

from typing import Any

import pytest
from rq.exceptions import AbandonedJobError

from evaluator.host import HARNESS_VERSION
from portal import jobs, judging, queue
from portal.models import Calibration, Result, Submission, SubmissionStatus, Verdict
from portal.services import calibration, evaluation
from portal.services.evaluation import (
    MAX_TOTAL_JUDGE_ATTEMPTS,
    submission_chunks,
    submission_evaluate_chunk,
    submission_finish,
    submission_requeue,
)


@pytest.fixture
def five_tasks(make_task: Any, settings: Any) -> list[Any]:
    settings.MERCURY_EVALUATE_CHUNK_TASKS = 2
    return [make_task(slug=f"t{n}", lc_id=n) for n in range(1, 6)]


@pytest.fixture
def submission(five_tasks: list[Any], create_submission: Any) -> Any:
    rows = [{"task_id": task.slug, "completion": f"FAST {task.slug}"} for task in five_tasks]
    rows.append({"task_id": "t1", "completion": "WRONG t1"})
    return create_submission(rows, model_name="fan-out")


@pytest.fixture
def aggregations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    aggregate = evaluation.submission_aggregate

    def counted(*, submission_id: int) -> Any:
        calls.append(submission_id)
        return aggregate(submission_id=submission_id)

    monkeypatch.setattr(evaluation, "submission_aggregate", counted)
    return calls


def test_a_submission_fans_out_in_chunks_of_tasks(
    five_tasks, create_submission, django_capture_on_commit_callbacks, monkeypatch
):
    enqueued = []
    monkeypatch.setattr(
        queue, "submission_evaluate_enqueue", lambda **kwargs: enqueued.append(kwargs)
    )
    rows = [{"task_id": task.slug, "completion": "FAST"} for task in reversed(five_tasks)]
    rows.append({"task_id": "t1", "completion": "FAST again"})

    with django_capture_on_commit_callbacks(execute=True):
        created = create_submission(rows, model_name="chunks")

    t1, t2, t3, t4, t5 = (task.pk for task in five_tasks)
    assert enqueued == [
        {
            "submission_id": created.pk,
            "chunks": [
                queue.Chunk(0, (t1, t2), 3),
                queue.Chunk(1, (t3, t4), 2),
                queue.Chunk(2, (t5,), 1),
            ],
        }
    ]


def test_the_last_chunk_to_finish_aggregates_once(submission, fake_judge, aggregations):
    chunks = submission_chunks(submission_id=submission.pk)
    assert len(chunks) == 3

    for chunk in reversed(chunks[1:]):
        assert submission_evaluate_chunk(submission_id=submission.pk, task_ids=list(chunk.task_ids))
        submission.refresh_from_db()
        assert submission.status == SubmissionStatus.RUNNING
        assert submission.pass_at_1 is None
    assert submission_evaluate_chunk(submission_id=submission.pk, task_ids=list(chunks[0].task_ids))

    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.DONE
    assert (submission.progress_done, submission.progress_total) == (6, 6)
    assert submission.pass_at_1 == pytest.approx(0.9)  # t1: 1 of 2 samples, the others 1
    assert aggregations == [submission.pk]
    # A chunk that runs again (a doubled or retried job) changes nothing.
    judged = len(fake_judge.judged)
    assert not submission_evaluate_chunk(
        submission_id=submission.pk, task_ids=list(chunks[0].task_ids)
    )
    assert len(fake_judge.judged) == judged and aggregations == [submission.pk]


def test_submission_finish_is_a_compare_and_swap(submission, aggregations):
    Result.objects.filter(submission=submission).update(
        verdict=Verdict.PASSED, runtime_s=0.01, beyond=0.5
    )
    Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.RUNNING)

    assert submission_finish(submission_id=submission.pk) is True
    assert submission_finish(submission_id=submission.pk) is False
    assert aggregations == [submission.pk]
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.DONE
    assert submission.beyond_at_1 == pytest.approx(0.5)  # the placeholder was replaced


def test_a_pending_sample_keeps_the_submission_running(submission, aggregations):
    Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.RUNNING)

    assert submission_finish(submission_id=submission.pk) is False
    assert aggregations == []


def test_a_chunk_uses_only_its_own_hosts_calibration(
    submission, five_tasks, fake_judge, monkeypatch
):
    t1 = five_tasks[0]
    other = Calibration.objects.create(
        task=t1,
        host="host-b",
        harness_version=HARNESS_VERSION,
        task_fingerprint=t1.fingerprint,
        data={"host": "host-b", "bogus": True},
        spread=9.0,
    )
    seen_hosts = []
    judge = fake_judge.judge_sample

    def judge_sample(task, code, calibration, **kwargs):
        seen_hosts.append(calibration.host)
        return judge(task, code, calibration, **kwargs)

    monkeypatch.setattr(judging, "judge_sample", judge_sample)
    monkeypatch.setattr(calibration, "host_fingerprint", lambda: "host-a")
    monkeypatch.setattr(
        fake_judge, "calibrate_task", _calibrating_as("host-a", fake_judge.calibrate_task)
    )
    monkeypatch.setattr(judging, "calibrate_task", fake_judge.calibrate_task)

    submission_evaluate_chunk(submission_id=submission.pk, task_ids=[t1.pk])

    assert seen_hosts == ["host-a", "host-a"]
    assert fake_judge.calibrations == ["t1"]  # measured here, not borrowed from host-b
    assert Calibration.objects.get(task=t1, host="host-a").spread == pytest.approx(4.0)
    other.refresh_from_db()
    assert other.data == {"host": "host-b", "bogus": True}


def _calibrating_as(host: str, calibrate: Any) -> Any:
    def calibrate_task(task: Any) -> Any:
        calibration = calibrate(task)
        calibration.host = host
        return calibration

    return calibrate_task


def test_a_sample_that_kills_every_worker_is_given_up(submission, fake_judge, evaluate):
    first = Result.objects.get(submission=submission, task__slug="t1", sample=0)
    Result.objects.filter(pk=first.pk).update(attempts=MAX_TOTAL_JUDGE_ATTEMPTS)

    evaluate(submission.pk)

    first.refresh_from_db()
    assert first.verdict == Verdict.INTERNAL_ERROR
    assert "worker died" in first.diagnostic
    assert first.code not in fake_judge.judged


class _Job:
    def __init__(self, submission_id: int, retries_left: int) -> None:
        self.id = f"evaluate-submission-{submission_id}-chunk-0"
        self.args = (submission_id, [1])
        self.retries_left = retries_left


def test_rq_giving_up_marks_the_submission_error(submission):
    Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.RUNNING)

    jobs.evaluate_failed(_Job(submission.pk, 2), None, RuntimeError, RuntimeError("db"), None)
    assert Submission.objects.get(pk=submission.pk).status == SubmissionStatus.RUNNING
    jobs.evaluate_failed(_Job(submission.pk, 0), None, AbandonedJobError, AbandonedJobError(), None)
    assert Submission.objects.get(pk=submission.pk).status == SubmissionStatus.RUNNING

    jobs.evaluate_failed(_Job(submission.pk, 0), None, RuntimeError, RuntimeError("db"), None)
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.ERROR
    assert "RuntimeError: db" in submission.error_message
    # Staff requeue it from the admin: it resumes, judged samples kept.
    assert submission_requeue(submission_id=submission.pk) is True
