"""An RQ worker process for tests/portal/test_api_live.py: the real judge, or the fake one.

Run as a script with the portal's environment; MERCURY_LIVE_FAKE_JUDGE=1 swaps in the fake
judge of tests/conftest.py (for hosts that cannot run the sandbox).
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

if os.environ.get("MERCURY_LIVE_FAKE_JUDGE") == "1":
    from portal import judging
    from tests.conftest import FakeJudge

    judge = FakeJudge()
    judging.calibrate_task = judge.calibrate_task  # type: ignore[assignment]
    judging.judge_sample = judge.judge_sample  # type: ignore[assignment]
    judging.judge_samples = judge.judge_samples  # type: ignore[assignment]
    judging.prepare_host = lambda: None  # type: ignore[assignment]

call_command("rqworker", "evaluate", "calibrate", "default", "--with-scheduler")
