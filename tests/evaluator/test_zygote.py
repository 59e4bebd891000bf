"""The run factory (evaluator/jail/zygote.py) outside the jail: in a PID namespace of its own.

A run cannot leave a process behind (RLIMIT_NPROC 1), so the check that the zygote's helper makes
before every run cannot be reached from a completion; here a test plays the part of a run that
got one out anyway: a process of uid 65534 is left alive, and the next start must find it, kill
it and report it before any run starts. Needs root (a new PID namespace, setuid).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, os, signal, sys, time
sys.path.insert(0, sys.argv[1])
from evaluator.jail import runner, runs, zygote

JOB = {
    "request": {
        "entry_point": "f", "params": [], "returns": "", "inplace": None, "prefix": False,
        "limits": {"cpu_s": 5, "wall_s": 10, "as_bytes": 2**31}, "checker": "exact",
        "tests": [[]],
    },
    "program": "class Solution:\n    def f(self):\n        return 41 + 1\n",
}


def one_run():
    pid, result_r, output_r, hold_w, job_w = runs.start_forked()
    os.write(job_w, runner.encode_job(runner.suite_bytes(JOB["request"]), JOB["program"]))
    os.close(job_w)
    return runs.finish(pid, result_r, output_r, hold_w, tests=1, limits=JOB["request"]["limits"],
                       checker="exact")


def main():
    runs.factory = zygote.start()
    if sys.argv[2] == "parent":
        JOB["program"] = (
            "import os, random, threading, time\nclass Solution:\n    def f(self):\n"
            "        clock = time.pthread_getcpuclockid(threading.get_ident())\n"
            "        return [os.getpid(), os.getppid(), random.random(), time.clock_gettime(clock)]\n"
        )
        found = [one_run().result["outputs"][0] for _ in range(2)]
        print(json.dumps({"runs": found, "harness": os.getpid(), "zygote": runs.factory.pid}))
        return
    first = one_run()
    stray = os.fork()
    if stray == 0:  # what a run would have left: a process of the runs' uid
        os.setresgid(65534, 65534, 65534)
        os.setresuid(65534, 65534, 65534)
        time.sleep(60)
        os._exit(0)
    time.sleep(0.05)
    before = runs.strays_left
    by_check = None
    if sys.argv[2] == "check":  # the end of a sample that another follows in the jail
        runs.check_no_strays()
        by_check = runs.strays_left - before
        runs.check_no_strays()  # nothing is left now: it finds nothing
    second = one_run()
    gone = False
    try:
        os.kill(stray, 0)
    except ProcessLookupError:
        gone = True  # killed by the helper and reaped here, as init
    print(json.dumps({
        "first": [first.ok, first.result and first.result.get("outputs")],
        "second": [second.ok, second.result and second.result.get("outputs")],
        "found": runs.strays_left - before,
        "by_check": by_check,
        "stray_gone": gone,
    }))


pid = os.fork()
if pid == 0:
    try:
        main()
    finally:
        sys.stdout.flush()
        os._exit(0)
os.waitpid(pid, 0)
"""


def _in_pid_namespace(mode: str) -> dict:
    # unshare(CLONE_NEWPID) then fork: the child is init of a new namespace, as the harness is
    # in the jail, so kill(-1) by the helper reaches only this namespace's processes.
    code = "import os, sys; os.unshare(os.CLONE_NEWPID); exec(sys.stdin.read())"
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", code, str(REPO), mode],
        input=SCRIPT.encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    lines = done.stdout.decode().strip().splitlines()
    assert lines, done.stderr.decode()[-2000:]
    return json.loads(lines[-1])


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root: a PID namespace and setuid")
def test_a_process_left_by_a_run_is_found_killed_and_counted_before_the_next_run():
    result = _in_pid_namespace("run")
    assert result["first"] == [True, [42]]
    assert result["found"] == 1  # the start found it, killed it, and tried again
    assert result["stray_gone"]
    assert result["second"] == [True, [42]]  # and the run after it started as usual


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root: a PID namespace and setuid")
def test_the_check_between_two_samples_finds_a_left_process_before_any_run_starts():
    # A jail that judges several samples checks at the end of each that its runs left nothing:
    # what is found there is the sample's own failure, not the next sample's first run's.
    result = _in_pid_namespace("check")
    assert result["first"] == [True, [42]]
    assert result["by_check"] == 1
    assert result["found"] == 1  # a second check, and the next run's start, found nothing
    assert result["stray_gone"]
    assert result["second"] == [True, [42]]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root: a PID namespace and setuid")
def test_a_run_is_born_the_harness_s_child_and_as_after_os_fork():
    # Forked by the zygote with CLONE_PARENT: the harness (init of the namespace) is its parent,
    # so that it waits for, stops and reaps it; Python's after-fork hooks ran (random reseeded).
    result = _in_pid_namespace("parent")
    # glibc's thread id of the run is its own (pthread_getcpuclockid reads it), as after fork().
    (pid_a, parent_a, random_a, clock_a), (pid_b, parent_b, random_b, clock_b) = result["runs"]
    assert clock_a > 0 and clock_b > 0
    assert parent_a == parent_b == result["harness"] == 1
    assert len({pid_a, pid_b, result["zygote"], result["harness"]}) == 4
    assert random_a != random_b
