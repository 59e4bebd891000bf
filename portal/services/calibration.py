"""Calibration writes: measure a task's reference runtimes on this host, once, and enqueue it."""

import logging
from collections.abc import Callable, Iterable

from django.db import IntegrityError, transaction

from evaluator import tasks as ev_tasks
from evaluator.host import HARNESS_VERSION, host_fingerprint
from portal import caching, judging, queue
from portal.models import Calibration, Task
from portal.services.tasks import task_to_evaluator

log = logging.getLogger(__name__)


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
    measured = judging.calibrate_task(etask or task_to_evaluator(task=task))
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
    judging.prepare_host()
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
        queue.calibrate_task_enqueue(task_id=task.pk, fingerprint=task.fingerprint)
        enqueued.append(task.slug)
    return enqueued


def calibration_run(
    *,
    slugs: Iterable[str] | None = None,
    force: bool = False,
    progress: Callable[[int, int, Task, Calibration | None, Exception | None], None] | None = None,
) -> tuple[int, int]:
    """Calibrate tasks inline (one after another); returns (calibrated, failed)."""
    judging.prepare_host()
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
