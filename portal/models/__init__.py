"""Database models, one module per domain; every model is importable from `portal.models`.

The verdict enum is `evaluator.verdicts.Verdict` (re-exported here): a Result stores its value.
"""

from evaluator.verdicts import Verdict
from portal.models.accounts import ApiToken, Profile
from portal.models.moderation import AuditLog, BatchStatus, Flag, ModerationAction, RejudgeBatch
from portal.models.submissions import Moderation, Result, Submission, SubmissionStatus, Weights
from portal.models.tasks import Calibration, Difficulty, Reference, Task, TestSuite

__all__ = [
    "ApiToken",
    "AuditLog",
    "BatchStatus",
    "Calibration",
    "Difficulty",
    "Flag",
    "Moderation",
    "ModerationAction",
    "Profile",
    "Reference",
    "RejudgeBatch",
    "Result",
    "Submission",
    "SubmissionStatus",
    "Task",
    "TestSuite",
    "Verdict",
    "Weights",
]
