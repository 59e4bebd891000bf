"""Mercury's dataset schema: read its rows into Tasks, and write our tasks in its schema.

Mercury (Hugging Face `Elfsong/Mercury`) rows carry `slug_name`, `id`, `difficulty`,
`pretty_content`, `prompt`, `entry_point`, `test_cases` (a JSON string of
`[{"input": ..., "expected": ...}]`, or the string 'None' on some rows), `solutions`
(`[{"solution": code, ...}]`), `generator_code`, `convert_online`, `convert_offline`,
`evaluate_offline` and `meta_info`. Its tests are run with its own `convert_offline` and
`evaluate_offline` code, inside the sandbox (checker "mercury").
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evaluator.tasks import DIFFICULTIES, Task, TestCase

HUB_DATASET = "Elfsong/Mercury"
SPLITS = ("eval", "train")
REQUIRED = ("slug_name", "difficulty", "prompt", "entry_point", "test_cases", "solutions")


class MercuryError(ValueError):
    """A Mercury file or row cannot be read."""


@dataclass
class ImportReport:
    """What an import found: tasks, and rows skipped with the reason."""

    tasks: list[Task] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    version: str = ""


def read_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a local Mercury file: parquet, JSON lines, or a JSON array."""
    path = Path(path)
    if not path.exists():
        raise MercuryError(f"{path}: no such file")
    if path.suffix == ".parquet":
        try:
            import pyarrow.parquet as pq
        except ImportError as exc:  # pragma: no cover - pyarrow is in requirements.txt
            raise MercuryError("reading parquet needs pyarrow (pip install pyarrow)") from exc
        yield from pq.read_table(path).to_pylist()
        return
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("["):
        rows = json.loads(text)
        if not isinstance(rows, list):
            raise MercuryError(f"{path}: expected a JSON array of rows")
        yield from rows
        return
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                yield json.loads(line)
            except ValueError as exc:
                raise MercuryError(f"{path}: line {number}: not valid JSON ({exc})") from exc


def rows_from_hub(split: str) -> Iterator[dict[str, Any]]:
    """Rows of a split from the Hugging Face Hub (needs `datasets` and a network)."""
    try:
        from datasets import load_dataset  # type: ignore[import-not-found]
    except ImportError as exc:
        raise MercuryError(
            "reading from the Hub needs the `datasets` package and a network; "
            "offline, download the parquet files and pass --from PATH"
        ) from exc
    yield from load_dataset(HUB_DATASET, split=split)


def _title(row: dict[str, Any]) -> str:
    meta = row.get("meta_info")
    if isinstance(meta, str):
        try:
            meta = json.loads(meta)
        except ValueError:
            meta = None
    if isinstance(meta, dict) and isinstance(meta.get("title"), str):
        return meta["title"]
    return str(row["slug_name"]).replace("-", " ").title()


def _description(row: dict[str, Any]) -> str:
    content = row.get("pretty_content") or ""
    if isinstance(content, list):
        return "\n\n".join(str(part) for part in content)
    return str(content)


