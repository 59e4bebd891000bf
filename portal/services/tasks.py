"""Task writes: load the built-in tasks, import Mercury's dataset, rebuild a task for the judge."""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace as dataclass_replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from evaluator import tasks as ev_tasks
from evaluator.mercury import import_rows
from portal import caching
from portal.models import Reference, Task, TestSuite


@dataclass
class TaskLoadReport:
    """What `task_load_from_fixtures` did, by slug."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


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
