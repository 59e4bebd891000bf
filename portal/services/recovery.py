"""Recovery: the one path that finds unfinished work (calibrations, submissions, rejudge batches)
left by a crash, a kill or a Redis restart, cleans up the job records it left and queues it again.

`make run` runs it once at start-up and the stale-run detector (`manage.py recover_submissions
--every N`) periodically. It reads RQ's own registries (started jobs whose worker is gone, failed
jobs) rather than keeping books of its own, then the database decides what is unfinished. Every
step is idempotent and a job still waiting or running on a live worker is left alone, so it is
safe at any time and on several hosts at once.
"""

import logging
import re
from dataclasses import dataclass, field

import django_rq
from redis import Redis
from rq.job import JobStatus

from evaluator.host import HARNESS_VERSION, host_fingerprint
from portal import queue, queue_state
from portal.models import BatchStatus, Calibration, RejudgeBatch, Submission, SubmissionStatus, Task
from portal.services.evaluation import submission_recover_stalled

log = logging.getLogger(__name__)

_JOB_KINDS = (
    ("calibrate", re.compile(r"^calibrate-task-(\d+)-")),
    ("evaluate", re.compile(r"^evaluate-submission-(\d+)-chunk-\d+$")),
    ("rejudge", re.compile(r"^rejudge-batch-(\d+)$")),
)


def _job_kind(job_id: str) -> tuple[str, int] | None:
    """('calibrate', task id), ('evaluate', submission id) or ('rejudge', batch id)."""
    for kind, pattern in _JOB_KINDS:
        match = pattern.match(job_id)
        if match:
            return kind, int(match.group(1))
    return None


def _plural(count: int, singular: str, plural: str = "") -> str:
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


@dataclass
class RecoveryReport:
    """What `recovery_run` did."""

    calibrations_requeued: list[str] = field(default_factory=list)  # slugs
    calibrations_queued: list[str] = field(default_factory=list)  # slugs never queued before
    submissions_requeued: list[int] = field(default_factory=list)
    batches_requeued: list[int] = field(default_factory=list)
    records_discarded: list[str] = field(default_factory=list)  # job ids
    failures_kept: list[str] = field(default_factory=list)  # job ids that raised: for staff

    @property
    def recovered(self) -> bool:
        """Whether any work left by an earlier run was queued again."""
        return bool(
            self.calibrations_requeued or self.submissions_requeued or self.batches_requeued
        )

    def summary(self) -> str:
        """One line for the operator, e.g. 're-queued 3 calibrations and 1 submission left by a
        previous run'."""
        named = [
            _plural(len(items), singular, plural)
            for items, singular, plural in (
                (self.calibrations_requeued, "calibration", ""),
                (self.submissions_requeued, "submission", ""),
                (self.batches_requeued, "rejudge batch", "rejudge batches"),
            )
            if items
        ]
        if named:
            joined = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
            parts = [f"re-queued {joined} left by a previous run"]
        else:
            parts = ["nothing left unfinished by a previous run"]
        if self.calibrations_queued:
            parts.append(
                f"queued {_plural(len(self.calibrations_queued), 'calibration')} of tasks "
                "not yet calibrated on this host"
            )
        if self.records_discarded:
            parts.append(f"cleaned up {_plural(len(self.records_discarded), 'stale job record')}")
        if self.failures_kept:
            parts.append(
                f"{_plural(len(self.failures_kept), 'failed job')} kept for inspection "
                "(django-rq's admin pages)"
            )
        return "; ".join(parts)


