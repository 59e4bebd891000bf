"""Parsing completions files: samples, fences and line-numbered errors."""

from __future__ import annotations

import json

from evaluator.completions import parse_completions, unwrap_code

CODE = "class Solution:\n    def f(self):\n        return 1\n"


def _jsonl(*objs) -> bytes:
    return "\n".join(o if isinstance(o, str) else json.dumps(o) for o in objs).encode()


def test_samples_are_numbered_per_task_and_solution_is_accepted():
    parsed = parse_completions(
        _jsonl(
            {"task_id": "a", "completion": CODE},
            {"task_id": "b", "solution": CODE},
            {"task_id": "a", "completion": CODE},
        ),
        known_tasks={"a", "b"},
    )
    assert parsed.ok
    assert [(s.task_id, s.index, s.line) for s in parsed.samples] == [
        ("a", 0, 1),
        ("b", 0, 2),
        ("a", 1, 3),
    ]


def test_markdown_fence_is_unwrapped():
    text = f"Here you go:\n```python\n{CODE}```\nHope it helps."
    assert unwrap_code(text) == CODE
    assert unwrap_code(CODE) == CODE


def test_every_bad_line_is_reported_with_its_number():
    parsed = parse_completions(
        _jsonl(
            {"task_id": "a", "completion": CODE},
            "{not json",
            "[1, 2]",
            {"completion": CODE},
            {"task_id": "a"},
            {"task_id": "a", "completion": 5},
            {"task_id": "zzz", "completion": CODE},
        ),
        known_tasks={"a"},
    )
    assert not parsed.ok
    assert [e.line for e in parsed.errors] == [2, 3, 4, 5, 6, 7]
    assert "unknown task_id 'zzz'" in str(parsed.errors[-1])
    assert str(parsed.errors[0]).startswith("line 2: not valid JSON")


def test_binary_empty_huge_and_nul_files_are_refused_whole():
    assert "no completions" in str(parse_completions(b"\n\n").errors[0])
    assert "NUL" in str(parse_completions(b'{"task_id": "a"}\x00').errors[0])
    assert "UTF-8" in str(parse_completions(b"\xff\xfe\x00garbage"[:2] + b"abc").errors[0])
    assert "limit" in str(parse_completions(b"x" * 101, max_bytes=100).errors[0])


def test_limits_on_samples_code_size_and_nesting():
    lines = [{"task_id": "a", "completion": CODE}] * 3
    parsed = parse_completions(_jsonl(*lines), max_samples_per_task=2)
    assert len(parsed.samples) == 2 and parsed.errors[0].line == 3
    parsed = parse_completions(_jsonl({"task_id": "a", "completion": "x" * 50}), max_code_bytes=10)
    assert "longer than" in parsed.errors[0].message
    deep = '{"task_id": "a", "completion": "x", "z": ' + "[" * 50 + "]" * 50 + "}"
    assert "nested" in parse_completions(deep.encode()).errors[0].message
