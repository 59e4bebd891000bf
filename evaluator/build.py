"""Task builder: generate tests.json from gen.py with the canonical reference, check and time refs.

Runs our own (trusted) task code in this process, outside any jail: it is an authoring tool.
Runtimes printed here are a quick in-process guide; the stored reference runtimes come from
calibration inside the sandbox.
"""

from __future__ import annotations

import json
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluator.checkers import check_output, load_validator
from evaluator.jail import leetcode as harness
from evaluator.tasks import Task, load_task

MIN_SPREAD = 3.0


@dataclass
class BuildReport:
    """What building one task found."""

    slug: str
    small: int
    large: int
    seconds: dict[str, float]
    failures: list[str]
    size_bytes: int

    @property
    def spread(self) -> float:
        times = [t for t in self.seconds.values() if t > 0]
        return max(times) / min(times) if times else 0.0

    @property
    def ok(self) -> bool:
        return not self.failures and self.spread >= MIN_SPREAD


def _run(source: str, task: Task, inputs: list[list[Any]]) -> list[Any]:
    namespace, solution = harness.load_method(source, task.entry_point)
    outputs = []
    for values in inputs:
        args = harness.convert_args(values, task.params, namespace)
        result = harness.call_once(solution, task.entry_point, args, task.inplace, task.prefix)
        outputs.append(harness.to_json_value(result, task.returns))
    return outputs


def _time(source: str, task: Task, inputs: list[list[Any]], repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        namespace, solution = harness.load_method(source, task.entry_point)
        prepared = [harness.convert_args(v, task.params, namespace) for v in inputs]
        start = time.process_time()
        for args in prepared:
            harness.call_once(solution, task.entry_point, args, task.inplace, task.prefix)
        best = min(best, time.process_time() - start)
        if best > 2.0:
            break
    return best


def build_task(directory: Path) -> BuildReport:
    """Generate, check and time one task; write tests.json."""
    spec = load_task(directory, with_tests=False)  # task.json and refs/, parsed once
    sys.setrecursionlimit(100000)
    scope: dict[str, Any] = {"__name__": f"gen_{spec.slug}"}
    gen_source = (directory / "gen.py").read_text()
    exec(compile(gen_source, str(directory / "gen.py"), "exec"), scope)  # noqa: S102 - our file
    small_inputs, large_inputs = scope["generate"](random.Random(spec.seed))
    small_inputs = json.loads(json.dumps(small_inputs))
    large_inputs = json.loads(json.dumps(large_inputs))
    canon_source = spec.references[spec.canonical]
    expected_small = json.loads(json.dumps(_run(canon_source, spec, small_inputs)))
    expected_large = json.loads(json.dumps(_run(canon_source, spec, large_inputs)))
    tests = {
        "seed": spec.seed,
        "canonical": spec.canonical,
        "small": [
            {"input": i, "expected": e} for i, e in zip(small_inputs, expected_small, strict=True)
        ],
        "large": [
            {"input": i, "expected": e} for i, e in zip(large_inputs, expected_large, strict=True)
        ],
    }
    text = json.dumps(tests, separators=(",", ":"))
    (directory / "tests.json").write_text(text + "\n")
    task = load_task(directory)
    validator = load_validator(task.validator_source) if task.validator_source else None
    failures: list[str] = []
    seconds: dict[str, float] = {}
    for name, source in task.references.items():
        try:
            outputs = _run(source, task, [c.input for c in task.tests])
        except Exception as exc:  # noqa: BLE001 - report, don't stop
            failures.append(f"{name}: raised {type(exc).__name__}: {exc}")
            continue
        for index, (case, output) in enumerate(zip(task.tests, outputs, strict=True)):
            if not check_output(task.checker, case.input, case.expected, output, validator):
                failures.append(f"{name}: wrong answer on test {index}")
                break
        seconds[name] = _time(source, task, [c.input for c in task.timed])
    return BuildReport(
        slug=task.slug,
        small=len(task.small),
        large=len(task.large),
        seconds=seconds,
        failures=failures,
        size_bytes=len(text),
    )


def format_report(report: BuildReport) -> str:
    lines = [
        f"{report.slug}: {report.small} small + {report.large} large tests, "
        f"{report.size_bytes / 1024:.0f} KiB, spread {report.spread:.1f}x "
        f"{'OK' if report.ok else 'FAIL'}"
    ]
    for name, secs in sorted(report.seconds.items(), key=lambda kv: kv[1]):
        lines.append(f"  {name:<24} {secs * 1000:10.2f} ms")
    lines.extend(f"  ! {failure}" for failure in report.failures)
    if report.spread < MIN_SPREAD and not report.failures:
        lines.append(f"  ! spread {report.spread:.1f}x is below {MIN_SPREAD}x")
    if report.seconds and min(report.seconds.values()) < 0.005:
        lines.append("  ~ warning: the fastest reference takes < 5 ms: enlarge the large cases")
    return "\n".join(lines)
