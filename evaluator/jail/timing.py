"""CPU timing: every program again and again, in interleaved rounds, so drift hits all alike.

Round 0 (each program's first run, which the host checked) counts as the first round. Rounds stop
at max_reps; after SETTLED_MIN_REPS once a sample is settled (below); after min_reps once one
of these holds:
- the rounds' cost reaches the budget: the measured CPU of every run, plus for each run the
  cost of starting, feeding and ending it (its wall time beyond its measured CPU), taken from
  the trusted programs' runs (a sample's anchor, every reference of a calibration) and charged
  alike to every run, so a program cannot stretch or shorten it; for tasks whose inputs take
  long to build (large trees and lists) that is most of the cost;
- a wall-clock bound passes (code that sleeps spends no CPU but must not stretch the rounds);
- the result is settled (timing["stop"]): for a sample, the 95% interval of its median ratio to
  the anchor moves Beyond by less than `tol` (a runtime far outside the references' range, or a
  tight interval, settles early); for a calibration, the fastest and the slowest reference's
  intervals are narrower than `tol` of the references' range (they bound every Beyond) and the
  others' narrower than MIDDLE_TOL_FACTOR times that (they only place a sample among the
  references). A reference settled in a calibration is not run again (the first, every ratio's
  denominator, always is): the unsettled ones go on, in fewer runs.
"""

import math
import time

WALL_BUDGET_FACTOR = 5
MIDDLE_TOL_FACTOR = 3
# A sample whose first two ratios agree (settled) needs no third round (see settled); one that
# stops on the budget has min_reps, so that a single disturbed run cannot move its median.
SETTLED_MIN_REPS = 2
TWO_ROUND_SPREAD = 1.1


def median_interval(values):
    """A distribution-free 95% interval of the median: order statistics around the middle."""
    ordered = sorted(values)
    n = len(ordered)
    k = max(0, math.floor((n - 1.96 * math.sqrt(n)) / 2))
    return ordered[k], ordered[n - 1 - k]


def _median(values):
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def _ratios(times, anchor):
    return [t / a for t, a in zip(times, anchor, strict=False) if a > 0]


def _beyond(ratio, lo, hi):
    return (hi - min(max(ratio, lo), hi)) / (hi - lo)


def settled(report, names, stop):
    """For a sample: True once more rounds would not change its Beyond by more than stop["tol"].
    (A calibration's rule is settled_references.) After two rounds the interval is the two
    ratios themselves, and the median of any third lies between them: stopping there moves
    Beyond by at most `tol` from what a third round would give. Two rounds must also agree
    within TWO_ROUND_SPREAD of each other: where the references spread widely, `tol` alone
    accepted a pair with one disturbed run (a 40% slow anchor run), whose mean the runtime and
    the percentile shown would carry; a third round's median leaves such a run out."""
    if stop.get("mode") != "sample":
        return False
    lo, hi = stop["lo"], stop["hi"]
    ratios = _ratios(report[names[0]]["times"], report[names[1]]["times"])
    if hi <= lo or len(ratios) < 2:
        return False
    low, high = median_interval(ratios)
    if len(ratios) == 2 and high > low * TWO_ROUND_SPREAD:
        return False
    return _beyond(low, lo, hi) - _beyond(high, lo, hi) <= stop.get("tol", 0.0)


def settled_references(report, names, stop):
    """For a calibration: which references' medians (as ratios to the first) are settled: their
    95% interval narrower than stop["tol"] of the references' range (the ends, end_references),
    or MIDDLE_TOL_FACTOR times that (the others)."""
    return _calibration_state(report, names, stop)[0]


ANCHOR_MARGIN = 1.25


