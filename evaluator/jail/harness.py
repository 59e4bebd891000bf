"""The jail's init (PID 1, uid 0 of the jail's user namespace): runs programs and reports to the host.

Protocol with the host (evaluator/sandbox.py):
- `/box/request.json` (readable by this uid only) holds the programs, every test input (never an
  expected output) and the limits. The host writes a nonce line on the control pipe.
- Round 0 runs every program over every test (check_program); the outputs go to the host in a
  "checked" frame. The host answers on the control pipe: "G" to measure, anything else to stop.
- Then the programs are measured: CPU time in interleaved rounds (timing.py) or instruction
  counts under valgrind (counting.py). The last frame is the report, with the nonce.
- A request of several samples (`"samples"`: one such request each, judged in turn) gets that
  pair of frames for each, with its index: one jail start and one zygote serve them all. Each
  sample's state is its own (what its runs left is found before the next starts); once the
  zygote is lost no further sample is served, and the host judges those in jails of their own.

Completion code only ever runs in run processes of uid 65534, which cannot signal, trace or
limit this process, hold none of its descriptors and share no memory with it: they are forked
by the zygote (zygote.py), which this process forks before it reads anything, and they learn
only their own job. Every catchable signal is ignored here.
"""

import contextlib
import gc
import json
import os
import select
import signal
import sys

from . import counting, mercury_codec, runner, runs, timing, zygote
from .protocol import write_all, write_frame

CONTROL_WAIT_S = 600


def ignore_signals():
    for number in signal.valid_signals():
        if number in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD):
            continue
        with contextlib.suppress(OSError, ValueError):
            signal.signal(number, signal.SIG_IGN)


def _read_line(fd, timeout):
    data = b""
    while not data.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            raise SystemExit("the host did not answer")
        chunk = os.read(fd, 256)
        if not chunk:
            raise SystemExit("the host closed the control pipe")
        data += chunk
    return data.decode().strip()


def check_summary(run, offset=0):
    """What the host needs to judge a run: outputs, or how it failed (test numbers overall)."""
    if run.ok:
        entry = {"status": "ok", "outputs": run.result["outputs"], "seconds": run.seconds}
    elif run.failure is not None:
        entry = {"status": run.failure[0], "error": run.failure[1], "test": -1}
    else:
        entry = dict(run.result)
        if entry.get("test", -1) >= 0:
            entry["test"] += offset
    entry["cpu_s"] = run.cpu_s
    entry["maxrss_kb"] = run.maxrss_kb
    entry["output"] = run.output.decode("utf-8", "replace")
    return entry


_suites = {}  # suite -> (its part of every job, as JSON bytes; its number of tests)


def job_bytes(request, program, suite):
    """A run's job (runner.job_for) as it reads it, the suite's part encoded once for every run."""
    if suite not in _suites:
        sub = runner.job_for(request, None, suite)["request"]
        _suites[suite] = (runner.suite_bytes(sub), len(sub["tests"]))
    encoded, tests = _suites[suite]
    return runner.encode_job(encoded, program), tests


_ran = {"last": None, "candidate": False}  # the previous run's program; whether the candidate ran
strays_from = set()  # the names of programs whose runs left processes behind


def _blame_strays(request):
    """Processes were left by the last run: its program's failure (the candidate's, if it ran)."""
    if _ran["candidate"]:
        strays_from.add("candidate")  # references cannot fork either: never theirs to blame
    elif _ran["last"] is not None:
        programs = request["programs"].items()
        strays_from.update(name for name, code in programs if code == _ran["last"])


def run_program(request, program, suite="timed_tests"):
    """One run of a program over one suite of tests: the performance ones, or the others."""
    data, tests = job_bytes(request, program, suite)
    before = runs.strays_left
    try:
        pid, result_r, output_r, hold_w, job_w = runs.start_forked()
    except runs.ZygoteLost as exc:
        run = runs.Run()
        run.failure = ("memory", f"memory limit exceeded ({exc})")
        return run
    finally:
        if runs.strays_left != before:
            _blame_strays(request)
        _ran["last"] = program
        _ran["candidate"] |= program == request["programs"].get("candidate")
    with contextlib.suppress(OSError):  # a run that died before reading its job is seen below
        write_all(job_w, data)
    os.close(job_w)
    return runs.finish(
        pid,
        result_r,
        output_r,
        hold_w,
        tests=tests,
        limits=request["limits"],
        checker=request.get("checker", "exact"),
        cap=(request.get("result_bytes") or {}).get(suite),
    )


def _verify_child(result_w, output_w, request):
    runner.place_fds(result_w, output_w)
    runner.drop_privileges()
    runner.set_limits(request["limits"])
    write_frame(runner.RESULT_FD, {"status": "ok", "outputs": mercury_codec.verify(request)})


