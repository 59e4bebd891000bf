"""Writes of the portal: loading tasks, calibrating them, creating and evaluating submissions."""

import functools
import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace as dataclass_replace
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from evaluator import metrics as ev_metrics, sandbox, tasks as ev_tasks
from evaluator.host import HARNESS_VERSION, host_fingerprint
from evaluator.judge import (
    Calibration as EvCalibration,
    SampleResult,
    Verdict as EvVerdict,
    calibrate_task,
    judge_sample,
)
from portal import caching, jobs
from portal.models import (
    Calibration,
    Profile,
    Reference,
    Result,
    Submission,
    SubmissionStatus,
    Task,
    TestSuite,
    Verdict,
    Weights,
)
from portal.selectors import DIFFICULTIES, quota_for, submission_can_view, task_set_fingerprint
from portal.services.completions import (
    CompletionsCheck as CompletionsCheck,
    completions_check as completions_check,
    completions_parse,
)
from portal.services.notifications import submission_notify_on_commit

log = logging.getLogger(__name__)

# internal_error is our fault: a sample is judged at most this many times in a run, then left
# unscored; across runs (workers killed while judging it) at most MAX_TOTAL_JUDGE_ATTEMPTS.
MAX_JUDGE_ATTEMPTS = 2
MAX_TOTAL_JUDGE_ATTEMPTS = 5
MAX_DIAGNOSTIC_CHARS = 4000


