"""Services: task loading, submission creation and validation, evaluation and its idempotency."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError

from portal import jobs, judging, queue
from portal.models import Calibration, Result, Submission, SubmissionStatus, Task, Verdict
from portal.services import evaluation
from portal.services.calibration import calibration_ensure
from portal.services.evaluation import (
    submission_recover_stalled,
    submission_rejudge,
    submission_requeue,
    submission_start,
)
from portal.services.submissions import SubmissionInvalid, UploadNotAllowed, submission_create
from portal.services.tasks import task_load_from_fixtures, task_to_evaluator, task_upsert
from tests.conftest import TEST_TASKS_DIR


def test_task_load_from_fixtures_is_idempotent(db):
    first = task_load_from_fixtures(path=TEST_TASKS_DIR)
    second = task_load_from_fixtures(path=TEST_TASKS_DIR)

    assert first.created == ["tiny-sum"]
    assert second.unchanged == ["tiny-sum"] and not second.created and not second.updated
    task = Task.objects.get(slug="tiny-sum")
    assert task.references.count() == 6
    assert len(task.suite.small) == 12 and len(task.suite.large) == 1


def test_task_to_evaluator_round_trips_the_fingerprint(tiny_task):
    rebuilt = task_to_evaluator(task=tiny_task)

    assert rebuilt.fingerprint == tiny_task.fingerprint
    assert rebuilt.references["builtin"].strip().endswith("return sum(nums)")


def test_task_upsert_updates_a_changed_task(tiny_task):
    from dataclasses import replace

    etask = task_to_evaluator(task=tiny_task)
    changed = replace(etask, version=2, references={"builtin": etask.references["builtin"]})

    _task, what = task_upsert(etask=changed)

    tiny_task.refresh_from_db()
    assert what == "updated"
    assert tiny_task.version == 2
    assert tiny_task.fingerprint == changed.fingerprint
    assert list(tiny_task.references.values_list("name", flat=True)) == ["builtin"]


def test_submission_create_stores_samples_in_order(make_task, create_submission):
    make_task(slug="alpha")
    make_task(slug="beta", difficulty="Hard")

    submission = create_submission(
        [
            {"task_id": "alpha", "completion": "return 1"},
            {"task_id": "beta", "solution": "```python\nclass Solution:\n    pass\n```"},
            {"task_id": "alpha", "completion": "class Solution:\n    x = 3"},
        ],
        model_name="  my-model  ",
    )

    assert submission.status == SubmissionStatus.QUEUED
    assert submission.model_name == "my-model"
    assert (submission.n_samples, submission.n_tasks, submission.progress_total) == (3, 2, 3)
    rows = list(
        Result.objects.filter(submission=submission)
        .order_by("line")
        .values_list("task__slug", "sample", "line", "code", "verdict")
    )
    # A method body continues the prompt: it is joined to the task's starter code.
    starter = "class Solution:\n    def solve(self, x: int) -> int:\n        "
    assert rows == [
        ("alpha", 0, 1, starter + "return 1", Verdict.PENDING),
        ("beta", 0, 2, "class Solution:\n    pass\n", Verdict.PENDING),
        ("alpha", 1, 3, "class Solution:\n    x = 3", Verdict.PENDING),
    ]


def test_submission_create_rejects_bad_lines_and_stores_nothing(make_task, create_submission):
    make_task(slug="alpha")

    with pytest.raises(SubmissionInvalid) as caught:
        create_submission(
            [
                {"task_id": "alpha", "completion": "ok = 1"},
                {"task_id": "no-such-task", "completion": "x"},
                {"completion": "no task id"},
            ]
        )

    errors = caught.value.errors
    assert any(e.startswith("line 2:") and "no-such-task" in e for e in errors)
    assert any(e.startswith("line 3:") and "task_id" in e for e in errors)
    assert Submission.objects.count() == 0 and Result.objects.count() == 0


def test_submission_create_rejects_malformed_json(make_task, upload_file):
    make_task(slug="alpha")

    with pytest.raises(SubmissionInvalid) as caught:
        submission_create(
            user=None,
            model_name="m",
            upload=upload_file(b'{"task_id": "alpha", "completion": "x"}\n{not json\n'),
        )

    assert len(caught.value.errors) == 1
    assert caught.value.errors[0].startswith("line 2: not valid JSON")
    assert Submission.objects.count() == 0


def test_submission_create_rejects_an_empty_file(make_task, upload_file):
    make_task(slug="alpha")

    with pytest.raises(SubmissionInvalid, match="no completions"):
        submission_create(user=None, model_name="m", upload=upload_file(b"\n\n"))


def test_submission_create_rejects_nul_in_code(make_task, upload_file):
    make_task(slug="alpha")

    with pytest.raises(SubmissionInvalid, match=r"line 1: .*NUL"):
        submission_create(
            user=None,
            model_name="m",
            upload=upload_file(b'{"task_id": "alpha", "completion": "x = 1\\u0000"}\n'),
        )
    assert Submission.objects.count() == 0


def test_submission_create_refuses_an_anonymous_user(make_task, upload_file):
    make_task(slug="alpha")

    with pytest.raises(UploadNotAllowed):
        submission_create(
            user=AnonymousUser(),
            model_name="m",
            upload=upload_file(b'{"task_id": "alpha", "completion": "x"}'),
        )


def test_submission_create_enqueues_on_commit(
    make_task, create_submission, django_capture_on_commit_callbacks, monkeypatch
):
    alpha = make_task(slug="alpha")
    enqueued = []
    monkeypatch.setattr(
        queue,
        "submission_evaluate_enqueue",
        lambda **kwargs: enqueued.append(kwargs),
    )

    with django_capture_on_commit_callbacks() as callbacks:
        submission = create_submission([{"task_id": "alpha", "completion": "x"}])
    assert enqueued == []  # nothing before the commit
    for callback in callbacks:
        callback()

    chunk = queue.Chunk(index=0, task_ids=(alpha.pk,), n_samples=1)
    assert enqueued == [{"submission_id": submission.pk, "chunks": [chunk]}]


def test_submission_create_survives_a_redis_outage(
    make_task, create_submission, django_capture_on_commit_callbacks, monkeypatch
):
    make_task(slug="alpha")

    def redis_down(**kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(queue, "submission_evaluate_enqueue", redis_down)
    with django_capture_on_commit_callbacks(execute=True):
        submission = create_submission([{"task_id": "alpha", "completion": "x"}])

    assert Submission.objects.get(pk=submission.pk).status == SubmissionStatus.QUEUED


def test_submission_recover_stalled(make_task, create_submission, monkeypatch):
    make_task(slug="alpha")
    waiting = create_submission([{"task_id": "alpha", "completion": "x"}], model_name="w")
    stalled = create_submission([{"task_id": "alpha", "completion": "y"}], model_name="s")
    busy = create_submission([{"task_id": "alpha", "completion": "z"}], model_name="b")
    Submission.objects.filter(pk__in=[stalled.pk, busy.pk]).update(status=SubmissionStatus.RUNNING)
    enqueued = []

    def enqueue(*, submission_id, chunks):
        if submission_id == busy.pk:
            return []  # its job is alive
        enqueued.append(submission_id)
        return [f"job-{submission_id}"]

    monkeypatch.setattr(queue, "submission_evaluate_enqueue", enqueue)

    recovered = submission_recover_stalled()

    assert recovered == {"enqueued": [waiting.pk], "resumed": [stalled.pk]}
    assert Submission.objects.get(pk=stalled.pk).status == SubmissionStatus.RUNNING
    assert Submission.objects.get(pk=busy.pk).status == SubmissionStatus.RUNNING


def test_submission_start_is_idempotent(make_task, create_submission):
    make_task(slug="alpha")
    submission = create_submission([{"task_id": "alpha", "completion": "x"}])

    assert submission_start(submission_id=submission.pk) is True
    assert submission_start(submission_id=submission.pk) is False
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.RUNNING
    assert submission.started_at is not None


def test_submission_evaluate_judges_and_aggregates(
    make_task, create_submission, fake_judge, evaluate
):
    make_task(slug="alpha", difficulty="Easy")
    make_task(slug="beta", difficulty="Hard")
    submission = create_submission(
        [
            {"task_id": "alpha", "completion": "FAST"},
            {"task_id": "alpha", "completion": "WRONG"},
            {"task_id": "beta", "completion": "middle"},
        ]
    )

    evaluate(submission.pk)

    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.DONE
    assert (submission.progress_done, submission.progress_total) == (3, 3)
    # alpha: pass@1 0.5, beyond (1 + 0) / 2; beta: pass 1, beyond 0.5.
    assert submission.pass_at_1 == pytest.approx(0.75)
    assert submission.beyond_at_1 == pytest.approx(0.5)
    assert submission.by_difficulty["Easy"]["pass@1"] == pytest.approx(0.5)
    assert submission.by_difficulty["Hard"]["beyond@1"] == pytest.approx(0.5)
    assert submission.by_difficulty["Medium"]["tasks"] == 0
    # The placeholders are method bodies: stored joined to the task's starter code.
    verdicts = {
        code.rsplit("\n", 1)[-1].strip(): verdict
        for code, verdict in Result.objects.filter(submission=submission).values_list(
            "code", "verdict"
        )
    }
    assert verdicts == {"FAST": "passed", "WRONG": "wrong_answer", "middle": "passed"}
    wrong = Result.objects.get(submission=submission, code__endswith="WRONG")
    assert wrong.beyond == 0.0 and wrong.percentile is None and "expected 1" in wrong.diagnostic
    assert sorted(fake_judge.calibrations) == ["alpha", "beta"]
    assert Calibration.objects.count() == 2


def test_evaluating_a_finished_submission_again_judges_nothing(
    make_task, create_submission, fake_judge, evaluate
):
    make_task(slug="alpha")
    submission = create_submission([{"task_id": "alpha", "completion": "FAST"}])

    assert evaluate(submission.pk).status == SubmissionStatus.DONE
    finished = Submission.objects.get(pk=submission.pk).finished_at
    # A doubled job (or a recovery racing the last chunk) finds nothing pending.
    assert evaluate(submission.pk).finished_at == finished

    assert len(fake_judge.judged) == 1


def test_submission_evaluate_resumes_after_a_crash(
    make_task, create_submission, fake_judge, evaluate
):
    make_task(slug="alpha")
    submission = create_submission(
        [{"task_id": "alpha", "completion": "FAST"}, {"task_id": "alpha", "completion": "other"}]
    )
    # A previous run judged the first sample, then its worker died while running.
    first = Result.objects.get(submission=submission, sample=0)
    Result.objects.filter(pk=first.pk).update(verdict=Verdict.PASSED, runtime_s=0.005, beyond=1)
    Submission.objects.filter(pk=submission.pk).update(
        status=SubmissionStatus.RUNNING, progress_done=1
    )

    assert submission_requeue(submission_id=submission.pk) is True
    evaluate(submission.pk)

    submission.refresh_from_db()
    assert [code.rsplit("\n", 1)[-1].strip() for code in fake_judge.judged] == ["other"]
    assert submission.status == SubmissionStatus.DONE
    assert submission.progress_done == 2


def test_internal_error_is_retried_once(make_task, create_submission, fake_judge, evaluate):
    make_task(slug="alpha")
    fake_judge.internal_errors_left = 1
    submission = create_submission([{"task_id": "alpha", "completion": "FLAKY FAST"}])

    evaluate(submission.pk)

    result = Result.objects.get(submission=submission)
    assert result.verdict == Verdict.PASSED
    assert result.attempts == 2
    assert len(fake_judge.judged) == 2


def test_internal_error_left_after_retries_counts_as_failed(
    make_task, create_submission, fake_judge, evaluate
):
    make_task(slug="alpha")
    make_task(slug="beta")
    submission = create_submission(
        [
            {"task_id": "alpha", "completion": "FAST"},
            {"task_id": "alpha", "completion": "BROKEN"},
            {"task_id": "beta", "completion": "BROKEN"},
        ]
    )

    evaluate(submission.pk)

    submission.refresh_from_db()
    broken = Result.objects.filter(submission=submission, code__endswith="BROKEN")
    assert {r.verdict for r in broken} == {Verdict.INTERNAL_ERROR}
    assert {r.attempts for r in broken} == {evaluation.MAX_JUDGE_ATTEMPTS}
    # Retried, then scored 0: alpha 1/2, beta 0/1, so a sample cannot choose not to count.
    assert {r.beyond for r in broken} == {0.0}
    assert submission.pass_at_1 == pytest.approx(0.25)
    assert submission.beyond_at_1 == pytest.approx(0.25)
    assert submission.metrics["tasks"] == 2
    assert submission.metrics["internal_errors"] == 2


def test_calibration_failure_marks_the_tasks_samples_internal(
    make_task, create_submission, fake_judge, monkeypatch, evaluate
):
    make_task(slug="alpha")

    def broken_calibration(task):
        raise RuntimeError("reference crashed")

    monkeypatch.setattr(judging, "calibrate_task", broken_calibration)
    submission = create_submission([{"task_id": "alpha", "completion": "FAST"}])

    evaluate(submission.pk)

    result = Result.objects.get(submission=submission)
    submission.refresh_from_db()
    assert result.verdict == Verdict.INTERNAL_ERROR
    assert "calibration failed" in result.diagnostic
    assert submission.status == SubmissionStatus.DONE
    assert submission.progress_done == 1


def test_a_failed_aggregation_is_retried_and_judged_samples_are_kept(
    make_task, create_submission, fake_judge, monkeypatch, evaluate
):
    make_task(slug="alpha")
    submission = create_submission([{"task_id": "alpha", "completion": "FAST"}])

    def explode(**kwargs):
        raise RuntimeError("database went away")

    with monkeypatch.context() as patched:
        patched.setattr(evaluation, "submission_aggregate", explode)
        evaluate(submission.pk)

    # The move to done rolled back with the aggregation; RQ keeps a retry of the job.
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.RUNNING
    assert submission.progress_done == 1
    assert evaluate(submission.pk).status == SubmissionStatus.DONE
    assert len(fake_judge.judged) == 1


def test_a_chunk_job_out_of_retries_marks_the_submission_error(
    make_task, create_submission, fake_judge
):
    make_task(slug="alpha")
    submission = create_submission([{"task_id": "alpha", "completion": "FAST"}])
    Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.RUNNING)

    class Job:
        id = f"evaluate-submission-{submission.pk}-chunk-0"
        args = (submission.pk, [])
        retries_left = 0

    jobs.evaluate_failed(Job(), None, RuntimeError, RuntimeError("database went away"), None)

    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.ERROR
    assert "database went away" in submission.error_message


def test_calibration_ensure_reuses_the_stored_calibration(make_task, fake_judge):
    task = make_task(slug="alpha")

    first = calibration_ensure(task=task)
    second = calibration_ensure(task=task)

    assert first.pk == second.pk
    assert fake_judge.calibrations == ["alpha"]
    assert first.spread == pytest.approx(4.0)


def test_result_unique_per_sample_is_enforced(make_task, create_submission):
    task = make_task(slug="alpha")
    submission = create_submission([{"task_id": "alpha", "completion": "x"}])

    with pytest.raises(IntegrityError):
        Result.objects.create(submission=submission, task=task, sample=0, code="dup")


def test_submission_rejudge_judges_everything_again(
    make_task, create_submission, fake_judge, evaluate
):
    make_task(slug="alpha")
    submission = create_submission([{"task_id": "alpha", "completion": "FAST"}])
    evaluate(submission.pk)

    assert submission_rejudge(submission_id=submission.pk) is True
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.QUEUED
    assert submission.pass_at_1 is None and submission.progress_done == 0
    assert Result.objects.get(submission=submission).verdict == Verdict.PENDING
    assert submission_rejudge(submission_id=submission.pk) is False  # not finished

    evaluate(submission.pk)
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.DONE
    assert len(fake_judge.judged) == 2


def test_first_attempts_are_judged_several_to_a_jail_retries_alone(
    make_task, create_submission, fake_judge, evaluate
):
    for slug in ("alpha", "beta"):
        make_task(slug=slug)
    fake_judge.internal_errors_left = 1
    rows = [{"task_id": "alpha", "completion": f"FAST {i}"} for i in range(6)]
    rows += [{"task_id": "beta", "completion": "FLAKY FAST"}]
    rows += [{"task_id": "beta", "completion": f"other {i}"} for i in range(3)]
    submission = create_submission(rows)
    # A worker died while judging this one: it is judged alone, with its attempt counted.
    died = Result.objects.get(submission=submission, task__slug="beta", sample=2)
    Result.objects.filter(pk=died.pk).update(attempts=1)

    evaluate(submission.pk)

    # Nine first attempts: a jail of SAMPLES_PER_JAIL, then the last one.
    assert fake_judge.together == [judging.SAMPLES_PER_JAIL, 9 - judging.SAMPLES_PER_JAIL]
    results = Result.objects.filter(submission=submission)
    assert {r.verdict for r in results} == {Verdict.PASSED}
    flaky = results.get(code__endswith="FLAKY FAST")
    assert flaky.attempts == 2  # together, then alone
    assert results.get(pk=died.pk).attempts == 2
    assert {r.attempts for r in results if r.pk not in (flaky.pk, died.pk)} == {1}
    assert len(fake_judge.judged) == 11
    submission.refresh_from_db()
    assert submission.progress_done == 10


def test_samples_judged_together_are_stored_as_each_is_judged(
    make_task, create_submission, fake_judge, evaluate, monkeypatch
):
    make_task(slug="alpha")
    submission = create_submission(
        [{"task_id": "alpha", "completion": f"FAST {i}"} for i in range(3)]
    )
    progress = []
    judge = fake_judge.judge_sample

    def judge_sample(task, code, calibration, **kwargs):
        progress.append(Submission.objects.get(pk=submission.pk).progress_done)
        return judge(task, code, calibration, **kwargs)

    monkeypatch.setattr(judging, "judge_sample", judge_sample)
    evaluate(submission.pk)

    assert fake_judge.together == [3]
    assert progress == [0, 1, 2]  # each stored before the next was judged
