"""Mercury's schema: importing rows (run with Mercury's own converters) and exporting ours."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluator.jail import leetcode as harness
from evaluator.judge import Verdict, calibrate_task, judge_sample
from evaluator.mercury import import_rows, read_rows, task_to_row, write_rows
from tests.evaluator.conftest import DATA

SAMPLE = Path(__file__).parent / "data" / "mercury" / "sample.jsonl"


def test_import_reads_usable_rows_and_reports_none_tests():
    report = import_rows(read_rows(SAMPLE))
    assert [t.slug for t in report.tasks] == ["count-evens", "reverse-chain"]
    assert report.skipped == [("broken-row", "convert_offline is missing or 'None'")]
    task = report.tasks[1]
    assert (task.checker, task.origin, task.title, task.difficulty) == (
        "mercury",
        "mercury",
        "Reverse Chain",
        "Medium",
    )
    assert len(task.references) == 2 and len(task.small) == 3
    again = import_rows(read_rows(SAMPLE))
    assert [t.fingerprint for t in again.tasks] == [t.fingerprint for t in report.tasks]
    assert again.version == report.version


def test_import_reads_parquet_and_skips_malformed_rows(tmp_path):
    rows = list(read_rows(SAMPLE))
    rows.append({"slug_name": "half"})
    rows.append("not an object")
    out = tmp_path / "rows.parquet"
    write_rows([{**r, "meta_info": {}, "pretty_content": ["text"]} for r in rows[:2]], out)
    assert [r["slug_name"] for r in read_rows(out)] == ["count-evens", "reverse-chain"]
    report = import_rows(rows)
    assert len(report.tasks) == 2
    assert {name for name, _ in report.skipped} == {"broken-row", "half", "row 4"}


@pytest.mark.sandbox
def test_imported_tasks_are_judged_with_mercurys_own_converters(sandbox_ready):
    tasks = {t.slug: t for t in import_rows(read_rows(SAMPLE)).tasks}
    chain = tasks["reverse-chain"]
    cal = calibrate_task(chain, rounds=(3, 5), budget_s=0.3)
    good = judge_sample(chain, chain.references["solution_00"], cal)
    assert good.verdict == Verdict.PASSED and good.beyond > 0.5
    wrong = "class Solution:\n    def reverseChain(self, head):\n        return head\n"
    result = judge_sample(chain, wrong, cal)
    assert result.verdict == Verdict.WRONG_ANSWER
    assert "test 1" in result.diagnostic
    # the expected outputs never reach the jail, and the request is not readable by a run
    peek = (
        "import json\nclass Solution:\n    def reverseChain(self, head):\n"
        "        try:\n"
        "            text = open('/box/request.json').read()\n"
        "        except PermissionError:\n"
        "            text = ''\n"
        "        assert not text, 'the request is readable'\n"
        + "\n".join(chain.references["solution_00"].splitlines()[2:])
        + "\n"
    )
    assert judge_sample(chain, peek, cal).verdict == Verdict.PASSED


def _mercury_style_passes(row: dict, source: str) -> bool:
    """Run a solution the way Mercury's harness does: its namespace, converters, evaluator."""
    namespace = harness.make_namespace()
    exec(source, namespace)
    exec(row["convert_offline"], namespace)
    exec(row["evaluate_offline"], namespace)
    solution = namespace["Solution"]()
    for case in json.loads(row["test_cases"]):
        inputs, expected = namespace["convert_offline"]((case["input"], case["expected"]))
        outputs = getattr(solution, row["entry_point"])(*inputs)
        if not namespace["evaluate_offline"](inputs, outputs, expected):
            return False
    return True


def test_export_runs_under_mercurys_harness_conventions(test_tasks):
    for task in test_tasks.values():
        row = task_to_row(task)
        assert set(row) >= {
            "slug_name",
            "id",
            "difficulty",
            "pretty_content",
            "prompt",
            "entry_point",
            "test_cases",
            "solutions",
            "generator_code",
            "convert_online",
            "convert_offline",
            "evaluate_offline",
            "meta_info",
        }
        for solution in row["solutions"]:
            assert _mercury_style_passes(row, solution["solution"]), (task.slug, solution["name"])
        wrong = task.references[task.canonical].replace("return", "return None and", 1)
        assert not _mercury_style_passes(row, wrong)


def test_export_then_import_round_trips(tmp_path, test_tasks):
    out = tmp_path / "ours.jsonl"
    write_rows([task_to_row(t) for t in test_tasks.values()], out)
    report = import_rows(read_rows(out))
    assert sorted(t.slug for t in report.tasks) == sorted(test_tasks)
    again = {t.slug: t for t in report.tasks}["pair-sum"]
    assert len(again.tests) == len(test_tasks["pair-sum"].tests)
    assert again.checker == "mercury" and DATA.exists()
