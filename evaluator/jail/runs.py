"""The harness's side of one run: start it, bound it, read it, and charge it all the CPU it used.

A run's CPU time comes from the kernel, never from the run: the run process's own rusage (every
thread, and every child it waited for) plus the rusage of every dead process the harness reaps
as the namespace's init after it; less the CPU clock the run sent before any completion code
existed. (Runs cannot create threads or processes; a process left alive is found and killed
before the next run starts, and charged to its program as a failure: zygote.py.) Work in a
helper thread, in a forked process, in a lazy result converted after the calls or at import is all counted.
"""

import fcntl
import os
import select
import signal
import time

from .protocol import FrameError, FrameReader, SeenFrames, run_message, run_start

OUTPUT_CAP = 8 * 2**20  # a run's stdout+stderr; more is an output limit
OUTPUT_KEPT = 4000
RESULT_CAP = 64 * 2**20  # a run's result message; more is an output limit


class Run:
    """What one run did: its validated result (or why it failed) and the CPU it cost."""

    def __init__(self):
        self.result = None  # the validated result message
        self.failure = None  # (status, error) when the run failed without a usable result
        self.cpu_s = 0.0  # every process's CPU, whole runs
        self.seconds = None  # the measured time: CPU after the run's first message
        self.maxrss_kb = 0
        self.output = b""  # the first OUTPUT_KEPT bytes the program printed
        self.digest = None
        self.exit_status = None  # os.waitstatus_to_exitcode of the run process

    @property
    def ok(self):
        return self.failure is None and self.result is not None and self.result["status"] == "ok"


seen = SeenFrames()  # result frames this jail has decoded already


class ZygoteLost(Exception):
    """The zygote is gone (killed by the memory cgroup): no run can start any more."""


class StraysLeft(Exception):
    """Processes of the runs' uid were alive when a run was to start: killed, run not started."""


factory = None  # the harness's zygote.Zygote, which starts runs
strays_left = 0  # how many times a run was found to have left processes behind (start_forked)


def reap_zombies():
    """Reap every dead child (what a run left would be the harness's, as init); their CPU seconds.

    Runs cannot create processes (RLIMIT_NPROC 1); the zygote checks before every run
    that nothing of theirs is left (StraysLeft). The zygote itself, if found dead here,
    was killed by the memory cgroup.
    """
    total = 0.0
    while True:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return total
        if pid == 0:
            return total
        if factory is not None and pid == factory.pid:
            factory.lost = True
            factory.status = status
            continue
        total += usage.ru_utime + usage.ru_stime


HOLD_FD = 4  # a run's read end of a pipe the harness never writes: it waits there when done
hold_source = None  # in a started run: where the hold pipe waits for runner.place_fds


def start(child, *args):
    """Fork a run process that calls child(result_w, output_w, *args); return its pid and pipes.

    The run finds the read end of a third pipe at HOLD_FD; the harness keeps its write end (the
    last item returned) until the run has been measured.
    """
    result_r, result_w = os.pipe()
    output_r, output_w = os.pipe()
    hold_r, hold_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(result_r)
            os.close(output_r)
            os.close(hold_w)
            # Out of the way of the low numbers place_fds moves the other pipes to.
            global hold_source
            hold_source = fcntl.fcntl(hold_r, fcntl.F_DUPFD, 40)
            os.close(hold_r)
            child(result_w, output_w, *args)
        finally:
            os._exit(0)
    os.close(result_w)
    os.close(output_w)
    os.close(hold_r)
    return pid, result_r, output_r, hold_w


def start_forked():
    """Have the zygote start a run; its pid (this process's child), pipes, and the job's write end.

    When the previous run left processes behind, the zygote has killed them instead of
    starting the run: they are reaped, `strays_left` counts it, and the start is tried again.
    Raises ZygoteLost when no run can start any more.
    """
    return _clearing_strays(_start_once)


def check_no_strays():
    """At the end of a sample that another follows in this jail: remove what its runs left (as
    start_forked does before a run; `strays_left` counts it). Raises ZygoteLost like it."""
    _clearing_strays(factory.check)


def _clearing_strays(attempt):
    global strays_left
    deadline = time.monotonic() + 5
    while True:
        try:
            return attempt()
        except StraysLeft:
            strays_left += 1
            if time.monotonic() > deadline:
                raise ZygoteLost("processes of a run could not be removed") from None
            time.sleep(0.001)  # they were SIGKILLed: dying, to be reaped as the harness's children
            reap_zombies()


def _start_once():
    result_r, result_w = os.pipe()
    output_r, output_w = os.pipe()
    hold_r, hold_w = os.pipe()
    job_r, job_w = os.pipe()
    try:
        pid = factory.spawn(result_w, output_w, hold_r, job_r)
    except BaseException:
        for fd in (result_r, output_r, hold_w, job_w):
            os.close(fd)
        raise
    finally:
        for fd in (result_w, output_w, hold_r, job_r):
            os.close(fd)
    return pid, result_r, output_r, hold_w, job_w


