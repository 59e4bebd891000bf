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
    first = one_run()
    stray = os.fork()
    if stray == 0:  # what a run would have left: a process of the runs' uid
        os.setresgid(65534, 65534, 65534)
        os.setresuid(65534, 65534, 65534)
        time.sleep(60)
        os._exit(0)
    time.sleep(0.05)
    before = runs.strays_left
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


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root: a PID namespace and setuid")
def test_a_process_left_by_a_run_is_found_killed_and_counted_before_the_next_run():
    # unshare(CLONE_NEWPID) then fork: the child is init of a new namespace, as the harness is
    # in the jail, so kill(-1) by the helper reaches only this namespace's processes.
    code = "import os, sys; os.unshare(os.CLONE_NEWPID); exec(sys.stdin.read())"
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", code, str(REPO)],
        input=SCRIPT.encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    lines = done.stdout.decode().strip().splitlines()
    assert lines, done.stderr.decode()[-2000:]
    result = json.loads(lines[-1])
    assert result["first"] == [True, [42]]
    assert result["found"] == 1  # the start found it, killed it, and tried again
    assert result["stray_gone"]
    assert result["second"] == [True, [42]]  # and the run after it started as usual
