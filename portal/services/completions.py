"""Reading an uploaded completions file against the task set: for an upload and for a check."""

from dataclasses import dataclass

from django.conf import settings

from evaluator.completions import ParsedCompletions, parse_completions
from portal.models import Task


@dataclass(frozen=True)
class CompletionsCheck:
    """What a file would submit: its format, samples, coverage and every unusable sample."""

    format: str
    summary: str
    samples: int
    tasks: int
    tasks_total: int
    joined: int
    errors: list[str]

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def missing_tasks(self) -> int:
        return self.tasks_total - self.tasks

    def as_dict(self) -> dict[str, object]:
        """JSON-ready, for the API."""
        return {
            "valid": self.valid,
            "format": self.format,
            "summary": self.summary,
            "samples": self.samples,
            "tasks": self.tasks,
            "tasks_total": self.tasks_total,
            "missing_tasks": self.missing_tasks,
            "joined": self.joined,
            "errors": self.errors,
        }


def completions_parse(*, data: bytes) -> tuple[ParsedCompletions, list[str]]:
    """Parse a file against the current tasks (method bodies joined to their starter code);
    the parse and every error as a message."""
    prompts = dict(Task.objects.values_list("slug", "prompt"))
    parsed = parse_completions(
        data,
        known_tasks=set(prompts),
        prompts=prompts,
        max_bytes=settings.MERCURY_MAX_UPLOAD_BYTES,
        max_samples_per_task=settings.MERCURY_MAX_SAMPLES_PER_TASK,
    )
    errors = [str(error) for error in parsed.errors]
    # PostgreSQL text cannot hold NUL, which a JSON string may encode as \u0000.
    errors += [
        f"{f'line {sample.line}' if sample.line else f'task {sample.task_id!r}, sample {sample.index + 1}'}"
        ": the completion contains a NUL character"
        for sample in parsed.samples
        if "\x00" in sample.code
    ]
    return parsed, errors


def completions_check(*, data: bytes) -> CompletionsCheck:
    """Check a file as an upload would, storing nothing and using no quota."""
    parsed, errors = completions_parse(data=data)
    return CompletionsCheck(
        format=parsed.format,
        summary=parsed.summary,
        samples=len(parsed.samples),
        tasks=len(parsed.task_ids),
        tasks_total=Task.objects.count(),
        joined=parsed.joined,
        errors=errors,
    )
