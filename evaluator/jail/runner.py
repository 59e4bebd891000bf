"""One run of one program, in a process of its own: the only place completion code executes.

The harness forks this process (or, for instruction counts, execs it under valgrind). Until the
completion's code starts, everything here is ours: the process drops to the unprivileged uid, its
limits and signals are set, the inputs are converted, the calling machinery (calls, a first import
statement, a first memoizing decoration) is warmed up and the completion is compiled (its first
COMPILE_ALLOWANCE_S is timed for no program; no annotation is ever evaluated); then it sends its
CPU clock reading as the run's first message: the completion's module body and every call are
timed. Nothing the completion's text chooses runs before that clock but the compiler. From that
moment nothing in this process is trusted: the completion may patch any of it. The harness (another
uid) reads the run's CPU time from the kernel, so nothing here can shorten it, and it validates the
result message. Every measured run is the same (the performance tests, in one order), and the first
is checked in full like the correctness-only run before it.
"""

import __future__

import builtins
import contextlib
import fcntl
import functools
import gc
import importlib
import marshal
import os
import resource
import signal
import sys
import time
import types

from . import mercury_codec, runfilter, runs
from .leetcode import (
    call_once,
    convert_args,
    json_default,
    kind,
    make_namespace,
    to_json_value,
)
from .protocol import write_frame

UNPRIVILEGED = 65534
RESULT_FD = 3
HOLD_FD = 4  # as runs.HOLD_FD
JOB_FD = 5  # until the exec: then the run's stdin


def drop_privileges(uid=UNPRIVILEGED):
    """Become uid/gid 65534 with no groups; leaving uid 0 clears every capability."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (uid, uid, uid):
        raise SystemExit("could not drop privileges")


def reset_signals():
    """Undo the harness's ignored signals: the completion gets Python's usual dispositions."""
    for number in signal.valid_signals():
        if number in (signal.SIGKILL, signal.SIGSTOP):
            continue
        with contextlib.suppress(OSError, ValueError):
            signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def set_limits(limits, *, counted=False):
    cpu = int(limits["cpu_s"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    if not counted:  # valgrind needs far more address space than its client; the jail caps it
        memory = int(limits["as_bytes"])
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # No thread or process: work done there would escape the accounting of the run (a child
    # reaped by the kernel, SIGCHLD ignored, is charged to no one) or valgrind's count.
    resource.setrlimit(resource.RLIMIT_NPROC, (1, 1))


def place_fds(result_fd, output_fd, keep=(), hold=None, job=None):
    """stdin from /dev/null, stdout+stderr into the capture pipe, the result pipe at fd 3, the
    hold pipe at 4, the job pipe at 5; everything else closed (what stays open survives an exec).
    """
    wanted = {1: output_fd, 2: output_fd, RESULT_FD: result_fd, HOLD_FD: hold, JOB_FD: job}
    # First out of the way of the numbers they go to, so that no move overwrites another.
    parked = {
        target: fcntl.fcntl(source, fcntl.F_DUPFD, 40)
        for target, source in wanted.items()
        if source is not None
    }
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    for target, source in parked.items():
        os.dup2(source, target)
    # Every other descriptor closed in a few calls (close_range): a loop of a thousand close()
    # calls took 2.3 ms of every run's start.
    start = RESULT_FD
    for fd in sorted(fd for fd in set(keep) | set(parked) if fd >= RESULT_FD):
        os.closerange(start, fd)
        start = fd + 1
    os.closerange(start, max(1024, resource.getrlimit(resource.RLIMIT_NOFILE)[0]))


def solution_module():
    """The completion's module: LeetCode's namespace (make_namespace) as the globals of a module
    named "solution"."""
    module = types.ModuleType("solution")
    module.__dict__.update(make_namespace())
    return module


class _Stub:
    """Stands in for Solution while the calling machinery is warmed up: does nothing."""

    def run(self, *args):
        return args


def prepare(request):
    """The namespace and the converted arguments of every test (before any completion code)."""
    # A forked run's module is the zygote's (its own copy: a run is a process of its own).
    module = _zygote.pop("module", None) or solution_module()
    sys.modules[module.__name__] = module  # as a module's: dataclasses looks it up (string hints)
    namespace = module.__dict__
    tests = request["tests"]
    if request.get("mercury_convert"):
        convert = mercury_codec.converter(request["mercury_convert"], make_namespace())
        prepared = [mercury_codec.mercury_inputs(convert, raw) for raw in tests]
    else:
        # The run's own inputs, decoded for it and used once each: no copy.
        prepared = [convert_args(raw, request["params"], namespace, copy=False) for raw in tests]
    # A forked process shares its pages with the harness until it writes to them: pay those
    # copy-on-write faults here, with a stub, rather than inside the measured run.
    for args in prepared:
        call_once(_Stub, "run", args, request.get("inplace"), request.get("prefix", False))
    # So do a first memoizing decoration's (17 faults, 48 us when timed: red team round 7b) and
    # a first import statement's (the import machinery: 7 faults, 25-34 us when timed), for
    # every program alike: what the completion's own text names is never run before its clock.
    functools.lru_cache(maxsize=None)(_Stub.run)
    functools.cache(_Stub.run)
    __import__("collections", namespace, None, ("deque",), 0)
    return namespace, prepared


# Annotations are never evaluated, in every program alike (PEP 563, as `from __future__ import
# annotations` makes them): evaluating them cost a run 5-135 us per kind (typing's caches are
# cold in every run), which a completion could save by leaving them out and its anchor, a
# reference, paid (red team round 7b).
COMPILE_FLAGS = __future__.annotations.compiler_flag


class Compiled:
    """A completion compiled before its run's clock starts: its code, or why it is invalid."""

    def __init__(self, code=None, invalid=None):
        self.code, self.invalid = code, invalid


