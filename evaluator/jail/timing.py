"""CPU timing: every program again and again, in interleaved rounds, so drift hits all alike.

Round 0 (each program's first run, which the host checked) counts as the first round. Rounds stop
once the measured CPU reaches the budget (at least min_reps rounds, at most max_reps), or on a
wall-clock bound: code that sleeps spends no CPU but must not stretch the extra rounds.
"""

import time

WALL_BUDGET_FACTOR = 5


def time_rounds(request, names, report, run_program):
    timing = request["timing"]
    budget, min_reps, max_reps = timing["budget_s"], timing["min_reps"], timing["max_reps"]
    spent = sum(t for name in names for t in report[name]["times"])
    wall_deadline = time.monotonic() + budget * WALL_BUDGET_FACTOR
    rounds = 1
    while rounds < max_reps:
        order = names if rounds % 2 == 0 else list(reversed(names))
        for name in order:
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
        if rounds >= min_reps and (spent >= budget or time.monotonic() >= wall_deadline):
            break
