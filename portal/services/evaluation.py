"""Evaluation writes: enqueue a submission's chunk jobs, judge them, store results, recover.

The one evaluation path: `submission_create` enqueues a job per chunk of tasks
(`portal.queue`), each chunk job (`portal.jobs.evaluate_chunk`) judges its pending samples
through `portal.judging`, and the last chunk to finish aggregates (`services.scoring`).
"""

import functools
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from evaluator import metrics as ev_metrics, tasks as ev_tasks
from portal import caching, judging, queue
from portal.models import Result, Submission, SubmissionStatus, Task, Verdict
from portal.services.calibration import calibration_ensure
from portal.services.notifications import submission_notify_on_commit
from portal.services.scoring import METRIC_FIELDS, submission_aggregate
from portal.services.tasks import task_to_evaluator

log = logging.getLogger(__name__)


# internal_error is our fault: a sample is judged at most as often as the CLI judges it
# (evaluator.judge.ATTEMPTS) in a run, then stored as internal_error, which scores as a failure;
# across runs (workers killed while judging it) at most MAX_TOTAL_JUDGE_ATTEMPTS.
MAX_JUDGE_ATTEMPTS = judging.ATTEMPTS
MAX_TOTAL_JUDGE_ATTEMPTS = 5
MAX_DIAGNOSTIC_CHARS = 4000


def evaluation_enqueue_on_commit(*, submission_id: int) -> None:
    """Enqueue the submission's chunk jobs once the transaction commits.

    robust: if Redis is down when the upload commits, the request still succeeds and the
    submission stays queued (logged) until the stale-run detector, `manage.py
    recover_submissions`, enqueues it.
    """
    transaction.on_commit(
        functools.partial(submission_enqueue_evaluation, submission_id=submission_id),
        robust=True,
    )


def submission_chunks(*, submission_id: int, pending_only: bool = False) -> list[queue.Chunk]:
    """The submission's tasks in chunks of MERCURY_EVALUATE_CHUNK_TASKS (stable: by LeetCode id).

    With `pending_only`, only the chunks that still hold an unjudged sample.
    """
    rows = list(
        Result.objects.filter(submission_id=submission_id)
        .values("task_id", "task__lc_id")
        .annotate(samples=Count("id"), pending=Count("id", filter=Q(verdict=Verdict.PENDING)))
        .order_by("task__lc_id", "task_id")
    )
    size = max(1, settings.MERCURY_EVALUATE_CHUNK_TASKS)
    chunks = []
    for index, start in enumerate(range(0, len(rows), size)):
        part = rows[start : start + size]
        if pending_only and not any(row["pending"] for row in part):
            continue
        chunks.append(
            queue.Chunk(
                index=index,
                task_ids=tuple(row["task_id"] for row in part),
                n_samples=sum(row["samples"] for row in part),
            )
        )
    return chunks


def submission_enqueue_evaluation(*, submission_id: int) -> list[str]:
    """Enqueue a job for every chunk with pending samples whose job is not alive; the job ids.

    When every sample is judged but the submission never finished (its worker died between the
    last result and the aggregation), one chunk is enqueued to finish it.
    """
    chunks = submission_chunks(submission_id=submission_id, pending_only=True)
    if not chunks:
        chunks = submission_chunks(submission_id=submission_id)[:1]
    return queue.submission_evaluate_enqueue(submission_id=submission_id, chunks=chunks)


def submission_recover_stalled() -> dict[str, list[int]]:
    """The stale-run detector: enqueue again the missing chunk jobs of unfinished submissions.

    A chunk job goes missing when Redis lost it (an outage at upload, a restart without
    persistence) or when its worker died (SIGKILL, a lost host). Judged samples are kept;
    a job that still waits or runs on a live worker is left alone, so this is safe at any time.
    """
    recovered: dict[str, list[int]] = {"enqueued": [], "resumed": []}
    rows = Submission.objects.filter(
        status__in=[SubmissionStatus.QUEUED, SubmissionStatus.RUNNING]
    ).values_list("pk", "status")
    for pk, status in rows:
        if submission_enqueue_evaluation(submission_id=pk):
            recovered["enqueued" if status == SubmissionStatus.QUEUED else "resumed"].append(pk)
    if recovered["enqueued"] or recovered["resumed"]:
        log.warning("recovered submissions: %s", recovered)
    return recovered


def submission_start(*, submission_id: int) -> bool:
    """Move a submission from queued to running; False if another worker has it (or it ended)."""
    return (
        Submission.objects.filter(pk=submission_id, status=SubmissionStatus.QUEUED).update(
            status=SubmissionStatus.RUNNING, started_at=timezone.now(), error_message=""
        )
        == 1
    )


