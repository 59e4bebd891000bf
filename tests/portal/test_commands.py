"""Management commands: load_tasks, calibrate and ensure_admin."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from portal.models import Calibration, Task
from portal.services.calibration import calibration_ensure
from tests.conftest import TEST_TASKS_DIR


def run(*args, **kwargs) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def test_load_tasks_reports_and_is_idempotent(db):
    first = run("load_tasks", "--path", str(TEST_TASKS_DIR))
    second = run("load_tasks")  # MERCURY_TASKS_DIR points at the test tasks

    assert "created   tiny-sum" in first
    assert "1 created, 0 updated, 0 unchanged" in first
    assert "0 created, 0 updated, 1 unchanged" in second
    assert Task.objects.count() == 1


def test_calibrate_sync_prints_progress_and_stores(make_task, fake_judge):
    make_task(slug="alpha")
    make_task(slug="beta")

    output = run("calibrate", "--sync")

    assert "1/2 alpha: spread 4.0x" in output
    assert "2/2 beta" in output
    assert "2 calibrated, 0 failed" in output
    assert Calibration.objects.count() == 2


def test_calibrate_sync_only_named_tasks(make_task, fake_judge):
    make_task(slug="alpha")
    make_task(slug="beta")

    run("calibrate", "--sync", "--task", "beta")

    assert list(Calibration.objects.values_list("task__slug", flat=True)) == ["beta"]


def test_calibrate_rejects_unknown_tasks(db):
    with pytest.raises(CommandError, match="unknown task"):
        run("calibrate", "--task", "nope")


def test_calibrate_enqueues_uncalibrated_tasks_by_default(make_task, fake_judge, monkeypatch):
    from portal import queue as portal_queue

    make_task(slug="alpha")
    calibration_ensure(task=make_task(slug="beta"))
    calls = []
    monkeypatch.setattr(portal_queue, "calibrate_task_enqueue", lambda **kw: calls.append(kw))

    output = run("calibrate")

    assert "enqueued 1 calibration job(s)" in output
    assert [call["fingerprint"] for call in calls] == ["fp-alpha"]


def test_ensure_admin_without_env_prints_the_recipe(db, monkeypatch):
    monkeypatch.delenv("MERCURY_ADMIN_USER", raising=False)
    monkeypatch.delenv("MERCURY_ADMIN_PASSWORD", raising=False)

    output = run("ensure_admin")

    assert "createsuperuser" in output
    assert get_user_model().objects.count() == 0


def test_ensure_admin_creates_then_updates(db, monkeypatch):
    monkeypatch.setenv("MERCURY_ADMIN_USER", "boss")
    monkeypatch.setenv("MERCURY_ADMIN_PASSWORD", "first-pass-123")
    assert "created" in run("ensure_admin")
    monkeypatch.setenv("MERCURY_ADMIN_PASSWORD", "second-pass-456")
    assert "updated" in run("ensure_admin")

    user = get_user_model().objects.get(username="boss")
    assert user.is_superuser and user.is_staff
    assert user.check_password("second-pass-456")
