"""Chaos: `make run` started, killed and stopped again and again; nothing may be lost.

Each cycle starts `make run` (scripts/run-portal.sh, the real script: Redis of its own, RQ
workers judging in real nsjail jails, the stale-run detector, gunicorn), uploads a submission
through the JSON API once the portal answers, and at a random moment kills a random one of: an
RQ worker, a work horse in the middle of a jail, gunicorn, the `make run` script itself, or
Redis (then started again), with SIGKILL or SIGTERM. Then it stops what is left as an operator
would (SIGTERM or SIGINT to `make run`; after `make run` itself was killed, the next start must
name the orphans and refuse, and `make stop` stops them) and checks that no process of the
portal is left. A last run must then finish everything: every uploaded submission done with
exactly one result per uploaded line, every task calibrated once on this host, no job left
started or failed in RQ.

    .venv/bin/python bench/chaos.py [--cycles 20] [--seed N] [--database URL]

Needs root (the sandbox) and redis-server; --database defaults to a SQLite file in a
temporary folder (a postgres:// URL names a server: a database of its own is created there and
dropped). The seed is printed first: `--seed` replays a failure's choices (the timing of the
machine still varies). tests/portal/test_chaos.py runs a short form in CI.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PYTHON = REPO / ".venv" / "bin" / "python"
TINY_TASK = REPO / "tests" / "portal" / "fixtures" / "tasks" / "tiny-sum"
TARGETS = ("worker", "horse", "gunicorn", "make run", "redis")
QUEUES = ("evaluate", "calibrate", "default")
ADMIN = ("chaos-admin", "chaos-admin-password-1")
# Completions by behaviour: the sandbox judges each for real.
COMPLETIONS = (
    "class Solution:\n    def sumList(self, nums):\n        return sum(nums)\n",
    "class Solution:\n    def sumList(self, nums):\n        total = 0\n"
    "        for x in nums:\n            total += x\n        return total\n",
    "class Solution:\n    def sumList(self, nums):\n        return 0\n",
)


class ChaosFailure(AssertionError):
    """An invariant broke; the message says which, with the seed."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _proc_children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


class Redis:
    """A redis-server of the chaos run's own, without persistence (a restart loses the queues)."""

    def __init__(self, directory: Path) -> None:
        self.port = _free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock,
            ):
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def kill(self, number: int) -> None:
        if self.process is not None:
            self.process.send_signal(number)
            self.process.wait(timeout=20)
        self.process = None

    def client(self) -> Any:
        import redis

        return redis.Redis.from_url(self.url)


