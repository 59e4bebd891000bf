"""Beyond reproducibility: evaluate the same completions N times and print how much Beyond moves.

    .venv/bin/python bench/stability.py [--runs 5] [--tasks N] [--completions FILE.jsonl]
                                        [--measure cpu|instructions] [--recalibrate] [--no-peer]

Without --completions, a mixed set is made from each task's references (fastest, a middle and the
slowest: Beyond near 1, in between, and near 0). Each run judges every sample afresh in the
sandbox, on every core, as the portal does. Printed: each run's overall Beyond@1 (0-100), its
standard deviation across runs, and per task the P50/P90 of |ΔBeyond@1| over every pair of runs.

Side by side (unless --no-peer), the same figures for Mercury's own way of measuring: one
wall-clock reading around one pass over the tests, references measured the same way in the
same run (in-process, no jail: an upper bound on that method's stability).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluator import sandbox
from evaluator.cli import calibration_for
from evaluator.completions import parse_completions
from evaluator.jail import leetcode as harness
from evaluator.judge import DEFAULT_TIMING, SAMPLES_PER_JAIL, calibrate_task, judge_samples
from evaluator.metrics import beyond_score
from evaluator.tasks import Task, load_tasks


def mixed_samples(tasks: dict[str, Task]) -> list[tuple[str, str]]:
    samples = []
    for slug, task in tasks.items():
        cal = calibration_for(task)
        ordered = sorted(cal.runtimes, key=cal.runtimes.get)
        picks = [ordered[0], ordered[len(ordered) // 2], ordered[-1]]
        samples += [(slug, task.references[name]) for name in dict.fromkeys(picks)]
    return samples


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def per_task_beyond(samples: list[tuple[str, str]], scores: list[float]) -> dict[str, float]:
    grouped: dict[str, list[float]] = {}
    for (slug, _), score in zip(samples, scores, strict=True):
        grouped.setdefault(slug, []).append(score)
    return {slug: sum(v) / len(v) for slug, v in grouped.items()}


def report(name: str, runs: list[dict[str, float]]) -> tuple[float, float, float]:
    overall = [100 * sum(r.values()) / len(r) for r in runs]
    std = statistics.pstdev(overall)
    deltas = [abs(a[slug] - b[slug]) for a, b in itertools.combinations(runs, 2) for slug in a]
    p50, p90 = percentile(deltas, 0.5), percentile(deltas, 0.9)
    print(
        f"{name:<28} Beyond@1 per run: {', '.join(f'{x:.2f}' for x in overall)}; "
        f"std {std:.3f} points; per-task |ΔBeyond| P50 {p50:.4f} P90 {p90:.4f}"
    )
    return std, p50, p90


def mercury_style_time(task: Task, source: str) -> float:
    """Mercury's method: one wall-clock reading around one pass over every test."""
    namespace, solution = harness.load_method(source, task.entry_point)
    inputs = [harness.convert_args(c.input, task.params, namespace) for c in task.tests]
    start = time.time()
    for args in inputs:
        harness.call_once(solution, task.entry_point, args, task.inplace)
    return time.time() - start


def mercury_style_run(tasks: dict[str, Task], samples: list[tuple[str, str]]) -> list[float]:
    """Run in a thread with a large stack, as deep recursion in the references needs one."""
    out: list[float] = []
    threading.stack_size(512 * 2**20)
    sys.setrecursionlimit(100_000)
    thread = threading.Thread(target=lambda: out.extend(_mercury_style(tasks, samples)))
    thread.start()
    thread.join()
    threading.stack_size(0)
    return out


