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
PLAIN = "class Solution:\n    def f(self, n):\n        return n\n"


def _jobs(programs: dict[str, str]) -> dict[str, tuple[bytes, tuple[dict, str]]]:
    request = dict(REQUEST, programs=programs)
    harness._suites.clear()
    try:
        jobs = {
            name: harness.job_bytes(request, code, "timed_tests")[0]
            for name, code in programs.items()
        }
        return {name: (data, runner.decode_job(data)) for name, data in jobs.items()}
    finally:
        harness._suites.clear()


def test_a_run_is_given_its_program_and_one_suite_and_nothing_that_depends_on_the_others():
    jobs = _jobs({"candidate": "# inspect, SortedList\n" + PLAIN, "anchor": PLAIN})
    (cand_bytes, (candidate, cand_program)) = jobs["candidate"]
    (anchor_bytes, (anchor, anchor_program)) = jobs["anchor"]
    assert anchor_program == PLAIN and cand_program.startswith("# inspect")
    assert candidate == anchor and candidate["tests"] == [[2]]
    assert "programs" not in candidate and "check_tests" not in candidate
    suite = 4 + int.from_bytes(cand_bytes[:4], "big")
    assert cand_bytes[:suite] == anchor_bytes[:suite]  # byte for byte
