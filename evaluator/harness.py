"""In-sandbox harness: runs programs against test inputs in forked children and times them.

This file is compiled outside for the jail's interpreter and run in the jail as PID 1 of its PID
namespace with `python -I -S -B harness.pyc`; it must only use the standard library. It is also
imported outside the jail (by the task builder) for the LeetCode environment and the argument
conversions.

Protocol (inside the jail):
- `/box/request.json` holds the entry point, argument types, the programs (name -> source) and the
  test inputs (never the expected outputs: outputs are compared outside the jail).
- argv[1] is the result channel's fd (write end), argv[2] a per-run nonce's fd (read end). Completion code
  only ever runs in forked children, which close both descriptors before executing it, so it can
  neither write to the result channel nor learn the nonce.
- Each check and each timing repetition is a fresh child process (a fork of this trusted parent):
  module-level caches, patched builtins or stray threads cannot carry over between repetitions.
  After each child the parent, as the namespace's init, kills every remaining process.
- Timing uses the per-thread CPU clock captured before any completion code runs; the parent
  cross-checks each reported figure against the child's rusage, which the child cannot forge.
"""

import gc
import json
import math
import os
import resource
import select
import signal
import sys
import time

RESULT_FD = 3  # replaced from argv by main(); the jail passes the real numbers
NONCE_FD = 4
MAX_CHILD_MESSAGE = 256 * 2**20

# The names LeetCode's Python environment provides without an import.
PRELUDE = """\
from typing import *
import collections, heapq, bisect, math, itertools, functools, string, re, operator, random, copy
import sys
from collections import *
from heapq import *
from bisect import *
from math import *
from itertools import *
from functools import *
from string import ascii_lowercase, ascii_uppercase, ascii_letters, digits
from builtins import pow  # math's star import must not shadow pow(base, exp, mod)
inf = float("inf")
try:
    import sortedcontainers
    from sortedcontainers import SortedList, SortedDict, SortedSet
except ImportError:
    pass
"""
# Read-only mount point of the third-party modules LeetCode offers (sortedcontainers).
EXTRA_LIB = "/opt/mercury-lib"


class ListNode:
    """Singly linked list node, as LeetCode defines it."""

    def __init__(self, val=0, next=None):
        self.val = val
        self.next = next

    def __repr__(self):
        return f"ListNode({self.val})"


class TreeNode:
    """Binary tree node, as LeetCode defines it."""

    def __init__(self, val=0, left=None, right=None):
        self.val = val
        self.left = left
        self.right = right

    def __repr__(self):
        return f"TreeNode({self.val})"


def make_namespace():
    """A fresh global namespace with LeetCode's environment."""
    if os.path.isdir(EXTRA_LIB) and EXTRA_LIB not in sys.path:
        sys.path.append(EXTRA_LIB)
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    exec(compile(PRELUDE, "<prelude>", "exec"), namespace)
    namespace["ListNode"] = ListNode
    namespace["TreeNode"] = TreeNode
    return namespace


def list_to_linked(values, node_type=ListNode):
    head = None
    for value in reversed(values):
        head = node_type(value, head)
    return head


def linked_to_list(node, limit=10**7):
    out = []
    while node is not None:
        out.append(node.val)
        node = node.next
        if len(out) > limit:
            raise ValueError("linked list is too long or has a cycle")
    return out


def list_to_tree(values, node_type=TreeNode):
    if not values or values[0] is None:
        return None
    root = node_type(values[0])
    queue = [root]
    head = 0
    i = 1
    while head < len(queue) and i < len(values):
        node = queue[head]
        head += 1
        if i < len(values) and values[i] is not None:
            node.left = node_type(values[i])
            queue.append(node.left)
        i += 1
        if i < len(values) and values[i] is not None:
            node.right = node_type(values[i])
            queue.append(node.right)
        i += 1
    return root


def tree_to_list(root, limit=10**7):
    if root is None:
        return []
    out = []
    queue = [root]
    head = 0
    while head < len(queue):
        node = queue[head]
        head += 1
        if node is None:
            out.append(None)
            continue
        out.append(node.val)
        queue.append(node.left)
        queue.append(node.right)
        if len(queue) > limit:
            raise ValueError("tree is too large or has a cycle")
    while out and out[-1] is None:
        out.pop()
    return out


