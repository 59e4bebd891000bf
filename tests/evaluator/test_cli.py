"""`python -m evaluator`: evaluate writes DESIGN §5's JSON; validate-tasks proves references."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.evaluator.conftest import DATA

pytestmark = pytest.mark.sandbox
ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MERCURY_CACHE_DIR": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "evaluator", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_evaluate_prints_a_table_and_writes_the_documented_json(tmp_path, test_tasks):
    refs = test_tasks["pair-sum"].references
    lines = [
        {"task_id": "pair-sum", "completion": f"```python\n{refs['hashmap']}```"},
        {"task_id": "pair-sum", "solution": refs["quadratic"]},
        {"task_id": "reverse-linked", "completion": "class Solution:\n    pass\n"},
        {"task_id": "no-such-task", "completion": "x"},
    ]
    completions = tmp_path / "c.jsonl"
    completions.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    out = tmp_path / "out.json"
    result = _run(
        "evaluate", str(completions), "--tasks", str(DATA), "--json", str(out), cache=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "line 4: unknown task_id 'no-such-task'" in result.stderr
    assert "Pass@1" in result.stdout and "Beyond@1" in result.stdout
    data = json.loads(out.read_text())
    assert set(data) >= {"pass@1", "beyond@1", "by_difficulty", "results"}
    assert set(data["by_difficulty"]) == {"Easy", "Medium", "Hard"}
    assert set(data["by_difficulty"]["Easy"]) >= {"pass@1", "beyond@1", "tasks"}
    assert data["pass@1"] == pytest.approx(0.5)  # pair-sum passes, reverse-linked does not
    rows = {(r["task_id"], r["sample"]): r for r in data["results"]}
    assert set(rows[("pair-sum", 0)]) >= {
        "task_id",
        "sample",
        "verdict",
        "runtime_s",
        "beyond",
        "percentile",
    }
    assert rows[("pair-sum", 0)]["verdict"] == "passed"
    assert rows[("pair-sum", 0)]["beyond"] > rows[("pair-sum", 1)]["beyond"]
    assert rows[("reverse-linked", 0)]["verdict"] == "invalid"


def test_validate_tasks_reports_each_spread(tmp_path):
    result = _run("validate-tasks", "--tasks", str(DATA), cache=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok   pair-sum" in result.stdout and "spread" in result.stdout
    assert "2 of 2 tasks valid" in result.stdout


def test_validate_tasks_fails_on_a_wrong_reference(tmp_path):
    broken = tmp_path / "tasks"
    subprocess.run(["cp", "-r", str(DATA / "pair-sum"), str(broken)], check=True)
    (broken / "refs" / "wrong.py").write_text(
        "class Solution:\n    def pairSum(self, nums, target):\n        return [0, 1]\n"
    )
    result = _run("validate-tasks", "--tasks", str(broken), cache=tmp_path)
    assert result.returncode == 1
    assert "FAIL pair-sum" in result.stdout and "wrong" in result.stdout


def test_validate_tasks_quick_mode_checks_small_tests_without_timing(tmp_path):
    result = _run("validate-tasks", "--tasks", str(DATA), "--sample", "0", cache=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("[small]") == 2