def anchor_choice(medians, floor, low):
    """The reference a sample is timed beside (every ratio is divided by its times): the fastest
    whose median is at least `floor`, so that its runs are long enough to time well, unless the
    slowest between `low` and `floor` is nearer to `floor` as a ratio (a task with one quadratic
    reference among 2-4 ms ones would otherwise time every sample beside its 100-300 ms runs);
    with none at or above `floor`, the slowest."""
    ordered = sorted(medians, key=medians.get)
    above = [n for n in ordered if medians[n] >= floor]
    if not above:
        return ordered[-1]
    below = [n for n in ordered if low <= medians[n] < floor]
    if below and floor / medians[below[-1]] < medians[above[0]] / floor:
        return below[-1]
    return above[0]


def end_references(report, names, stop):
    """The references a calibration needs most precisely: the fastest and the slowest (and any
    whose interval overlaps one of theirs: it could still turn out to be an end), and the
    likely anchor (every ratio is divided by its own: anchor_choice over the medians so far) and
    any within ANCHOR_MARGIN of it."""
    return _calibration_state(report, names, stop)[1]


def _calibration_state(report, names, stop):
    """(which references are settled, which are ends), from one pass over the times."""
    base = report[names[0]]["times"]
    intervals = {n: median_interval(_ratios(report[n]["times"], base)) for n in names}
    middles = {n: (a + b) / 2 for n, (a, b) in intervals.items()}
    lo = intervals[min(middles, key=middles.get)]
    hi = intervals[max(middles, key=middles.get)]
    ends = {n for n, (a, b) in intervals.items() if a <= lo[1] or b >= hi[0]}
    medians = {n: _median(report[n]["times"]) for n in names}
    anchor = medians[
        anchor_choice(medians, stop.get("anchor_min_s", 0.0), stop.get("anchor_low_s", 0.0))
    ]
    ends.update(
        n for n, t in medians.items() if anchor / ANCHOR_MARGIN <= t <= anchor * ANCHOR_MARGIN
    )
    width = stop.get("tol", 0.0) * (max(middles.values()) - min(middles.values()))
    states = {
        n: width > 0 and b - a <= width * (1 if n in ends else MIDDLE_TOL_FACTOR)
        for n, (a, b) in intervals.items()
    }
    return states, ends


def time_rounds(request, names, report, run_program):
    timing = request["timing"]
    budget, min_reps, max_reps = timing["budget_s"], timing["min_reps"], timing["max_reps"]
    stop = timing.get("stop") or {}
    calibration = stop.get("mode") == "calibration"
    spent = sum(t for name in names for t in report[name]["times"])
    wall_deadline = time.monotonic() + budget * WALL_BUDGET_FACTOR
    # A sample's first program is the candidate: only the others' runs tell the per-run cost.
    trusted = set(names[1:] if stop.get("mode") == "sample" else names)
    overheads, charge = [], 0.0
    rounds = 1
    done = set()  # calibration: references already settled are not run again
    while rounds < max_reps:
        order = names if rounds % 2 == 0 else list(reversed(names))
        for name in order:
            if name in done:
                continue
            started = time.monotonic()
            run = run_program(request, request["programs"][name])
            entry = report[name]
            if not run.ok:
                failure = run.failure or (run.result["status"], run.result.get("error", ""))
                entry["time_error"] = {"status": failure[0], "error": failure[1]}
                return
            entry["times"].append(run.seconds)
            entry["digests"].append(run.digest)
            if name in trusted:
                overheads.append(max(0.0, time.monotonic() - started - run.seconds))
                charge = _median(overheads)
            spent += run.seconds + charge
        rounds += 1
        if calibration:
            # The first reference is every ratio's denominator: it runs in every round. The
            # others stop once settled: the ends after min_reps runs, the middle ones after two.
            states, ends = _calibration_state(report, names, stop)
            done.update(n for n in names[1:] if states[n] and (rounds >= min_reps or n not in ends))
            if rounds >= min_reps and all(states.values()):
                break
        if not calibration and rounds >= SETTLED_MIN_REPS and settled(report, names, stop):
            break
        if rounds < min_reps:
            continue
        if spent >= budget or time.monotonic() >= wall_deadline:
            break
