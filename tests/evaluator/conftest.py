"""Shared fixtures of the evaluator tests: the tiny test tasks and their calibrations."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluator.judge import Calibration, calibrate_task
from evaluator.sandbox import prepare_host
from evaluator.tasks import Task, load_tasks

DATA = Path(__file__).parent / "data" / "tasks"


@pytest.fixture(scope="session")
def test_tasks() -> dict[str, Task]:
    return load_tasks(DATA)


@pytest.fixture(scope="session")
def sandbox_ready() -> None:
    prepare_host()


@pytest.fixture(scope="session")
def calibrations(test_tasks: dict[str, Task], sandbox_ready: None) -> dict[str, Calibration]:
    return {
        slug: calibrate_task(task, rounds=(5, 11), budget_s=0.8)
        for slug, task in test_tasks.items()
    }
