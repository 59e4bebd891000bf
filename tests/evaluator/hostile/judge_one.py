"""Judge one completion in a process of its own, so that a test can bound the judge and kill it.

Reads a JSON job on stdin (tasks folder, slug, code, calibration, timing, measure) and writes
the SampleResult as JSON on stdout; an exception escaping judge_sample is written as "raised".
A job with "codes" instead of "code" judges them all with judge_samples (several to a jail)
and writes the list of results.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from evaluator.judge import Calibration, judge_sample, judge_samples
from evaluator.tasks import load_tasks


def main() -> None:
    job = json.loads(sys.stdin.read())
    task = load_tasks(Path(job["tasks"]))[job["slug"]]
    calibration = Calibration.from_dict(job["calibration"])
    options = {"timing": job["timing"], "measure": job["measure"]}
    try:
        if "codes" in job:
            items = [(task, code, calibration) for code in job["codes"]]
            results = [r.to_dict() for r in judge_samples(items, **options)]
            sys.stdout.write(json.dumps(results))
            return
        result = judge_sample(task, job["code"], calibration, **options)
    except Exception as exc:  # noqa: BLE001 - the test reports what escaped the judge
        sys.stdout.write(json.dumps({"raised": f"{type(exc).__name__}: {exc}"[:2000]}))
        return
    sys.stdout.write(json.dumps(result.to_dict()))


if __name__ == "__main__":
    main()