@dataclass
class Chaos:
    """One chaos run: its folder, Redis, database, the `make run` environment and its record."""

    seed: int
    cycles: int
    database: str
    kill_window_s: float = 20.0
    tasks: int = 3
    log: list[str] = field(default_factory=list)
    uploaded: dict[str, int] = field(default_factory=dict)  # model name -> lines

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.directory = Path(tempfile.mkdtemp(prefix="mercury-chaos-"))
        self.redis = Redis(self.directory)
        self.port = _free_port()
        self.var = self.directory / "var"
        self.token = ""
        self.created_database = ""

    # -- set-up ---------------------------------------------------------------------------------

    def setup(self) -> None:
        tasks = self.directory / "tasks"
        for number in range(1, self.tasks + 1):
            folder = tasks / f"tiny-sum-{number}"
            shutil.copytree(TINY_TASK, folder)
            spec = json.loads((folder / "task.json").read_text())
            spec.update(slug=folder.name, id=90100 + number, title=f"Tiny Sum {number}")
            (folder / "task.json").write_text(json.dumps(spec, indent=1))
        if self.database.startswith(("postgres://", "postgresql://")):
            self.database = self._postgres_create(self.database)
        self.redis.start()
        self.env = {
            **os.environ,
            "REDIS_URL": self.redis.url,
            "DATABASE_URL": self.database,
            "MERCURY_TASKS_DIR": str(tasks),
            "DJANGO_STATIC_ROOT": str(self.directory / "static"),
            "MERCURY_BIND": f"127.0.0.1:{self.port}",
            "MERCURY_WORKERS": "2",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_THREADS": "4",
            "MERCURY_VAR_DIR": str(self.var),
            "MERCURY_RECOVER_EVERY": "3",
            "MERCURY_EVALUATE_CHUNK_TASKS": "1",
            "MERCURY_ADMIN_USER": ADMIN[0],
            "MERCURY_ADMIN_PASSWORD": ADMIN[1],
            "MERCURY_SUBMISSIONS_PER_DAY": "0",
            "MERCURY_MAX_QUEUED_PER_USER": "0",
            "MERCURY_MAX_ACTIVE_SUBMISSIONS": "0",
            "MERCURY_PAGE_CACHE_SECONDS": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        }
        for name in ("MERCURY_STOP_ORPHANS", "MERCURY_INSTANCE"):
            self.env.pop(name, None)

    def _postgres_create(self, url: str) -> str:
        import psycopg

        head = url.rpartition("/")[0]
        name = f"chaos_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"{head}/postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        self.created_database = f"{head}/{name}"
        return self.created_database

    def teardown(self) -> None:
        with contextlib.suppress(Exception):
            self._stop_leftovers()
        self.redis.kill(signal.SIGTERM)
        if self.created_database:
            import psycopg

            head, _, name = self.created_database.rpartition("/")
            with psycopg.connect(f"{head}/postgres", autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    # -- make run -------------------------------------------------------------------------------

    def start(self, **extra: str) -> subprocess.Popen[bytes]:
        """`make run` in a session of its own (as a terminal would run it), output to run.log."""
        log = (self.directory / "run.log").open("ab")
        return subprocess.Popen(
            ["bash", "scripts/run-portal.sh"],
            cwd=REPO,
            env={**self.env, **extra},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # As from a terminal: a shell cannot trap a signal ignored when it started (as
            # SIGINT is under nohup or `&`), and Ctrl-C must reach the script's trap.
            preexec_fn=_default_sigint,  # noqa: PLW1509 - only resets a signal before exec
        )

    def is_up(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=5) as response:
                return response.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def wait_up(self, run: subprocess.Popen[bytes], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if run.poll() is not None:
                return False
            if self.is_up():
                return True
            time.sleep(0.3)
        return False

    def marked(self) -> list[str]:
        done = subprocess.run(
            [
                sys.executable,
                str(REPO / "scripts" / "instance.py"),
                "list",
                str(self.var.resolve()),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        return [line.strip() for line in done.stdout.splitlines() if line.strip()]

    def _stop_leftovers(self) -> None:
        subprocess.run(
            ["bash", "scripts/stop-portal.sh"], cwd=REPO, env=self.env, capture_output=True
        )

    def ensure_token(self) -> None:
        if self.token:
            return
        done = subprocess.run(
            [str(PYTHON), "manage.py", "api_token", ADMIN[0], "--name", "chaos"],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode == 0:
            self.token = done.stdout.strip().splitlines()[-1]

    def upload(self) -> None:
        """Upload one submission through the JSON API; recorded only when the portal took it."""
        self.ensure_token()
        name = f"chaos-{len(self.uploaded) + 1}-{self.rng.randrange(10**6)}"
        lines = [
            json.dumps(
                {
                    "task_id": f"tiny-sum-{task}",
                    "completion": f"# {name}\n{self.rng.choice(COMPLETIONS)}",  # a new file
                }
            )
            for task in range(1, self.tasks + 1)
        ]
        body, boundary = _multipart({"model_name": name}, "\n".join(lines) + "\n")
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/submissions/",
            data=body,
            headers={
                "Authorization": f"Token {self.token}",
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            },
        )
        # Recorded first: a portal killed after it stored the upload but before it answered
        # still owes the submission.
        self.uploaded[name] = len(lines)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                self.note(f"uploaded {name}: {response.status}")
        except urllib.error.HTTPError as exc:  # the portal answered: it did not take it
            del self.uploaded[name]
            raise self.fail(f"upload {name} refused: {exc.code} {exc.read()[:500]!r}") from exc
        except OSError as exc:
            self.note(f"upload {name} not confirmed ({exc})")

    def note(self, message: str) -> None:
        line = f"[chaos {time.strftime('%H:%M:%S')}] {message}"
        self.log.append(line)
        print(line, flush=True)

    def fail(self, message: str) -> ChaosFailure:
        tail = (self.directory / "run.log").read_text(errors="replace")[-4000:]
        return ChaosFailure(
            f"{message}\n(seed {self.seed}; replay: bench/chaos.py --seed {self.seed} "
            f"--cycles {self.cycles}; logs in {self.directory})\n--- run.log tail\n{tail}"
        )

    # -- the kills ------------------------------------------------------------------------------

    def _pids(self) -> dict[str, list[int]]:
        """The portal's processes by role, from the mark."""
        roles: dict[str, list[int]] = {"worker": [], "horse": [], "gunicorn": []}
        for line in self.marked():
            pid = int(line.split()[1].rstrip(":"))
            command = _cmdline(pid)
            if "manage.py rqworker" in command and not command.startswith("bash"):
                # The work horse is a fork of the worker (the loop around it is a bash).
                parent = _parent_command(pid)
                rqworker = "manage.py rqworker" in parent and not parent.startswith("bash")
                roles["horse" if rqworker else "worker"].append(pid)
            elif "gunicorn" in command and "gunicorn" not in _parent_command(pid):
                roles["gunicorn"].append(pid)
        return roles

    def kill_something(self, run: subprocess.Popen[bytes]) -> str:
        target = self.rng.choice(TARGETS)
        number = self.rng.choice((signal.SIGKILL, signal.SIGTERM))
        what = f"{target} with {signal.Signals(number).name}"
        if target == "make run":
            with contextlib.suppress(ProcessLookupError):
                os.kill(run.pid, number)
        elif target == "redis":
            self.redis.kill(number)
            time.sleep(self.rng.uniform(0.5, 3))
            self.redis.start()
        else:
            pids: list[int] = []
            deadline = time.monotonic() + (5 if target == "horse" else 0.1)
            while True:
                roles = self._pids()
                pids = roles[target]
                if target == "horse":  # one in the middle of a jail, if any comes within 5 s
                    in_jail = [
                        p for p in pids if any("nsjail" in _cmdline(c) for c in _proc_children(p))
                    ]
                    pids = in_jail or (pids if time.monotonic() > deadline else [])
                if pids or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            if not pids:
                return f"{what}: none running"
            pid = self.rng.choice(pids)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, number)
            what += f" (pid {pid})"
        return what

    # -- the run --------------------------------------------------------------------------------

    def cycle(self, index: int) -> None:
        """Start; kill something during start-up (one cycle in four) or after an upload; stop."""
        run = self.start()
        began = time.monotonic()
        if self.rng.random() < 0.25:
            moment = began + self.rng.uniform(0.3, 8.0)
            when = "during start-up"
        else:
            if not self.wait_up(run, timeout=120):
                raise self.fail(f"cycle {index}: the portal did not come up")
            self.upload()
            moment = time.monotonic() + self.rng.uniform(0.0, self.kill_window_s)
            when = "after an upload"
        while time.monotonic() < moment and run.poll() is None:
            time.sleep(0.05)
        what = self.kill_something(run) if run.poll() is None else "nothing: make run had exited"
        self.note(f"cycle {index}: killed {what}, {time.monotonic() - began:.1f} s in ({when})")
        time.sleep(self.rng.uniform(0.2, 2.0))
        self.stop(run)

    def stop(self, run: subprocess.Popen[bytes]) -> None:
        """Stop as an operator would, then check that nothing of the portal is left."""
        if run.poll() is None:
            number = self.rng.choice((signal.SIGTERM, signal.SIGINT))
            run.send_signal(number)
            try:
                run.wait(timeout=30)
            except subprocess.TimeoutExpired:
                raise self.fail(f"make run did not stop within 30 s of {number.name}") from None
            self.note(f"stopped make run with {number.name}: exit {run.returncode}")
        else:
            left = self.marked()
            if left:
                # The next start must name them and refuse (no terminal to ask on).
                refused = self.start()
                refused.wait(timeout=60)
                text = (self.directory / "run.log").read_text(errors="replace")[-3000:]
                if refused.returncode == 0 or "still running" not in text:
                    raise self.fail(f"a start with orphans running did not refuse: {left}")
                self.note(f"a start named {len(left)} orphan(s) and refused; make stop")
                self._stop_leftovers()
        deadline = time.monotonic() + 5
        while (left := self.marked()) and time.monotonic() < deadline:
            time.sleep(0.2)
        if left:
            raise self.fail(f"processes of the portal left running after the stop: {left}")
        if self.is_up():
            raise self.fail("something still answers on the portal's port after the stop")

    def finish(self, timeout: float) -> None:
        """A last, undisturbed run: everything must finish; then check every invariant."""
        if self.redis.process is None:
            self.redis.start()
        run = self.start()
        if not self.wait_up(run, timeout=120):
            raise self.fail("the portal did not come up for the last run")
        self.note("last run: up; waiting for every submission and calibration")
        deadline = time.monotonic() + timeout
        while True:
            problems = self.problems()
            if not problems:
                break
            if time.monotonic() > deadline:
                raise self.fail("not finished: " + "; ".join(problems))
            time.sleep(1)
        self.stop(run)
        self.note(f"all {len(self.uploaded)} submission(s) finished, every check holds")

    def problems(self) -> list[str]:
        """What is not (yet) as it must be at the end."""
        found = []
        rows, results, calibrations, tasks = _database_state(self.database)
        names = {name for _pk, name, *_ in rows}
        found += [f"submission {name} is missing" for name in set(self.uploaded) - names]
        for pk, name, status, done, total in rows:
            if name not in self.uploaded:
                found.append(f"submission #{pk} ({name}) was never uploaded")
                continue
            keys = results.get(pk, [])
            if status != "done":
                found.append(f"submission #{pk} is {status} ({done}/{total})")
            elif len(keys) != self.uploaded[name] or len(set(keys)) != len(keys):
                found.append(f"submission #{pk} has results {keys} for {self.uploaded[name]} lines")
            elif any(verdict == "pending" for _task, _sample, verdict in keys):
                found.append(f"submission #{pk} is done with pending results")
        if calibrations != tasks:
            found.append(f"calibrations per task on this host: {calibrations} (tasks {tasks})")
        client = self.redis.client()
        for queue in QUEUES:
            for state, key in (("started", f"rq:wip:{queue}"), ("failed", f"rq:failed:{queue}")):
                members = [m.decode() for m in client.zrange(key, 0, -1)]
                if members:
                    found.append(f"{state} jobs on {queue}: {members}")
        return found

    def run(self, finish_timeout: float) -> None:
        self.note(f"seed {self.seed}: {self.cycles} cycle(s)")
        self.setup()
        self.note(f"database {self.database}, Redis {self.redis.url}, folder {self.directory}")
        try:
            for index in range(1, self.cycles + 1):
                self.cycle(index)
            self.finish(finish_timeout)
        finally:
            self.teardown()
        shutil.rmtree(self.directory, ignore_errors=True)  # kept when a check failed


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _parent_command(pid: int) -> str:
    try:
        parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return ""
    return _cmdline(parent)


def _multipart(fields: dict[str, str], content: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
        for key, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="c.jsonl"\r\n'
        f"Content-Type: application/jsonl\r\n\r\n{content}\r\n--{boundary}--\r\n"
    )
    return "".join(parts).encode(), boundary


@contextlib.contextmanager
def _connect(url: str) -> Iterator[tuple[Any, str]]:
    if url.startswith("sqlite"):
        import sqlite3

        connection: Any = sqlite3.connect(url.removeprefix("sqlite:///"))
        mark = "?"
    else:
        import psycopg

        connection = psycopg.connect(url)
        mark = "%s"
    try:
        yield connection, mark
    finally:
        connection.close()


def _database_state(
    url: str,
) -> tuple[list[tuple], dict[int, list[tuple]], dict[str, int], dict[str, int]]:
    """Submissions, their results' keys, calibrations per task (one host) and the task set."""
    with _connect(url) as (connection, _mark):
        rows = connection.execute(
            "SELECT id, model_name, status, progress_done, progress_total FROM portal_submission"
        ).fetchall()
        results: dict[int, list[tuple]] = {}
        for submission, slug, sample, verdict in connection.execute(
            "SELECT r.submission_id, t.slug, r.sample, r.verdict FROM portal_result r "
            "JOIN portal_task t ON t.id = r.task_id"
        ).fetchall():
            results.setdefault(submission, []).append((slug, sample, verdict))
        tasks = {slug: 1 for (slug,) in connection.execute("SELECT slug FROM portal_task")}
        calibrations: dict[str, int] = {}
        for slug, count in connection.execute(
            "SELECT t.slug, COUNT(*) FROM portal_calibration c JOIN portal_task t "
            "ON t.id = c.task_id AND t.fingerprint = c.task_fingerprint GROUP BY t.slug"
        ).fetchall():
            calibrations[slug] = count
    return rows, results, calibrations, tasks


def main(argv: list[str] | None = None) -> int:
    """The command line; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--database", default="", help="postgres://... (default: SQLite)")
    parser.add_argument("--window", type=float, default=20.0, help="kill within S s of an upload")
    parser.add_argument("--finish-timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**9)
    chaos = Chaos(seed=seed, cycles=args.cycles, database=args.database, kill_window_s=args.window)
    if not chaos.database:
        chaos.database = f"sqlite:///{chaos.directory / 'db.sqlite3'}"
    try:
        chaos.run(args.finish_timeout)
    except ChaosFailure as failure:
        print(f"CHAOS FAILED: {failure}", file=sys.stderr)
        return 1
    print(f"chaos passed (seed {seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
