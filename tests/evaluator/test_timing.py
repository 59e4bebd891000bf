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


def test_the_anchor_is_the_fastest_long_enough_reference_unless_one_just_short_is_nearer():
    def pick(**ms: float) -> str:
        return timing.anchor_choice({n: t / 1000 for n, t in ms.items()}, 0.005, 0.002)

    assert pick(a=1.0, b=6.0, c=300.0) == "b"
    # one quadratic reference among 2-4 ms ones: not every sample beside its 270 ms runs
    assert pick(a=1.9, b=4.5, c=274.0) == "b"
    assert pick(a=2.5, b=9.0) == "b"  # 9 ms is nearer 5 ms than 2.5 ms is
    assert pick(a=1.0, b=1.5, c=160.0) == "c"  # nothing of at least 2 ms below it
    assert pick(a=0.3, b=0.9) == "b"  # none long enough: the slowest
    report = _report(first=0.010, fast=0.002, near=0.0045, slow=0.274)
    assert "near" in timing.end_references(
        report, list(report), dict(CALIBRATION, anchor_low_s=0.002)
    )


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


def test_a_sample_settles_after_two_rounds_only_when_they_agree():
    stop = {"mode": "sample", "lo": 0.5, "hi": 10.0, "tol": 0.01}
    agree = _report(candidate=[0.0100, 0.0102], anchor=[0.0050, 0.0050])  # ratios 2.00, 2.04
    assert timing.settled(agree, ["candidate", "anchor"], stop)
    apart = _report(candidate=[0.0100, 0.0150], anchor=[0.0050, 0.0050])  # 2.0 and 3.0
    assert not timing.settled(apart, ["candidate", "anchor"], stop)
    far = _report(candidate=[0.200, 0.210], anchor=[0.005, 0.005])  # both past the slowest: 0
    assert timing.settled(far, ["candidate", "anchor"], stop)
    # both give Beyond 0, but one anchor run was disturbed: the pair's mean would be 20% off
    disturbed = _report(candidate=[0.200, 0.200], anchor=[0.005, 0.006])
    assert not timing.settled(disturbed, ["candidate", "anchor"], stop)
    assert not timing.settled(
        _report(candidate=[0.01], anchor=[0.005]), ["candidate", "anchor"], stop
    )


def test_rounds_stop_at_two_when_settled_and_at_min_reps_on_the_budget():
    def rounds(times: dict[str, float], budget: float) -> int:
        report = _report(candidate=[times["candidate"]], anchor=[times["anchor"]])
        request = {
            "programs": {"candidate": "candidate", "anchor": "anchor"},
            "timing": {
                "budget_s": budget,
                "min_reps": 3,
                "max_reps": 9,
                "stop": {"mode": "sample", "lo": 0.5, "hi": 10.0, "tol": 0.01},
            },
        }
        timing.time_rounds(request, ["candidate", "anchor"], report, lambda r, p: FakeRun(times[p]))
        return len(report["candidate"]["times"])

    assert rounds({"candidate": 0.010, "anchor": 0.005}, budget=100) == 2  # the same ratio twice
    noisy = iter([0.010, 0.005, 0.005, 0.015] * 5)  # ratios 2, then 0.5, then 1/3: never agree
    report = _report(candidate=[0.010], anchor=[0.005])
    request = {
        "programs": {"candidate": "candidate", "anchor": "anchor"},
        "timing": {
            "budget_s": 0.0,  # spent at once: min_reps, as the ratios disagree
            "min_reps": 3,
            "max_reps": 9,
            "stop": {"mode": "sample", "lo": 0.5, "hi": 10.0, "tol": 0.01},
        },
    }
    timing.time_rounds(request, ["candidate", "anchor"], report, lambda r, p: FakeRun(next(noisy)))
    assert len(report["candidate"]["times"]) == 3
