"""The timing rounds' stopping rules (evaluator/jail/timing.py), on made-up runs: no jail."""

from __future__ import annotations

from dataclasses import dataclass

from evaluator.jail import timing

CALIBRATION = {"mode": "calibration", "tol": 0.01, "anchor_min_s": 0.005}
NEVER_SETTLES = {"mode": "sample", "lo": 0.5, "hi": 10.0, "tol": 0.0}


@dataclass
class FakeRun:
    seconds: float
    ok: bool = True
    digest: str = "d"


def _report(**times: list[float] | float) -> dict:
    """Each program's measured runs; a single number stands for three runs of that length."""
    runs = {n: ts if isinstance(ts, list) else [ts] * 3 for n, ts in times.items()}
    return {name: {"times": list(ts), "digests": ["d"] * len(ts)} for name, ts in runs.items()}


def test_calibration_ends_include_the_extremes_and_the_likely_anchor():
    report = _report(first=0.010, fastest=0.001, anchor=0.006, middle=0.050, slowest=0.500)
    ends = timing.end_references(report, list(report), CALIBRATION)
    assert ends == {"fastest", "anchor", "slowest"}


def test_calibration_middle_references_settle_on_a_looser_interval():
    # "middle" wanders by 2% of the range: settled as a middle reference, not as an end
    report = _report(first=0.1, fast=0.1, middle=[0.500, 0.520, 0.510], slow=1.0)
    states = timing.settled_references(report, list(report), CALIBRATION)
    assert states["middle"] and states["slow"]
    report["slow"]["times"] = [1.000, 1.020, 1.010]
    assert not timing.settled_references(report, list(report), CALIBRATION)["slow"]


def _timed(monkeypatch, wall_extra: dict[str, float], budget: float = 1.0) -> list[str]:
    """time_rounds over a candidate and an anchor whose runs take 1-3 ms of CPU (never settled)
    and wall_extra[name] more wall time each; returns the programs run, in order."""
    clock = {"now": 0.0}
    monkeypatch.setattr(timing.time, "monotonic", lambda: clock["now"])
    calls: list[str] = []

    def run_program(request, program):
        calls.append(program)
        spent = 0.001 * (1 + len(calls) % 3)
        clock["now"] += spent + wall_extra[program]
        return FakeRun(spent)

    names = ["candidate", "anchor"]
    report = _report(candidate=[0.001], anchor=[0.001])
    request = {
        "programs": {n: n for n in names},
        "timing": {"budget_s": budget, "min_reps": 3, "max_reps": 41, "stop": NEVER_SETTLES},
    }
    timing.time_rounds(request, names, report, run_program)
    return calls


def test_the_budget_charges_each_run_the_anchors_overhead(monkeypatch):
    cheap = _timed(monkeypatch, {"candidate": 0.0, "anchor": 0.0})
    costly = _timed(monkeypatch, {"candidate": 0.05, "anchor": 0.05})
    assert len(cheap) == 2 * 40  # CPU alone never reaches the budget: max_reps (41 rounds)
    assert 2 * 2 <= len(costly) < len(cheap) / 2  # 50 ms a run: the budget ends it


def test_a_candidate_cannot_shorten_its_rounds_by_wasting_wall_time(monkeypatch):
    """Only the anchor's runs set the per-run charge: a candidate that sleeps is not charged
    for it, so it cannot end its rounds (and its measurement) early that way."""
    assert len(_timed(monkeypatch, {"candidate": 0.05, "anchor": 0.0})) == 2 * 40
