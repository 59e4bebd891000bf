"""Completions files: our JSONL and the formats researchers already have, with every bad sample
reported.

Read as they are written by their tools:

- JSONL, one `{"task_id", "completion"}` (or `"solution"`) object a line: ours and EvalPlus's.
- Mercury's own `*_samples.json` (`{slug: [{"task_id", "completion"}, ...]}`) and `*_eval.json`
  (`{slug: [{"slug_name", "solution", "result", ...}, ...]}`).
- bigcode-evaluation-harness's `--save_generations` file for its `mercury` task: a JSON list with
  one list of generations per task, in the order of Mercury's eval split.

A sample that defines `class Solution` is used as it is. One that does not is only a method body
(many real generations are: the model continued the prompt). Where the file says it continues the
prompt (the `completion` field, as EvalPlus defines it, and bigcode's generations, which the
harness cuts after the prompt) it is joined to the task's starter code; where the file says it is
whole (`solution`) it is refused with that hint. Nothing else is guessed.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

FENCE = re.compile(r"```[ \t]*(?:python3?|py)?[ \t]*\n(.*?)```", re.DOTALL | re.IGNORECASE)
SOLUTION_CLASS = re.compile(r"^[ \t]*class[ \t]+Solution\b", re.MULTILINE)
MAX_DEPTH = 20
MERCURY_EVAL_ORDER_FILE = Path(__file__).with_name("mercury_eval_order.json")

# Formats, as named in messages.
JSONL = "JSONL (one {task_id, completion} object a line)"
MERCURY_SAMPLES = "Mercury's *_samples.json (task → samples)"
MERCURY_EVAL = "Mercury's *_eval.json (task → evaluated samples)"
BIGCODE = "bigcode-evaluation-harness generations (one list per task, in Mercury's eval order)"

CONTINUATION_HINT = (
    "it has no `class Solution`, only a method body; give the whole class, or send the code as "
    '"completion", which continues the task\'s prompt and is joined to its starter code'
)


@dataclass(frozen=True)
class Sample:
    """One completion for one task; `line` is its line in a JSONL file (0 in a JSON file)."""

    task_id: str
    index: int
    code: str
    line: int
    joined: bool = False


@dataclass(frozen=True)
class LineError:
    """Why one line (0: the whole file) or one sample of a JSON file cannot be used."""

    line: int
    message: str
    where: str = ""

    def __str__(self) -> str:
        if self.where:
            return f"{self.where}: {self.message}"
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class ParsedCompletions:
    """Every usable sample and every error, with where they are in the file."""

    samples: list[Sample] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    format: str = JSONL

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.samples)

    @property
    def task_ids(self) -> list[str]:
        return sorted({s.task_id for s in self.samples})

    @property
    def joined(self) -> int:
        """How many method bodies were joined to their task's starter code."""
        return sum(1 for s in self.samples if s.joined)

    @property
    def summary(self) -> str:
        """One sentence on what was read, for the person who uploaded the file."""
        tasks = len(self.task_ids)
        text = (
            f"Read as {self.format}: {len(self.samples)} sample{'s' if len(self.samples) != 1 else ''}"
            f" of {tasks} task{'s' if tasks != 1 else ''}"
        )
        if self.joined:
            text += (
                f"; {self.joined} method bod{'ies' if self.joined != 1 else 'y'} continuing the"
                " prompt joined to the task's starter code"
            )
        return text + "."


@cache
def mercury_eval_order() -> tuple[str, ...]:
    """The slugs of Mercury's eval split in the dataset's order (bigcode's generation order)."""
    return tuple(json.loads(MERCURY_EVAL_ORDER_FILE.read_text())["slugs"])


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


def join_to_prompt(starter: str, body: str) -> str:
    """The starter code followed by a method body that continues it.

    Starter code ends inside the method (`def f(self, ...):` then the body's indentation).
    Generators cut the continuation differently: some keep the first line's indentation, some
    strip it (Mercury's own samples do), so the first line is re-indented to the body's level.
    """
    head, _, indent = starter.rpartition("\n")
    if indent.strip():  # the starter ends with code, not with the body's indentation
        head, indent = starter, ""
    first, newline, rest = body.lstrip("\n").partition("\n")
    return f"{head}\n{indent}{first.lstrip()}{newline}{rest}"


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