def row_to_task(row: dict[str, Any]) -> Task:
    """One Mercury row as a Task (checker "mercury"); raise MercuryError with the reason."""
    missing = [key for key in REQUIRED if key not in row]
    if missing:
        raise MercuryError(f"missing fields: {', '.join(missing)}")
    for key in ("convert_offline", "evaluate_offline"):
        if not isinstance(row.get(key), str) or row[key] in ("", "None"):
            raise MercuryError(f"{key} is missing or 'None'")
    if row["test_cases"] in (None, "None", ""):
        raise MercuryError("test_cases is 'None'")
    try:
        cases = (
            json.loads(row["test_cases"])
            if isinstance(row["test_cases"], str)
            else row["test_cases"]
        )
    except ValueError as exc:
        raise MercuryError(f"test_cases is not JSON ({exc})") from exc
    if not isinstance(cases, list) or not cases:
        raise MercuryError("test_cases is empty")
    if not all(isinstance(c, dict) and "input" in c and "expected" in c for c in cases):
        raise MercuryError("a test case lacks input or expected")
    solutions = row["solutions"]
    if isinstance(solutions, str):
        solutions = json.loads(solutions)
    sources = [s["solution"] if isinstance(s, dict) else s for s in solutions or []]
    sources = [s for s in sources if isinstance(s, str) and s.strip()]
    if not sources:
        raise MercuryError("no solutions")
    difficulty = str(row["difficulty"]).capitalize()
    if difficulty not in DIFFICULTIES:
        raise MercuryError(f"unknown difficulty {row['difficulty']!r}")
    code = {"convert_offline": row["convert_offline"], "evaluate_offline": row["evaluate_offline"]}
    return Task(
        slug=str(row["slug_name"]),
        id=int(row.get("id") or 0),
        title=_title(row),
        difficulty=difficulty,
        entry_point=str(row["entry_point"]),
        version=1,
        description=_description(row),
        prompt=str(row["prompt"]),
        params=[],
        returns="",
        checker="mercury",
        canonical="solution_00",
        seed=0,
        references={f"solution_{i:02d}": src for i, src in enumerate(sources)},
        small=[TestCase(c["input"], c["expected"]) for c in cases],
        large=[],
        validator_source=json.dumps(code, sort_keys=True),
        origin="mercury",
    )


def import_rows(rows: Iterable[dict[str, Any]]) -> ImportReport:
    """Convert rows, skipping (and reporting) those that cannot be used."""
    report = ImportReport()
    digest = hashlib.sha256()
    for index, row in enumerate(rows):
        name = (
            str(row.get("slug_name") or f"row {index}") if isinstance(row, dict) else f"row {index}"
        )
        try:
            if not isinstance(row, dict):
                raise MercuryError("not an object")
            task = row_to_task(row)
        except (MercuryError, TypeError, ValueError, KeyError) as exc:
            report.skipped.append((name, str(exc)))
            continue
        digest.update(task.fingerprint.encode())
        report.tasks.append(task)
    report.version = f"mercury-{digest.hexdigest()[:12]}"
    return report


# ------------------------------------------------------------------------------ export

_CONVERT = '''
def convert_offline(case):
    """Arguments and expected output of one test, as objects the method takes and returns."""
    inputs, expected = case
    params = {params!r}
    returns = {returns!r}

    def kind(t):
        t = (t or "").replace(" ", "")
        if t.startswith("Optional[") and t.endswith("]"):
            t = t[9:-1]
        return {{"ListNode": "list", "TreeNode": "tree", "List[ListNode]": "lists",
                "List[Optional[ListNode]]": "lists", "List[TreeNode]": "trees",
                "List[Optional[TreeNode]]": "trees"}}.get(t, "plain")

    def linked(values):
        head = None
        for v in reversed(values or []):
            head = ListNode(v, head)
        return head

    def tree(values):
        if not values or values[0] is None:
            return None
        root = TreeNode(values[0])
        queue, i = [root], 1
        for node in queue:
            if i >= len(values):
                break
            if values[i] is not None:
                node.left = TreeNode(values[i])
                queue.append(node.left)
            i += 1
            if i < len(values) and values[i] is not None:
                node.right = TreeNode(values[i])
                queue.append(node.right)
            i += 1
        return root

    def convert(value, t):
        k = kind(t)
        if k == "list":
            return linked(value)
        if k == "tree":
            return tree(value)
        if k == "lists":
            return [linked(v) for v in value]
        if k == "trees":
            return [tree(v) for v in value]
        return value

    args = [convert(v, params[i] if i < len(params) else "") for i, v in enumerate(inputs)]
    return args, expected
'''