def submission_fail(*, submission_id: int, message: str) -> bool:
    """Mark an unfinished submission failed (RQ gave up on one of its jobs); staff may requeue."""
    failed = (
        Submission.objects.filter(
            pk=submission_id, status__in=[SubmissionStatus.QUEUED, SubmissionStatus.RUNNING]
        ).update(
            status=SubmissionStatus.ERROR,
            finished_at=timezone.now(),
            error_message=message[:MAX_DIAGNOSTIC_CHARS],
        )
        == 1
    )
    if failed:
        submission_notify_on_commit(submission_id=submission_id)
    return failed


def submission_requeue(*, submission_id: int) -> bool:
    """Put a failed or stuck submission back in the queue; judged samples are kept (resume)."""
    with transaction.atomic():
        moved = Submission.objects.filter(
            pk=submission_id, status__in=[SubmissionStatus.ERROR, SubmissionStatus.RUNNING]
        ).update(status=SubmissionStatus.QUEUED, finished_at=None)
        if moved:
            evaluation_enqueue_on_commit(submission_id=submission_id)
    return moved == 1


def submission_rejudge(*, submission_id: int) -> bool:
    """Judge a finished submission again from scratch (e.g. after a harness change)."""
    with transaction.atomic():
        moved = Submission.objects.filter(
            pk=submission_id, status__in=[SubmissionStatus.DONE, SubmissionStatus.ERROR]
        ).update(
            status=SubmissionStatus.QUEUED,
            progress_done=0,
            **dict.fromkeys(METRIC_FIELDS),
            metrics={},
            started_at=None,
            finished_at=None,
            error_message="",
        )
        if not moved:
            return False
        Result.objects.filter(submission_id=submission_id).update(
            verdict=Verdict.PENDING,
            attempts=0,
            runtime_s=None,
            beyond=None,
            percentile=None,
            tests_passed=None,
            tests_total=None,
            diagnostic="",
            judged_at=None,
        )
        caching.public_data_changed()  # a finished submission leaves the leaderboard meanwhile
        evaluation_enqueue_on_commit(submission_id=submission_id)
    return True


def submission_evaluate_chunk(*, submission_id: int, task_ids: list[int]) -> bool:
    """The evaluation job: judge the pending samples of some tasks; the last chunk aggregates.

    Safe to run twice or concurrently with itself: a result is stored only while it is still
    pending, and only the chunk that moves the submission from running to done aggregates.
    Exceptions propagate so that RQ retries the job with backoff. False if there was nothing to
    do (the submission finished, failed or was deleted).
    """
    status = Submission.objects.filter(pk=submission_id).values_list("status", flat=True).first()
    if status == SubmissionStatus.QUEUED:
        submission_start(
            submission_id=submission_id
        )  # the first chunk to start; others see running
    elif status != SubmissionStatus.RUNNING:
        log.info("submission %s is %s; chunk %s skipped", submission_id, status, task_ids)
        return False
    judging.prepare_host()
    _judge_pending(submission_id=submission_id, task_ids=task_ids)
    submission_finish(submission_id=submission_id)
    return True


def submission_finish(*, submission_id: int) -> bool:
    """Aggregate a running submission once no sample is pending; True for the one caller that did.

    Race-free between chunks: each chunk stores its results before looking, so the last one
    sees none pending; when several do, the compare-and-swap from running to done (placeholder
    metrics, replaced in the same transaction) lets exactly one aggregate.
    """
    if Result.objects.filter(submission_id=submission_id, verdict=Verdict.PENDING).exists():
        return False
    with transaction.atomic():
        # Placeholder figures (a done row must have them), replaced in this transaction.
        won = Submission.objects.filter(pk=submission_id, status=SubmissionStatus.RUNNING).update(
            status=SubmissionStatus.DONE,
            finished_at=timezone.now(),
            **{metric.field: 0.0 for metric in ev_metrics.METRICS},
        )
        if won != 1:
            return False
        submission_aggregate(submission_id=submission_id)
        submission_notify_on_commit(submission_id=submission_id)
    return True


def _judge_pending(*, submission_id: int, task_ids: list[int] | None = None) -> None:
    pending: dict[int, list[Result]] = defaultdict(list)
    results = Result.objects.filter(submission_id=submission_id, verdict=Verdict.PENDING)
    if task_ids is not None:
        results = results.filter(task_id__in=task_ids)
    for result in results.order_by("task__lc_id", "sample"):
        pending[result.task_id].append(result)
    tasks = Task.objects.select_related("suite").in_bulk(list(pending))
    together: list[_Judging] = []
    for task_id, task_results in pending.items():
        task = tasks[task_id]
        etask = task_to_evaluator(task=task)
        try:
            # This host's calibration only: runtimes measured elsewhere never mix with ours.
            stored = calibration_ensure(task=task, etask=etask)
            calibration = judging.Calibration.from_dict(stored.data)
        except Exception as exc:
            log.exception("calibration of %s failed", task.slug)
            for result in task_results:
                _result_store_internal_error(
                    result=result, message=f"calibration failed: {type(exc).__name__}: {exc}"
                )
            continue
        for result in task_results:
            judged = _Judging(result, etask, calibration, stored.pk)
            if result.attempts:
                # Judged before, by a worker that died: alone now, so that a sample that kills
                # its worker uses up only its own attempts.
                _result_judge(judged)
            else:
                together.append(judged)
    size = judging.SAMPLES_PER_JAIL
    for start in range(0, len(together), size):
        _results_judge_together(together[start : start + size])