def finish(pid, result_r, output_r, hold_w, *, tests, limits, checker, expect_start=True, cap=None):
    """Read a started run to its end within its wall limit; account and validate it. Its result
    may hold `cap` bytes (the host's bound for its suite), RESULT_CAP at most."""
    run = Run()
    reader = FrameReader(min(cap or RESULT_CAP, RESULT_CAP), seen.decode)
    frames = []
    output = bytearray()
    output_total = 0
    pidfd = os.pidfd_open(pid)
    deadline = time.monotonic() + limits["wall_s"]
    open_fds = {result_r, output_r}
    exited = killed_wall = False
    problem = None
    stopped = None  # the run's own CPU when it was stopped on delivering its result
    result_closed = False
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            killed_wall = not exited
            break
        watch = list(open_fds) + ([] if exited else [pidfd])
        if not watch:
            break
        ready, _, _ = select.select(watch, [], [], remaining if not exited else 0.05)
        if not ready and exited:
            break  # the run is over; what strays still hold open is not its output
        for fd in ready:
            if fd == pidfd:
                exited = True
                continue
            data = os.read(fd, 1 << 20)
            if not data:
                open_fds.discard(fd)
                if fd == result_r:
                    result_closed = True  # the run has said all it will say
                continue
            if fd == output_r:
                output_total += len(data)
                if len(output) < OUTPUT_KEPT:
                    output += data[: OUTPUT_KEPT - len(output)]
                if output_total > OUTPUT_CAP:
                    problem = ("output", "output limit exceeded (more than 8 MiB printed)")
            else:
                try:
                    frames += reader.feed(data)
                    if expect_start and len(frames) >= 2 and stopped is None:
                        stopped = _stop_and_read(pid)
                except FrameError as exc:
                    too_big = "over the cap" in str(exc)
                    problem = ("output" if too_big else "error", str(exc))
        # A measured run waits (held) once it has said all it will; a counted one must exit, as
        # valgrind writes its count after the program ends.
        if problem or stopped is not None or (result_closed and expect_start):
            break
    if (stopped is not None or result_closed) and output_r in open_fds and not problem:
        output, output_total = _drain(output_r, output, output_total)
    if not exited:
        os.kill(pid, signal.SIGKILL)
    final = _final_own_cpu(pid)
    _, status, usage = os.wait4(pid, 0)
    strays = reap_zombies()
    for fd in (pidfd, result_r, output_r, hold_w):
        os.close(fd)
    if factory is not None and factory.lost and problem is None:
        # Only the memory cgroup's killer ends the zygote, and only this run was using memory.
        problem = ("memory", "memory limit exceeded (the jail ran out of memory)")
    run.cpu_s = usage.ru_utime + usage.ru_stime + strays
    run.exit_status = os.waitstatus_to_exitcode(status)
    if stopped is not None and final is not None:
        # What the run itself used up to delivering its result (its exit's teardown left out),
        # plus every child it waited for, plus everything it left behind.
        waited = max(usage.ru_utime + usage.ru_stime - final, 0.0)
        run.cpu_s = min(stopped + waited + strays, run.cpu_s)
    run.maxrss_kb = usage.ru_maxrss
    run.output = bytes(output)
    if problem is None and reader.pending and not killed_wall:
        problem = ("error", "the run's last message is truncated")
    if problem is None:
        problem = _read_frames(run, frames, tests, expect_start)
    if problem is None and run.result is None:
        problem = _classify(status, usage, run.cpu_s, killed_wall, limits)
    if killed_wall and problem is None:
        problem = ("timeout", f"wall-clock limit exceeded ({limits['wall_s']} s)")
    run.failure = problem
    if run.ok:
        run.digest = seen.digest(run.result["outputs"], checker)
    return run


def _drain(fd, output, total):
    """What a stopped run had already printed (its pipe holds it), without waiting for more."""
    while select.select([fd], [], [], 0)[0]:
        data = os.read(fd, 1 << 20)
        if not data:
            break
        total += len(data)
        if len(output) < OUTPUT_KEPT:
            output += data[: OUTPUT_KEPT - len(output)]
    return output, total


def _process_clock(pid):
    return ((~pid) << 3) | 2  # CPUCLOCK_SCHED of the whole process, as glibc builds it


def _stop_and_read(pid):
    """Stop the run (every thread) and read its CPU clock, exact once nothing of it runs."""
    try:
        os.kill(pid, signal.SIGSTOP)
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            found = os.waitid(os.P_PID, pid, os.WSTOPPED | os.WEXITED | os.WNOHANG | os.WNOWAIT)
            if found is not None:
                return time.clock_gettime(_process_clock(pid))
            time.sleep(0.0002)
    except (OSError, ChildProcessError):
        pass
    return None


def _final_own_cpu(pid):
    """The run's own CPU once it is dead and not yet reaped (children it waited for excluded)."""
    try:
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
        return time.clock_gettime(_process_clock(pid))
    except (OSError, ChildProcessError):
        return None


def _read_frames(run, frames, tests, expect_start):
    try:
        if expect_start:
            if not frames:
                return None
            t0 = run_start(frames[0])
            run.seconds = max(run.cpu_s - t0, 0.0)
            frames = frames[1:]
        if len(frames) > 1:
            return ("error", "the run sent more than one result")
        if frames:
            run.result = run_message(frames[0], tests)
    except FrameError as exc:
        return ("error", str(exc))
    return None


def _classify(status, usage, cpu_s, killed_wall, limits):
    """Why a run ended without a result: always something the program did."""
    signalled = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
    cpu_limit = limits["cpu_s"]
    if killed_wall and cpu_s < cpu_limit - 0.05:
        return ("timeout", f"wall-clock limit exceeded ({limits['wall_s']} s; sleeping or blocked)")
    if killed_wall or cpu_s >= cpu_limit - 0.05 or signalled == signal.SIGXCPU:
        return ("timeout", f"time limit exceeded ({cpu_limit} s CPU)")
    if usage.ru_maxrss * 1024 >= limits["mem_bytes"] * 0.6:
        return ("memory", "memory limit exceeded")
    if signalled:
        return ("error", f"killed by signal {signalled}")
    return ("error", "the process exited before reporting a result")
