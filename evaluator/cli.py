"""Command-line interface: evaluate completions, validate and build tasks, as the portal does."""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from evaluator.metrics import METRICS
from evaluator.tasks import DEFAULT_TASKS_DIR, Task, load_tasks, task_dirs

CACHE_DIR = Path(os.environ.get("MERCURY_CACHE_DIR", Path.home() / ".cache" / "mercury-evaluator"))


def _progress(label: str, done: int, total: int, started: float) -> None:
    if not sys.stderr.isatty() and done not in (total,) and done % 10:
        return
    width = 30
    filled = int(width * done / total) if total else width
    elapsed = time.monotonic() - started
    end = "\n" if done == total else ""
    print(
        f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {elapsed:5.1f}s",
        end=end,
        file=sys.stderr,
        flush=True,
    )


def calibration_for(task: Task, *, measure: str = "cpu", cache_dir: Path | None = None) -> Any:
    """This host's calibration of a task, measured once and cached on disk (MERCURY_CACHE_DIR).

    A run killed at any moment leaves the cache consistent: an entry is written whole to a
    temporary file and renamed into place (`_write_atomically`), so a reader finds the complete
    previous entry or none, never half of one; an entry that does not load is measured again.
    """
    from evaluator.host import HARNESS_VERSION, host_fingerprint
    from evaluator.judge import Calibration, calibrate_task

    name = f"{task.slug}-{task.fingerprint}-{measure}.json"
    path = (cache_dir or CACHE_DIR) / host_fingerprint() / HARNESS_VERSION / name
    if path.exists():
        try:
            return Calibration.from_dict(json.loads(path.read_text()))
        except (ValueError, TypeError, KeyError):
            pass
    calibration = calibrate_task(task, measure=measure)
    _write_atomically(path, json.dumps(calibration.to_dict(), indent=1))
    return calibration