def verify(request):
    """Mercury's evaluate_offline on recorded outputs (no completion code runs in this jail)."""
    pid, result_r, output_r, hold_w = runs.start(_verify_child, request)
    run = runs.finish(
        pid,
        result_r,
        output_r,
        hold_w,
        tests=len(request["cases"]),
        limits=request["limits"],
        checker="exact",
        expect_start=False,
    )
    if run.ok:
        return {"status": "ok", "verdicts": run.result["outputs"]}
    return {"status": "error", "error": (run.failure or ("error", "no result"))[1]}


def check_program(request, program, calibrated=False):
    """Round 0 of a program: (the host's summary of all its outputs, its first measured run).

    The tests that only check correctness (LeetCode-sized, edge cases) run once, apart; then the
    performance tests, the same run that every measured round repeats, so the first measured run
    is checked in full too. A program that tells the two apart gains nothing: both are checked,
    and every measured run must return what the first one did.
    """
    offset = len(request["check_tests"])
    # A reference this host's calibration checked on every test (a sample's anchor) needs only
    # its performance run: the timing's first round.
    checks = offset and not calibrated
    if checks:
        first = run_program(request, program, "check_tests")
        if not first.ok:
            return check_summary(first), None
    timed = run_program(request, program, "timed_tests")
    summary = check_summary(timed, offset)
    if checks and timed.ok:
        summary["outputs"] = first.result["outputs"] + summary["outputs"]
        summary["cpu_s"] = max(first.cpu_s, timed.cpu_s)
        summary["output"] = (first.output + timed.output).decode("utf-8", "replace")
    return summary, timed


HARNESS_INT_DIGITS = 4300  # Python's default; the host reads no longer integer either


def _new_sample():
    """Forget the previous sample: its suites' jobs, its runs, its strays, its decoded frames."""
    _suites.clear()
    _ran.update(last=None, candidate=False)
    strays_from.clear()
    runs.seen = runs.SeenFrames()


def serve_samples(samples, control_fd, result_fd, nonce):
    """Judge several samples' requests in turn, each with its checked frame and its report."""
    for index, request in enumerate(samples):
        _new_sample()
        report = serve(request, control_fd, result_fd, index)
        if index + 1 < len(samples):
            # What the sample's last run left is its own failure, found before the next starts.
            before = runs.strays_left
            with contextlib.suppress(runs.ZygoteLost):
                runs.check_no_strays()
            if runs.strays_left != before:
                _blame_strays(request)
                report["strays"] = sorted(strays_from)
        _send_report(result_fd, report, nonce, index)
        if runs.factory.lost:
            return  # no run can start any more: the host judges the rest elsewhere


def _send_report(result_fd, report, nonce, index):
    report["kind"] = "report"
    report["nonce"] = nonce
    report["sample"] = index
    write_frame(result_fd, report)


def serve(request, control_fd, result_fd, index=0):
    # The prelude's modules are the zygote's and the Mercury verification child's (each calls
    # make_namespace): importing them here too cost every jail 5 ms more. make_namespace lifts
    # the limit on int() of long digit strings, as the runs need; the harness keeps it, as it
    # reads the runs' results, where a number of millions of digits would take minutes of its
    # CPU to parse (quadratic): such a result is refused as malformed instead.
    sys.set_int_max_str_digits(HARNESS_INT_DIGITS)
    if request.get("mode") == "mercury_verify":
        return {"verify": verify(request)}
    names = list(request["programs"])
    report = {name: {"times": [], "digests": []} for name in names}
    checked = {}
    for name in names:
        calibrated = name in request.get("calibrated", ())
        checked[name], run = check_program(request, request["programs"][name], calibrated)
        if run is not None and run.ok:
            report[name]["times"].append(run.seconds)
            report[name]["digests"].append(run.digest)
    write_frame(
        result_fd,
        {"kind": "checked", "sample": index, "programs": checked, "strays": sorted(strays_from)},
    )
    decision = _read_line(control_fd, CONTROL_WAIT_S)
    if decision == "G" and all(entry["status"] == "ok" for entry in checked.values()):
        if request.get("measure") == "instructions":
            counting.count_programs(request, names, report)
        else:
            timing.time_rounds(request, names, report, run_program)
    return {"programs": report, "strays": sorted(strays_from)}


def main():
    ignore_signals()
    result_fd, control_fd = int(sys.argv[1]), int(sys.argv[2])
    # Before anything secret is read: the zygote's memory must never hold it.
    runs.factory = zygote.start(close_fds=(result_fd, control_fd))
    with open("/box/request.json", "rb") as handle:
        request = json.load(handle)
    gc.freeze()  # the request: never rescanned by the collections the runs' results cause
    nonce = _read_line(control_fd, 60)
    if "samples" in request:
        serve_samples(request["samples"], control_fd, result_fd, nonce)
    else:
        _send_report(result_fd, serve(request, control_fd, result_fd), nonce, 0)
    os.close(result_fd)