def _kind(type_name):
    """Which boundary conversion a type string needs."""
    t = (type_name or "").replace(" ", "")
    if t.startswith("Optional[") and t.endswith("]"):
        t = t[len("Optional[") : -1]
    if t in ("ListNode",):
        return "list"
    if t in ("TreeNode",):
        return "tree"
    if t in ("List[ListNode]", "List[Optional[ListNode]]", "list[ListNode]"):
        return "lists"
    if t in ("List[TreeNode]", "List[Optional[TreeNode]]", "list[TreeNode]"):
        return "trees"
    return "plain"


def convert_args(values, params, namespace):
    """Turn JSON arguments into the objects the method expects (fresh objects every call)."""
    list_node = namespace.get("ListNode", ListNode)
    tree_node = namespace.get("TreeNode", TreeNode)
    out = []
    for index, value in enumerate(values):
        kind = _kind(params[index] if index < len(params) else "")
        if kind == "list":
            out.append(list_to_linked(value, list_node))
        elif kind == "tree":
            out.append(list_to_tree(value, tree_node))
        elif kind == "lists":
            out.append([list_to_linked(v, list_node) for v in value])
        elif kind == "trees":
            out.append([list_to_tree(v, tree_node) for v in value])
        else:
            out.append(_deep_copy_json(value))
    return out


def _deep_copy_json(value):
    if isinstance(value, list):
        return [_deep_copy_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _deep_copy_json(v) for k, v in value.items()}
    return value


def to_json_value(value, returns):
    """Turn a method's return value into plain JSON data."""
    kind = _kind(returns)
    if kind == "list" or (kind == "plain" and _is_node(value, "next")):
        return linked_to_list(value) if value is not None else []
    if kind == "tree" or (kind == "plain" and _is_node(value, "left")):
        return tree_to_list(value)
    if kind in ("lists", "trees") and isinstance(value, list):
        conv = linked_to_list if kind == "lists" else tree_to_list
        return [conv(v) if v is not None else [] for v in value]
    return _plain(value, 0)


def _is_node(value, attr):
    return value is not None and hasattr(value, "val") and hasattr(value, attr)


