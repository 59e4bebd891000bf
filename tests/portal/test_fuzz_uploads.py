"""Fuzzing the upload path end to end: generated bad files never cause a 5xx or a half-stored row.

Every case goes through the JSON API (and every eighth also through the HTML form) with the
Django test client; each answer must be a 4xx carrying a message that says what is wrong, with
the line number when one line is at fault.
"""

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal import queue
from portal.models import Result, Submission
from portal.services.accounts import api_token_create

N_CASES = 1008  # 72 of each kind
MAX_UPLOAD_BYTES = 200_000
TASKS = ("alpha", "beta")
CODE = "class Solution:\n    def solve(self, x):\n        return x\n"


@dataclass
class Case:
    """One bad upload and what its answer must mention."""

    kind: str
    data: bytes
    line: int | None = None  # the line at fault, if one is
    mention: str = ""  # a phrase the message must contain (case-insensitive)
    model_name: str = "fuzz-model"


def _good(rng: random.Random, task: str | None = None) -> str:
    return json.dumps({"task_id": task or rng.choice(TASKS), "completion": CODE})


def _with_bad_line(rng: random.Random, bad: str, kind: str, mention: str = "") -> Case:
    """Valid lines around one bad line: nothing of the file may be stored."""
    before = [_good(rng) for _ in range(rng.randint(0, 3))]
    after = [_good(rng) for _ in range(rng.randint(0, 3))]
    text = "\n".join([*before, bad, *after]) + rng.choice(["\n", "", "\r\n"])
    return Case(kind, text.encode(), line=len(before) + 1, mention=mention)


def _junk(rng: random.Random, n: int) -> str:
    return "".join(rng.choice('{}[]":,\\ abc0123truefalsenull\t') for _ in range(n))


def _malformed(rng: random.Random) -> Case:
    good = _good(rng)
    bad = rng.choice(
        [
            good[: rng.randint(1, len(good) - 1)],  # truncated
            good[:-1] + ",}",  # trailing comma
            good.replace('"', "'"),  # single quotes
            '{task_id: "alpha", completion: "x"}',
            good + good,  # two objects on one line
            "NaN",
        ]
    )
    if rng.random() < 0.3:
        # Random junk: sometimes valid JSON ("{}"), so only the line number is certain.
        junk = _junk(rng, rng.randint(1, 60))
        return _with_bad_line(rng, rng.choice(["{" + junk, junk + "}", junk]), "junk line")
    return _with_bad_line(rng, bad, "malformed JSON", "json")


def _not_an_object(rng: random.Random) -> Case:
    value = rng.choice([[1, 2], 3, "alpha", None, True, [], [{"task_id": "alpha"}], 1.5])
    return _with_bad_line(rng, json.dumps(value), "not an object", "object")


def _wrong_types(rng: random.Random) -> Case:
    wrong = rng.choice([1, 2.5, True, None, [], ["alpha"], {"slug": "alpha"}])
    if rng.random() < 0.5:
        row = {"task_id": wrong, "completion": CODE}
        mention = "task_id"
    else:
        wrong = rng.choice([1, 2.5, True, [], [CODE], {"code": CODE}])
        row = {"task_id": rng.choice(TASKS), rng.choice(["completion", "solution"]): wrong}
        mention = "completion"
    return _with_bad_line(rng, json.dumps(row), "wrong type", mention)


def _missing_fields(rng: random.Random) -> Case:
    row = rng.choice(
        [
            {},
            {"completion": CODE},
            {"task_id": rng.choice(TASKS)},
            {"task": "alpha", "code": CODE},
            {"task_id": "", "completion": CODE},
            {"task_id": "   ", "completion": CODE},
        ]
    )
    mention = "task_id" if not str(row.get("task_id", "")).strip() else "completion"
    return _with_bad_line(rng, json.dumps(row), "missing field", mention)


def _unknown_task(rng: random.Random) -> Case:
    slug = rng.choice(
        [
            "two-sum-" + str(rng.randint(0, 10**6)),
            "ALPHA",
            "alpha\u0301",
            "../../etc/passwd",
            "<script>alert(1)</script>",
            "x" * rng.randint(200, 20_000),
            "alpha\u0000",
            "\u202eahpla",
        ]
    )
    line = json.dumps({"task_id": slug, "completion": CODE})
    return _with_bad_line(rng, line, "unknown task", "unknown task_id")


def _too_many_samples(rng: random.Random) -> Case:
    task = rng.choice(TASKS)
    count = 21 + rng.randint(0, 10)
    text = "\n".join(_good(rng, task) for _ in range(count)) + "\n"
    return Case("too many samples", text.encode(), line=21, mention="more than 20 samples")


def _empty(rng: random.Random) -> Case:
    data = rng.choice([b"", b"\n", b"\n\n\n", b"   \n\t\n", b"\r\n", "\ufeff".encode()])
    # A zero-byte file is refused by the form ("empty"), the others by the parser.
    return Case("empty file", data, mention="empty" if not data else "no completions")


def _not_utf8(rng: random.Random) -> Case:
    good = _good(rng).encode()
    bad = rng.choice(
        [
            good[:-3] + bytes([rng.randint(0x80, 0xFF)]) + good[-3:],
            json.dumps({"task_id": "alpha", "completion": "é = 1"}, ensure_ascii=False).encode(
                "latin-1"
            ),
            _good(rng).encode("utf-16"),
            bytes(rng.randint(0x80, 0xFF) for _ in range(rng.randint(1, 100))),
            b"\xed\xa0\x80",  # an encoded surrogate
        ]
    )
    before = rng.randint(0, 3)
    data = b"\n".join([*(_good(rng).encode() for _ in range(before)), bad]) + b"\n"
    return Case("not UTF-8", data, mention="text")  # UTF-16 holds NUL bytes: "not a text file"


