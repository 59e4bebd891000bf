"""The run factory: a process that starts runs and has never seen a request, an input or an output.

Starting every run as a fresh interpreter (exec) costs 15-25 ms of wall time, paid before and
after every measured run: most of a cheap task's judging time. The harness, which holds the
request and every output, may not fork runs itself: a fork carries its memory to the completion.
So before it reads anything, the harness forks this process (same uid, same capabilities), which
imports the run's modules and then only starts runs on request:

- "run": the harness sends the run's ends of its pipes (result, output, hold, job) as file
  descriptors. The zygote forks a helper, which becomes uid 65534 and forks the run, then exits
  at once, so the run is orphaned to the jail's init, the harness: it waits for, stops, times
  and reaps the run as its own child. The run reads its job from its stdin and goes on as an
  exec'd run would (runner.run_main); it shares no page with the harness.
- Nothing a run started may outlive it. Runs cannot create processes (RLIMIT_NPROC 1); the helper
  makes sure anyway: it forks the run under RLIMIT_NPROC 2, which the kernel refuses while any
  other process of uid 65534 exists (alive, or dead and not yet reaped). Then it kills all it can
  reach (uid 65534 only: never the zygote or the harness) and the harness is told that the
  previous run left processes behind (`runs.StraysLeft`), which is that program's failure.

Runs cannot signal, trace or read the zygote (another uid, no capabilities) and hold none of its
descriptors. If the zygote dies, the memory cgroup's killer took it (nothing else can): the run
then in progress is charged with a memory limit, and no further run can start.
"""

import contextlib
import os
import resource
import signal
import socket
import struct

from . import runner, runs

RUN_FDS = 4  # result_w, output_w, hold_r, job_r


class Zygote:
    """The harness's handle on its zygote process."""

    def __init__(self, pid, sock):
        self.pid = pid
        self.sock = sock
        self.lost = False
        self.status = None  # its wait status, once it is gone

    def spawn(self, result_w, output_w, hold_r, job_r):
        """Start a run with these pipe ends; its pid (a child of the harness by then)."""
        if self.lost:
            raise runs.ZygoteLost("the run factory is gone")
        try:
            socket.send_fds(self.sock, [b"R"], [result_w, output_w, hold_r, job_r])
            reply = self.sock.recv(64)
        except OSError:
            reply = b""
        if not reply:
            self.lost = True
            raise runs.ZygoteLost("the run factory is gone")
        if reply == b"X":
            raise runs.StraysLeft("processes of an earlier run were still there")
        if reply[:1] != b"P" or len(reply) != 5:
            raise runs.ZygoteLost(f"the run factory failed to start a run: {reply[:40]!r}")
        return struct.unpack("<i", reply[1:])[0]


def start(close_fds=()):
    """Fork the zygote (call before reading anything secret); the harness's handle on it."""
    parent_sock, child_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid == 0:
        try:
            parent_sock.close()
            for fd in close_fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
            _serve(child_sock)
        finally:
            os._exit(0)
    child_sock.close()
    return Zygote(pid, parent_sock)


def _serve(sock):
    # Python's usual dispositions (the harness ignores every signal), set once here for every
    # run to inherit; runs cannot signal this process (another uid).
    runner.reset_signals()
    runner.preload()
    while True:
        try:
            message, fds, _flags, _addr = socket.recv_fds(sock, 16, RUN_FDS)
        except OSError:
            return
        if not message:
            return  # the harness is done
        reply = _fork_run(sock, fds) if message == b"R" and len(fds) == RUN_FDS else b"E"
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        try:
            sock.send(reply)
        except OSError:
            return


STARTED, STRAYS, FAILED = 0, 1, 2  # the helper's exit codes


def _fork_run(sock, fds):
    """Fork a helper that forks the run and exits: the run is left to the jail's init."""
    pid_r, pid_w = os.pipe()
    helper = os.fork()
    if helper == 0:
        code = FAILED
        try:
            os.close(pid_r)
            code = _start_run(sock, fds, pid_w)
        finally:
            os._exit(code)
    os.close(pid_w)
    data = os.read(pid_r, 4)
    os.close(pid_r)
    _, status = os.waitpid(helper, 0)  # once the helper is gone, the run is the harness's child
    code = os.waitstatus_to_exitcode(status)
    if code == STRAYS:
        return b"X"
    if code != STARTED or len(data) != 4:
        return b"E"
    return b"P" + data


def _start_run(sock, fds, pid_w):
    """In the helper: as uid 65534, fork the run, unless another process of that uid exists."""
    runner.drop_privileges()
    # The kernel counts the uid's processes (this one included, and the dead not yet reaped):
    # under a limit of 2 the fork fails while anything else of uid 65534 is there.
    resource.setrlimit(resource.RLIMIT_NPROC, (2, 2))
    try:
        run = os.fork()
    except BlockingIOError:
        with contextlib.suppress(ProcessLookupError):
            os.kill(-1, signal.SIGKILL)  # all it can reach: uid 65534 only
        return STRAYS
    if run == 0:
        os.close(pid_w)
        sock.close()
        runner.forked_run(*fds)  # never returns
    os.write(pid_w, struct.pack("<i", run))
    return STARTED