# The compile a run does not time: any source a model writes (0.1-0.5 ms for the references, about
# 1 ms for the longest real completion). Untimed, a compile of any length let a completion skip
# nothing but gain by its size: the memory the compiler used and freed was found ready by the
# timed run's allocations (a dead 30-80 KB expression: two-sum 3-10% faster; the last review).
# Timed in full, it let code shipped precompiled (a marshalled blob) skip it (round 7b).
COMPILE_ALLOWANCE_S = 0.001


def compile_program(program):
    """Compile the completion (outside the measured time, for every program alike: how long a
    source takes to compile says nothing of its algorithm, and code shipped precompiled, as a
    marshalled blob, skipped it: red team round 7b)."""
    try:
        code = compile(program, "<solution>", "exec", COMPILE_FLAGS, True)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        line = f" (line {exc.lineno})" if getattr(exc, "lineno", None) else ""
        error = f"{type(exc).__name__}: {exc}{line}"[:500]
        return Compiled(invalid={"status": "invalid", "test": -1, "error": error})
    return Compiled(code=code)


def _kind(exc):
    """The exception's name when it is a built-in one (safe to show), else 'Exception'."""
    name = type(exc).__name__
    builtin = getattr(builtins, name, None)
    return name if builtin is type(exc) else "Exception"


def _error(status, test, exc):
    text = f"{type(exc).__name__}: {exc}" if exc is not None else ""
    return {"status": status, "test": test, "error": text[:500], "kind": _kind(exc)}