@dataclass(frozen=True)
class _Raw:
    """One sample as the file holds it, before the common checks."""

    task_id: object
    code: object
    field: str  # "completion" (continues the prompt) or "solution" (whole code)
    line: int = 0
    where: str = ""
    error: str = ""


class _Reader:
    """The checks every format shares: task, type, size, samples per task, method bodies."""

    def __init__(
        self,
        *,
        known_tasks: Collection[str] | None,
        prompts: Mapping[str, str] | None,
        max_samples_per_task: int,
        max_code_bytes: int,
        max_errors: int,
    ) -> None:
        self.known_tasks = known_tasks
        self.prompts = prompts
        self.max_samples_per_task = max_samples_per_task
        self.max_code_bytes = max_code_bytes
        self.max_errors = max_errors
        self.result = ParsedCompletions()
        self.counts: Counter[str] = Counter()

    def full(self) -> bool:
        if len(self.result.errors) >= self.max_errors:
            self.result.errors.append(
                LineError(0, f"more than {self.max_errors} errors; stopped reading")
            )
            return True
        return False

    def error(self, raw: _Raw, message: str) -> None:
        self.result.errors.append(LineError(raw.line, message, raw.where))

    def add(self, raw: _Raw) -> None:
        if raw.error:
            return self.error(raw, raw.error)
        if not isinstance(raw.task_id, str) or not raw.task_id.strip():
            return self.error(raw, 'missing "task_id" (a task slug string)')
        task_id = raw.task_id.strip()
        code = raw.code
        if code is None:
            return self.error(raw, 'missing "completion" (or "solution")')
        if not isinstance(code, str):
            return self.error(raw, f'"{raw.field}" must be a string (the completion\'s code)')
        # JSON may escape a lone surrogate (\ud800), which no UTF-8 text or database can hold.
        bad = [name for name, text in (("task_id", task_id), (raw.field, code)) if _lone(text)]
        if bad:
            return self.error(raw, f'"{bad[0]}" holds a lone surrogate escape: not valid Unicode')
        if self.known_tasks is not None and task_id not in self.known_tasks:
            return self.error(raw, f"unknown task_id {task_id[:100]!r}")
        code = unwrap_code(code)
        if len(code.encode()) > self.max_code_bytes:
            return self.error(raw, f"the completion is longer than {self.max_code_bytes:,} bytes")
        joined = False
        if code.strip() and not SOLUTION_CLASS.search(code):
            starter = (self.prompts or {}).get(task_id)
            if raw.field != "completion" or starter is None:
                return self.error(raw, CONTINUATION_HINT)
            entry = re.search(r"def[ \t]+(\w+)[ \t]*\(", starter)
            if entry and re.search(rf"^def[ \t]+{entry.group(1)}[ \t]*\(", code, re.MULTILINE):
                return self.error(
                    raw,
                    f"it defines a function {entry.group(1)}() outside a class; "
                    "the task calls Solution()." + entry.group(1) + "(...): give the whole class",
                )
            code, joined = join_to_prompt(starter, code), True
        if self.counts[task_id] >= self.max_samples_per_task:
            return self.error(
                raw, f"more than {self.max_samples_per_task} samples for task {task_id!r}"
            )
        self.result.samples.append(Sample(task_id, self.counts[task_id], code, raw.line, joined))
        self.counts[task_id] += 1
        return None


def _jsonl(text: str) -> Iterator[_Raw]:
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            yield _Raw(None, None, "", number, error=f"not valid JSON ({exc})"[:200])
            continue
        if not isinstance(obj, dict):
            yield _Raw(None, None, "", number, error="expected a JSON object")
        elif _depth(obj) > MAX_DEPTH:
            yield _Raw(None, None, "", number, error="the object is nested too deeply")
        else:
            yield _record(obj, line=number)


