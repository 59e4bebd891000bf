"""Submission writes: validate an upload, refuse duplicates and uploads over quota, store it."""

import hashlib
from dataclasses import asdict, dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from portal.models import Profile, Result, Submission, SubmissionStatus, Task, Weights
from portal.selectors import quota_for, submission_can_view
from portal.services.accounts import profile_of
from portal.services.completions import completions_parse
from portal.services.evaluation import evaluation_enqueue_on_commit
from portal.services.moderation import submission_auto_approve


class SubmissionInvalid(Exception):
    """The uploaded file cannot be used; `errors` are line-numbered messages."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


class UploadNotAllowed(Exception):
    """The user may not upload (for example, sign-in is required)."""


class UploadThrottled(Exception):
    """Too much work is waiting, or a quota is used up; try again in `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SubmissionDuplicate(Exception):
    """The same file, or the same model and version, was already submitted (`existing`)."""

    def __init__(self, message: str, existing: Submission | None) -> None:
        super().__init__(message)
        # None when the uploader may not see the earlier entry (another user's private one).
        self.existing = existing


@dataclass(frozen=True)
class SubmissionMetadata:
    """What the submitter says about the model and how the completions were generated."""

    model_version: str = ""
    link: str = ""
    parameters_b: float | None = None
    weights: str = Weights.UNKNOWN
    release_date: date | None = None
    temperature: float | None = None
    samples_per_task: int | None = None
    notes: str = ""


def submission_create(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    model_name: str,
    upload: UploadedFile,
    metadata: SubmissionMetadata | None = None,
    allow_duplicate: bool = False,
) -> Submission:
    """Validate an uploaded JSONL file and store it as a queued submission with its samples.

    On any unusable line nothing is stored and `SubmissionInvalid` carries every line's error;
    a file or a model and version already submitted raises `SubmissionDuplicate`.
    """
    metadata = metadata or SubmissionMetadata()
    # None is the system (commands, imports); a person must be signed in to own an entry.
    if user is not None and not user.is_authenticated:
        raise UploadNotAllowed("Sign in to upload completions.")
    _quota_check(user=user)
    limit = settings.MERCURY_MAX_ACTIVE_SUBMISSIONS
    active = Submission.objects.filter(
        status__in=[SubmissionStatus.QUEUED, SubmissionStatus.RUNNING]
    )
    if limit and active.count() >= limit:
        raise UploadThrottled(
            f"{limit} submissions are waiting or running; please try again later."
        )
    model_name = model_name.strip()
    if not model_name:
        raise SubmissionInvalid(["model name: this field is required"])
    max_bytes = settings.MERCURY_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > max_bytes:
        raise SubmissionInvalid([f"line 0: the file is larger than {max_bytes} bytes"])
    data = b"".join(upload.chunks())
    content_sha256 = hashlib.sha256(data).hexdigest()
    if not allow_duplicate:
        submission_check_duplicate(
            model_name=model_name,
            model_version=metadata.model_version.strip(),
            content_sha256=content_sha256,
            user=user,
        )
    tasks = {task.slug: task for task in Task.objects.only("pk", "slug")}
    parsed, errors = completions_parse(data=data)
    if errors:
        raise SubmissionInvalid(errors)
    if not parsed.samples:
        raise SubmissionInvalid(["line 0: the file holds no completions"])
    owner = user if user is not None and user.is_authenticated else None
    with transaction.atomic():
        _quota_check(user=owner, lock=True)
        submission = Submission.objects.create(
            user=owner,
            model_name=model_name,
            content_sha256=content_sha256,
            **{**asdict(metadata), "model_version": metadata.model_version.strip()},
            progress_total=len(parsed.samples),
            n_samples=len(parsed.samples),
            n_tasks=len({sample.task_id for sample in parsed.samples}),
        )
        Result.objects.bulk_create(
            Result(
                submission=submission,
                task=tasks[sample.task_id],
                sample=sample.index,
                line=sample.line,
                code=sample.code,
            )
            for sample in parsed.samples
        )
        submission_auto_approve(submission=submission)
        evaluation_enqueue_on_commit(submission_id=submission.pk)
    return submission


def _quota_check(*, user: AbstractBaseUser | AnonymousUser | None, lock: bool = False) -> None:
    """Raise `UploadThrottled` when the user's upload quota is used up (see `quota_for`).

    With `lock`, inside the transaction that stores the upload, the user's profile row is locked
    first, so two uploads of one user at once cannot both take the last place (on PostgreSQL;
    SQLite has no row locks).
    """
    if lock and user is not None and user.is_authenticated and not user.is_staff:
        profile_of(user=user)
        list(Profile.objects.select_for_update().filter(user=user).values_list("pk", flat=True))
    quota = quota_for(user=user)
    if quota.refusal:
        raise UploadThrottled(quota.refusal, retry_after=quota.retry_after_s)


def submission_check_duplicate(
    *,
    model_name: str,
    model_version: str,
    content_sha256: str,
    user: AbstractBaseUser | AnonymousUser | None = None,
) -> None:
    """Raise `SubmissionDuplicate` if this file, or this model and version, is already in.

    A submission that stopped with an error does not count: it may be submitted again. An
    earlier entry the uploader may not see (another user's, not public) is not named.
    """
    earlier = Submission.objects.exclude(status=SubmissionStatus.ERROR).order_by("pk")
    same_file = earlier.filter(content_sha256=content_sha256).first()
    if same_file is not None:
        if not submission_can_view(submission=same_file, user=user):
            raise SubmissionDuplicate("This file was already submitted by another account.", None)
        raise SubmissionDuplicate(
            f"This file was already submitted as #{same_file.pk} ({same_file.display_name}).",
            same_file,
        )
    same_model = earlier.filter(
        model_name__iexact=model_name, model_version__iexact=model_version
    ).first()
    if same_model is not None:
        what = f"{model_name} {model_version}".strip()
        visible = submission_can_view(submission=same_model, user=user)
        where = f" as #{same_model.pk}" if visible else " by another account"
        raise SubmissionDuplicate(
            f"{what} was already submitted{where}; give the new run a different "
            "version (for example the date or the generation settings).",
            same_model if visible else None,
        )