def _nul_bytes(rng: random.Random) -> Case:
    if rng.random() < 0.5:
        good = _good(rng).encode()
        cut = rng.randint(0, len(good))
        return Case("raw NUL byte", good[:cut] + b"\x00" + good[cut:] + b"\n", mention="NUL")
    code = CODE[: rng.randint(0, len(CODE))] + "\u0000" + "pass"
    line = json.dumps({"task_id": rng.choice(TASKS), "completion": code})
    return _with_bad_line(rng, line, "escaped NUL", "NUL")


def _huge(rng: random.Random) -> Case:
    size = MAX_UPLOAD_BYTES + rng.randint(1, 50_000)
    row = _good(rng) + "\n"
    data = (row * (size // len(row) + 1)).encode()[:size]
    return Case("huge file", data, mention="")


def _deep(rng: random.Random) -> Case:
    depth = rng.choice([25, 100, 1000, 50_000])
    nested = "[" * depth + "]" * depth
    if rng.random() < 0.5:
        line = '{"task_id": "alpha", "completion": "x", "meta": ' + nested + "}"
    else:
        line = '{"task_id": "alpha", "completion": ' + nested + "}"
    return _with_bad_line(rng, line, "deep nesting", "")


def _oversized_code(rng: random.Random) -> Case:
    code = "x = 1\n" * (100_000 // 6 + rng.randint(1, 1000))
    line = json.dumps({"task_id": rng.choice(TASKS), "completion": code})
    return _with_bad_line(rng, line, "oversized code", "longer than")


def _surrogates(rng: random.Random) -> Case:
    # Valid JSON, but a lone surrogate cannot be encoded as UTF-8 nor stored.
    if rng.random() < 0.5:
        line = '{"task_id": "alpha", "completion": "x = \\ud800"}'
        mention = ""
    else:
        line = '{"task_id": "alp\\udfffha", "completion": "x"}'
        mention = "task_id"
    return _with_bad_line(rng, line, "lone surrogate", mention)


def _bad_model_name(rng: random.Random) -> Case:
    name = rng.choice(["", "   ", "m" * 101, "model\u0000name"])
    return Case("bad model name", (_good(rng) + "\n").encode(), mention="model", model_name=name)


GENERATORS: list[Callable[[random.Random], Case]] = [
    _malformed,
    _not_an_object,
    _wrong_types,
    _missing_fields,
    _unknown_task,
    _too_many_samples,
    _empty,
    _not_utf8,
    _nul_bytes,
    _huge,
    _deep,
    _oversized_code,
    _surrogates,
    _bad_model_name,
]


def _cases() -> list[Case]:
    rng = random.Random(20261130)
    return [GENERATORS[i % len(GENERATORS)](rng) for i in range(N_CASES)]


def _check_messages(case: Case, messages: list[str]) -> None:
    text = " ".join(messages)
    assert messages and all(len(m) > 8 for m in messages), (case.kind, messages)
    if case.line is not None:
        assert any(m.startswith(f"line {case.line}:") for m in messages), (case.kind, messages)
    assert case.mention.lower() in text.lower(), (case.kind, case.mention, messages)


@pytest.fixture
def api_key(django_user_model: Any) -> str:
    user = django_user_model.objects.create_user("fuzzer", password="not-used-here")
    return api_token_create(user=user).key


def test_a_thousand_bad_uploads_get_useful_4xx_answers_and_store_nothing(
    uploader_client: Any,
    make_task: Any,
    api_key: str,
    settings: Any,
    django_capture_on_commit_callbacks,
) -> None:
    settings.MERCURY_MAX_UPLOAD_BYTES = MAX_UPLOAD_BYTES
    settings.MERCURY_MAX_ACTIVE_SUBMISSIONS = 0
    for slug in TASKS:
        make_task(slug=slug)
    kinds: dict[str, int] = {}

    with django_capture_on_commit_callbacks() as callbacks:
        for index, case in enumerate(_cases()):
            kinds[case.kind] = kinds.get(case.kind, 0) + 1
            upload = SimpleUploadedFile("c.jsonl", case.data, content_type="application/jsonl")
            response = uploader_client.post(
                reverse("portal:api_submissions"),
                {"model_name": case.model_name, "file": upload},
                HTTP_AUTHORIZATION=f"Token {api_key}",
            )
            assert response.status_code == 400, (case.kind, response.status_code, case.data[:200])
            _check_messages(case, response.json()["errors"])

            if index % 8 == 0:
                upload = SimpleUploadedFile("c.jsonl", case.data)
                page = uploader_client.post(
                    reverse("portal:upload"), {"model_name": case.model_name, "file": upload}
                )
                assert page.status_code == 400, (case.kind, page.status_code)
                assert "error" in page.content.decode().lower()

    assert len(kinds) >= len(GENERATORS) and sum(kinds.values()) >= 1000
    assert Submission.objects.count() == 0
    assert Result.objects.count() == 0
    assert callbacks == []  # nothing was enqueued either


def test_a_good_upload_after_the_bad_ones_is_stored_whole(
    client: Any, make_task: Any, api_key: str, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    for slug in TASKS:
        make_task(slug=slug)
    monkeypatch.setattr(queue, "submission_evaluate_enqueue", lambda **kwargs: [])
    rows = [json.dumps({"task_id": t, "completion": CODE}) for t in TASKS for _ in range(3)]
    upload = SimpleUploadedFile("c.jsonl", ("\n".join(rows) + "\n").encode())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:api_submissions"),
            {"model_name": "good", "file": upload},
            HTTP_AUTHORIZATION=f"Token {api_key}",
        )

    assert response.status_code == 201, response.content
    assert Result.objects.filter(submission_id=response.json()["id"]).count() == 6
