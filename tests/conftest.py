"""Shared fixtures: test settings, the tiny test task, fake judging, users and submissions."""

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

TESTS_DIR = Path(__file__).resolve().parent
TEST_TASKS_DIR = TESTS_DIR / "portal" / "fixtures" / "tasks"
# Overridable so that two test runs on one machine (two checkouts) do not flush each other's jobs.
TEST_REDIS_URL = os.environ.get("MERCURY_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture(scope="session", autouse=True)
def _no_static_root() -> Iterator[None]:
    """Static files come from the finders in tests: no STATIC_ROOT (WhiteNoise would warn)."""
    from django.test import override_settings

    override = override_settings(STATIC_ROOT=None)
    override.enable()
    yield
    override.disable()


@pytest.fixture(autouse=True)
def _portal_settings(settings: Any) -> None:
    """No manifest for static files, the test tasks, no quotas, a separate Redis database, fast
    hashing."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MERCURY_TASKS_DIR = TEST_TASKS_DIR
    # Per-user quotas are off unless a test sets them (tests/portal/test_quotas.py).
    settings.MERCURY_SUBMISSIONS_PER_DAY = 0
    settings.MERCURY_MAX_QUEUED_PER_USER = 0
    settings.RQ_QUEUES = {
        name: {"URL": TEST_REDIS_URL, "DEFAULT_TIMEOUT": 600}
        for name in ("evaluate", "calibrate", "default")
    }
    # Password hashing is slow on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _page_cache(settings: Any) -> None:
    """The page cache in local memory, empty at the start of every test."""
    from django.core.cache import cache

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "mercury-tests",
        }
    }
    cache.clear()


@pytest.fixture
def tiny_task(db: None) -> Any:
    """The test-only task `tiny-sum` (Easy), loaded from tests/portal/fixtures/tasks with its files."""
    from portal.models import Task
    from portal.services.tasks import task_load_from_fixtures

    task_load_from_fixtures(path=TEST_TASKS_DIR)
    return Task.objects.get(slug="tiny-sum")


@pytest.fixture
def make_task(db: None) -> Callable[..., Any]:
    """Create a task row (with a one-case suite and two references) without any files."""
    from portal.models import Reference, Task, TestSuite

    counter = iter(range(1, 10_000))

    def make(slug: str | None = None, difficulty: str = "Easy", **fields: Any) -> Task:
        number = next(counter)
        slug = slug or f"task-{number}"
        task = Task.objects.create(
            slug=slug,
            lc_id=fields.pop("lc_id", number),
            title=fields.pop("title", slug.replace("-", " ").title()),
            difficulty=difficulty,
            entry_point="solve",
            description=fields.pop("description", "Return **x**."),
            prompt="class Solution:\n    def solve(self, x: int) -> int:\n        ",
            params=["int"],
            returns="int",
            canonical="direct",
            fingerprint=fields.pop("fingerprint", f"fp-{slug}"),
            **fields,
        )
        TestSuite.objects.create(task=task, small=[{"input": [1], "expected": 1}], large=[])
        for name in ("direct", "slow"):
            Reference.objects.create(
                task=task,
                name=name,
                source="class Solution:\n    def solve(self, x):\n        return x\n",
            )
        return task

    return make


def sandbox_works() -> bool:
    """Whether this host can judge in the real nsjail sandbox (root, prepared host)."""
    if os.geteuid() != 0:
        return False
    try:
        from evaluator.sandbox import prepare_host

        prepare_host()
    except Exception:  # noqa: BLE001 - any failure means: use the fake judge
        return False
    return True


class FakeJudge:
    """Stands in for the sandbox: the completion's text decides the verdict."""

    def __init__(self) -> None:
        self.calibrations: list[str] = []
        self.judged: list[str] = []
        self.together: list[int] = []  # the size of every judge_samples call
        self.internal_errors_left = 0

    def calibrate_task(self, task: Any, **kwargs: Any) -> Any:
        from evaluator.host import HARNESS_VERSION, host_fingerprint
        from evaluator.judge import Calibration

        self.calibrations.append(task.slug)
        return Calibration(
            task_slug=task.slug,
            task_fingerprint=task.fingerprint,
            harness_version=HARNESS_VERSION,
            host=host_fingerprint(),
            anchor="direct",
            anchor_seconds=0.010,
            ratios={"direct": 1.0, "slow": 4.0},
            check_seconds=0.05,
            timed_seconds=0.04,
            rounds=5,
        )

    def judge_samples(
        self, samples: list[tuple[Any, str, Any]], on_result: Callable[[int, Any], None]
    ) -> list[Any]:
        # Each through judging.judge_sample (this fake's, or one a test put there in its place).
        from portal import judging

        self.together.append(len(samples))
        results = []
        for index, sample in enumerate(samples):
            results.append(judging.judge_sample(*sample))
            on_result(index, results[-1])
        return results

    def judge_sample(self, task: Any, code: str, calibration: Any, **kwargs: Any) -> Any:
        from evaluator.judge import SampleResult, Verdict

        self.judged.append(code)
        if "FLAKY" in code and self.internal_errors_left:
            self.internal_errors_left -= 1
            return SampleResult(Verdict.INTERNAL_ERROR, diagnostic="jail failed to start")
        if "BROKEN" in code:
            return SampleResult(Verdict.INTERNAL_ERROR, diagnostic="jail failed to start")
        if "TIMEOUT" in code:
            return SampleResult(
                Verdict.TIMEOUT, diagnostic="sandbox: timeout", tests_passed=0, tests_total=1
            )
        if "WRONG" in code:
            return SampleResult(
                Verdict.WRONG_ANSWER,
                diagnostic="test 1: expected 1, got 2",
                tests_passed=0,
                tests_total=1,
            )
        # "FAST" beats every reference, otherwise it sits between the two.
        runtime = 0.005 if "FAST" in code else 0.025
        beyond = 1.0 if "FAST" in code else 0.5
        return SampleResult(
            Verdict.PASSED,
            runtime_s=runtime,
            beyond=beyond,
            percentile=100.0 if "FAST" in code else 50.0,
            tests_passed=1,
            tests_total=1,
        )


@pytest.fixture
def fake_judge(monkeypatch: pytest.MonkeyPatch) -> FakeJudge:
    """Replace calibration, judging and host preparation in the portal's one bridge to the judge."""
    from portal import judging

    judge = FakeJudge()
    monkeypatch.setattr(judging, "calibrate_task", judge.calibrate_task)
    monkeypatch.setattr(judging, "judge_sample", judge.judge_sample)
    monkeypatch.setattr(judging, "judge_samples", judge.judge_samples)
    monkeypatch.setattr(judging, "prepare_host", lambda: None)
    return judge


@pytest.fixture
def evaluate() -> Iterator[Callable[[int], Any]]:
    """Judge a submission as production does: its chunk jobs, run by RQ's synchronous queue.

    Returns the submission afterwards. Only these jobs run synchronously: other enqueues in
    the test wait in the test Redis database as before. The judge is whatever
    `portal.judging` holds (take `fake_judge` for the fake).
    """
    from django.test import override_settings

    from portal.models import Submission
    from portal.services.evaluation import submission_enqueue_evaluation

    def run(submission_id: int) -> Any:
        with override_settings(RQ_QUEUES=_SYNC_QUEUES):
            submission_enqueue_evaluation(submission_id=submission_id)
        return Submission.objects.get(pk=submission_id)

    yield run
    import django_rq

    with override_settings(RQ_QUEUES=_SYNC_QUEUES):
        django_rq.get_connection("evaluate").flushdb()


def _jsonl(*rows: dict[str, Any] | str) -> bytes:
    """A JSONL file from dicts (or raw lines, kept as they are)."""
    return (
        "\n".join(row if isinstance(row, str) else json.dumps(row) for row in rows) + "\n"
    ).encode()


def _upload_file(data: bytes, name: str = "completions.jsonl") -> SimpleUploadedFile:
    """An uploaded file as a view or service receives it."""
    return SimpleUploadedFile(name, data, content_type="application/jsonl")


@pytest.fixture
def jsonl() -> Callable[..., bytes]:
    """Build a JSONL file: `jsonl({"task_id": ..., "completion": ...}, "raw line", ...)`."""
    return _jsonl


@pytest.fixture
def upload_file() -> Callable[..., SimpleUploadedFile]:
    """Wrap bytes as an uploaded file."""
    return _upload_file


@pytest.fixture
def create_submission(db: None) -> Callable[..., Any]:
    """Create a submission through the service (its enqueue waits for a commit that never comes)."""
    from portal.services.submissions import submission_create

    def create(
        rows: list[dict[str, Any]],
        model_name: str = "test-model",
        user: Any = None,
        moderation: str = "approved",
        **metadata: Any,
    ) -> Any:
        # Tests reuse the same few completions under many names: duplicates are allowed here
        # and tested on their own. Entries are public unless a test asks otherwise.
        from portal.models import Submission
        from portal.services.submissions import SubmissionMetadata

        submission = submission_create(
            user=user,
            model_name=model_name,
            upload=_upload_file(_jsonl(*rows)),
            metadata=SubmissionMetadata(**metadata),
            allow_duplicate=True,
        )
        Submission.objects.filter(pk=submission.pk).update(moderation=moderation)
        submission.moderation = moderation
        return submission

    return create


_SYNC_QUEUES = {
    name: {"URL": TEST_REDIS_URL, "DEFAULT_TIMEOUT": 600, "ASYNC": False}
    for name in ("evaluate", "calibrate", "default")
}


@pytest.fixture
def rq_sync(settings: Any) -> Iterator[None]:
    """Run enqueued jobs inline (RQ's synchronous mode) against the test Redis database."""
    settings.RQ_QUEUES = _SYNC_QUEUES
    yield
    import django_rq

    django_rq.get_connection("evaluate").flushdb()


@pytest.fixture
def uploader(db: None) -> Any:
    """A signed-in submitter whose entries are approved on upload (a trusted user)."""
    from django.contrib.auth import get_user_model

    from portal.models import Profile

    user = get_user_model().objects.create_user(
        "uploader", email="uploader@example.org", password="uploader-password-1"
    )
    Profile.objects.create(user=user, trusted=True)
    return user


@pytest.fixture
def uploader_client(client: Any, uploader: Any) -> Any:
    """The test client, signed in as `uploader`."""
    client.force_login(uploader)
    return client
