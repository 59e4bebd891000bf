"""The run factory: a process that starts runs and has never seen a request, an input or an output.

Starting every run as a fresh interpreter (exec) costs 15-25 ms of wall time, paid before and
after every measured run: most of a cheap task's judging time. The harness, which holds the
request and every output, may not fork runs itself: a fork carries its memory to the completion.
So before it reads anything, the harness forks this process (same uid, same capabilities), which
imports the run's modules and then only starts runs on request:

- "run": the harness sends the run's ends of its pipes (result, output, hold, job) as file
  descriptors. The zygote forks the run with CLONE_PARENT (`_fork_to_parent`): the run is born
  the child of the jail's init, the harness, which waits for, stops, times and reaps it as its
  own. The run becomes uid 65534, reads its job from its stdin and goes on as an exec'd run
  would (runner.run_main); it shares no page with the harness. (A helper process used to fork
  the run and exit, leaving it to init: a fork and an exit more, 1 ms of every run.)
- Nothing a run started may outlive it. Runs cannot create processes (RLIMIT_NPROC 1); the zygote
  makes sure anyway: before every run it asks the kernel, as uid 65534, whether any process of
  that uid is there to signal (alive, or dead and not yet reaped: `_strays_killed`). If one is,
  it kills all of them (the harness is the namespace's init, which kill(-1) never reaches) and
  the harness is told that the previous run left processes behind (`runs.StraysLeft`), which
  is that program's failure.
- "check": the same test without a run, for the end of a sample when the jail judges another
  after it: what the sample's last run left is found and blamed on it, never on the next
  sample's first run.

Runs cannot signal, trace or read the zygote (another uid, no capabilities) and hold none of its
descriptors. If the zygote dies, the memory cgroup's killer took it (nothing else can): the run
then in progress is charged with a memory limit, and no further run can start.
"""

import contextlib
import ctypes
import os
import signal
import socket
import struct
import threading

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
        reply = self._ask(b"R", [result_w, output_w, hold_r, job_r])
        if reply[:1] != b"P" or len(reply) != 5:
            raise runs.ZygoteLost(f"the run factory failed to start a run: {reply[:40]!r}")
        return struct.unpack("<i", reply[1:])[0]

    def check(self):
        """Whether no process of the runs' uid is left (those found are killed: StraysLeft)."""
        reply = self._ask(b"C", [])
        if reply != b"K":
            raise runs.ZygoteLost(f"the run factory failed to check: {reply[:40]!r}")

    def _ask(self, message, fds):
        if self.lost:
            raise runs.ZygoteLost("the run factory is gone")
        try:
            socket.send_fds(self.sock, [message], fds)
            reply = self.sock.recv(64)
        except OSError:
            reply = b""
        if not reply:
            self.lost = True
            raise runs.ZygoteLost("the run factory is gone")
        if reply == b"X":
            raise runs.StraysLeft("processes of an earlier run were still there")
        return reply


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
    _clone_ready()
    while True:
        try:
            message, fds, _flags, _addr = socket.recv_fds(sock, 16, RUN_FDS)
        except OSError:
            return
        if not message:
            return  # the harness is done
        if message == b"R" and len(fds) == RUN_FDS:
            reply = _fork_run(sock, fds)
        elif message == b"C" and not fds:
            reply = _fork_run(sock, None)
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
    """Start a run with these fds (None: only the check); the reply to the harness."""
    if _strays_killed():
        return b"X"
    if fds is None:
        return b"K"
    try:
        run = _fork_to_parent()
    except OSError:
        return b"E"  # the jail's process limit: the harness gives the run up
    if run == 0:
        try:
            sock.close()
            runner.drop_privileges()
            runner.forked_run(*fds)  # never returns
        finally:
            os._exit(127)
    return b"P" + struct.pack("<i", run)


def _strays_killed():
    """Whether any process of the runs' uid is there; if so, all of them are killed.

    With only its effective uid 65534 (the real one stays 0, so that no process of that uid can
    signal this one meanwhile), kill(-1, 0) succeeds when this process may signal some other
    process but init: one of uid 65534 (the harness is init; nothing else of uid 0 exists).
    """
    os.setresuid(-1, runner.UNPRIVILEGED, -1)
    try:
        try:
            os.kill(-1, 0)
        except ProcessLookupError:
            return False
        with contextlib.suppress(ProcessLookupError):
            os.kill(-1, signal.SIGKILL)
        return True
    finally:
        os.setresuid(-1, 0, -1)


# clone(2)'s number (and where its child-tid argument goes), the flag that makes the new process
# its caller's parent's child, and the flags with which glibc's fork keeps the child's thread id
# in its thread block (pthread_getcpuclockid(pthread_self()) reads it: red team round 7).
SYS_CLONE = {"x86_64": (56, 3), "aarch64": (220, 4)}
CLONE_PARENT = 0x00008000
CLONE_CHILD_CLEARTID = 0x00200000
CLONE_CHILD_SETTID = 0x01000000
PR_GET_TID_ADDRESS = 40
_clone = {}  # libc's syscall(), called with the GIL held (as os.fork calls fork); the tid's address


def _clone_ready():
    _clone["syscall"] = syscall = ctypes.PyDLL(None, use_errno=True).syscall
    syscall.restype = ctypes.c_long
    # Where glibc keeps this thread's id (the kernel's clear_child_tid address, as glibc set it).
    address = ctypes.c_void_p()
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    found = prctl(PR_GET_TID_ADDRESS, ctypes.byref(address), 0, 0, 0) == 0 and address.value
    if found and ctypes.c_int.from_address(address.value).value == threading.get_native_id():
        _clone["tid_address"] = address.value


def _fork_to_parent():
    """os.fork(), but the child is this process's parent's child (CLONE_PARENT): 0 in the child.

    Python's own bookkeeping around the fork is os.fork's (PyOS_BeforeFork and the after-fork
    calls, which run os.register_at_fork's hooks: the random module reseeds); of glibc's, the
    child's thread id in its thread block (CLONE_CHILD_SETTID, as glibc's fork); the rest (its
    locks) is not needed, as this process has one thread.
    """
    number, tid_argument = SYS_CLONE[os.uname().machine]
    flags = CLONE_PARENT | signal.SIGCHLD
    args = [0, 0, 0, 0, 0]  # flags, stack, parent_tid, then child_tid and tls (by architecture)
    if "tid_address" in _clone:
        flags |= CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID
        args[tid_argument] = _clone["tid_address"]
    args[0] = flags
    api = ctypes.pythonapi
    api.PyOS_BeforeFork()
    pid = _clone["syscall"](ctypes.c_long(number), *map(ctypes.c_long, args))
    if pid == 0:
        api.PyOS_AfterFork_Child()
        return 0
    api.PyOS_AfterFork_Parent()
    if pid < 0:
        raise OSError(ctypes.get_errno(), "clone(CLONE_PARENT) failed")
    return pid
