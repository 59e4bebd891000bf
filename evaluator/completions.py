"""Completions files: parse JSONL of {"task_id", "completion"} lines, reporting every bad line."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field

FENCE = re.compile(r"```[ \t]*(?:python3?|py)?[ \t]*\n(.*?)```", re.DOTALL | re.IGNORECASE)
MAX_DEPTH = 20


@dataclass(frozen=True)
class Sample:
    """One completion for one task."""

    task_id: str
    index: int
    code: str
    line: int


@dataclass(frozen=True)
class LineError:
    """Why one line (0: the whole file) cannot be used."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class ParsedCompletions:
    """Every usable sample and every error, with line numbers."""

    samples: list[Sample] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.samples)

    @property
    def task_ids(self) -> list[str]:
        return sorted({s.task_id for s in self.samples})


def unwrap_code(text: str) -> str:
    """The code of a completion: the first python fence if there is one, else the text."""
    if "```" in text:
        blocks = FENCE.findall(text)
        python = [b for b in blocks if "class Solution" in b]
        if python:
            return python[0]
        if blocks:
            return blocks[0]
    return text


def _depth(value: object, level: int = 0) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def _lone(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def parse_completions(
    data: bytes,
    *,
    known_tasks: Collection[str] | None = None,
    max_bytes: int = 50 * 2**20,
    max_samples_per_task: int = 20,
    max_code_bytes: int = 100_000,
    max_errors: int = 200,
) -> ParsedCompletions:
    """Parse a completions file; every unusable line becomes a LineError, nothing is guessed."""
    result = ParsedCompletions()
    if len(data) > max_bytes:
        result.errors.append(
            LineError(0, f"the file is {len(data):,} bytes; the limit is {max_bytes:,} bytes")
        )
        return result
    if b"\x00" in data:
        result.errors.append(LineError(0, "the file contains NUL bytes: it is not a text file"))
        return result
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        result.errors.append(LineError(line, "not valid UTF-8 text"))
        return result
    counts: Counter[str] = Counter()
    for number, raw in enumerate(text.splitlines(), start=1):
        if len(result.errors) >= max_errors:
            result.errors.append(LineError(0, f"more than {max_errors} errors; stopped reading"))
            break
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            result.errors.append(LineError(number, f"not valid JSON ({exc})"[:200]))
            continue
        if not isinstance(obj, dict):
            result.errors.append(LineError(number, "expected a JSON object"))
            continue
        if _depth(obj) > MAX_DEPTH:
            result.errors.append(LineError(number, "the object is nested too deeply"))
            continue
        task_id = obj.get("task_id")
        if not isinstance(task_id, str) or not task_id.strip():
            result.errors.append(LineError(number, 'missing "task_id" (a task slug string)'))
            continue
        task_id = task_id.strip()
        code = obj.get("completion", obj.get("solution"))
        if code is None:
            result.errors.append(LineError(number, 'missing "completion" (or "solution")'))
            continue
        if not isinstance(code, str):
            result.errors.append(LineError(number, '"completion" must be a string'))
            continue
        # JSON may escape a lone surrogate (\ud800), which no UTF-8 text or database can hold.
        bad = [name for name, text in (("task_id", task_id), ("completion", code)) if _lone(text)]
        if bad:
            result.errors.append(
                LineError(number, f'"{bad[0]}" holds a lone surrogate escape: not valid Unicode')
            )
            continue
        if known_tasks is not None and task_id not in known_tasks:
            result.errors.append(LineError(number, f"unknown task_id {task_id[:100]!r}"))
            continue
        code = unwrap_code(code)
        if len(code.encode()) > max_code_bytes:
            result.errors.append(
                LineError(number, f"the completion is longer than {max_code_bytes:,} bytes")
            )
            continue
        if counts[task_id] >= max_samples_per_task:
            result.errors.append(
                LineError(number, f"more than {max_samples_per_task} samples for task {task_id!r}")
            )
            continue
        result.samples.append(Sample(task_id, counts[task_id], code, number))
        counts[task_id] += 1
    if not result.samples and not result.errors:
        result.errors.append(LineError(0, "the file has no completions"))
    return result