class SubmissionInvalid(Exception):
    """The uploaded file cannot be used; `errors` are line-numbered messages."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


class UploadNotAllowed(Exception):
    """The user may not upload (for example, sign-in is required)."""


class UploadThrottled(Exception):
    """Too much work is waiting, or a quota is used up; try again in `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SubmissionDuplicate(Exception):
    """The same file, or the same model and version, was already submitted (`existing`)."""

    def __init__(self, message: str, existing: Submission | None) -> None:
        super().__init__(message)
        # None when the uploader may not see the earlier entry (another user's private one).
        self.existing = existing


@dataclass(frozen=True)
class SubmissionMetadata:
    """What the submitter says about the model and how the completions were generated."""

    model_version: str = ""
    link: str = ""
    parameters_b: float | None = None
    weights: str = Weights.UNKNOWN
    release_date: date | None = None
    temperature: float | None = None
    samples_per_task: int | None = None
    notes: str = ""


@dataclass
class TaskLoadReport:
    """What `task_load_from_fixtures` did, by slug."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Tasks


def task_upsert(*, etask: ev_tasks.Task) -> tuple[Task, str]:
    """Create or update one task (with its tests and references); returns it and what happened."""
    existing = Task.objects.filter(slug=etask.slug).first()
    if existing is not None and existing.fingerprint == etask.fingerprint:
        return existing, "unchanged"
    fields = {
        "lc_id": etask.id,
        "title": etask.title,
        "difficulty": etask.difficulty,
        "entry_point": etask.entry_point,
        "version": etask.version,
        "description": etask.description,
        "prompt": etask.prompt,
        "params": list(etask.params),
        "returns": etask.returns or "",
        "checker": etask.checker,
        "validator_source": etask.validator_source or "",
        "canonical": etask.canonical,
        "seed": etask.seed,
        "fingerprint": etask.fingerprint,
        "origin": etask.origin,
    }
    with transaction.atomic():
        task, created = Task.objects.update_or_create(slug=etask.slug, defaults=fields)
        TestSuite.objects.update_or_create(
            task=task,
            defaults={
                "small": [_case_to_dict(case) for case in etask.small],
                "large": [_case_to_dict(case) for case in etask.large],
            },
        )
        task.references.exclude(name__in=list(etask.references)).delete()
        for name, source_code in etask.references.items():
            Reference.objects.update_or_create(
                task=task, name=name, defaults={"source": source_code}
            )
        caching.public_data_changed()  # the task set's fingerprint marks stale rows
    return task, "created" if created else "updated"


def task_load_from_fixtures(*, path: Path | None = None) -> TaskLoadReport:
    """Upsert every task found under `path` (default MERCURY_TASKS_DIR); idempotent."""
    report = TaskLoadReport()
    for etask in ev_tasks.load_tasks(Path(path or settings.MERCURY_TASKS_DIR)).values():
        _task, what = task_upsert(etask=etask)
        getattr(report, what).append(etask.slug)
    return report


def _case_to_dict(case: ev_tasks.TestCase) -> dict[str, Any]:
    return {"input": case.input, "expected": case.expected}


def task_to_evaluator(*, task: Task) -> ev_tasks.Task:
    """Rebuild the evaluator's Task from the database (the database is the source of truth)."""
    suite = task.suite
    return ev_tasks.Task(
        slug=task.slug,
        id=task.lc_id,
        title=task.title,
        difficulty=task.difficulty,
        entry_point=task.entry_point,
        version=task.version,
        description=task.description,
        prompt=task.prompt,
        params=list(task.params),
        returns=task.returns,
        checker=task.checker,
        canonical=task.canonical,
        seed=task.seed,
        references={ref.name: ref.source for ref in task.references.all()},
        small=[ev_tasks.TestCase(input=c["input"], expected=c["expected"]) for c in suite.small],
        large=[ev_tasks.TestCase(input=c["input"], expected=c["expected"]) for c in suite.large],
        validator_source=task.validator_source or None,
        origin=task.origin,
    )


# ---------------------------------------------------------------------------------------------
# Calibration


def calibration_find(*, task: Task, host: str | None = None) -> Calibration | None:
    """The stored calibration of this task version for this host and harness, if any."""
    return Calibration.objects.filter(
        host=host or host_fingerprint(),
        harness_version=HARNESS_VERSION,
        task_fingerprint=task.fingerprint,
    ).first()


def calibration_ensure(
    *, task: Task, etask: ev_tasks.Task | None = None, force: bool = False
) -> Calibration:
    """Return this host's calibration of the task, measuring the references first if missing."""
    host = host_fingerprint()
    if not force:
        found = calibration_find(task=task, host=host)
        if found is not None:
            return found
    measured = calibrate_task(etask or task_to_evaluator(task=task))
    data = measured.to_dict()
    values = {
        "task": task,
        "data": data,
        "spread": float(measured.spread),
        "flagged": bool(measured.flagged),
    }
    key = {
        "host": host,
        "harness_version": HARNESS_VERSION,
        "task_fingerprint": task.fingerprint,
    }
    try:
        with transaction.atomic():
            calibration, _created = Calibration.objects.update_or_create(**key, defaults=values)
    except IntegrityError:
        # Another worker stored the same calibration concurrently: keep theirs.
        calibration = Calibration.objects.get(**key)
    caching.public_data_changed(caching.TASKS)  # reference runtimes on the task pages
    return calibration


def calibration_job(*, task_id: int) -> Calibration:
    """The calibration job: prepare the sandbox host, then make sure the task is calibrated."""
    sandbox.prepare_host()
    task = Task.objects.select_related("suite").get(pk=task_id)
    return calibration_ensure(task=task)


def calibration_enqueue(*, slugs: Iterable[str] | None = None) -> list[str]:
    """Enqueue a calibration job per task not yet calibrated on this host; returns their slugs."""
    host = host_fingerprint()
    queryset = Task.objects.order_by("lc_id")
    if slugs:
        queryset = queryset.filter(slug__in=list(slugs))
    done = set(
        Calibration.objects.filter(host=host, harness_version=HARNESS_VERSION).values_list(
            "task_id", "task_fingerprint"
        )
    )
    enqueued = []
    for task in queryset:
        if (task.pk, task.fingerprint) in done:
            continue
        jobs.calibrate_task_enqueue(task_id=task.pk, fingerprint=task.fingerprint)
        enqueued.append(task.slug)
    return enqueued


def calibration_run(
    *,
    slugs: Iterable[str] | None = None,
    force: bool = False,
    progress: Callable[[int, int, Task, Calibration | None, Exception | None], None] | None = None,
) -> tuple[int, int]:
    """Calibrate tasks inline (one after another); returns (calibrated, failed)."""
    sandbox.prepare_host()
    queryset = Task.objects.order_by("lc_id").select_related("suite")
    if slugs:
        queryset = queryset.filter(slug__in=list(slugs))
    tasks = list(queryset)
    done = failed = 0
    for index, task in enumerate(tasks, start=1):
        try:
            calibration = calibration_ensure(task=task, force=force)
        except Exception as exc:
            log.exception("calibration of %s failed", task.slug)
            failed += 1
            if progress:
                progress(index, len(tasks), task, None, exc)
            continue
        done += 1
        if progress:
            progress(index, len(tasks), task, calibration, None)
    return done, failed


# ---------------------------------------------------------------------------------------------
# Submissions


def submission_create(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    model_name: str,
    upload: UploadedFile,
    metadata: SubmissionMetadata | None = None,
    allow_duplicate: bool = False,
) -> Submission:
    """Validate an uploaded JSONL file and store it as a queued submission with its samples.

    On any unusable line nothing is stored and `SubmissionInvalid` carries every line's error;
    a file or a model and version already submitted raises `SubmissionDuplicate`.
    """
    metadata = metadata or SubmissionMetadata()
    # None is the system (commands, imports); a person must be signed in to own an entry.
    if user is not None and not user.is_authenticated:
        raise UploadNotAllowed("Sign in to upload completions.")
    _quota_check(user=user)
    limit = settings.MERCURY_MAX_ACTIVE_SUBMISSIONS
    active = Submission.objects.filter(
        status__in=[SubmissionStatus.QUEUED, SubmissionStatus.RUNNING]
    )
    if limit and active.count() >= limit:
        raise UploadThrottled(
            f"{limit} submissions are waiting or running; please try again later."
        )
    model_name = model_name.strip()
    if not model_name:
        raise SubmissionInvalid(["model name: this field is required"])
    max_bytes = settings.MERCURY_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > max_bytes:
        raise SubmissionInvalid([f"line 0: the file is larger than {max_bytes} bytes"])
    data = b"".join(upload.chunks())
    content_sha256 = hashlib.sha256(data).hexdigest()
    if not allow_duplicate:
        submission_check_duplicate(
            model_name=model_name,
            model_version=metadata.model_version.strip(),
            content_sha256=content_sha256,
            user=user,
        )
    tasks = {task.slug: task for task in Task.objects.only("pk", "slug")}
    parsed, errors = completions_parse(data=data)
    if errors:
        raise SubmissionInvalid(errors)
    if not parsed.samples:
        raise SubmissionInvalid(["line 0: the file holds no completions"])
    owner = user if user is not None and user.is_authenticated else None
    with transaction.atomic():
        _quota_check(user=owner, lock=True)
        submission = Submission.objects.create(
            user=owner,
            model_name=model_name,
            content_sha256=content_sha256,
            **{**asdict(metadata), "model_version": metadata.model_version.strip()},
            progress_total=len(parsed.samples),
            n_samples=len(parsed.samples),
            n_tasks=len({sample.task_id for sample in parsed.samples}),
        )
        Result.objects.bulk_create(
            Result(
                submission=submission,
                task=tasks[sample.task_id],
                sample=sample.index,
                line=sample.line,
                code=sample.code,
            )
            for sample in parsed.samples
        )
        submission_auto_approve(submission=submission)
        _evaluation_enqueue_on_commit(submission_id=submission.pk, n_samples=len(parsed.samples))
    return submission


def _quota_check(*, user: AbstractBaseUser | AnonymousUser | None, lock: bool = False) -> None:
    """Raise `UploadThrottled` when the user's upload quota is used up (see `quota_for`).

    With `lock`, inside the transaction that stores the upload, the user's profile row is locked
    first, so two uploads of one user at once cannot both take the last place (on PostgreSQL;
    SQLite has no row locks).
    """
    if lock and user is not None and user.is_authenticated and not user.is_staff:
        profile_of(user=user)
        list(Profile.objects.select_for_update().filter(user=user).values_list("pk", flat=True))
    quota = quota_for(user=user)
    if quota.refusal:
        raise UploadThrottled(quota.refusal, retry_after=quota.retry_after_s)


def submission_check_duplicate(
    *,
    model_name: str,
    model_version: str,
    content_sha256: str,
    user: AbstractBaseUser | AnonymousUser | None = None,
) -> None:
    """Raise `SubmissionDuplicate` if this file, or this model and version, is already in.

    A submission that stopped with an error does not count: it may be submitted again. An
    earlier entry the uploader may not see (another user's, not public) is not named.
    """
    earlier = Submission.objects.exclude(status=SubmissionStatus.ERROR).order_by("pk")
    same_file = earlier.filter(content_sha256=content_sha256).first()
    if same_file is not None:
        if not submission_can_view(submission=same_file, user=user):
            raise SubmissionDuplicate("This file was already submitted by another account.", None)
        raise SubmissionDuplicate(
            f"This file was already submitted as #{same_file.pk} ({same_file.display_name}).",
            same_file,
        )
    same_model = earlier.filter(
        model_name__iexact=model_name, model_version__iexact=model_version
    ).first()
    if same_model is not None:
        what = f"{model_name} {model_version}".strip()
        visible = submission_can_view(submission=same_model, user=user)
        where = f" as #{same_model.pk}" if visible else " by another account"
        raise SubmissionDuplicate(
            f"{what} was already submitted{where}; give the new run a different "
            "version (for example the date or the generation settings).",
            same_model if visible else None,
        )


def _evaluation_enqueue_on_commit(*, submission_id: int, n_samples: int = 0) -> None:
    """Enqueue the submission's chunk jobs once the transaction commits (`n_samples` is unused).

    robust: if Redis is down when the upload commits, the request still succeeds and the
    submission stays queued (logged) until the stale-run detector, `manage.py
    recover_submissions`, enqueues it.
    """
    transaction.on_commit(
        functools.partial(submission_enqueue_evaluation, submission_id=submission_id),
        robust=True,
    )


def submission_chunks(*, submission_id: int, pending_only: bool = False) -> list[jobs.Chunk]:
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
            jobs.Chunk(
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
    return jobs.submission_evaluate_enqueue(submission_id=submission_id, chunks=chunks)


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
            _evaluation_enqueue_on_commit(submission_id=submission_id)
    return moved == 1


def submission_rejudge(*, submission_id: int) -> bool:
    """Judge a finished submission again from scratch (e.g. after a harness change)."""
    with transaction.atomic():
        moved = Submission.objects.filter(
            pk=submission_id, status__in=[SubmissionStatus.DONE, SubmissionStatus.ERROR]
        ).update(
            status=SubmissionStatus.QUEUED,
            progress_done=0,
            pass_at_1=None,
            beyond_at_1=None,
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
        _evaluation_enqueue_on_commit(submission_id=submission_id)
    return True


def submission_evaluate(*, submission_id: int) -> bool:
    """Judge a whole submission inline, then aggregate; False if not claimed.

    The portal's workers run `submission_evaluate_chunk` instead (one job per chunk); this is the
    same work in one call, for commands and tests. Only a queued submission is claimed
    (compare-and-swap) and only pending results are judged, so a re-run resumes.
    """
    if not submission_start(submission_id=submission_id):
        log.info("submission %s is not queued; nothing to do", submission_id)
        return False
    try:
        sandbox.prepare_host()
        _judge_pending(submission_id=submission_id)
        submission_finish(submission_id=submission_id)
    except Exception as exc:
        log.exception("evaluation of submission %s failed", submission_id)
        submission_fail(submission_id=submission_id, message=f"{type(exc).__name__}: {exc}")
        raise
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
    sandbox.prepare_host()
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
        won = Submission.objects.filter(pk=submission_id, status=SubmissionStatus.RUNNING).update(
            status=SubmissionStatus.DONE, pass_at_1=0.0, beyond_at_1=0.0, finished_at=timezone.now()
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
    for task_id, task_results in pending.items():
        task = tasks[task_id]
        etask = task_to_evaluator(task=task)
        try:
            # This host's calibration only: runtimes measured elsewhere never mix with ours.
            calibration = EvCalibration.from_dict(calibration_ensure(task=task, etask=etask).data)
        except Exception as exc:
            log.exception("calibration of %s failed", task.slug)
            for result in task_results:
                _result_store_internal_error(
                    result=result, message=f"calibration failed: {type(exc).__name__}: {exc}"
                )
            continue
        for result in task_results:
            _result_judge(result=result, etask=etask, calibration=calibration)


def _result_judge(*, result: Result, etask: ev_tasks.Task, calibration: EvCalibration) -> None:
    attempts = result.attempts
    if attempts >= MAX_TOTAL_JUDGE_ATTEMPTS:
        _result_store_internal_error(
            result=result,
            message=f"judging did not finish in {attempts} attempts (the worker died each time)",
            attempts=attempts,
        )
        return
    outcome: SampleResult | None = None
    message = ""
    for _ in range(MAX_JUDGE_ATTEMPTS):
        attempts += 1
        # Counted before judging, so a worker killed while judging leaves the attempt counted
        # and a sample that kills every worker is given up after MAX_TOTAL_JUDGE_ATTEMPTS.
        Result.objects.filter(pk=result.pk, verdict=Verdict.PENDING).update(attempts=attempts)
        try:
            # The retry lives here (retries=0 there) so `attempts` counts every judging.
            outcome = judge_sample(etask, result.code, calibration, retries=0)
        except Exception as exc:
            log.exception("judging result %s raised", result.pk)
            outcome, message = None, f"{type(exc).__name__}: {exc}"
            continue
        if outcome.verdict != EvVerdict.INTERNAL_ERROR:
            break
    if outcome is None:
        _result_store_internal_error(result=result, message=message, attempts=attempts)
        return
    passed = outcome.verdict == EvVerdict.PASSED
    _result_store(
        result=result,
        values={
            "verdict": Verdict(str(outcome.verdict)),
            "attempts": attempts,
            "runtime_s": outcome.runtime_s,
            "beyond": min(max(float(outcome.beyond), 0.0), 1.0),
            "percentile": outcome.percentile if passed else None,
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


def submission_aggregate(*, submission_id: int) -> Submission:
    """Compute Pass@1 and Beyond@1 overall and per difficulty, then mark the submission done.

    Averages run over every task of the benchmark: a task without a sample counts as failed
    (Pass 0, Beyond 0), so a partial upload cannot rank high. internal_error samples are left
    out (never scored against the model); a task with only such samples is left out of the
    averages. A failed sample's Beyond is 0. The leaderboard's columns are filled here too.
    """
    all_tasks = dict(Task.objects.values_list("slug", "difficulty"))
    rows = Result.objects.filter(submission_id=submission_id).values_list(
        "task__slug", "task__difficulty", "verdict", "beyond"
    )
    outcomes = []
    verdicts: dict[str, dict[str, int]] = {level: {} for level in DIFFICULTIES}
    attempted: set[str] = set()
    difficulty = dict(all_tasks)
    for slug, level, verdict, beyond in rows:
        attempted.add(slug)
        difficulty[slug] = level
        counts = verdicts.setdefault(level, {})
        counts[verdict] = counts.get(verdict, 0) + 1
        if verdict in (Verdict.INTERNAL_ERROR, Verdict.PENDING):
            continue
        passed = verdict == Verdict.PASSED
        outcomes.append(
            ev_metrics.SampleOutcome(
                task_id=slug, passed=passed, beyond=float(beyond or 0.0) if passed else 0.0
            )
        )
    missing = sorted(set(all_tasks) - attempted)
    outcomes += [
        ev_metrics.SampleOutcome(task_id=slug, passed=False, beyond=0.0) for slug in missing
    ]
    summary = ev_metrics.summarize(outcomes, difficulty)
    summary["tasks_total"] = len(all_tasks)
    summary["tasks_attempted"] = len(attempted)
    summary["tasks_missing"] = len(missing)
    summary["verdicts"] = verdicts
    submission = Submission.objects.get(pk=submission_id)
    submission.pass_at_1 = summary["pass@1"]
    submission.beyond_at_1 = summary["beyond@1"]
    submission.pass_ci_low, submission.pass_ci_high = summary["pass@1_ci"]
    submission.beyond_ci_low, submission.beyond_ci_high = summary["beyond@1_ci"]
    for level in DIFFICULTIES:
        entry = summary["by_difficulty"].get(level) or {}
        scored = bool(entry.get("tasks"))
        setattr(submission, f"{level.lower()}_pass_at_1", entry["pass@1"] if scored else None)
        setattr(submission, f"{level.lower()}_beyond_at_1", entry["beyond@1"] if scored else None)
    submission.tasks_total = len(all_tasks)
    submission.task_set = task_set_fingerprint()
    submission.harness_version = HARNESS_VERSION
    submission.host = host_fingerprint()
    submission.metrics = summary
    submission.status = SubmissionStatus.DONE
    submission.finished_at = timezone.now()
    submission.save(update_fields=[*AGGREGATE_FIELDS, "metrics", "status", "finished_at"])
    caching.public_data_changed()
    return submission


AGGREGATE_FIELDS = [
    "pass_at_1",
    "beyond_at_1",
    "pass_ci_low",
    "pass_ci_high",
    "beyond_ci_low",
    "beyond_ci_high",
    *(f"{level.lower()}_{metric}_at_1" for level in DIFFICULTIES for metric in ("pass", "beyond")),
    "tasks_total",
    "task_set",
    "harness_version",
    "host",
]


# ---------------------------------------------------------------------------------------------
# Mercury's dataset


@dataclass
class MercuryImportReport:
    """What `task_import_mercury` did: slugs by outcome, rows skipped with the reason."""

    version: str = ""
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def task_import_mercury(
    *, rows: Iterable[dict[str, Any]], replace: bool = False
) -> MercuryImportReport:
    """Store Mercury dataset rows as tasks judged by Mercury's own converters; idempotent.

    A slug that already names one of our built-in tasks is kept unless `replace` is set.
    """
    from evaluator.mercury import import_rows

    converted = import_rows(rows)
    report = MercuryImportReport(version=converted.version, skipped=list(converted.skipped))
    builtin = set(
        Task.objects.filter(slug__in=[t.slug for t in converted.tasks])
        .exclude(origin__startswith="mercury")
        .values_list("slug", flat=True)
    )
    for etask in converted.tasks:
        if etask.slug in builtin and not replace:
            report.skipped.append(
                (etask.slug, "a built-in task has this slug (use --replace to use Mercury's tests)")
            )
            continue
        # origin records the dataset version the task came from
        etask = dataclass_replace(etask, origin=converted.version)
        _task, what = task_upsert(etask=etask)
        getattr(report, what).append(etask.slug)
    return report


# Services of other domains, re-exported so that callers keep writing `services.<name>`.
from portal.services.accounts import (  # noqa: E402
    NewApiToken as NewApiToken,
    SignupClosed as SignupClosed,
    api_token_authenticate as api_token_authenticate,
    api_token_create as api_token_create,
    api_token_hash as api_token_hash,
    api_token_revoke as api_token_revoke,
    moderators_group_ensure as moderators_group_ensure,
    password_reset_count as password_reset_count,
    profile_of as profile_of,
    profile_set_notify as profile_set_notify,
    user_signup as user_signup,
)
from portal.services.moderation import (  # noqa: E402
    FlagInvalid as FlagInvalid,
    ModerationError as ModerationError,
    flag_create as flag_create,
    flag_resolve as flag_resolve,
    rejudge_batch_create as rejudge_batch_create,
    rejudge_batch_run as rejudge_batch_run,
    submission_auto_approve as submission_auto_approve,
    submission_moderate as submission_moderate,
    submission_rejudge_recorded as submission_rejudge_recorded,
    user_set_trusted as user_set_trusted,
)
