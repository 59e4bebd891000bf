"""CPU timing: every program again and again, in interleaved rounds, so drift hits all alike.

Round 0 (each program's first run, which the host checked) counts as the first round. Rounds stop
at max_reps, or after min_reps once one of these holds:
- the measured CPU reaches the budget;
- a wall-clock bound passes (code that sleeps spends no CPU but must not stretch the rounds);
- the result is settled (timing["stop"]): for a sample, the 95% interval of its median ratio to
  the anchor moves Beyond by less than `tol` (a runtime far outside the references' range, or a
  tight interval, settles early); for a calibration, every reference's interval is narrower than
  `tol` of the references' range. A reference settled in a calibration is not run again (the
  first, every ratio's denominator, always is): the unsettled ones go on, in fewer runs.
"""

import math
import time

WALL_BUDGET_FACTOR = 5


def median_interval(values):
    """A distribution-free 95% interval of the median: order statistics around the middle."""
    ordered = sorted(values)
    n = len(ordered)
    k = max(0, math.floor((n - 1.96 * math.sqrt(n)) / 2))
    return ordered[k], ordered[n - 1 - k]


def _ratios(times, anchor):
    return [t / a for t, a in zip(times, anchor, strict=False) if a > 0]


def _beyond(ratio, lo, hi):
    return (hi - min(max(ratio, lo), hi)) / (hi - lo)


def settled(report, names, stop):
    """True once more rounds would not change the result by more than stop["tol"]."""
    tol = stop.get("tol", 0.0)
    if stop.get("mode") == "sample":
        lo, hi = stop["lo"], stop["hi"]
        ratios = _ratios(report[names[0]]["times"], report[names[1]]["times"])
        if hi <= lo or len(ratios) < 3:
            return False
        low, high = median_interval(ratios)
        return _beyond(low, lo, hi) - _beyond(high, lo, hi) <= tol
    if stop.get("mode") == "calibration":
        return all(settled_references(report, names, stop).values())
    return False


def settled_references(report, names, stop):
    """For a calibration: which references' medians (as ratios to the first) are settled: their
    95% interval narrower than stop["tol"] of the references' range."""
    tol = stop.get("tol", 0.0)
    base = report[names[0]]["times"]
    intervals = {n: median_interval(_ratios(report[n]["times"], base)) for n in names}
    middles = [(a + b) / 2 for a, b in intervals.values()]
    spread = max(middles) - min(middles)
    return {n: spread > 0 and b - a <= tol * spread for n, (a, b) in intervals.items()}


def time_rounds(request, names, report, run_program):
    timing = request["timing"]
    budget, min_reps, max_reps = timing["budget_s"], timing["min_reps"], timing["max_reps"]
    stop = timing.get("stop") or {}
    spent = sum(t for name in names for t in report[name]["times"])
    wall_deadline = time.monotonic() + budget * WALL_BUDGET_FACTOR
    rounds = 1
    done = set()  # calibration: references already settled are not run again
    while rounds < max_reps:
        order = names if rounds % 2 == 0 else list(reversed(names))
        for name in order:
            if name in done:
                continue
            run = run_program(request, request["programs"][name])
            entry = report[name]
            if not run.ok:
                failure = run.failure or (run.result["status"], run.result.get("error", ""))
                entry["time_error"] = {"status": failure[0], "error": failure[1]}
                return
            entry["times"].append(run.seconds)
            entry["digests"].append(run.digest)
            spent += run.seconds
        rounds += 1
        if rounds < min_reps:
            continue
        if spent >= budget or time.monotonic() >= wall_deadline or settled(report, names, stop):
            break
        if stop.get("mode") == "calibration":
            # The first reference is every ratio's denominator: it runs in every round.
            states = settled_references(report, names, stop)
            done.update(name for name in names[1:] if states[name])