def _write_atomically(path: Path, text: str) -> None:
    """Write `path` so that it holds either its old content or all of `text`, even after a kill
    or a power cut: a temporary file in the same folder, flushed to disk, then renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    with contextlib.suppress(OSError):  # the rename itself, on file systems that allow it
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def load_task_set(path: str | None) -> dict[str, Task]:
    """Our task directories, or a Mercury dataset file (parquet / JSON lines) imported on the fly."""
    if path and Path(path).is_file():
        from evaluator.mercury import import_rows, read_rows

        report = import_rows(read_rows(Path(path)))
        for slug, reason in report.skipped:
            print(f"{path}: skipped {slug}: {reason}", file=sys.stderr)
        return {t.slug: t for t in sorted(report.tasks, key=lambda t: (t.id, t.slug))}
    return load_tasks(Path(path) if path else None)


def _cmd_export_mercury(args: argparse.Namespace) -> int:
    from evaluator.mercury import task_to_row, write_rows

    root = Path(args.tasks) if args.tasks else DEFAULT_TASKS_DIR
    tasks = load_task_set(args.tasks)
    rows = []
    for task in tasks.values():
        gen = root / task.slug / "gen.py"
        rows.append(task_to_row(task, generator_code=gen.read_text() if gen.exists() else ""))
    count = write_rows(rows, Path(args.out))
    print(f"wrote {count} tasks in Mercury's schema to {args.out}")
    return 0


def _workers() -> int:
    return max(1, len(os.sched_getaffinity(0)))


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from evaluator.completions import parse_completions
    from evaluator.judge import SAMPLES_PER_JAIL, judge_samples
    from evaluator.metrics import SampleOutcome, score_samples
    from evaluator.sandbox import prepare_host

    tasks = load_task_set(args.tasks)
    parsed = parse_completions(
        Path(args.completions).read_bytes(),
        known_tasks=tasks,
        prompts={slug: task.prompt for slug, task in tasks.items()},
    )
    print(parsed.summary, file=sys.stderr)
    for error in parsed.errors:
        print(f"{args.completions}: {error}", file=sys.stderr)
    if not parsed.samples:
        print("no usable completions", file=sys.stderr)
        return 2
    prepare_host()
    needed = sorted({s.task_id for s in parsed.samples}, key=lambda slug: tasks[slug].id)
    started = time.monotonic()
    calibrations: dict[str, Any] = {}
    with ThreadPoolExecutor(_workers()) as pool:
        for done, (slug, cal) in enumerate(
            zip(
                needed,
                pool.map(lambda s: calibration_for(tasks[s], measure=args.measure), needed),
                strict=True,
            ),
            1,
        ):
            calibrations[slug] = cal
            _progress("calibrating", done, len(needed), started)
        started = time.monotonic()
        samples = parsed.samples
        groups = [
            samples[i : i + SAMPLES_PER_JAIL] for i in range(0, len(samples), SAMPLES_PER_JAIL)
        ]
        jobs = [
            (
                group,
                pool.submit(
                    judge_samples,
                    [(tasks[s.task_id], s.code, calibrations[s.task_id]) for s in group],
                    measure=args.measure,
                ),
            )
            for group in groups
        ]
        results = []
        for group, future in jobs:
            results.extend(zip(group, future.result(), strict=True))
            _progress("judging", len(results), len(samples), started)
    outcomes = [
        SampleOutcome(s.task_id, r.verdict, r.beyond, r.percentile, r.runtime_s) for s, r in results
    ]
    # The portal's rule: every task of the set counts, a task without a sample scoring 0.
    summary = score_samples(outcomes, {slug: t.difficulty for slug, t in tasks.items()}).to_dict()
    rows = [
        {
            "task_id": s.task_id,
            "sample": s.index,
            "verdict": str(r.verdict),
            "runtime_s": r.runtime_s,
            "instructions": r.details.get("instructions"),
            "beyond": o.score,
            "percentile": r.percentile if r.verdict.passed else None,
            "diagnostic": r.diagnostic,
        }
        for (s, r), o in zip(results, outcomes, strict=True)
    ]
    _print_table(rows, summary)
    if args.json:
        payload = {**summary, "results": rows}
        Path(args.json).write_text(json.dumps(payload, indent=1))
        print(f"wrote {args.json}")
    return 0


def _print_table(rows: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    print(f"{'task':<48} {'#':>2} {'verdict':<14} {'runtime':>10} {'beyond':>7} {'beats':>6}")
    for row in rows:
        if row["runtime_s"] is not None:
            runtime = f"{row['runtime_s'] * 1000:.2f}ms"
        elif row.get("instructions"):
            runtime = f"{row['instructions'] / 1e6:.1f}Mi"
        else:
            runtime = "-"
        beats = f"{row['percentile']:.0f}%" if row["percentile"] is not None else "-"
        print(
            f"{row['task_id'][:48]:<48} {row['sample']:>2} {row['verdict']:<14} "
            f"{runtime:>10} {row['beyond'] * 100:7.1f} {beats:>6}"
        )
    print()
    print(f"{'':<10} {'tasks':>6}" + "".join(f" {m.label:>9}" for m in METRICS))
    blocks = [("overall", summary), *summary["by_difficulty"].items()]
    for name, block in blocks:
        if block["tasks"]:
            figures = "".join(f" {block[m.key] * m.scale:9.1f}" for m in METRICS)
            print(f"{name:<10} {block['tasks']:>6}{figures}")
    missing = summary["tasks_missing"]
    if missing:
        print(f"{missing} of {summary['tasks_total']} tasks have no sample and score 0.")
    if summary["internal_errors"]:
        print(
            f"{summary['internal_errors']} sample(s) ended in internal_error after retries "
            "and count as failed."
        )


def _wrong_value(value: Any) -> Any:
    """A value that no checker should accept in place of value."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "#"
    if isinstance(value, list):
        return [*value, value[-1]] if value else [0]
    if value is None:
        return 0
    return None