_EVALUATE = '''
def evaluate_offline(inputs, outputs, expected):
    """True when the output is right for this test ({checker})."""
    import json as _json
    import math as _math

    def plain(v):
        if v is not None and hasattr(v, "val") and hasattr(v, "next"):
            out = []
            while v is not None and len(out) < 10**7:
                out.append(v.val)
                v = v.next
            return out
        if v is not None and hasattr(v, "val") and hasattr(v, "left"):
            out, queue = [], [v]
            for node in queue:
                out.append(None if node is None else node.val)
                if node is not None:
                    queue.extend([node.left, node.right])
            while out and out[-1] is None:
                out.pop()
            return out
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        return v

    def same(e, a):
        if isinstance(e, bool) or isinstance(a, bool):
            return type(e) is type(a) and e == a
        if isinstance(e, float) or isinstance(a, float):
            try:
                return _math.isclose(e, a, rel_tol=1e-5, abs_tol=1e-5)
            except TypeError:
                return False
        if isinstance(e, list) and isinstance(a, list):
            return len(e) == len(a) and all(same(x, y) for x, y in zip(e, a))
        return e == a

    def canon(v):
        return _json.dumps(v, sort_keys=True)

    checker = {checker!r}
    inplace = {inplace!r}
    node_result = {node_result!r}  # an empty list or tree is written [] in our tests
    actual = [] if outputs is None and node_result else plain(outputs)
    if checker.startswith("inplace_prefix:"):
        k = actual
        actual = [k, plain(inputs[inplace])[:k] if isinstance(k, int) else None]
    elif checker.startswith("inplace:"):
        actual = plain(inputs[inplace])
    if checker in ("exact", "float") or checker.startswith("inplace"):
        return same(expected, actual)
    if checker == "unordered":
        return isinstance(actual, list) and sorted(map(canon, expected)) == sorted(map(canon, actual))
    if checker == "unordered_nested":
        if not isinstance(actual, list) or not all(isinstance(x, list) for x in actual):
            return False
        return sorted(canon(sorted(map(canon, x))) for x in expected) == sorted(
            canon(sorted(map(canon, x))) for x in actual)
    if checker == "validator":
        scope = {{}}
        exec({validator!r}, scope)
        return bool(scope["check"]([plain(x) for x in inputs], expected, actual))
    return False
'''


def task_to_row(task: Task, *, generator_code: str = "") -> dict[str, Any]:
    """One of our tasks in Mercury's schema, runnable by Mercury's own harness."""
    if task.checker == "mercury":
        code = task.mercury_code or {}
        convert, evaluate = code["convert_offline"], code["evaluate_offline"]
    else:
        convert = textwrap.dedent(_CONVERT.format(params=task.params, returns=task.returns))
        evaluate = textwrap.dedent(
            _EVALUATE.format(
                checker=task.checker,
                inplace=task.inplace,
                node_result=any(n in task.returns for n in ("ListNode", "TreeNode")),
                validator=task.validator_source or "",
            )
        )
    cases = [{"input": c.input, "expected": c.expected} for c in task.tests]
    return {
        "slug_name": task.slug,
        "id": task.id,
        "difficulty": task.difficulty,
        "pretty_content": [task.description],
        "prompt": task.prompt,
        "entry_point": task.entry_point,
        "test_cases": json.dumps(cases),
        "solutions": [{"solution": src, "name": name} for name, src in task.references.items()],
        "generator_code": generator_code,
        "convert_online": "",
        "convert_offline": convert.strip() + "\n",
        "evaluate_offline": evaluate.strip() + "\n",
        "meta_info": {"title": task.title, "origin": task.origin, "fingerprint": task.fingerprint},
    }


def write_rows(rows: Iterable[dict[str, Any]], out: Path) -> int:
    """Write rows as JSON lines, or parquet when out ends with .parquet; return the count."""
    rows = list(rows)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        flat = [{**r, "meta_info": json.dumps(r["meta_info"])} for r in rows]
        pq.write_table(pa.Table.from_pylist(flat), out)
    else:
        with out.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row) + "\n")
    return len(rows)
