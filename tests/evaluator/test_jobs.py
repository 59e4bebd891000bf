"""What a run is given (evaluator/jail/runner.job_for), built as the harness builds it: no jail."""

from __future__ import annotations

from evaluator.jail import harness, runner

REQUEST = {
    "entry_point": "f",
    "params": ["n"],
    "returns": "int",
    "inplace": None,
    "prefix": False,
    "limits": {"cpu_s": 1, "wall_s": 2, "as_bytes": 2**30},
    "checker": "exact",
    "check_tests": [[1]],
    "timed_tests": [[2]],
}


def _jobs(programs: dict[str, str]) -> dict[str, tuple[dict, str]]:
    request = dict(REQUEST, programs=programs)
    harness._suites.clear()
    try:
        return {
            name: runner.decode_job(harness.job_bytes(request, code, "timed_tests")[0])
            for name, code in programs.items()
        }
    finally:
        harness._suites.clear()


def test_every_run_of_a_jail_loads_the_same_modules_whichever_program_it_runs():
    # A comment naming a module made the candidate's runs start with a grown heap, and measure
    # 3-6% faster than the anchor's (red team, round 6): the anchor's runs load it too.
    plain = "class Solution:\n    def f(self, n):\n        return n\n"
    jobs = _jobs({"candidate": "# inspect, SortedList\n" + plain, "anchor": plain})
    (candidate, cand_program), (anchor, anchor_program) = jobs["candidate"], jobs["anchor"]
    assert candidate["modules"] == anchor["modules"] == ["inspect", "sortedcontainers"]
    assert anchor_program == plain and cand_program.startswith("# inspect")
    assert candidate["tests"] == [[2]]  # and nothing else of the request
    assert "programs" not in candidate and "check_tests" not in candidate
    assert _jobs({"a": plain, "b": plain})["a"][0]["modules"] == []