def _cmd_validate(args: argparse.Namespace) -> int:
    from evaluator.checkers import check_output, load_validator
    from evaluator.judge import CalibrationError, calibrate_task, check_references
    from evaluator.sandbox import prepare_host

    tasks = load_task_set(args.tasks)
    if args.only:
        tasks = {slug: tasks[slug] for slug in args.only}
    prepare_host()
    selected = list(tasks.values())
    full = set(t.slug for t in selected)
    if args.sample is not None:
        # quick mode: every task's small tests; the full protocol on a rotating sample
        day = int(time.time() // 86400)
        order = sorted(
            selected, key=lambda t: hashlib.sha256(f"{t.slug}/{day}".encode()).hexdigest()
        )
        full = {t.slug for t in order[: args.sample]}
    failures = 0
    counts = {"Easy": 0, "Medium": 0, "Hard": 0}
    started = time.monotonic()

    def one(task: Task) -> tuple[Task, str | None, str]:
        validator = load_validator(task.validator_source) if task.validator_source else None
        case = task.tests[0]
        if check_output(
            task.checker, case.input, case.expected, _wrong_value(case.expected), validator
        ):
            return task, "the checker accepts a wrong answer", ""
        if task.slug not in full:
            failures = check_references(_small_only(task))
            if failures:
                return task, "; ".join(failures), ""
            return task, None, f"{len(task.references)} references pass the small tests [small]"
        try:
            cal = calibrate_task(task, rounds=(3, 5), budget_s=1.0)
        except CalibrationError as exc:
            return task, str(exc), ""
        spread = ", ".join(
            f"{n} {v * 1000:.2f}ms" for n, v in sorted(cal.runtimes.items(), key=lambda kv: kv[1])
        )
        flag = " FLAGGED (spread < 1.5x)" if cal.flagged else ""
        return task, None, f"spread {cal.spread:5.1f}x [full]{flag}: {spread}"

    with ThreadPoolExecutor(_workers()) as pool:
        for done, (task, error, line) in enumerate(pool.map(one, selected), 1):
            counts[task.difficulty] += 1
            if error:
                failures += 1
                print(f"FAIL {task.slug}: {error}")
            else:
                print(f"ok   {task.slug:<50} {line}")
            _progress("validating", done, len(selected), started)
    print(
        f"{len(selected) - failures} of {len(selected)} tasks valid "
        f"(Easy {counts['Easy']}, Medium {counts['Medium']}, Hard {counts['Hard']})"
    )
    return 1 if failures else 0


def _small_only(task: Task) -> Task:
    from dataclasses import replace

    return replace(task, large=[])


def _cmd_build_tasks(args: argparse.Namespace) -> int:
    from evaluator.build import build_task, format_report

    root = Path(args.tasks) if args.tasks else DEFAULT_TASKS_DIR
    dirs = [root / slug for slug in args.slugs] if args.slugs else task_dirs(root)
    failed = 0
    for directory in dirs:
        if not (directory / "task.json").exists():
            print(f"{directory.name}: no task.json", file=sys.stderr)
            failed += 1
            continue
        try:
            report = build_task(directory)
        except Exception as exc:  # noqa: BLE001 - report per task and go on
            print(f"{directory.name}: build failed: {type(exc).__name__}: {exc}")
            failed += 1
            continue
        print(format_report(report), flush=True)
        failed += 0 if report.ok else 1
    print(f"built {len(dirs) - failed} of {len(dirs)} tasks")
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m evaluator",
        description="Score Mercury completions locally exactly as the portal does.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    evaluate = sub.add_parser("evaluate", help="judge a JSONL completions file")
    evaluate.add_argument("completions", help='JSONL: {"task_id": slug, "completion": code}')
    evaluate.add_argument(
        "--tasks",
        help=f"task directory (default: {DEFAULT_TASKS_DIR}) or a Mercury dataset file "
        "(.parquet / .jsonl) to judge against Mercury's own tests",
    )
    evaluate.add_argument("--json", help="write the results as JSON to this path")
    evaluate.add_argument(
        "--measure",
        choices=["cpu", "instructions"],
        default="cpu",
        help="cpu: per-thread CPU time beside an anchor (default); instructions: instruction "
        "counts under valgrind, deterministic but about 50x slower",
    )
    evaluate.set_defaults(func=_cmd_evaluate)
    validate = sub.add_parser("validate-tasks", help="prove every reference passes; print spreads")
    validate.add_argument("--tasks", help=f"task directory (default: {DEFAULT_TASKS_DIR})")
    validate.add_argument("--only", nargs="*", help="only these slugs")
    validate.add_argument(
        "--sample",
        type=int,
        help="quick mode: small tests for every task, the full protocol for N rotating tasks",
    )
    validate.set_defaults(func=_cmd_validate)
    export = sub.add_parser(
        "export-mercury", help="write our tasks in Mercury's schema (.jsonl or .parquet)"
    )
    export.add_argument("out", help="output file: .jsonl (JSON lines) or .parquet")
    export.add_argument("--tasks", help=f"task directory (default: {DEFAULT_TASKS_DIR})")
    export.set_defaults(func=_cmd_export_mercury)
    build = sub.add_parser("build-tasks", help="generate tests.json and check/time references")
    build.add_argument("slugs", nargs="*", help="task slugs (default: all)")
    build.add_argument("--tasks", help=f"task directory (default: {DEFAULT_TASKS_DIR})")
    build.set_defaults(func=_cmd_build_tasks)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args))
