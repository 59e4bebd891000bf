"""Faults: real RQ workers (subprocesses) on a Redis of the test's own, killed or cut off mid-run.

Each test gets its own database (a SQLite file, or a fresh PostgreSQL database when DATABASE_URL
points at PostgreSQL) and its own redis-server on a free port, so the shared Redis is never
touched. The workers are `manage.py rqworker` processes with the sandbox replaced by a slow fake
judge (this file run as a script sets it up), so the faults land mid-submission.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not any((Path(d) / "redis-server").exists() for d in os.environ["PATH"].split(":")),
        reason="redis-server is not installed",
    ),
]

REPO = Path(__file__).resolve().parents[2]
N_TASKS = 12
SAMPLES_PER_TASK = 2
N_SAMPLES = N_TASKS * SAMPLES_PER_TASK
JUDGE_SECONDS = 0.15


# ---------------------------------------------------------------------------------------------
# The harness: a Redis, a database and Django subprocesses.


def _free_port(preferred: int) -> int:
    for port in [preferred, 0]:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError("no free port")


class RedisServer:
    """A redis-server without persistence: a restart loses every queue, as in the worst case."""

    def __init__(self, port: int, directory: Path) -> None:
        self.port = port
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


class Deployment:
    """One database, one Redis, and helpers that run Django commands against them."""

    def __init__(self, directory: Path, database_url: str, redis: RedisServer) -> None:
        self.directory = directory
        self.redis = redis
        self.judge_log = directory / "judged.log"
        self.database_url = database_url
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "MERCURY_EVALUATE_CHUNK_TASKS": "4",
            "FAULT_JUDGE_LOG": str(self.judge_log),
            "FAULT_JUDGE_SECONDS": str(JUDGE_SECONDS),
            "PYTHONPATH": str(REPO),
        }
        self.workers: list[subprocess.Popen[bytes]] = []
        self.started = 0
        self.submission_id = 0
        self.restarts = 0

    def run(self, *args: str, timeout: float = 120) -> Any:
        """Run this file's helper command in a subprocess; its last stdout line is JSON."""
        done = subprocess.run(
            [sys.executable, __file__, *args],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, done.stderr.decode()[-3000:]
        return json.loads(done.stdout.decode().strip().splitlines()[-1])

    def worker(self, *, burst: bool = False, register: bool = True) -> subprocess.Popen[bytes]:
        """Start `manage.py rqworker evaluate` (through the fake-judge wrapper)."""
        args = [sys.executable, __file__, "worker"] + (["--burst"] if burst else [])
        self.started += 1
        log = (self.directory / f"worker-{self.started}.log").open("ab")
        process = subprocess.Popen(args, env=self.env, cwd=REPO, stdout=log, stderr=log)
        if register:
            self.workers.append(process)
        return process

    def state(self, submission_id: int) -> dict[str, Any]:
        """The submission and its results, read straight from the database (no Django start)."""
        if self.database_url.startswith("sqlite"):
            import sqlite3

            connection: Any = sqlite3.connect(self.database_url.removeprefix("sqlite:///"))
            mark = "?"
        else:
            import psycopg

            connection = psycopg.connect(self.database_url)
            mark = "%s"
        try:
            row = connection.execute(
                "SELECT id, status, error_message, progress_done, progress_total, pass_at_1 "
                f"FROM portal_submission WHERE id = {mark}",
                (submission_id,),
            ).fetchone()
            results = connection.execute(
                "SELECT t.slug, r.sample, r.verdict, r.attempts, r.code FROM portal_result r "
                f"JOIN portal_task t ON t.id = r.task_id WHERE r.submission_id = {mark}",
                (submission_id,),
            ).fetchall()
        finally:
            connection.close()
        keys = ("task", "sample", "verdict", "attempts", "code")
        return {
            "id": row[0],
            "status": row[1],
            "error": row[2],
            "progress": [row[3], row[4]],
            "pass_at_1": row[5],
            "results": [dict(zip(keys, result, strict=True)) for result in results],
        }

    def judged(self) -> list[str]:
        if not self.judge_log.exists():
            return []
        return [line for line in self.judge_log.read_text().splitlines() if line]

    def wait_judged(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len([x for x in self.judged() if x.startswith("judge ")]) < count:
            assert time.monotonic() < deadline, f"fewer than {count} samples judged: {self.logs()}"
            time.sleep(0.05)

    def wait_done(self, submission_id: int, timeout: float = 120) -> Any:
        """Poll until the submission is done, restarting workers that exit, as systemd would."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.state(submission_id)
            if state["status"] in ("done", "error"):
                return state
            assert time.monotonic() < deadline, f"not done: {state}\n{self.logs()}"
            for index, process in enumerate(self.workers):
                if process.poll() is not None and process.args[-1] != "--burst":
                    self.restarts += 1
                    self.workers[index] = self.worker(register=False)
            time.sleep(0.2)

    def detector(self, every: float = 1.0) -> subprocess.Popen[bytes]:
        """Run the periodic stale-run detector, `manage.py recover_submissions --every`."""
        log = (self.directory / "recover.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "manage.py", "recover_submissions", "--every", str(every)],
            env=self.env,
            cwd=REPO,
            stdout=log,
            stderr=log,
        )
        self.workers.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text()[-2000:]}"
            for path in sorted(self.directory.glob("*.log"))
        )

    def stop_workers(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.workers:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                _kill_tree(process.pid)
                process.wait(timeout=5)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _kill_tree(pid: int) -> list[int]:
    """SIGKILL a process and its descendants (the worker and its work horse): a host crash."""
    pids = [pid]
    index = 0
    while index < len(pids):
        pids += _children(pids[index])
        index += 1
    for each in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(each, signal.SIGKILL)
    return pids


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated once, with N_TASKS tasks; each test gets a copy."""
    directory = tmp_path_factory.mktemp("faults-template")
    base_url = os.environ.get("DATABASE_URL", "")
    if base_url.startswith(("postgres://", "postgresql://")):
        url = _postgres_create(base_url)
    else:
        url = f"sqlite:///{directory / 'db.sqlite3'}"
    Deployment(directory, url, RedisServer(0, directory)).run("setup")
    yield url
    if url.startswith("postgres"):
        _postgres_drop(url)


@pytest.fixture
def deployment(template: str, tmp_path: Path) -> Iterator[Deployment]:
    """A copy of the template database with one queued submission, and a Redis of its own."""
    redis = RedisServer(_free_port(6390), tmp_path)
    redis.start()
    if template.startswith("postgres"):
        database_url = _postgres_create(template, template=template)
    else:
        shutil.copy(template.removeprefix("sqlite:///"), tmp_path / "db.sqlite3")
        database_url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    deploy = Deployment(tmp_path, database_url, redis)
    try:
        deploy.submission_id = deploy.run("submit")["id"]
        yield deploy
    finally:
        deploy.stop_workers()
        redis.stop()
        if database_url.startswith("postgres"):
            _postgres_drop(database_url)


def _postgres_create(base_url: str, template: str | None = None) -> str:
    import psycopg

    name = f"test_faults_{uuid.uuid4().hex[:12]}"
    clause = f' TEMPLATE "{template.rpartition("/")[2]}"' if template else ""
    head = base_url.rpartition("/")[0]
    # Connected to another database: a template must have no session open.
    with psycopg.connect(f"{head}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"{clause}')
    return f"{head}/{name}"


def _postgres_drop(url: str) -> None:
    import psycopg

    head, _, name = url.rpartition("/")
    with psycopg.connect(f"{head}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _assert_each_result_once(state: dict[str, Any], judged: list[str]) -> None:
    assert state["status"] == "done", state
    assert state["progress"] == [N_SAMPLES, N_SAMPLES]
    keys = [(row["task"], row["sample"]) for row in state["results"]]
    assert len(keys) == len(set(keys)) == N_SAMPLES
    assert {row["verdict"] for row in state["results"]} == {"passed"}
    assert state["pass_at_1"] == 1.0
    # Every sample was judged; only samples in flight when the fault hit were judged again.
    codes = Counter(line.split(" ", 1)[1] for line in judged if line.startswith("judge "))
    assert {row["code"] for row in state["results"]} == set(codes)
    assert sum(codes.values()) - N_SAMPLES <= 2, codes.most_common(4)
    assert [line for line in judged if line.startswith("aggregate ")] == [
        f"aggregate {state['id']}"
    ]


# ---------------------------------------------------------------------------------------------
# The faults


def test_worker_killed_mid_submission_resumes_on_a_new_worker(deployment: Deployment) -> None:
    submission_id = deployment.submission_id
    first = deployment.worker()
    deployment.wait_judged(5)

    killed = _kill_tree(first.pid)
    first.wait(timeout=10)
    assert len(killed) >= 2  # the worker and its work horse
    state = deployment.state(submission_id)
    assert state["status"] == "running"
    assert 5 <= state["progress"][0] < N_SAMPLES

    # The stale-run detector sees the dead worker's job and enqueues its chunk again.
    recovered = deployment.run("recover")
    assert recovered["resumed"] == [submission_id]
    assert deployment.run("recover") == {"enqueued": [], "resumed": []}  # nothing twice

    second = deployment.worker(burst=True)
    assert second.wait(timeout=120) == 0, deployment.logs()
    state = deployment.state(submission_id)
    _assert_each_result_once(state, deployment.judged())
    # The sample being judged when the worker died has its extra attempt counted.
    assert max(row["attempts"] for row in state["results"]) <= 2


def test_redis_restarted_mid_run_the_submission_completes(deployment: Deployment) -> None:
    submission_id = deployment.submission_id
    deployment.worker()
    deployment.detector(every=1.0)
    deployment.wait_judged(4)

    # No persistence: every queued job is lost, the running one loses its job hash. A worker
    # that was reporting to Redis at that moment exits, and its supervisor starts it again.
    deployment.redis.stop()
    time.sleep(2)
    deployment.redis.start()

    state = deployment.wait_done(submission_id)
    _assert_each_result_once(state, deployment.judged())


def test_two_workers_share_one_submission(deployment: Deployment) -> None:
    submission_id = deployment.submission_id
    gate = deployment.directory / "gate"
    deployment.env["FAULT_JUDGE_GATE"] = str(gate)
    workers = [deployment.worker(burst=True), deployment.worker(burst=True)]
    # Each worker holds its first chunk at the gate until the other has taken one too.
    deadline = time.monotonic() + 60
    while len({line for line in deployment.judged() if line.startswith("pid ")}) < 2:
        assert time.monotonic() < deadline, deployment.logs()
        time.sleep(0.05)
    gate.touch()
    for worker in workers:
        assert worker.wait(timeout=120) == 0, deployment.logs()

    state = deployment.state(submission_id)
    _assert_each_result_once(state, deployment.judged())
    assert sum(1 for line in deployment.judged() if line.startswith("judge ")) == N_SAMPLES


# ---------------------------------------------------------------------------------------------
# The subprocess side: `python tests/portal/test_faults.py COMMAND`.


def _fake_judge() -> None:
    """Replace the sandbox with a slow fake that logs each judging (and each aggregation)."""
    from portal import judging
    from portal.services import evaluation
    from tests.conftest import FakeJudge

    judge = FakeJudge()
    log_path = os.environ["FAULT_JUDGE_LOG"]
    seconds = float(os.environ["FAULT_JUDGE_SECONDS"])

    def note(line: str) -> None:
        with open(log_path, "a") as log:
            log.write(line + "\n")

    gate = Path(os.environ.get("FAULT_JUDGE_GATE") or "/")

    def judge_sample(task: Any, code: str, calibration: Any, **kwargs: Any) -> Any:
        note(f"pid {os.getppid()}")  # the worker (the work horse's parent)
        while not gate.exists():
            time.sleep(0.05)
        time.sleep(seconds)
        note(f"judge {code}")
        return judge.judge_sample(task, code, calibration, **kwargs)

    aggregate = evaluation.submission_aggregate

    def logged_aggregate(*, submission_id: int) -> Any:
        note(f"aggregate {submission_id}")
        return aggregate(submission_id=submission_id)

    def judge_samples(samples: list[tuple[Any, str, Any]], on_result: Any) -> list[Any]:
        results = []
        for index, sample in enumerate(samples):
            results.append(judge_sample(*sample))
            on_result(index, results[-1])
        return results

    judging.calibrate_task = judge.calibrate_task
    judging.judge_sample = judge_sample
    judging.judge_samples = judge_samples
    judging.prepare_host = lambda: None
    evaluation.submission_aggregate = logged_aggregate


def _main(argv: list[str]) -> None:
    import django

    sys.path.insert(0, str(REPO))
    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from portal.models import Reference, Task, TestSuite
    from portal.services.evaluation import submission_recover_stalled
    from portal.services.submissions import submission_create

    command = argv[0]
    output: Any = None
    if command == "setup":
        call_command("migrate", verbosity=0)
        for number in range(1, N_TASKS + 1):
            task = Task.objects.create(
                slug=f"task-{number}",
                lc_id=number,
                title=f"Task {number}",
                difficulty=["Easy", "Medium", "Hard"][number % 3],
                entry_point="solve",
                description="Return x.",
                prompt="class Solution:\n    def solve(self, x: int) -> int:\n        ",
                params=["int"],
                returns="int",
                canonical="direct",
                fingerprint=f"fp-{number}",
            )
            TestSuite.objects.create(task=task, small=[{"input": [1], "expected": 1}], large=[])
            for name in ("direct", "slow"):
                Reference.objects.create(task=task, name=name, source="pass")
        output = {"tasks": N_TASKS}
    elif command == "submit":
        rows = [
            json.dumps(
                {
                    "task_id": f"task-{number}",
                    "completion": f"class Solution: ...  # FAST {number}.{sample}",
                }
            )
            for number in range(1, N_TASKS + 1)
            for sample in range(SAMPLES_PER_TASK)
        ]
        upload = SimpleUploadedFile("c.jsonl", ("\n".join(rows) + "\n").encode())
        submission = submission_create(user=None, model_name="faults", upload=upload)
        output = {"id": submission.pk}
    elif command == "worker":
        _fake_judge()
        call_command("rqworker", "evaluate", *argv[1:])
        return
    elif command == "recover":
        output = submission_recover_stalled()
    else:
        raise SystemExit(f"unknown command {command!r}")
    print(json.dumps(output))


if __name__ == "__main__":
    _main(sys.argv[1:])
