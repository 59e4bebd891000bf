"""Instruction counts under valgrind: deterministic cost, for hosts where CPU time is too noisy.

Each program runs once more in a fresh interpreter under valgrind (cachegrind without cache
simulation), with the same argv for every program; a baseline run with no program (interpreter,
prelude, input conversion) is subtracted. The run's job arrives on its stdin after the exec, so
argv and environment are the same for all. Counted runs may not create threads or processes
(RLIMIT_NPROC 1): valgrind would not see their work. The count is the last summary line valgrind
writes on its log pipe, after the program has exited: anything the program wrote there earlier
comes first and is ignored; its outputs must hash to what its checked run returned.
"""

import contextlib
import os
import re
import sys

from . import runner, runs
from .protocol import write_all

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
    # valgrind needs a writable temporary folder; runs get one only here, for one counted run.
    os.mkdir(scratch, 0o777)
    os.chmod(scratch, 0o777)
    command = [sys.executable, "-I", "-S", "-B", ENTRY]
    runner.exec_run(
        result_w,
        output_w,
        job_r,
        limits,
        VALGRIND,
        ["valgrind", *VALGRIND_ARGS, f"--log-fd={LOG_FD}", *command],
        counted=True,
        keep=(LOG_FD,),
        env={**runner.JAIL_ENV, "TMPDIR": scratch},
    )


def count_once(request, program):
    """(instructions, run) for one program (None: the baseline), over the performance tests."""
    job = runner.job_for(request, program, "timed_tests")
    request = job["request"]
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
    with contextlib.suppress(OSError):  # a run that died before reading its job is seen below
        write_all(job_w, runner.encode_job(runner.suite_bytes(request), program))
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
    import shutil  # noqa: PLC0415 - only counted runs need it: kept out of every jail's start

    shutil.rmtree(scratch, ignore_errors=True)
    if run.exit_status != 0:
        # A count is valgrind's own summary after a normal exit; a killed valgrind printed none,
        # whatever the program wrote on its log before.
        return None, run
    return _last_count(log, pid), run


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
    pattern = re.compile(rf"^=={pid}== I +refs: +([\d,]+)$")
    found = None
    # Lines end at "\n" only: valgrind's client-request printf (a "**pid**" line) may carry a
    # "\r" that splitlines() would take for a line break.
    for line in log.split("\n"):
        if "refs:" in line:
            match = pattern.match(line)
            found = int(match.group(1).replace(",", "")) if match else None
    return found


def count_programs(request, names, report):
    baseline, base_run = count_once(request, None)
    if not baseline:  # None, or a count of 0: valgrind counted nothing
        for name in names:
            report[name]["time_error"] = {
                "status": "internal",
                "error": f"the baseline count failed: {base_run.failure} {base_run.output[-300:]!r}",
            }
        return
    for name in names:
        count, run = count_once(request, request["programs"][name])
        entry = report[name]
        # A program's count includes the baseline's work (interpreter, inputs) and then some.
        if count is None or count <= baseline or not run.ok:
            failure = run.failure or ("error", "valgrind printed no usable instruction count")
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