def _mercury_style(tasks: dict[str, Task], samples: list[tuple[str, str]]) -> list[float]:
    ref_times = {
        slug: [mercury_style_time(task, src) for src in task.references.values()]
        for slug, task in tasks.items()
    }
    return [
        beyond_score(mercury_style_time(tasks[slug], code), ref_times[slug])
        for slug, code in samples
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=0, help="only the first N tasks")
    parser.add_argument("--tasks-dir", help="task directory (default: the built-in set)")
    parser.add_argument("--completions", help="JSONL completions (default: a mixed set)")
    parser.add_argument("--measure", choices=["cpu", "instructions"], default="cpu")
    parser.add_argument("--recalibrate", action="store_true", help="recalibrate in every run")
    parser.add_argument("--no-peer", action="store_true", help="skip Mercury's method")
    parser.add_argument("--json", help="write every run's per-sample Beyond here")
    parser.add_argument("--budget", type=float, help="timing budget per sample, CPU seconds")
    parser.add_argument("--min-reps", type=int, default=3, help="least timing rounds per sample")
    args = parser.parse_args()

    sandbox.prepare_host()
    tasks = load_tasks(Path(args.tasks_dir) if args.tasks_dir else None)
    if args.tasks:
        tasks = dict(list(tasks.items())[: args.tasks])
    if args.completions:
        parsed = parse_completions(Path(args.completions).read_bytes(), known_tasks=tasks)
        samples = [(s.task_id, s.code) for s in parsed.samples]
    else:
        samples = mixed_samples(tasks)
    tasks = {slug: task for slug, task in tasks.items() if any(s == slug for s, _ in samples)}
    workers = len(os.sched_getaffinity(0))
    print(
        f"{len(samples)} samples over {len(tasks)} tasks, {args.runs} runs, {workers} cores, "
        f"measure={args.measure}"
    )
    timing = None
    if args.budget is not None:
        timing = {**DEFAULT_TIMING, "budget_s": args.budget, "min_reps": args.min_reps}
    ours: list[dict[str, float]] = []
    peer: list[dict[str, float]] = []
    raw: list[list[float]] = []
    with ThreadPoolExecutor(workers) as pool:
        for run in range(args.runs):
            started = time.monotonic()
            if args.recalibrate:
                cals = dict(
                    zip(
                        tasks,
                        pool.map(lambda t: calibrate_task(t, measure=args.measure), tasks.values()),
                        strict=True,
                    )
                )
            else:
                cals = dict(
                    zip(
                        tasks,
                        pool.map(
                            lambda t: calibration_for(t, measure=args.measure), tasks.values()
                        ),
                        strict=True,
                    )
                )
            # As the portal and the CLI judge them: SAMPLES_PER_JAIL samples to a jail.
            groups = [
                [
                    (tasks[slug], code, cals[slug])
                    for slug, code in samples[i : i + SAMPLES_PER_JAIL]
                ]
                for i in range(0, len(samples), SAMPLES_PER_JAIL)
            ]
            results = [
                r
                for found in pool.map(
                    lambda g: judge_samples(g, measure=args.measure, timing=timing), groups
                )
                for r in found
            ]
            scores = [r.beyond for r in results]
            raw.append(scores)
            ours.append(per_task_beyond(samples, scores))
            if not args.no_peer:
                peer.append(per_task_beyond(samples, mercury_style_run(tasks, samples)))
            print(f"run {run + 1}/{args.runs}: {time.monotonic() - started:.1f} s", flush=True)
    std, p50, p90 = report(f"ours ({args.measure})", ours)
    if peer:
        peer_std, _, peer_p90 = report("Mercury-style wall clock", peer)
    if args.json:
        Path(args.json).write_text(json.dumps({"samples": [s for s, _ in samples], "runs": raw}))
    line = (
        f"SUMMARY ours: Beyond@1 std {std:.3f} points, per-task P50 |ΔBeyond| {p50:.4f}, "
        f"P90 {p90:.4f} over {args.runs} runs x {len(tasks)} tasks ({args.measure})"
    )
    if peer:
        line += f"; Mercury-style: std {peer_std:.3f} points, P90 {peer_p90:.4f}"
    print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
