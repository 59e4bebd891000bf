"""The run factory: a process that starts runs and has never seen a request, an input or an output.

Starting every run as a fresh interpreter (exec) costs 15-25 ms of wall time, paid before and
after every measured run: most of a cheap task's judging time. The harness, which holds the
request and every output, may not fork runs itself: a fork carries its memory to the completion.
So before it reads anything, the harness forks this process (same uid, same capabilities), which
imports the run's modules and then only starts runs on request:

- "run": the harness sends the run's ends of its pipes (result, output, hold, job) as file
  descriptors. The zygote forks a helper that forks the run and exits at once, so the run is
  orphaned to the jail's init, the harness: it waits for, stops, times and reaps the run as its
  own child. The run drops to uid 65534, reads its job from its stdin, and goes on as an exec'd
  run would (runner.run_main); it shares no page with the harness.
- "sweep": kill every process of uid 65534 (a helper of that uid signals all it can; it cannot
  reach the zygote or the harness) and say whether there was any. Runs cannot create processes
  (RLIMIT_NPROC 1); the sweep makes sure anyway that nothing a run started outlives it.

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

from . import runner

RUN_FDS = 4  # result_w, output_w, hold_r, job_r


class ZygoteLost(Exception):
    """The zygote is gone (killed by the memory cgroup): no run can start any more."""


class Zygote:
    """The harness's handle on its zygote process."""

    def __init__(self, pid, sock):
        self.pid = pid
        self.sock = sock
        self.lost = False
        self.status = None  # its wait status, once it is gone

    def _ask(self, message, fds=()):
        if self.lost:
            raise ZygoteLost("the run factory is gone")
        try:
            if fds:
                socket.send_fds(self.sock, [message], list(fds))
            else:
                self.sock.send(message)
            reply = self.sock.recv(64)
        except OSError:
            reply = b""
        if not reply:
            self.lost = True
            raise ZygoteLost("the run factory is gone")
        return reply

    def spawn(self, result_w, output_w, hold_r, job_r):
        """Start a run with these pipe ends; its pid (a child of the harness by then)."""
        reply = self._ask(b"R", (result_w, output_w, hold_r, job_r))
        if reply[:1] != b"P" or len(reply) != 5:
            raise ZygoteLost(f"the run factory failed to start a run: {reply[:40]!r}")
        return struct.unpack("<i", reply[1:])[0]

    def sweep(self):
        """Kill every process of the runs' uid; True if there was any."""
        reply = self._ask(b"S")
        if reply not in (b"S0", b"S1"):
            raise ZygoteLost(f"the run factory could not sweep: {reply[:40]!r}")
        return reply == b"S1"


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
    runner.preload()
    while True:
        try:
            message, fds, _flags, _addr = socket.recv_fds(sock, 16, RUN_FDS)
        except OSError:
            return
        if not message:
            return  # the harness is done
        if message == b"R" and len(fds) == RUN_FDS:
            reply = _fork_run(sock, fds)
        elif message == b"S":
            reply = _sweep()
        else:
            reply = b"E"
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        try:
            sock.send(reply)
        except OSError:
            return


def _fork_run(sock, fds):
    """Fork a helper that forks the run and exits: the run is left to the jail's init."""
    pid_r, pid_w = os.pipe()
    helper = os.fork()
    if helper == 0:
        try:
            os.close(pid_r)
            run = os.fork()
            if run == 0:
                os.close(pid_w)
                sock.close()
                runner.forked_run(*fds)  # never returns
            os.write(pid_w, struct.pack("<i", run))
        finally:
            os._exit(0)
    os.close(pid_w)
    data = os.read(pid_r, 4)
    os.close(pid_r)
    os.waitpid(helper, 0)  # once the helper is gone, the run is the harness's child
    if len(data) != 4:
        return b"E"
    return b"P" + data


def _sweep():
    """In a helper of the runs' uid: kill every other process of that uid; say if there was any.

    kill(-1) cannot tell (it succeeds whenever any other process exists, signalled or not), so
    the helper asks the kernel's process count instead: with RLIMIT_NPROC 2, it may fork only
    if it is the uid's one process (a killed process counts until it is reaped).
    """
    helper = os.fork()
    if helper == 0:
        found = 2  # could not look
        try:
            runner.drop_privileges()
            resource.setrlimit(resource.RLIMIT_NPROC, (2, 2))
            try:
                probe = os.fork()
            except BlockingIOError:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(-1, signal.SIGKILL)  # all it can reach: uid 65534 only
                found = 1
            else:
                if probe == 0:
                    os._exit(0)
                os.waitpid(probe, 0)
                found = 0
        finally:
            os._exit(found)
    _, status = os.waitpid(helper, 0)
    return {0: b"S0", 1: b"S1"}.get(os.waitstatus_to_exitcode(status), b"E")