def _plain(value, depth):
    if depth > 100:
        raise ValueError("result is nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return repr(value)
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        items = [_plain(v, depth + 1) for v in value]
        try:
            return sorted(items)
        except TypeError:
            return items
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if _is_node(value, "next"):
        return linked_to_list(value)
    if _is_node(value, "left"):
        return tree_to_list(value)
    # numpy scalars and other number-likes that LeetCode would print as numbers
    for cast in (int, float):
        try:
            if cast(value) == value:
                return cast(value)
        except Exception:  # noqa: BLE001 - unknown user types
            pass
    return repr(value)


def load_method(source, entry_point, namespace=None):
    """Execute a program and return (namespace, Solution class); raise ValueError if invalid."""
    if namespace is None:
        namespace = make_namespace()
    code = compile(source, "<solution>", "exec")
    exec(code, namespace)
    solution = namespace.get("Solution")
    if solution is None or not isinstance(solution, type):
        raise LookupError("the code defines no class Solution")
    if not callable(getattr(solution, entry_point, None)):
        raise LookupError(f"class Solution has no method {entry_point}")
    return namespace, solution


def call_once(solution, entry_point, args, inplace, prefix=False):
    """Call the method on a fresh Solution; the output is its result or a mutated argument.

    With prefix (LeetCode's "return k, the first k elements of the array count"), the output
    is [k, the first k elements of argument inplace].
    """
    result = getattr(solution(), entry_point)(*args)
    if inplace is None:
        return result
    if prefix:
        if not isinstance(result, int) or isinstance(result, bool):
            return [result, None]
        return [result, list(args[inplace][: max(result, 0)])]
    return args[inplace]


def _exception_line(exc):
    text = f"{type(exc).__name__}: {exc}"
    return text[:500]


# ---------------------------------------------------------------- inside the jail


def _send(fd, payload):
    data = json.dumps(payload, separators=(",", ":")).encode()
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _child_check(write_fd, request, program):
    """Child: run every test once and send the outputs (or the first error)."""
    entry, params, returns = request["entry_point"], request["params"], request["returns"]
    inplace = request.get("inplace")
    try:
        namespace, solution = load_method(program, entry)
    except SyntaxError as exc:
        _send(
            write_fd, {"status": "invalid", "error": f"SyntaxError: {exc.msg} (line {exc.lineno})"}
        )
        return
    except LookupError as exc:
        _send(write_fd, {"status": "invalid", "error": str(exc)})
        return
    except MemoryError:
        _send(write_fd, {"status": "memory", "error": "MemoryError while loading the code"})
        return
    except BaseException as exc:  # noqa: BLE001 - any failure of user code is a verdict
        _send(write_fd, {"status": "error", "test": -1, "error": _exception_line(exc)})
        return
    try:
        convert = _mercury_converter(request, namespace)
    except BaseException as exc:  # noqa: BLE001
        _send(write_fd, {"status": "error", "test": -1, "error": _exception_line(exc)})
        return
    outputs = []
    tests = request["small"] + request["large"]
    for index, values in enumerate(tests):
        try:
            if convert is not None:
                args = mercury_inputs(convert, values)
                result = getattr(solution(), entry)(*args)
                outputs.append({"in": encode_value(args), "out": encode_value(result)})
                continue
            args = convert_args(values, params, namespace)
            output = call_once(solution, entry, args, inplace, request.get("prefix", False))
            outputs.append(to_json_value(output, returns))
        except MemoryError:
            _send(write_fd, {"status": "memory", "test": index, "error": "MemoryError"})
            return
        except BaseException as exc:  # noqa: BLE001
            _send(write_fd, {"status": "error", "test": index, "error": _exception_line(exc)})
            return
    _send(write_fd, {"status": "ok", "outputs": outputs})


def _child_time(write_fd, request, program, clock):
    """Child: time one pass over the performance inputs with a fresh program."""
    entry, params = request["entry_point"], request["params"]
    inplace = request.get("inplace")
    try:
        namespace, solution = load_method(program, entry)
        prepared = _prepare_all(request, namespace, params)
        prefix = request.get("prefix", False)
        _prefault(prepared, inplace, prefix)
        outputs = []
        keep = outputs.append
        gc.collect()
        gc.disable()  # as timeit does: a collection must not land in one repetition only
        start = clock()
        for args in prepared:
            keep(call_once(solution, entry, args, inplace, prefix))
        elapsed = clock() - start
        gc.enable()
        # What the timed run computed must be what the checked run computed: code that
        # returns junk once it sees only the large cases gains nothing.
        mercury = request.get("mercury_convert") is not None
        digest = outputs_digest(
            [encode_value(o) if mercury else to_json_value(o, request["returns"]) for o in outputs],
            request.get("checker", "exact"),
        )
    except BaseException as exc:  # noqa: BLE001
        _send(write_fd, {"status": "error", "error": _exception_line(exc)})
        return
    _send(write_fd, {"status": "ok", "seconds": elapsed, "digest": digest})


class _Stub:
    """Stands in for Solution in the untimed dry run: does nothing with its arguments."""

    def run(self, *args):
        return args


def _prefault(prepared, inplace, prefix):
    """Run the timing loop's own machinery once with a stub, before the clock starts.

    A forked child shares its pages with the harness copy-on-write: the first write to each
    (the loop's bytecode caches, the arguments' reference counts, allocator pools) costs a page
    fault, which the thread clock charges to the timed calls. That is some 5-10 faults in the
    timed region, dozens of microseconds that differ from one run to the next. Paying them here
    leaves the timed region with the completion's own work. No completion code runs.
    """
    results = [call_once(_Stub, "run", args, inplace, prefix) for args in prepared]
    del results


def canonical(value, checker):
    """A string equal for two outputs that the checker cannot tell apart (order-free kinds)."""
    if checker == "unordered" and isinstance(value, list):
        return json.dumps(sorted(json.dumps(v, sort_keys=True) for v in value))
    if checker == "unordered_nested" and isinstance(value, list):
        inner = [
            json.dumps(sorted(json.dumps(x, sort_keys=True) for x in v))
            if isinstance(v, list)
            else json.dumps(v, sort_keys=True)
            for v in value
        ]
        return json.dumps(sorted(inner))
    return json.dumps(value, sort_keys=True)


def outputs_digest(outputs, checker):
    import hashlib

    digest = hashlib.sha256()
    for value in outputs:
        digest.update(canonical(value, checker).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def _mercury_converter(request, namespace):
    """Mercury's own convert_offline, defined after the program as Mercury's harness does."""
    source = request.get("mercury_convert")
    if not source:
        return None
    exec(compile(source, "<convert_offline>", "exec"), namespace)
    return namespace["convert_offline"]


def mercury_inputs(convert, raw):
    """Positional arguments from a Mercury test input, without showing it the expected output."""
    try:
        inputs, _ = convert((_deep_copy_json(raw), None))
    except Exception:  # noqa: BLE001 - some converters insist on an expected value
        inputs, _ = convert((_deep_copy_json(raw), []))
    return list(inputs)


def _prepare_all(request, namespace, params):
    convert = _mercury_converter(request, namespace)
    if convert is not None:
        return [mercury_inputs(convert, v) for v in request["timed"]]
    return [convert_args(v, params, namespace) for v in request["timed"]]


def encode_value(value, depth=0):
    """JSON that keeps ListNode/TreeNode/tuple/set types, for Mercury's evaluate_offline."""
    if depth > 200:
        raise ValueError("value is nested too deeply")
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, list):
        return [encode_value(v, depth + 1) for v in value]
    if isinstance(value, tuple):
        return {"__tuple__": [encode_value(v, depth + 1) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {"__set__": [encode_value(v, depth + 1) for v in value]}
    if isinstance(value, dict):
        return {
            "__dict__": [
                [encode_value(k, depth + 1), encode_value(v, depth + 1)] for k, v in value.items()
            ]
        }
    if _is_node(value, "next"):
        return {"__ListNode__": linked_to_list(value)}
    if _is_node(value, "left"):
        return {"__TreeNode__": tree_to_list(value)}
    return {"__repr__": repr(value)[:1000]}


def decode_value(value, namespace):
    """The inverse of encode_value, with the namespace's own node classes."""
    if isinstance(value, list):
        return [decode_value(v, namespace) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tuple__" in value:
        return tuple(decode_value(v, namespace) for v in value["__tuple__"])
    if "__set__" in value:
        return {decode_value(v, namespace) for v in value["__set__"]}
    if "__dict__" in value:
        return {
            decode_value(k, namespace): decode_value(v, namespace) for k, v in value["__dict__"]
        }
    if "__ListNode__" in value:
        return list_to_linked(value["__ListNode__"], namespace.get("ListNode", ListNode))
    if "__TreeNode__" in value:
        return list_to_tree(value["__TreeNode__"], namespace.get("TreeNode", TreeNode))
    if "__float__" in value:
        return float(value["__float__"])
    return value.get("__repr__")


def _child_verify(write_fd, request, _program):
    """Child without any completion code: Mercury's evaluate_offline on recorded outputs."""
    namespace = make_namespace()
    exec(compile(request["mercury_convert"], "<convert_offline>", "exec"), namespace)
    exec(compile(request["mercury_evaluate"], "<evaluate_offline>", "exec"), namespace)
    convert, evaluate = namespace["convert_offline"], namespace["evaluate_offline"]
    verdicts = []
    for case, recorded in zip(request["cases"], request["recorded"], strict=False):
        try:
            _, expected = convert(
                (_deep_copy_json(case["input"]), _deep_copy_json(case["expected"]))
            )
            inputs = decode_value(recorded["in"], namespace)
            outputs = decode_value(recorded["out"], namespace)
            verdicts.append(bool(evaluate(inputs, outputs, expected)))
        except Exception as exc:  # noqa: BLE001 - a malformed output fails the test
            verdicts.append(_exception_line(exc))
    _send(write_fd, {"status": "ok", "verdicts": verdicts})


def _kill_strays():
    """As the namespace's init: kill every other process, then reap them."""
    try:
        os.kill(-1, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.001)


def _run_child(target, request, program, limits, clock=None):
    """Fork a child running target; return (message, info) with rusage and how it ended."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        try:
            _close_harness_fds(read_fd)
            cpu = limits["cpu_s"]
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
            mem = limits["as_bytes"]
            resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
            sys.setrecursionlimit(limits.get("recursion", 100000))
            if clock is None:
                target(write_fd, request, program)
            else:
                target(write_fd, request, program, clock)
        except BaseException:  # noqa: BLE001 - never let the child fall back into parent code
            pass
        finally:
            os._exit(0)
    os.close(write_fd)
    data, killed_wall, too_big = _read_from_child(pid, read_fd, limits["wall_s"])
    _, status, usage = os.wait4(pid, 0)
    _kill_strays()
    info = {
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "maxrss_kb": usage.ru_maxrss,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0,
        "wall_killed": killed_wall,
        "too_big": too_big,
    }
    message = None
    if data and not too_big:
        try:
            message = json.loads(data)
        except ValueError:
            message = None
    return message, info


def _close_harness_fds(read_fd):
    """In a fresh child: drop the pipe's read end and the harness's result and nonce fds."""
    os.close(read_fd)
    for fd in (RESULT_FD, NONCE_FD):
        try:
            os.close(fd)
        except OSError:
            pass


def _read_from_child(pid, read_fd, wall_s):
    """Read a child's pipe to EOF within wall_s; kill it on overrun or on an oversized message.

    Returns (bytes, killed_for_time, too_big) and closes read_fd.
    """
    chunks = []
    size = 0
    deadline = time.monotonic() + wall_s
    killed = too_big = False
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            killed = True
            break
        ready, _, _ = select.select([read_fd], [], [], min(remaining, 0.5))
        if not ready:
            continue
        data = os.read(read_fd, 1 << 20)
        if not data:
            break
        size += len(data)
        if size > MAX_CHILD_MESSAGE:
            too_big = True
            break
        chunks.append(data)
    if killed or too_big:
        os.kill(pid, signal.SIGKILL)
    os.close(read_fd)
    return b"".join(chunks), killed, too_big


def _classify_crash(info, limits):
    if info["too_big"]:
        return "output", "the result is too large"
    if info["wall_killed"] and info["cpu_s"] < limits["cpu_s"] - 0.05:
        return "timeout", f"wall-clock limit exceeded ({limits['wall_s']} s; sleeping or blocked)"
    if info["wall_killed"] or info["cpu_s"] >= limits["cpu_s"] - 0.05:
        return "timeout", f"time limit exceeded ({limits['cpu_s']} s CPU)"
    if info["signal"] in (signal.SIGXCPU,):
        return "timeout", f"time limit exceeded ({limits['cpu_s']} s CPU)"
    if info["maxrss_kb"] * 1024 >= limits["mem_bytes"] * 0.6:
        return "memory", "memory limit exceeded"
    if info["signal"]:
        return "error", f"killed by signal {info['signal']}"
    return "error", "the process exited before reporting a result"


def run_request(request):
    """Check every program, then time the checked ones in interleaved rounds."""
    clock = time.thread_time  # captured before any completion code exists in this process
    make_namespace()  # import the prelude's modules once; forked children inherit them
    limits = request["limits"]
    if request.get("mode") == "mercury_verify":
        message, info = _run_child(_child_verify, request, "", limits)
        return {"verify": message or {"status": "error", "error": _classify_crash(info, limits)[1]}}
    report = {"programs": {}}
    timed_names = []
    for name, program in request["programs"].items():
        entry = {"check": None, "times": [], "cpu": [], "tampered": False}
        report["programs"][name] = entry
        if name in request.get("check", []):
            message, info = _run_child(_child_check, request, program, limits)
            entry["check_cpu_s"] = info["cpu_s"]
            entry["maxrss_kb"] = info["maxrss_kb"]
            if message is None:
                status, error = _classify_crash(info, limits)
                entry["check"] = {"status": status, "error": error}
            else:
                entry["check"] = message
            if entry["check"].get("status") != "ok":
                continue
        timed_names.append(name)
    if request.get("timed") and len(timed_names) == len(request["programs"]):
        if request.get("measure") == "instructions":
            _count_programs(request, timed_names, report, limits)
        else:
            _time_rounds(request, timed_names, report, limits, clock)
    return report


VALGRIND = "/usr/bin/valgrind.bin"
VALGRIND_SLOWDOWN = 60
VALGRIND_ARGS = [
    "--tool=cachegrind",
    "--cache-sim=no",
    "--branch-sim=no",
    "--cachegrind-out-file=/dev/null",
    "--main-stacksize=67108864",  # as the jail's stack limit: deep recursion must not differ
]


def _count_once(name, with_calls, limits):
    """Instructions executed by a fresh interpreter running one program, under valgrind.

    The count travels on valgrind's own log descriptor, which valgrind keeps out of the
    client's reach (EBADF for the program), so the program cannot forge it.
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            _close_harness_fds(read_fd)
            os.set_inheritable(write_fd, True)
            hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
            cpu = limits["cpu_s"] * VALGRIND_SLOWDOWN + 10
            if hard != resource.RLIM_INFINITY:
                cpu = min(cpu, hard - 1)
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
            null = os.open("/dev/null", os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            os.execv(
                VALGRIND,
                [
                    "valgrind",
                    *VALGRIND_ARGS,
                    f"--log-fd={write_fd}",
                    sys.executable,
                    "-I",
                    "-S",
                    "-B",
                    # The bytecode the jail started from: compiling the source under valgrind
                    # would cost every count's two runs again.
                    "/box/harness.pyc",
                    "count",
                    name,
                    "1" if with_calls else "0",
                ],
            )
        except BaseException as exc:  # noqa: BLE001 - report why the exec failed
            try:
                os.write(write_fd, f"exec failed: {exc!r}".encode()[:300])
            except OSError:
                pass
        finally:
            os._exit(127)
    os.close(write_fd)
    raw, timed_out, _ = _read_from_child(pid, read_fd, limits["wall_s"] * VALGRIND_SLOWDOWN + 30)
    _, status, _usage = os.wait4(pid, 0)
    _kill_strays()
    log = raw.decode(errors="replace")
    if timed_out:
        return None, "timeout"
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        tail = " | ".join(line for line in log.splitlines()[-3:] if line.strip())
        return None, f"the program failed under valgrind (status {status}): {tail}"[:500]
    for line in log.splitlines():
        if "I   refs:" in line or "I refs:" in line:
            return int(line.split(":", 1)[1].strip().replace(",", "")), None
    return None, "valgrind printed no instruction count"


def _count_programs(request, names, report, limits):
    """Deterministic cost: instructions with the calls minus instructions without them."""
    for name in names:
        entry = report["programs"][name]
        base, error = _count_once(name, False, limits)
        full, error2 = (None, None) if error else _count_once(name, True, limits)
        if error or error2:
            entry["time_error"] = {"status": "error", "error": error or error2}
            return
        entry["counts"] = [base, full]
        entry["times"] = [float(max(full - base, 1))]
        entry["cpu"] = list(entry["times"])


WALL_BUDGET_FACTOR = 5


def _time_rounds(request, names, report, limits, clock):
    """Round-robin repetitions so that machine drift hits every program alike."""
    timing = request["timing"]
    budget = timing["budget_s"]
    min_reps, max_reps = timing["min_reps"], timing["max_reps"]
    spent = 0.0
    # Code that sleeps spends no CPU; the wall clock bounds how long its rounds may go on.
    wall_deadline = time.monotonic() + budget * WALL_BUDGET_FACTOR
    rounds = 0
    while rounds < max_reps:
        order = names if rounds % 2 == 0 else list(reversed(names))
        for name in order:
            entry = report["programs"][name]
            message, info = _run_child(
                _child_time, request, request["programs"][name], limits, clock
            )
            if message is None or message.get("status") != "ok":
                status, error = (
                    ("error", message.get("error", "error"))
                    if message
                    else _classify_crash(info, limits)
                )
                entry["time_error"] = {"status": status, "error": error}
                return
            seconds = float(message["seconds"])
            # The child's own figure cannot exceed the CPU time the kernel charged it.
            if not (0.0 <= seconds <= info["cpu_s"] + 0.002):
                entry["tampered"] = True
                seconds = info["cpu_s"]
            entry["times"].append(seconds)
            entry["cpu"].append(info["cpu_s"])
            entry.setdefault("digests", []).append(message.get("digest"))
            spent += info["cpu_s"]
        rounds += 1
        if rounds >= min_reps and (spent >= budget or time.monotonic() >= wall_deadline):
            break


def _count_main(name, with_calls):
    """Exec'd under valgrind: load one program, convert the inputs, maybe call; nothing else."""
    with open("/box/request.json", "rb") as handle:
        request = json.load(handle)
    sys.setrecursionlimit(request["limits"].get("recursion", 100000))
    try:
        entry, params = request["entry_point"], request["params"]
        namespace, solution = load_method(request["programs"][name], entry)
        prepared = _prepare_all(request, namespace, params)
        gc.collect()
        gc.disable()
        if with_calls:
            for args in prepared:
                call_once(solution, entry, args, request.get("inplace"))
    except BaseException:  # noqa: BLE001
        os._exit(3)
    os._exit(0)


def main():
    global RESULT_FD, NONCE_FD
    if sys.argv[1] == "count":
        _count_main(sys.argv[2], sys.argv[3] == "1")
    RESULT_FD, NONCE_FD = int(sys.argv[1]), int(sys.argv[2])
    with open("/box/request.json", "rb") as handle:
        request = json.load(handle)
    if request.get("measure") == "instructions":
        # /proc is mounted for valgrind: keep our descriptors and memory out of its reach.
        import ctypes

        if ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0) != 0:  # PR_SET_DUMPABLE
            raise SystemExit("cannot make the harness non-dumpable")
    report = run_request(request)
    nonce = os.read(NONCE_FD, 256).decode()
    report["nonce"] = nonce
    _send(RESULT_FD, report)
    os.close(RESULT_FD)


if __name__ == "__main__":
    main()
