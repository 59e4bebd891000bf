"""Task files: load the built-in task set (fixtures/tasks/<slug>/) into immutable Task objects."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

DEFAULT_TASKS_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "tasks"
DIFFICULTIES = ("Easy", "Medium", "Hard")
CHECKERS = ("exact", "unordered", "unordered_nested", "float", "validator", "mercury")


def full_prompt(*, title: str, description: str, starter: str) -> str:
    """The prompt a model generates from: the problem statement (with its examples and
    constraints) in a docstring, then the starter code, as bigcode-evaluation-harness builds
    Mercury's prompts (the statement in triple quotes, a newline, then the starter code).

    The whole is valid Python, so a completion may continue it (a method body) or restate the
    class. Backslashes and triple quotes in the statement are escaped so that the docstring
    reads back as written.
    """
    quotes = "'" * 3
    statement = f"{title}\n\n{description.strip()}" if title else description.strip()
    statement = statement.replace("\\", "\\\\").replace(quotes, "\\'" * 3)
    return f"{quotes}\n{statement}\n{quotes}\n{starter}"


class TaskError(ValueError):
    """A task directory is malformed."""


@dataclass(frozen=True)
class TestCase:
    """One test: the positional arguments and the expected output (JSON data)."""

    input: list[Any]
    expected: Any


@dataclass(frozen=True)
class Task:
    """A Mercury-compatible problem with its tests and reference solutions."""

    slug: str
    id: int
    title: str
    difficulty: str
    entry_point: str
    version: int
    description: str
    prompt: str
    params: list[str]
    returns: str
    checker: str
    canonical: str
    seed: int
    references: dict[str, str]
    small: list[TestCase] = field(default_factory=list)
    large: list[TestCase] = field(default_factory=list)
    # checker "validator": checker.py's source; checker "mercury" (a task imported from Mercury's
    # dataset): JSON {"convert_offline": code, "evaluate_offline": code}, run inside the sandbox.
    validator_source: str | None = None
    origin: str = "builtin"

    @property
    def mercury_code(self) -> dict[str, str] | None:
        """Mercury's own convert_offline/evaluate_offline code, for imported tasks."""
        if self.checker != "mercury" or not self.validator_source:
            return None
        return json.loads(self.validator_source)  # type: ignore[no-any-return]

    @property
    def inplace(self) -> int | None:
        """The index of the argument a method mutates in place, if the checker says so."""
        if self.checker.startswith(("inplace:", "inplace_prefix:")):
            return int(self.checker.split(":", 1)[1])
        return None

    @property
    def prefix(self) -> bool:
        """True when the output is [k, the first k elements of the mutated argument]."""
        return self.checker.startswith("inplace_prefix:")

    @property
    def tests(self) -> list[TestCase]:
        return [*self.small, *self.large]

    @property
    def timed(self) -> list[TestCase]:
        """The cases whose runtime is measured: the performance cases, else every case."""
        return self.large or self.small

    @cached_property
    def fingerprint(self) -> str:
        """A hash of everything that affects a verdict or a runtime."""
        digest = hashlib.sha256()
        payload = {
            "slug": self.slug,
            "version": self.version,
            "entry_point": self.entry_point,
            "params": self.params,
            "returns": self.returns,
            "checker": self.checker,
            "references": self.references,
            "small": [[c.input, c.expected] for c in self.small],
            "large": [[c.input, c.expected] for c in self.large],
            "validator": self.validator_source,
        }
        digest.update(json.dumps(payload, sort_keys=True).encode())
        return digest.hexdigest()[:16]

    def summary(self) -> dict[str, Any]:
        """Metadata without tests or solutions (for listings and exports)."""
        return {
            "slug": self.slug,
            "id": self.id,
            "title": self.title,
            "difficulty": self.difficulty,
            "entry_point": self.entry_point,
            "version": self.version,
            "prompt": self.prompt,
        }


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise TaskError(f"{path}: {exc}") from exc


def load_task(directory: Path, *, with_tests: bool = True) -> Task:
    """Load one task directory."""
    meta = _read_json(directory / "task.json")
    for key in ("slug", "id", "title", "difficulty", "entry_point", "prompt", "params", "returns"):
        if key not in meta:
            raise TaskError(f"{directory}: task.json lacks {key!r}")
    if meta["difficulty"] not in DIFFICULTIES:
        raise TaskError(f"{directory}: difficulty must be one of {DIFFICULTIES}")
    checker = meta.get("checker", "exact")
    if checker not in CHECKERS and not checker.startswith(("inplace:", "inplace_prefix:")):
        raise TaskError(f"{directory}: unknown checker {checker!r}")
    refs_dir = directory / "refs"
    references = (
        {p.stem: p.read_text() for p in sorted(refs_dir.glob("*.py"))} if refs_dir.is_dir() else {}
    )
    if not references:
        raise TaskError(f"{directory}: no reference solutions in refs/")
    canonical = meta.get("canonical") or next(iter(references))
    if canonical not in references:
        raise TaskError(f"{directory}: canonical reference {canonical!r} not in refs/")
    validator = None
    if checker == "mercury":
        validator = json.dumps(meta["mercury"], sort_keys=True)
    if checker == "validator":
        path = directory / "checker.py"
        if not path.exists():
            raise TaskError(f"{directory}: checker 'validator' needs checker.py")
        validator = path.read_text()
    small: list[TestCase] = []
    large: list[TestCase] = []
    tests_path = directory / "tests.json"
    if with_tests:
        if not tests_path.exists():
            raise TaskError(f"{directory}: no tests.json (run: python -m evaluator build-tasks)")
        tests = _read_json(tests_path)
        small = [TestCase(c["input"], c["expected"]) for c in tests.get("small", [])]
        large = [TestCase(c["input"], c["expected"]) for c in tests.get("large", [])]
        if not small and not large:
            raise TaskError(f"{directory}: tests.json has no cases")
    return Task(
        slug=meta["slug"],
        id=int(meta["id"]),
        title=meta["title"],
        difficulty=meta["difficulty"],
        entry_point=meta["entry_point"],
        version=int(meta.get("version", 1)),
        description=meta.get("description", ""),
        prompt=meta["prompt"],
        params=list(meta["params"]),
        returns=meta["returns"],
        checker=checker,
        canonical=canonical,
        seed=int(meta.get("seed", 1)),
        references=references,
        small=small,
        large=large,
        validator_source=validator,
        origin=meta.get("origin", "builtin"),
    )


def task_dirs(path: Path | None = None) -> list[Path]:
    """Every task directory under path (default: the built-in set)."""
    root = Path(path) if path else DEFAULT_TASKS_DIR
    if (root / "task.json").exists():
        return [root]
    if not root.is_dir():
        raise TaskError(f"{root}: no such task directory")
    return sorted(p for p in root.iterdir() if (p / "task.json").exists())


def load_tasks(path: Path | None = None, *, skip_unbuilt: bool = True) -> dict[str, Task]:
    """Load every task under path, keyed by slug and ordered by LeetCode id.

    Task directories without tests.json (still being written) are skipped when skip_unbuilt.
    """
    tasks: list[Task] = []
    for directory in task_dirs(path):
        if skip_unbuilt and not (directory / "tests.json").exists():
            continue
        tasks.append(load_task(directory))
    tasks.sort(key=lambda t: (t.id, t.slug))
    return {t.slug: t for t in tasks}
