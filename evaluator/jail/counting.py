"""Instruction counts under valgrind: deterministic cost, for hosts where CPU time is too noisy.

Each program runs once more in a fresh interpreter under valgrind (cachegrind without cache
simulation), with the same argv for every program; a baseline run with no program (interpreter,
prelude, input conversion) is subtracted. The run's job arrives on its stdin after the exec, so
argv and environment are the same for all. Counted runs may not create threads or processes
(RLIMIT_NPROC 1): valgrind would not see their work. The count is the last summary line valgrind
writes on its log pipe, after the program has exited: anything the program wrote there earlier
comes first and is ignored; its outputs must hash to what its checked run returned.
"""

import json
import os
import re
import shutil
import sys

from . import runner, runs

VALGRIND = "/usr/bin/valgrind.bin"
VALGRIND_SLOWDOWN = 60
LOG_FD = 60  # in valgrind's reserved descriptor range under the jail's limit of 64
JOB_FD = 59
VALGRIND_ARGS = [
    "--tool=cachegrind",
    "--cache-sim=no",
    "--branch-sim=no",
    "--cachegrind-out-file=/dev/null",
    "--main-stacksize=67108864",  # as the jail's stack limit: deep recursion must not differ
]
ENTRY = "/opt/mercury-judge/jail/count_entry.pyc"
SCRATCH = "/tmp/counted-{}"  # one per counted run
_counted = [0]


def _counted_child(result_w, output_w, job_r, log_w, request, scratch):
    limits = dict(request["limits"])
    limits["cpu_s"] = limits["cpu_s"] * VALGRIND_SLOWDOWN + 10
    os.dup2(log_w, LOG_FD)
    os.dup2(job_r, JOB_FD)
    runner.place_fds(result_w, output_w, keep=(LOG_FD, JOB_FD))
    os.dup2(JOB_FD, 0)
    os.close(JOB_FD)
    # valgrind needs a writable temporary folder; runs get one only here, for one counted run.
    os.mkdir(scratch, 0o777)
    os.chmod(scratch, 0o777)
    runner.drop_privileges()
    runner.set_limits(limits, counted=True)
    command = [sys.executable, "-I", "-S", "-B", ENTRY]
    environment = {"TMPDIR": scratch, "PYTHONHASHSEED": "0", "LANG": "C.UTF-8"}
    os.execve(VALGRIND, ["valgrind", *VALGRIND_ARGS, f"--log-fd={LOG_FD}", *command], environment)


def count_once(request, program):
    """(instructions, run) for one program (None: the baseline), over the performance tests."""
    request = {**request, "tests": request["timed_tests"]}
    job_r, job_w = os.pipe()
    log_r, log_w = os.pipe()
    limits = dict(request["limits"])
    limits["wall_s"] = limits["wall_s"] * VALGRIND_SLOWDOWN + 30
    limits["cpu_s"] = limits["cpu_s"] * VALGRIND_SLOWDOWN + 10
    _counted[0] += 1
    scratch = SCRATCH.format(_counted[0])
    pid, result_r, output_r, hold_w = runs.start(_counted_child, job_r, log_w, request, scratch)
    os.close(job_r)
    os.close(log_w)
    job = json.dumps({"request": request, "program": program}).encode()
    _write_all(job_w, job)
    os.close(job_w)
    run = runs.finish(
        pid,
        result_r,
        output_r,
        hold_w,
        tests=len(request["tests"]),
        limits=limits,
        checker=request.get("checker", "exact"),
        expect_start=False,
    )
    log = _read_available(log_r)
    os.close(log_r)
    shutil.rmtree(scratch, ignore_errors=True)
    return _last_count(log, pid), run


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_available(fd):
    os.set_blocking(fd, False)
    chunks = []
    while True:
        try:
            data = os.read(fd, 1 << 20)
        except BlockingIOError:
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks).decode(errors="replace")


def _last_count(log, pid):
    pattern = re.compile(rf"^=={pid}== I\s+refs:\s+([\d,]+)\s*$")
    found = None
    for line in log.splitlines():
        if "refs:" in line:
            match = pattern.match(line)
            found = int(match.group(1).replace(",", "")) if match else None
    return found


def count_programs(request, names, report):
    baseline, base_run = count_once(request, None)
    if baseline is None:
        for name in names:
            report[name]["time_error"] = {
                "status": "internal",
                "error": f"the baseline count failed: {base_run.failure} {base_run.output[-300:]!r}",
            }
        return
    for name in names:
        count, run = count_once(request, request["programs"][name])
        entry = report[name]
        if count is None or not run.ok:
            failure = run.failure or ("error", "valgrind printed no instruction count")
            if run.result is not None and run.result["status"] != "ok":
                failure = (run.result["status"], run.result.get("error", ""))
            entry["time_error"] = {
                "status": failure[0],
                "error": failure[1],
                "output": run.output[-500:].decode(errors="replace"),
            }
            return
        entry["counts"] = [baseline, count]
        entry["times"] = [float(max(count - baseline, 1))]
        entry["digests"].append(run.digest)