def recovery_run(*, startup: bool = False) -> RecoveryReport:
    """Queue again everything unfinished whose job is gone, dead or failed by a kill.

    At start-up (`startup`) calibrations that failed by raising are queued again too, and
    retries waiting in RQ's scheduled registry run at once (a restart is the operator's retry);
    the periodic detector leaves those alone.
    Raises redis' errors when Redis cannot be reached.
    """
    connection = django_rq.get_queue(queue.CALIBRATE_QUEUE).connection
    report = RecoveryReport()
    discarded_tasks: set[int] = set()
    failed_tasks: set[int] = set()
    # At start-up, retries waiting out their backoff run at once: the stop that killed their
    # work horse (or the crash) was no fault of theirs, and a restart is the operator's retry.
    found = queue_state.leftovers(
        connection=connection, queue_names=queue.QUEUES, scheduled=startup
    )
    for leftover in found:
        kind = _job_kind(leftover.job_id)
        if kind is None:
            continue  # not one of ours
        if leftover.state == "failed" and not leftover.killed and _failure_is_final(kind, startup):
            report.failures_kept.append(leftover.job_id)
            if kind[0] == "calibrate":
                failed_tasks.add(kind[1])
            continue
        queue_state.job_discard(
            connection=connection, job_id=leftover.job_id, queue_names=queue.QUEUES
        )
        report.records_discarded.append(leftover.job_id)
        if kind[0] == "calibrate":
            discarded_tasks.add(kind[1])
    _calibrations_requeue(
        connection=connection,
        report=report,
        discarded=discarded_tasks,
        skip=failed_tasks,
        startup=startup,
    )
    recovered = submission_recover_stalled()
    report.submissions_requeued = sorted(recovered["enqueued"] + recovered["resumed"])
    _batches_requeue(connection=connection, report=report)
    if report.recovered or report.records_discarded:
        log.warning("recovery: %s", report.summary())
    return report


def _failure_is_final(kind: tuple[str, int], startup: bool) -> bool:
    """Whether a job that failed by raising stays failed (kept for staff) rather than re-queued."""
    what, pk = kind
    if what == "calibrate":
        return not startup
    if what == "evaluate":
        # The failure callback marked the submission failed: staff may requeue it.
        return Submission.objects.filter(pk=pk, status=SubmissionStatus.ERROR).exists()
    return RejudgeBatch.objects.filter(pk=pk, status=BatchStatus.ERROR).exists()


def _calibrations_requeue(
    *, connection: Redis, report: RecoveryReport, discarded: set[int], skip: set[int], startup: bool
) -> None:
    """Queue the calibration of each task this host lacks whose job is not waiting or running.

    Periodically, only where the job was a leftover or is gone (Redis lost it); a calibration
    job that finished elsewhere (another host took it) is queued again only at start-up.
    """
    done = set(
        Calibration.objects.filter(
            host=host_fingerprint(), harness_version=HARNESS_VERSION
        ).values_list("task_id", "task_fingerprint")
    )
    for task in Task.objects.order_by("lc_id").only("pk", "slug", "fingerprint"):
        if (task.pk, task.fingerprint) in done or task.pk in skip:
            continue
        job_id = queue.calibrate_job_id(task.pk, task.fingerprint)
        job = queue_state.job_fetch(connection=connection, job_id=job_id, queue_names=queue.QUEUES)
        if job is not None:
            if queue_state.job_is_alive(job):
                continue
            if not startup and job.get_status() == JobStatus.FINISHED:
                continue  # it ran on another host; this host's start-up queues it again
        if queue.calibrate_task_enqueue(task_id=task.pk, fingerprint=task.fingerprint) is None:
            continue
        if task.pk in discarded or job is not None or not startup:
            report.calibrations_requeued.append(task.slug)
        else:
            report.calibrations_queued.append(task.slug)


def _batches_requeue(*, connection: Redis, report: RecoveryReport) -> None:
    """Queue again each unfinished rejudge batch whose job is not waiting or running."""
    unfinished = RejudgeBatch.objects.filter(status__in=[BatchStatus.QUEUED, BatchStatus.RUNNING])
    for batch_id in unfinished.values_list("pk", flat=True):
        job_id = queue.rejudge_batch_job_id(batch_id)
        job = queue_state.job_fetch(connection=connection, job_id=job_id, queue_names=queue.QUEUES)
        if job is not None:
            if queue_state.job_is_alive(job):
                continue
            queue_state.job_discard(connection=connection, job_id=job_id, queue_names=queue.QUEUES)
        queue.rejudge_batch_enqueue(batch_id=batch_id)
        report.batches_requeued.append(batch_id)