def _record(obj: dict[str, Any], *, line: int = 0, where: str = "", task_id: object = None) -> _Raw:
    """A {task_id, completion | solution} object (Mercury's eval files say slug_name)."""
    if task_id is None:
        task_id = obj.get("task_id", obj.get("slug_name"))
    if "completion" in obj:
        return _Raw(task_id, obj["completion"], "completion", line, where)
    return _Raw(task_id, obj.get("solution"), "solution", line, where)


def _mercury(obj: dict[str, Any]) -> tuple[str, Iterator[_Raw]]:
    """Mercury's {slug: [sample, ...]}: samples (completion) or evaluated samples (solution)."""
    evaluated = any(
        isinstance(item, dict) and "solution" in item and "completion" not in item
        for items in obj.values()
        if isinstance(items, list)
        for item in items
    )

    def rows() -> Iterator[_Raw]:
        for slug, items in obj.items():
            if not isinstance(items, list):
                yield _Raw(slug, None, "", where=f"task {slug[:100]!r}", error="expected a list")
                continue
            for number, item in enumerate(items, start=1):
                where = f"task {slug[:100]!r}, sample {number}"
                if isinstance(item, str):
                    yield _Raw(slug, item, "completion", where=where)
                elif isinstance(item, dict):
                    yield _record(item, where=where, task_id=slug)
                else:
                    yield _Raw(slug, None, "", where=where, error="expected a string or an object")

    return (MERCURY_EVAL if evaluated else MERCURY_SAMPLES), rows()


def _bigcode(items: list[Any], order: Sequence[str]) -> tuple[str, Iterator[_Raw]]:
    """bigcode-evaluation-harness's generations: one list per task, in task order."""

    def rows() -> Iterator[_Raw]:
        if len(items) > len(order):
            yield _Raw(
                None,
                None,
                "",
                error=f"{len(items)} lists of generations, but Mercury's eval split has "
                f"{len(order)} tasks (bigcode-evaluation-harness writes one list per task)",
            )
            return
        for number, generations in enumerate(items, start=1):
            slug = order[number - 1]
            for index, code in enumerate(generations, start=1):
                yield _Raw(
                    slug, code, "completion", where=f"list {number} ({slug}), sample {index}"
                )

    return BIGCODE, rows()


def parse_completions(
    data: bytes,
    *,
    known_tasks: Collection[str] | None = None,
    prompts: Mapping[str, str] | None = None,
    task_order: Sequence[str] | None = None,
    max_bytes: int = 50 * 2**20,
    max_samples_per_task: int = 20,
    max_code_bytes: int = 100_000,
    max_errors: int = 200,
) -> ParsedCompletions:
    """Parse a completions file in any format above; every unusable sample becomes a LineError.

    `prompts` maps a task to its starter code, to which method bodies that continue the prompt
    are joined (without it they are refused); `task_order` is the order of bigcode's lists
    (default: Mercury's eval split).
    """
    reader = _Reader(
        known_tasks=known_tasks,
        prompts=prompts,
        max_samples_per_task=max_samples_per_task,
        max_code_bytes=max_code_bytes,
        max_errors=max_errors,
    )
    result = reader.result
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
    rows: Iterator[_Raw] = _jsonl(text)
    whole = _whole_json(text)
    if isinstance(whole, list) and whole and all(isinstance(item, list) for item in whole):
        result.format, rows = _bigcode(whole, task_order or mercury_eval_order())
    elif isinstance(whole, dict) and _mercury_like(whole):
        result.format, rows = _mercury(whole)
    for raw in rows:
        if reader.full():
            break
        reader.add(raw)
    if not result.samples and not result.errors:
        result.errors.append(LineError(0, "the file has no completions"))
    return result


def _mercury_like(obj: dict[str, Any]) -> bool:
    """Task slugs mapping to lists, not one JSONL record alone in its file."""
    record_keys = {"task_id", "slug_name", "completion", "solution"}
    return not record_keys & obj.keys() and any(isinstance(v, list) for v in obj.values())


def _whole_json(text: str) -> object:
    """The file as one JSON document when it is one (a JSON file, not JSONL), else None."""
    start = text.lstrip()[:1]
    if start not in ("[", "{"):
        return None
    try:
        whole = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if _depth(whole) > MAX_DEPTH + 2:
        return None
    return whole
