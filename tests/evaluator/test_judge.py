"""Judging in the real nsjail: verdicts, Beyond ordering and a corpus of hostile completions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from evaluator import sandbox
from evaluator.judge import Verdict, judge_sample, judge_samples

pytestmark = pytest.mark.sandbox

SOLVE = """
        seen = {}
        for j, x in enumerate(nums):
            if target - x in seen:
                return [seen[target - x], j]
            seen[x] = j
"""
HEAD = "class Solution:\n    def pairSum(self, nums, target):\n"


def _method(body: str, prelude: str = "") -> str:
    return prelude + HEAD + body


def _judge(test_tasks, calibrations, code):
    return judge_sample(test_tasks["pair-sum"], code, calibrations["pair-sum"])


def test_correct_fast_and_slow_completions_pass_with_ordered_beyond(test_tasks, calibrations):
    task = test_tasks["pair-sum"]
    fast = judge_sample(task, task.references["hashmap"], calibrations["pair-sum"])
    slow = judge_sample(task, task.references["quadratic"], calibrations["pair-sum"])
    assert fast.verdict == slow.verdict == Verdict.PASSED
    assert fast.tests_passed == fast.tests_total == len(task.tests)
    assert fast.runtime_s < slow.runtime_s
    assert fast.beyond > 0.9 > 0.3 > slow.beyond  # slow is the slowest reference itself
    assert fast.percentile > slow.percentile


def test_linked_list_arguments_and_results_are_converted(test_tasks, calibrations):
    task = test_tasks["reverse-linked"]
    result = judge_sample(task, task.references["iterative"], calibrations["reverse-linked"])
    assert result.verdict == Verdict.PASSED
    untyped = (
        "class Solution(object):\n    def reverseList(self, head):\n"
        "        vals = []\n        while head: vals.append(head.val); head = head.next\n"
        "        return list_to_nodes(vals[::-1])\n"
        "def list_to_nodes(v):\n    d = t = ListNode()\n"
        "    for x in v: t.next = ListNode(x); t = t.next\n    return d.next\n"
    )
    assert judge_sample(task, untyped, calibrations["reverse-linked"]).verdict == Verdict.PASSED


@pytest.mark.parametrize(
    ("code", "verdict", "diagnostic"),
    [
        (_method("        return [0, 1]\n"), Verdict.WRONG_ANSWER, "expected"),
        (_method("        return [0, 1]\n").replace("):\n", ")\n", 1), Verdict.INVALID, "Syntax"),
        ("class Solution:\n    pass\n", Verdict.INVALID, "no method pairSum"),
        ("def pairSum(nums, target):\n    return []\n", Verdict.INVALID, "no class Solution"),
        ("", Verdict.INVALID, "empty"),
        (_method("        raise KeyError('boom')\n"), Verdict.RUNTIME_ERROR, "KeyError"),
        (
            _method("        return self.pairSum(nums, target)\n"),
            Verdict.RUNTIME_ERROR,
            "Recursion",
        ),
    ],
    ids=["wrong", "syntax", "no-entry-point", "no-class", "empty", "exception", "recursion"],
)
def test_failures_get_their_verdict_and_a_diagnostic(
    test_tasks, calibrations, code, verdict, diagnostic
):
    result = _judge(test_tasks, calibrations, code)
    assert result.verdict == verdict
    assert diagnostic in result.diagnostic
    assert result.beyond == 0.0 and result.runtime_s is None


# Each hostile completion: (code, verdicts that mean "contained").
# "passed" is expected where the attack is attempted, fails quietly, and the honest answer follows.
HOSTILE = {
    "fork-bomb": (
        _method(
            "        while True:\n            try: os.fork()\n            except OSError: pass\n",
            "import os\n",
        ),
        {Verdict.TIMEOUT},
    ),
    "thread-bomb": (
        _method(
            "        ts = [threading.Thread(target=time.sleep, args=(60,)) for _ in range(500)]\n"
            "        for t in ts: t.start()\n",
            "import threading, time\n",
        ),
        {Verdict.RUNTIME_ERROR},
    ),
    "memory-bomb": (
        _method("        x = []\n        while True: x.append(bytearray(10**7))\n"),
        {Verdict.MEMORY_LIMIT},
    ),
    "huge-allocation": (_method("        x = ' ' * 10**11\n"), {Verdict.MEMORY_LIMIT}),
    "infinite-loop": (_method("        while True: pass\n"), {Verdict.TIMEOUT}),
    "sleep-forever": (_method("        time.sleep(10**6)\n", "import time\n"), {Verdict.TIMEOUT}),
    "network-redis": (
        _method(
            "        socket.create_connection(('127.0.0.1', 6379), timeout=1)\n" + SOLVE,
            "import socket\n",
        ),
        {Verdict.RUNTIME_ERROR},
    ),
    "network-udp-dns": (
        _method(
            "        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "        s.sendto(b'x', ('8.8.8.8', 53))\n" + SOLVE,
            "import socket\n",
        ),
        {Verdict.RUNTIME_ERROR},
    ),
    "vsock": (
        _method("        socket.socket(40, socket.SOCK_STREAM)\n" + SOLVE, "import socket\n"),
        {Verdict.RUNTIME_ERROR},
    ),
    "write-outside-tmp": (
        _method("        open('/box/owned', 'w').write('x')\n" + SOLVE),
        {Verdict.RUNTIME_ERROR},
    ),
    "write-usr": (
        _method("        open('/usr/owned', 'w').write('x')\n" + SOLVE),
        {Verdict.RUNTIME_ERROR},
    ),
    "fill-tmp": (
        _method("        f = open('/tmp/big', 'wb')\n        while True: f.write(b'x' * 2**20)\n"),
        {Verdict.RUNTIME_ERROR},
    ),
    "read-environment": (
        _method(
            "        if any('SECRET' in k or 'REDIS' in k or 'DJANGO' in k for k in os.environ):\n"
            "            return [-1, -1]\n" + SOLVE,
            "import os\n",
        ),
        {Verdict.PASSED},
    ),
    "read-host-files": (
        _method(
            "        for p in ('/etc/passwd', '/proc/1/environ', '/root/.bashrc'):\n"
            "            try:\n                open(p).read(); return [-1, -1]\n"
            "            except OSError: pass\n" + SOLVE
        ),
        {Verdict.PASSED},
    ),
    "sys-exit-at-import": ("import sys\nsys.exit(0)\n", {Verdict.RUNTIME_ERROR}),
    "os-exit-in-method": (_method("        os._exit(0)\n", "import os\n"), {Verdict.RUNTIME_ERROR}),
    "fake-verdict-output": (
        _method(
            '        print(\'{"status": "ok", "verdict": "passed"}\')\n        return [0, 0]\n'
        ),
        {Verdict.WRONG_ANSWER},
    ),
    "kill-init": (
        _method(
            "        try: os.kill(1, signal.SIGKILL)\n        except OSError: pass\n" + SOLVE,
            "import os, signal\n",
        ),
        {Verdict.PASSED},
    ),
    "kill-everything": (
        # It reaches nothing (every other process is another uid): it returns and answers None.
        _method("        os.kill(-1, signal.SIGKILL)\n", "import os, signal\n"),
        {Verdict.RUNTIME_ERROR, Verdict.WRONG_ANSWER},
    ),
    "output-flood": (_method("        while True: print('x' * 65536)\n"), {Verdict.OUTPUT_LIMIT}),
    "too-many-files": (
        _method("        fs = [open('/dev/null') for _ in range(10000)]\n"),
        {Verdict.RUNTIME_ERROR},
    ),
    "unshare-namespace": (
        _method("        os.unshare(os.CLONE_NEWUSER)\n" + SOLVE, "import os\n"),
        {Verdict.RUNTIME_ERROR},
    ),
    "ptrace-parent": (
        _method(
            "        libc = ctypes.CDLL(None)\n"
            "        if libc.ptrace(16, 1, 0, 0) == 0: return [-1, -1]\n" + SOLVE,
            "import ctypes\n",
        ),
        {Verdict.PASSED},
    ),
    "raise-cpu-limit": (
        _method(
            "        resource.setrlimit(resource.RLIMIT_CPU, (10**6, 10**6))\n" + SOLVE,
            "import resource\n",
        ),
        {Verdict.RUNTIME_ERROR},
    ),
    "forge-result-pipe": (
        _method(
            "        for fd in range(3, 64):\n"
            '            try: os.write(fd, b\'{"status":"ok","outputs":[]}\')\n'
            "            except OSError: pass\n" + SOLVE,
            "import os\n",
        ),
        {Verdict.RUNTIME_ERROR, Verdict.WRONG_ANSWER},
    ),
    "segfault": (
        _method("        ctypes.string_at(0)\n", "import ctypes\n"),
        {Verdict.RUNTIME_ERROR},
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_completion_is_contained(test_tasks, calibrations, name, monkeypatch):
    monkeypatch.setenv("MERCURY_TEST_SECRET", "hunter2")
    code, contained = HOSTILE[name]
    result = _judge(test_tasks, calibrations, code)
    assert result.verdict in contained, result.diagnostic
    assert "hunter2" not in result.diagnostic
    assert not Path("/usr/owned").exists()


def test_timeouts_say_whether_cpu_or_wall_clock_ran_out(test_tasks, calibrations):
    spin = _judge(test_tasks, calibrations, _method("        while True: pass\n"))
    sleep = _judge(
        test_tasks, calibrations, _method("        time.sleep(10**6)\n", "import time\n")
    )
    assert spin.verdict == sleep.verdict == Verdict.TIMEOUT
    assert "limit exceeded" in spin.diagnostic and "wall-clock" in sleep.diagnostic


def test_judge_still_works_after_the_hostile_corpus(test_tasks, calibrations):
    task = test_tasks["pair-sum"]
    result = judge_sample(task, task.references["hashmap"], calibrations["pair-sum"])
    assert result.verdict == Verdict.PASSED


def test_patched_timer_and_builtins_cache_cannot_buy_speed(test_tasks, calibrations):
    task = test_tasks["pair-sum"]
    slow = task.references["quadratic"]
    patched = (
        "import time\ntime.thread_time = lambda: 0.0\ntime.perf_counter = lambda: 0.0\n" + slow
    )
    # A cache kept in builtins survives a fresh namespace: only a fresh process defeats it.
    cached = (
        "import builtins\n"
        "class Solution:\n"
        "    def pairSum(self, nums, target):\n"
        "        memo = builtins.__dict__.setdefault('_memo', {})\n"
        "        key = (tuple(nums), target)\n"
        "        if key not in memo:\n"
        "            memo[key] = Plain().pairSum(nums, target)\n"
        "        return memo[key]\n" + slow.replace("class Solution", "class Plain")
    )
    plain = _judge(test_tasks, calibrations, slow)
    for code in (patched, cached):
        result = _judge(test_tasks, calibrations, code)
        assert result.verdict == Verdict.PASSED
        # a fooled harness would give these Beyond 1; honest timing keeps them with plain code
        assert result.beyond < min(0.5, plain.beyond + 0.25), (result.details, plain.beyond)


def test_a_forged_result_frame_changes_nothing_about_the_time(test_tasks, calibrations):
    task = test_tasks["pair-sum"]
    # Computes the answers the slow way, and in a run of the performance tests writes a
    # well-formed result frame of its own on every descriptor it has and leaves at once: the
    # answer is its own, the CPU time the kernel's.
    prefix = f"import os, json\nOUT = []\nTOTAL = {len(task.large)}\n"
    forged = prefix + task.references["quadratic"].replace(
        "        n = len(nums)\n",
        "        answer = Solution.slow(nums, target)\n"
        "        if len(nums) > 1000:\n"
        "            OUT.append(answer)\n"
        "        if OUT and len(OUT) == TOTAL:\n"
        "            data = json.dumps({'status': 'ok', 'outputs': OUT}).encode()\n"
        "            for fd in range(3, 64):\n"
        "                try: os.write(fd, len(data).to_bytes(4, 'big') + data)\n"
        "                except OSError: pass\n"
        "            os._exit(0)\n"
        "        return answer\n\n"
        "    @staticmethod\n"
        "    def slow(nums, target):\n"
        "        n = len(nums)\n",
    )
    honest = _judge(test_tasks, calibrations, task.references["quadratic"])
    result = _judge(test_tasks, calibrations, forged)
    assert result.verdict == Verdict.PASSED, result.diagnostic
    assert result.runtime_s >= 0.8 * honest.runtime_s, (result.details, honest.details)
    assert result.beyond <= honest.beyond + 0.15  # two jails: a few percent of noise


@pytest.mark.slow
def test_instruction_counts_reproduce_and_order_solutions(test_tasks, sandbox_ready):
    from dataclasses import replace

    from evaluator.judge import calibrate_task

    full = test_tasks["pair-sum"]
    task = replace(
        full,
        references={k: full.references[k] for k in ("hashmap", "quadratic")},
        small=full.small[:2],
    )
    cal = calibrate_task(task, measure="instructions")
    assert cal.measure == "instructions" and cal.spread > 50
    fast = [
        judge_sample(task, full.references["sorted_scan"], cal, measure="instructions")
        for _ in range(2)
    ]
    slow = judge_sample(task, full.references["slice_scan"], cal, measure="instructions")
    assert all(r.verdict == Verdict.PASSED for r in [*fast, slow])
    assert abs(fast[0].beyond - fast[1].beyond) < 0.005
    assert fast[0].beyond > slow.beyond > 0.0
    with pytest.raises(ValueError):
        judge_sample(task, full.references["hashmap"], cal)  # a cpu judgement needs cpu calibration


def test_leetcode_environment_offers_sortedcontainers_and_three_argument_pow(
    test_tasks, calibrations
):
    code = (
        "class Solution:\n    def pairSum(self, nums, target):\n"
        "        assert pow(3, 4, 5) == 1 and SortedList([3, 1])[0] == 1\n"
        "        assert isinstance(deque(), collections.deque) and inf > 0\n"
        "        depth = lru_cache(None)(lambda n: 0 if n == 0 else depth(n - 1) + 1)\n"
        "        assert depth(5000) == 5000  # memoised recursion as deep as LeetCode allows\n"
        "        seen = []\n"
        "        bisect.insort(seen, 2)  # the module, not the function the star import binds\n"
        "        assert int('7' * 10000) % 10 == 7  # no 4,300-digit cap (add-strings)\n"
        + SOLVE
        + "\n\nif __name__ == '__main__':  # a self-test block never runs, as on LeetCode\n"
        "    raise SystemExit(Solution().pairSum([1], 1))\n"
    )
    result = _judge(test_tasks, calibrations, code)
    assert result.verdict == Verdict.PASSED, result.diagnostic


def test_the_modules_offered_import_without_a_file_whatever_the_program_names(
    test_tasks, calibrations
):
    # dataclasses, fractions, statistics and fnmatch are loaded by every jail's zygote (a run
    # can open no file); a name built at run time imports as well as one the text shows.
    named = (
        "import dataclasses\nfrom fractions import Fraction\nimport statistics\nimport fnmatch\n"
        "@dataclasses.dataclass\nclass Pair:\n    i: int\n    j: int\n\n"
        + HEAD
        + "        assert statistics.median([1, 2, 3]) == 2 and Fraction(1, 2) * 2 == 1\n"
        + "        assert fnmatch.fnmatchcase('ab', 'a?')\n"
        + SOLVE.replace(
            "return [seen[target - x], j]", "return list(vars(Pair(seen[target - x], j)).values())"
        )
    )
    assert _judge(test_tasks, calibrations, named).verdict == Verdict.PASSED
    built = HEAD + "        __import__('data' + 'classes')\n" + SOLVE
    assert _judge(test_tasks, calibrations, built).verdict == Verdict.PASSED
    refused = HEAD + "        __import__('sock' + 'et').socket()\n" + SOLVE
    assert _judge(test_tasks, calibrations, refused).verdict == Verdict.RUNTIME_ERROR


def test_code_whose_outputs_change_between_runs_is_wrong(test_tasks, calibrations):
    task = test_tasks["pair-sum"]
    # Every run is the same (all tests, same order), so a completion cannot tell the checked
    # run from a measured one; one that answers honestly only now and then is caught by the
    # digest of every measured run, or by the check itself.
    fickle = "import os\nLUCKY = os.urandom(1)[0] < 128\n" + task.references["quadratic"].replace(
        "        n = len(nums)\n",
        "        if not LUCKY and len(nums) > 1000:\n"
        "            return [0, 1]\n"
        "        n = len(nums)\n",
    )
    # Twelve measured runs: all of them lucky once in 4,096 (a settled sample may stop at three).
    timing = {"budget_s": 100, "min_reps": 12, "max_reps": 12, "stop": {}}
    result = judge_sample(task, fickle, calibrations["pair-sum"], timing=timing)
    assert result.verdict == Verdict.WRONG_ANSWER, result.details


def test_no_process_calls_the_completion_twice_on_one_input(test_tasks, calibrations):
    # Within one process a repeated input could be answered from a cache; the harness's untimed
    # dry run before each timed pass must therefore never call the completion itself.
    wary = (
        "SEEN = set()\n"
        "class Solution:\n    def pairSum(self, nums, target):\n"
        "        key = (tuple(nums), target)\n"
        "        if key in SEEN:\n"
        "            raise RuntimeError('called twice on one input')\n"
        "        SEEN.add(key)\n" + SOLVE
    )
    result = _judge(test_tasks, calibrations, wary)
    assert result.verdict == Verdict.PASSED, result.diagnostic
    assert result.details["rounds"] >= 2


def test_prepare_host_removes_job_folders_of_dead_processes(tmp_path, monkeypatch):
    import tempfile

    from evaluator import sandbox

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = tmp_path / f"{sandbox.BOX_PREFIX}999999999-abc"
    alive = tmp_path / f"{sandbox.BOX_PREFIX}{os.getpid()}-abc"
    dead.mkdir()
    alive.mkdir()
    assert sandbox.remove_stale_boxes() == [dead.name]
    assert alive.exists() and not dead.exists()


def test_samples_judged_in_one_jail_get_what_each_gets_alone(test_tasks, calibrations, monkeypatch):
    pair, linked = test_tasks["pair-sum"], test_tasks["reverse-linked"]
    samples = [
        (pair, pair.references["hashmap"], "pair-sum"),
        (pair, HOSTILE["fork-bomb"][0], "pair-sum"),
        (linked, linked.references["iterative"], "reverse-linked"),
        (pair, _method("        return [0, 1]\n"), "pair-sum"),
        (pair, "", "pair-sum"),  # needs no jail
        (pair, HOSTILE["memory-bomb"][0], "pair-sum"),
        (pair, pair.references["quadratic"], "pair-sum"),
        (pair, HOSTILE["kill-everything"][0], "pair-sum"),
        (pair, pair.references["hashmap"], "pair-sum"),
    ]
    items = [(task, code, calibrations[slug]) for task, code, slug in samples]
    jails = []
    real = sandbox.run_harness

    def counted(request, *args, **kwargs):
        jails.append(len(request.get("samples", [request])))
        return real(request, *args, **kwargs)

    monkeypatch.setattr(sandbox, "run_harness", counted)
    together = judge_samples(items)
    assert jails == [8]  # one jail for the eight that need one, none judged again alone
    alone = [judge_sample(*item) for item in items]
    assert [r.verdict for r in together] == [r.verdict for r in alone]
    assert [r.tests_passed for r in together] == [r.tests_passed for r in alone]
    fast, slow, last = together[0], together[6], together[8]
    assert fast.beyond > 0.9 > 0.3 > slow.beyond
    assert last.beyond > 0.9  # after a fork bomb, a memory bomb and kill(-1) in its jail


def test_a_sample_its_jail_did_not_report_is_judged_again_alone(
    test_tasks, calibrations, monkeypatch
):
    task, calibration = test_tasks["pair-sum"], calibrations["pair-sum"]
    real = sandbox.run_harness
    requests = []

    def cut_short(request, *args, on_report=None, **kwargs):
        # As when a run's memory took the zygote: the jail ends after its first report.
        requests.append(len(request.get("samples", [request])))
        if on_report is None:
            return real(request, *args, **kwargs)
        reports = []

        def first_only(frame):
            reports.append(frame)
            if len(reports) == 1:
                on_report(frame)

        return real(request, *args, on_report=first_only, **kwargs)

    monkeypatch.setattr(sandbox, "run_harness", cut_short)
    codes = [task.references["hashmap"], task.references["quadratic"], task.references["hashmap"]]
    finished = []
    results = judge_samples(
        [(task, code, calibration) for code in codes],
        on_result=lambda index, result: finished.append(index),
    )
    assert requests == [3, 1, 1]
    assert finished == [0, 1, 2]  # each once, the first as soon as its report was read
    assert [r.verdict for r in results] == [Verdict.PASSED] * 3
    assert results[0].beyond > 0.9 > 0.3 > results[1].beyond


def test_compiling_the_completion_is_not_timed_nor_are_annotations_evaluated(
    test_tasks, calibrations
):
    # The run compiles the completion before its clock starts, every program alike, up to
    # runner.COMPILE_ALLOWANCE_S (red team round 7b: shipping code precompiled, or without
    # annotations, bought a sub-millisecond task up to 40%). A longer compile is timed: a large
    # dead expression, compiled untimed, bought the timed run's allocations ready memory.
    padding = "_TABLE = " + "1 + " * 20_000 + "1\n"  # 80 KB, folded to one constant
    plain = _judge(test_tasks, calibrations, HEAD + SOLVE)
    code = (
        padding
        + HEAD
        + SOLVE
        + "    def unused(self, x: NoSuchType) -> Optional[AlsoMissing]:\n        return x\n"
    )
    result = _judge(test_tasks, calibrations, code)
    assert plain.verdict == result.verdict == Verdict.PASSED, result.diagnostic
    assert result.details["raw_seconds"] > plain.details["raw_seconds"], (result, plain)
    # What cannot be imported still fails, timed, where the completion imports it.
    missing = "import tkinter\n" + HEAD + SOLVE
    assert _judge(test_tasks, calibrations, missing).verdict == Verdict.RUNTIME_ERROR
    # A source longer than any model writes is refused before a jail compiles it in every run.
    long = HEAD + SOLVE + "#" * 100_000 + "\n"
    refused = _judge(test_tasks, calibrations, long)
    assert refused.verdict == Verdict.INVALID and "100,000" in refused.diagnostic