@dataclass
class _Judging:
    """A pending result and what judging it needs."""

    result: Result
    etask: ev_tasks.Task
    calibration: judging.Calibration
    calibration_id: int


def _results_judge_together(group: list[_Judging]) -> None:
    """First attempts, several to a jail (judging.judge_samples). Each is stored as soon as it
    is judged, as it would be alone; an internal error is judged again alone, with the
    attempts left; if judging them raised, those not stored yet are too."""
    ids = [item.result.pk for item in group]
    # Counted before judging, as _result_judge counts: a worker killed meanwhile leaves it.
    Result.objects.filter(pk__in=ids, verdict=Verdict.PENDING).update(attempts=F("attempts") + 1)
    for item in group:
        item.result.attempts += 1
    stored: set[int] = set()

    def on_result(index: int, outcome: judging.SampleResult) -> None:
        stored.add(index)
        _result_judge(group[index], together=True, judged=outcome)

    try:
        judging.judge_samples([(i.etask, i.result.code, i.calibration) for i in group], on_result)
    except Exception:
        log.exception("judging results %s together raised", ids)
        for index, item in enumerate(group):
            if index not in stored:
                _result_judge(item, together=True)


def _result_judge(
    item: _Judging, *, together: bool = False, judged: judging.SampleResult | None = None
) -> None:
    """Judge a result (again while it is internal_error, MAX_JUDGE_ATTEMPTS times) and store it.

    `together`: its first attempt was judged with others (counted already), which gave `judged`
    (None when that raised).
    """
    result, etask, calibration = item.result, item.etask, item.calibration
    attempts = result.attempts
    if not together and attempts >= MAX_TOTAL_JUDGE_ATTEMPTS:
        _result_store_internal_error(
            result=result,
            message=f"judging did not finish in {attempts} attempts (the worker died each time)",
            attempts=attempts,
        )
        return
    outcome = judged
    message = "" if judged is not None else "judging it together with other samples raised"
    left = MAX_JUDGE_ATTEMPTS - 1 if together else MAX_JUDGE_ATTEMPTS
    while left and (outcome is None or outcome.verdict == Verdict.INTERNAL_ERROR):
        left -= 1
        attempts += 1
        # Counted before judging, so a worker killed while judging leaves the attempt counted
        # and a sample that kills every worker is given up after MAX_TOTAL_JUDGE_ATTEMPTS.
        Result.objects.filter(pk=result.pk, verdict=Verdict.PENDING).update(attempts=attempts)
        try:
            # The retry lives here (retries=0 there) so `attempts` counts every judging.
            outcome = judging.judge_sample(etask, result.code, calibration)
        except Exception as exc:
            log.exception("judging result %s raised", result.pk)
            outcome, message = None, f"{type(exc).__name__}: {exc}"
    if outcome is None:
        _result_store_internal_error(result=result, message=message, attempts=attempts)
        return
    verdict = Verdict.coerce(outcome.verdict)
    _result_store(
        result=result,
        values={
            "verdict": verdict,
            "attempts": attempts,
            "runtime_s": outcome.runtime_s,
            "beyond": ev_metrics.sample_beyond(verdict, outcome.beyond),
            "percentile": outcome.percentile if verdict.passed else None,
            "calibration_id": item.calibration_id,
            "tests_passed": outcome.tests_passed,
            "tests_total": outcome.tests_total,
            "diagnostic": (outcome.diagnostic or "")[:MAX_DIAGNOSTIC_CHARS],
        },
    )


def _result_store_internal_error(
    *, result: Result, message: str, attempts: int = MAX_JUDGE_ATTEMPTS
) -> None:
    _result_store(
        result=result,
        values={
            "verdict": Verdict.INTERNAL_ERROR,
            "attempts": attempts,
            "beyond": ev_metrics.sample_beyond(Verdict.INTERNAL_ERROR, None),
            "diagnostic": message[:MAX_DIAGNOSTIC_CHARS],
        },
    )


def _result_store(*, result: Result, values: dict[str, Any]) -> None:
    """Write a judged result and advance progress, once (a result already judged is left)."""
    with transaction.atomic():
        stored = Result.objects.filter(pk=result.pk, verdict=Verdict.PENDING).update(
            judged_at=timezone.now(), **values
        )
        if stored:
            Submission.objects.filter(pk=result.submission_id).update(
                progress_done=F("progress_done") + 1
            )
