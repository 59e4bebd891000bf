"""The API flow from a real HTTP client against a live gunicorn: token, submit, poll, metrics.

Nothing here runs in the test process but the client. A fresh SQLite file (migrated by
`manage.py migrate`, the tiny test task loaded) is shared by a real gunicorn and a real RQ
worker process (`manage.py rqworker`, through tests/portal/live_worker.py) on the test Redis
database; the worker judges in the nsjail sandbox when this host can (CI runs as root), else
with the fake judge. The client signs up, creates a token on the profile page, uploads with
`urllib`, polls until the evaluation finishes and reads the results, as the README's curl
example does. Both processes are stopped at the end, whatever happened.
"""

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_REDIS_URL, TEST_TASKS_DIR, sandbox_works

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
# The comments steer the fake judge (tests/conftest.py); the sandbox judges the code.
FAST = "# FAST\nclass Solution:\n    def sumList(self, nums):\n        return sum(nums)\n"
WRONG = "# WRONG\nclass Solution:\n    def sumList(self, nums):\n        return sum(nums) + 1\n"
PASSWORD = "live-test-passphrase-5"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not GUNICORN.exists(), reason=f"{GUNICORN} is missing"),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _flush_redis() -> None:
    import redis

    redis.Redis.from_url(TEST_REDIS_URL).flushdb()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


class Stack:
    """The running portal: its base URL and the processes' logs (for failure messages)."""

    def __init__(self, base: str, logs: dict[str, Path], judge: str) -> None:
        self.base = base
        self.logs = logs
        self.judge = judge

    def log_text(self) -> str:
        return "\n".join(
            f"--- {name}\n{path.read_text()[-4000:]}" for name, path in self.logs.items()
        )


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """gunicorn and an RQ worker on a fresh SQLite file; stopped (process groups) at the end."""
    judge = "sandbox" if sandbox_works() else "fake"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": TEST_REDIS_URL,
        "MERCURY_TASKS_DIR": str(TEST_TASKS_DIR),
        "DJANGO_SECRET_KEY": uuid.uuid4().hex * 2,
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "MERCURY_STATIC_MANIFEST": "0",
        "MERCURY_SUBMISSIONS_PER_DAY": "5",
        "MERCURY_MAX_QUEUED_PER_USER": "2",
        "MERCURY_LIVE_FAKE_JUDGE": "1" if judge == "fake" else "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DATABASE_CONN_MAX_AGE", None)
    for command in (["migrate", "--no-input"], ["load_tasks"]):
        subprocess.run(
            [str(PYTHON), "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
    _flush_redis()  # no job left by another test may reach this database
    port = _free_port()
    logs = {name: tmp_path / f"{name}.log" for name in ("gunicorn", "worker")}
    commands = {
        "gunicorn": [
            str(GUNICORN),
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "60",
        ],
        "worker": [str(PYTHON), str(ROOT / "tests" / "portal" / "live_worker.py")],
    }
    processes = []
    try:
        for name, command in commands.items():
            with logs[name].open("wb") as log:
                processes.append(
                    subprocess.Popen(
                        command,
                        cwd=ROOT,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,  # its own process group, stopped as a whole
                    )
                )
        base = f"http://127.0.0.1:{port}"
        stack = Stack(base, logs, judge)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/tasks/", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, stack.log_text()
            assert all(p.poll() is None for p in processes), stack.log_text()
            time.sleep(0.2)
        yield stack
    finally:
        for process in processes:
            _stop(process)
        _flush_redis()


class Browser:
    """A cookie-keeping HTTP client that fills Django forms (with their CSRF token)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.read().decode()

    def submit(self, form_path: str, action: str, fields: dict[str, str]) -> tuple[str, str]:
        """Load the page holding the form, post it; the final URL (after redirects) and body."""
        page = self.get(form_path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
        with self.opener.open(self.base + action, data=data, timeout=10) as response:
            return response.url, response.read().decode()


def _api(
    base: str, path: str, key: str | None = None, *, body: bytes | None = None, **headers: str
) -> tuple[int, dict[str, str], Any]:
    """One API call with urllib: status, headers and the decoded JSON (errors included)."""
    if key:
        headers["Authorization"] = f"Token {key}"
    request = urllib.request.Request(base + path, data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, content) in files.items():
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: application/jsonl\r\n\r\n'
            ).encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def test_token_submit_poll_and_metrics_through_a_live_gunicorn(stack: Stack) -> None:
    base = stack.base
    browser = Browser(base)

    # A visitor signs up and creates a token on the profile page; the key is shown once.
    url, _ = browser.submit(
        "/accounts/signup/",
        "/accounts/signup/",
        {
            "username": "live",
            "email": "live@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert url == f"{base}/accounts/profile/", stack.log_text()
    _, page = browser.submit("/accounts/profile/", "/accounts/profile/tokens/", {"name": "ci"})
    key = re.search(r"<code>(mk_[0-9a-f]{40})</code>", page).group(1)
    assert key not in browser.get("/accounts/profile/")

    # Upload through the API.
    completions = "".join(
        json.dumps({"task_id": "tiny-sum", "completion": code}) + "\n" for code in (FAST, WRONG)
    ).encode()
    body, content_type = _multipart(
        {"model_name": "live-model", "model_version": "v1"},
        {"file": ("completions.jsonl", completions)},
    )
    status, _, created = _api(
        base, "/api/submissions/", key, body=body, **{"Content-Type": content_type}
    )
    assert status == 201, (created, stack.log_text())
    assert created["status"] == "queued"
    assert created["url"] == f"{base}/submissions/{created['id']}/"
    submission = f"/api/submissions/{created['id']}/"

    # Pending review: the owner's token sees it, an anonymous client does not.
    assert _api(base, submission)[0] == 404
    assert _api(base, submission, "mk_" + "0" * 40)[0] == 401

    # Poll until the worker has judged both samples.
    deadline = time.monotonic() + 60
    while True:
        status, _, data = _api(base, submission, key)
        assert status == 200, data
        if data["finished"]:
            break
        assert time.monotonic() < deadline, (data, stack.log_text())
        time.sleep(0.3)

    assert data["status"] == "done", (data, stack.log_text())
    assert data["progress"] == {"done": 2, "total": 2}
    status, _, results = _api(base, submission + "results/", key)
    assert status == 200
    rows = {row["sample"]: row for row in results["results"]}
    assert rows[0]["verdict"] == "passed" and rows[0]["runtime_s"] > 0
    assert 0.0 <= rows[0]["beyond"] <= 1.0 and 0.0 <= rows[0]["percentile"] <= 100.0
    assert rows[1]["verdict"] == "wrong_answer" and rows[1]["beyond"] == 0.0
    # One task, one of two samples passed: Pass@1 is 1/2, Beyond@1 the mean of the samples'.
    assert data["pass@1"] == pytest.approx(0.5)
    assert data["beyond@1"] == pytest.approx(rows[0]["beyond"] / 2)
    assert data["by_difficulty"]["Easy"]["pass@1"] == pytest.approx(0.5)

    # The owner's list shows it; after revoking the token on the profile page it is refused.
    status, _, mine = _api(base, "/api/submissions/", key)
    assert [row["id"] for row in mine["results"]] == [created["id"]]
    assert mine["results"][0]["moderation"] == "pending"
    token_id = re.search(r'action="/accounts/profile/tokens/(\d+)/revoke/"', page).group(1)
    browser.submit("/accounts/profile/", f"/accounts/profile/tokens/{token_id}/revoke/", {})
    status, headers, refused = _api(base, "/api/submissions/", key)
    assert status == 401 and headers["WWW-Authenticate"] == "Token", refused
