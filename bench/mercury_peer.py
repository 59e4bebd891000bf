"""One shard of the peer run in bench/throughput.py: Mercury's own harness, run unchanged.

    <peer venv>/bin/python bench/mercury_peer.py CHECKOUT ROWS.jsonl SHARD SHARDS

CHECKOUT is a checkout of github.com/Elfsong/Mercury; its `src/sandbox.py` is imported as it is
(it needs tqdm, and its runs import lctk and sortedcontainers: the peer venv holds them). ROWS is
our task set in Mercury's schema (`python -m evaluator export-mercury`), each row with a
"completion" added. This shard takes rows SHARD, SHARD + SHARDS, ... and does for each what
Mercury's `DistributeWiseEvaluator.evaluate` does for one sample of a task: every historical
solution through `Sandbox.run_sample` (the runtime range), then the sample, then Beyond. No
timing of ours is involved: the caller times the shards' wall clock. Prints one JSON line a row.
"""

from __future__ import annotations

import json
import sys


def main() -> int:
    checkout, rows_path = sys.argv[1], sys.argv[2]
    shard, shards = int(sys.argv[3]), int(sys.argv[4])
    sys.path.insert(0, checkout)
    from src.sandbox import Sandbox  # Mercury's harness, unchanged

    sandbox = Sandbox()
    with open(rows_path, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    for row in rows[shard::shards]:
        tests = json.loads(row["test_cases"])

        def sample(code: str, index: int, row: dict = row, tests: list = tests) -> dict:
            return {
                "solution": code,
                "convert_offline": row["convert_offline"],
                "evaluate_offline": row["evaluate_offline"],
                "entry_point": row["entry_point"],
                "test_cases": tests,
                "solution_index": index,
                "timeout": 30,
            }

        runtimes, failed = [], 0
        for index, reference in enumerate(row["solutions"]):
            result = sandbox.run_sample(sample(reference["solution"], index))
            if result["result"] == "passed":
                runtimes.append(result["runtime"])
            else:
                failed += 1
        result = sandbox.run_sample(sample(row["completion"], 0))
        beyond = None
        if runtimes and max(runtimes) > min(runtimes):
            runtime = result["runtime"] if result["result"] == "passed" else float("inf")
            lo, hi = min(runtimes), max(runtimes)
            beyond = (hi - min(max(runtime, lo), hi)) / (hi - lo)
        line = {
            "slug": row["slug_name"],
            "result": result["result"],
            "references_failed": failed,
            "beyond": beyond,
        }
        print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