def execute(request, compiled, namespace, prepared):
    """Run the compiled completion's module and every test; return the result message.
    Untrusted from here."""
    entry = request["entry_point"]
    if compiled.invalid is not None:
        return compiled.invalid
    try:
        exec(compiled.code, namespace)
    except MemoryError as exc:
        return _error("memory", -1, exc)
    except BaseException as exc:  # noqa: BLE001 - any failure of user code is a verdict
        return _error("error", -1, exc)
    solution = namespace.get("Solution")
    if not isinstance(solution, type):
        return {"status": "invalid", "test": -1, "error": "the code defines no class Solution"}
    if not callable(getattr(solution, entry, None)):
        return {"status": "invalid", "test": -1, "error": f"class Solution has no method {entry}"}
    mercury = bool(request.get("mercury_convert"))
    inplace, prefix, returns = (
        request.get("inplace"),
        request.get("prefix", False),
        request["returns"],
    )
    # Plain results go to json as they are (json_default converts the odd object); node results
    # are turned into lists here.
    plain = kind(returns) == "plain"
    outputs = []
    for index, args in enumerate(prepared):
        try:
            if mercury:
                result = getattr(solution(), entry)(*args)
                encode = mercury_codec.encode_value
                outputs.append({"in": encode(args), "out": encode(result)})
            elif plain:
                outputs.append(call_once(solution, entry, args, inplace, prefix))
            else:
                outputs.append(
                    to_json_value(call_once(solution, entry, args, inplace, prefix), returns)
                )
        except MemoryError as exc:
            return _error("memory", index, exc)
        except BaseException as exc:  # noqa: BLE001
            return _error("error", index, exc)
    return {"status": "ok", "outputs": outputs}


def _send_result(message):
    try:
        write_frame(RESULT_FD, message, default=json_default)
    except (ValueError, TypeError, RecursionError, OverflowError) as exc:
        write_frame(RESULT_FD, _error("error", -1, exc))


JAIL_ENV = {"PYTHONHASHSEED": "0", "LANG": "C.UTF-8"}


def suite_bytes(sub):
    """The part of a job that is the same for every program (job_for's "request"), encoded."""
    data = marshal.dumps(sub)
    return len(data).to_bytes(4, "big") + data


def encode_job(suite, program):
    """A run's job as it reads it on its stdin: suite_bytes, then the program (or None).

    marshal, not JSON: the job is the harness's own data (a run's replies are JSON, untrusted),
    and decoding a large suite of inputs with marshal takes a tenth of the time.
    """
    return suite + marshal.dumps(program)


def decode_job(data):
    size = int.from_bytes(data[:4], "big")
    return marshal.loads(data[4 : 4 + size]), marshal.loads(data[4 + size :])


def job_for(request, program, suite):
    """What a run is given: its program and one suite of test inputs, nothing else of the request.

    Neither the other suite, the other programs, nor anything a run has returned reaches it.
    """
    keys = ("entry_point", "params", "returns", "inplace", "prefix", "limits", "checker")
    sub = {key: request.get(key) for key in keys}
    if request.get("mercury_convert"):
        sub["mercury_convert"] = request["mercury_convert"]
    sub["tests"] = request[suite]
    return {"request": sub, "program": program}


def exec_run(result_fd, output_fd, job_fd, limits, path, argv, *, counted=False, keep=(), env=None):
    """In a forked child of the harness (uid 0): become uid 65534 and exec a fresh interpreter.

    The new process shares no memory with the harness: it learns its job only from job_fd (its
    stdin). It may not create threads or processes (RLIMIT_NPROC 1), so no work escapes the
    kernel's accounting of it. Never returns.
    """
    try:
        place_fds(result_fd, output_fd, keep=(*keep, JOB_FD), hold=runs.hold_source, job=job_fd)
        drop_privileges()
        reset_signals()
        set_limits(limits, counted=counted)
        os.dup2(JOB_FD, 0)
        os.close(JOB_FD)
        os.execve(path, argv, env or JAIL_ENV)
    finally:
        os._exit(127)


# What a completion may import besides the prelude's modules: loaded in the zygote, because a
# run may not open files (runfilter.py). Anything else fails to import, as a runtime error.
# Every jail's zygote loads all of them, whatever its programs name: a zygote that loaded only
# the modules its programs named (dataclasses alone took 15 ms of every jail's start) let a
# comment naming one buy the candidate's runs a start measured 3-5% faster against the anchor's
# (red team, rounds 6 and 6b). fnmatch was loaded with the harness's own imports, and a
# reference uses it; hashlib (OpenSSL), shutil, bz2 and lzma were too, and are no longer.
IMPORTABLE = (
    "__future__", "abc", "array", "cmath", "collections.abc", "contextlib", "copy", "ctypes",
    "dataclasses", "datetime", "decimal", "enum", "fnmatch", "fractions", "graphlib", "json",
    "numbers", "operator", "queue", "statistics", "string", "struct", "textwrap", "time", "types",
    "unicodedata", "weakref",
)  # fmt: skip


