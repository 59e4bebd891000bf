"""The CLI's calibration cache: a run killed while it writes an entry never leaves half of one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from evaluator import cli, judge

ROOT = Path(__file__).resolve().parents[2]
HOST = "test-host"
# A CLI run whose calibration is measured at once and whose file writes stop dead at 4 KiB
# (SIGXFSZ, like a kill or a full disk in the middle of the write).
_KILLED_WHILE_WRITING = """
import resource, signal, sys
from pathlib import Path
from types import SimpleNamespace
from evaluator import cli, judge
from tests.evaluator.test_cli_cache import big_calibration
judge.calibrate_task = lambda task, measure="cpu": big_calibration(task.slug)
signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # Python ignores it: die as a kill would
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
task = SimpleNamespace(slug="big", fingerprint="fp1")
cli.calibration_for(task, cache_dir=Path(sys.argv[1]))
"""


def big_calibration(slug: str, anchor_seconds: float = 0.01) -> judge.Calibration:
    """A calibration whose JSON is far larger than 4 KiB (many references)."""
    return judge.Calibration(
        task_slug=slug,
        task_fingerprint="fp1",
        harness_version="h",
        host=HOST,
        anchor="ref0",
        anchor_seconds=anchor_seconds,
        ratios={f"ref{index}": 1.0 + index / 10 for index in range(400)},
        check_seconds=0.5,
        timed_seconds=0.2,
    )


@pytest.fixture(autouse=True)
def _host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERCURY_HOST_FINGERPRINT", HOST)


def test_a_run_killed_while_writing_leaves_no_half_entry(tmp_path, monkeypatch):
    done = subprocess.run(
        [sys.executable, "-c", _KILLED_WHILE_WRITING, str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        check=False,
    )
    assert done.returncode == -signal.SIGXFSZ, done.stderr.decode()[-2000:]
    # Nothing at the entry's place: the next run measures again instead of reading half of it.
    entries = [path for path in tmp_path.rglob("*.json") if not path.name.startswith(".")]
    assert entries == []
    measured = []
    monkeypatch.setattr(
        judge,
        "calibrate_task",
        lambda task, measure="cpu": measured.append(task.slug) or big_calibration(task.slug, 0.02),
    )
    task = SimpleNamespace(slug="big", fingerprint="fp1")

    first = cli.calibration_for(task, cache_dir=tmp_path)
    again = cli.calibration_for(task, cache_dir=tmp_path)

    assert measured == ["big"]  # measured once, then read back whole
    assert again == first and len(again.ratios) == 400


def test_a_damaged_entry_is_measured_again(tmp_path, monkeypatch):
    task = SimpleNamespace(slug="big", fingerprint="fp1")
    monkeypatch.setattr(judge, "calibrate_task", lambda task, measure="cpu": big_calibration("big"))
    cli.calibration_for(task, cache_dir=tmp_path)
    [entry] = tmp_path.rglob("big-fp1-cpu.json")
    entry.write_text(entry.read_text()[:100])  # an entry written by an older, non-atomic CLI

    monkeypatch.setattr(
        judge, "calibrate_task", lambda task, measure="cpu": big_calibration("big", 0.5)
    )
    assert cli.calibration_for(task, cache_dir=tmp_path).anchor_seconds == 0.5
    assert json.loads(entry.read_text())["anchor_seconds"] == 0.5
