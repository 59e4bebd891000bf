"""Parsing completions files: samples, fences and line-numbered errors."""

from __future__ import annotations

import json

from evaluator.completions import mercury_eval_order, parse_completions, unwrap_code

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


# Foreign formats and method bodies.

STARTER = "class Solution:\n    def f(self, x: int) -> int:\n        "
PROMPTS = {"a": STARTER, "b": STARTER.replace("def f", "def g")}


def test_mercury_samples_file_is_read_and_method_bodies_are_joined_to_the_prompt():
    # Mercury's *_samples.json: slug -> samples; its generator strips the body's first indent.
    data = json.dumps(
        {
            "a": [{"task_id": "a", "completion": CODE.replace("f(self)", "f(self, x)")}],
            "b": [{"task_id": "b", "completion": "y = x + 1\n        return y"}],
        }
    ).encode()
    parsed = parse_completions(data, known_tasks=set(PROMPTS), prompts=PROMPTS)
    assert parsed.ok, parsed.errors
    assert parsed.format.startswith("Mercury's *_samples.json")
    assert [(s.task_id, s.index, s.line, s.joined) for s in parsed.samples] == [
        ("a", 0, 0, False),
        ("b", 0, 0, True),
    ]
    joined = parsed.samples[1].code
    assert (
        joined
        == "class Solution:\n    def g(self, x: int) -> int:\n        y = x + 1\n        return y"
    )
    namespace: dict = {}
    exec(compile(joined, "<joined>", "exec"), namespace)
    assert namespace["Solution"]().g(2) == 3
    assert "1 method body continuing the prompt joined" in parsed.summary


def test_a_body_that_keeps_its_indentation_is_joined_too():
    parsed = parse_completions(
        _jsonl({"task_id": "a", "completion": "        return x * 2\n"}), prompts=PROMPTS
    )
    namespace: dict = {}
    exec(parsed.samples[0].code, namespace)
    assert namespace["Solution"]().f(4) == 8


def test_mercury_eval_file_reads_solutions_and_refuses_bare_bodies_with_the_hint():
    data = json.dumps(
        {
            "a": [{"slug_name": "a", "solution": CODE, "result": {"result": "passed"}}],
            "b": [{"slug_name": "b", "solution": "return x", "beyond_p": 0.0}],
        },
        indent=4,
    ).encode()
    parsed = parse_completions(data, known_tasks=set(PROMPTS), prompts=PROMPTS)
    assert parsed.format.startswith("Mercury's *_eval.json")
    assert [s.task_id for s in parsed.samples] == ["a"]
    assert str(parsed.errors[0]).startswith("task 'b', sample 1: it has no `class Solution`")
    assert '"completion", which continues' in str(parsed.errors[0])


def test_evalplus_jsonl_solution_is_whole_code_and_completion_continues_the_prompt():
    parsed = parse_completions(
        _jsonl(
            {"task_id": "a", "solution": CODE},
            {"task_id": "b", "completion": "return x - 1"},
            {"task_id": "b", "solution": "return x - 1"},
        ),
        known_tasks=set(PROMPTS),
        prompts=PROMPTS,
    )
    assert [(s.task_id, s.joined) for s in parsed.samples] == [("a", False), ("b", True)]
    assert [e.line for e in parsed.errors] == [3]
    assert "only a method body" in parsed.errors[0].message


def test_a_body_without_prompts_or_a_top_level_function_is_refused():
    parsed = parse_completions(_jsonl({"task_id": "a", "completion": "return 1"}))
    assert "only a method body" in parsed.errors[0].message
    parsed = parse_completions(
        _jsonl({"task_id": "a", "completion": "def f(self, x):\n    return x\n"}), prompts=PROMPTS
    )
    assert "defines a function f() outside a class" in parsed.errors[0].message


def test_bigcode_generations_are_lists_in_the_order_of_mercury_eval_split():
    order = mercury_eval_order()
    assert len(order) == 256 and len(set(order)) == 256 and order[0] == "spiral-matrix"
    prompts = {slug: STARTER for slug in order}
    data = json.dumps([["return x", CODE], [], ["        return x + 1"]]).encode()
    parsed = parse_completions(data, known_tasks=set(order), prompts=prompts)
    assert parsed.ok, parsed.errors
    assert parsed.format.startswith("bigcode-evaluation-harness")
    assert [(s.task_id, s.index, s.joined) for s in parsed.samples] == [
        (order[0], 0, True),
        (order[0], 1, False),
        (order[2], 0, True),
    ]
    too_many = parse_completions(json.dumps([[CODE]] * 257).encode(), prompts=prompts)
    assert "257 lists of generations" in str(too_many.errors[0])
    wrong = parse_completions(json.dumps([[CODE], [5]]).encode(), task_order=["a", "b"])
    assert (
        str(wrong.errors[0])
        == 'list 2 (b), sample 1: "completion" must be a string (the completion\'s code)'
    )


def test_a_json_list_that_is_not_lists_of_generations_is_read_as_jsonl():
    data = json.dumps([{"task_id": "a", "completion": CODE}])
    parsed = parse_completions(data.encode(), known_tasks={"a"})
    assert str(parsed.errors[0]) == "line 1: expected a JSON object"