_zygote = {}  # in the zygote and the runs it forks: a run's module and filter, built once


def preload():
    """In the zygote: import everything a run needs, once; every forked run inherits it, and
    the namespace and the seccomp filter its run starts from (building them took 0.6 ms of
    every run's start)."""
    for name in IMPORTABLE:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    _zygote["module"] = solution_module()
    _zygote["filter"] = runfilter.built()
    runfilter.warm_mapped_files()
    # The zygote's objects, garbage of the imports included (a collection first took 3 ms of
    # every jail's start): never traversed (or copied on write) by a run's collections.
    gc.freeze()


def forked_run(result_fd, output_fd, hold_fd, job_fd):
    """In a run, forked by the zygote (as the harness's child) and now uid 65534: run the job.
    Never returns.

    The zygote never held a request, an input or an output, so nothing in this process's memory
    is more than its own job (which it reads from job_fd, as an exec'd run reads its stdin).
    """
    try:
        place_fds(result_fd, output_fd, keep=(JOB_FD,), hold=hold_fd, job=job_fd)
        if os.getresuid() != (UNPRIVILEGED,) * 3 or os.getresgid() != (UNPRIVILEGED,) * 3:
            raise SystemExit("a run must be uid 65534")
        # Its signal dispositions are the zygote's, reset once for every run (zygote._serve).
        os.dup2(JOB_FD, 0)
        os.close(JOB_FD)
        run_main(set_own_limits=True)
    finally:
        os._exit(127)


def run_main(*, counted=False, set_own_limits=False):
    """The run, forked from the zygote or exec'd under valgrind: read the job from stdin, run it.

    A counted job's program may be null: the baseline, which prepares the inputs and stops, so
    that a program's count less the baseline's is its own work. A forked run sets its limits
    here, from its job, before any completion code exists.
    """
    try:
        request, program = decode_job(_read_all(0))
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        if set_own_limits:
            set_limits(request["limits"])
        sys.setrecursionlimit(int(request["limits"].get("recursion", 100000)))
        namespace, prepared = prepare(request)
        # A compile beyond COMPILE_ALLOWANCE_S is timed: the clock's start moves back by it.
        started = time.clock_gettime(time.CLOCK_THREAD_CPUTIME_ID)
        compiled = compile_program(program) if program is not None else None
        excess = time.clock_gettime(time.CLOCK_THREAD_CPUTIME_ID) - started - COMPILE_ALLOWANCE_S
        gc.freeze()  # the inputs' objects: never traversed by the run's own collections
        gc.disable()  # as timeit does: a collection must not land in some repetitions only
        if set_own_limits:  # a forked run (valgrind, under which counted runs run, needs files)
            # From here on: no file, no socket, nothing left for later runs.
            runfilter.install(_zygote.get("filter"))
        if not counted:
            # The thread clock: the process has one thread here, and unlike the process clock
            # (which leaves out the running slice: 0-4 ms low at random) it is exact.
            now = time.clock_gettime(time.CLOCK_THREAD_CPUTIME_ID)
            write_frame(RESULT_FD, {"t0": now - max(excess, 0.0)})
        if compiled is not None:
            _send_result(execute(request, compiled, namespace, prepared))
        os.close(RESULT_FD)  # nothing more: a result left unfinished is now known to be
        if not counted:
            # Wait, off the CPU, for the harness to take the measure and end this process: its
            # teardown is not the program's work.
            os.read(HOLD_FD, 1)
    except BaseException:  # noqa: BLE001 - any failure is the run's; the harness classifies it
        pass
    finally:
        os._exit(0)


def _read_all(fd):
    chunks = []
    while True:
        data = os.read(fd, 1 << 20)
        if not data:
            return b"".join(chunks)
        chunks.append(data)
