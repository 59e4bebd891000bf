"""The built-in task set mirrors Mercury's eval split and every task file is well formed."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from evaluator.tasks import DEFAULT_TASKS_DIR, load_tasks, task_dirs

MERCURY_LIST = DEFAULT_TASKS_DIR.parent / "mercury_eval_tasks.json"


@pytest.fixture(scope="module")
def mercury() -> dict[str, dict]:
    return {t["slug"]: t for t in json.loads(MERCURY_LIST.read_text())["tasks"]}


@pytest.fixture(scope="module")
def builtin():
    return list(load_tasks().values())


def test_no_task_directory_is_left_unbuilt():
    unbuilt = [d.name for d in task_dirs() if not (d / "tests.json").exists()]
    assert unbuilt == [], "run: python -m evaluator build-tasks " + " ".join(unbuilt)


def test_every_builtin_task_matches_mercurys_eval_split(mercury, builtin):
    assert builtin, "no built-in tasks"
    for task in builtin:
        facts = mercury.get(task.slug)
        assert facts is not None, f"{task.slug} is not in Mercury's eval split"
        assert (task.id, task.difficulty, task.entry_point, task.title) == (
            facts["id"],
            facts["difficulty"],
            facts["entry_point"],
            facts["title"],
        ), task.slug
        assert f"def {task.entry_point}(" in task.prompt, task.slug
        assert "class Solution" in task.prompt, task.slug


def test_every_builtin_task_has_graded_references_and_both_kinds_of_tests(builtin):
    for task in builtin:
        assert len(task.references) >= 10, task.slug
        assert task.canonical in task.references, task.slug
        assert len(task.small) >= 5 and task.large, task.slug
        assert task.description.strip(), task.slug


def test_the_task_set_is_all_of_mercurys_eval_split(mercury, builtin):
    assert sorted(t.slug for t in builtin) == sorted(mercury)
    assert Counter(t.difficulty for t in builtin) == {"Easy": 88, "Medium": 81, "Hard": 87}
    assert Counter(t["difficulty"] for t in mercury.values()) == {
        "Easy": 88,
        "Medium": 81,
        "Hard": 87,
    }


def test_full_prompt_holds_the_statement_and_reads_back_as_python():
    import ast

    from evaluator.tasks import full_prompt

    description = "Add `a` and `b`.\n\n**Example 1**\n\n```\na = 1, b = 2\nanswer: 3\n```\n\nUse \\d or ''' freely."
    starter = "class Solution:\n    def add(self, a: int, b: int) -> int:\n        "
    prompt = full_prompt(title="Add", description=description, starter=starter)
    assert prompt.endswith(starter)
    module = ast.parse(prompt + "return a + b\n")
    assert ast.get_docstring(module) == "Add\n\n" + description
