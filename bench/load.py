"""Load on the portal: N concurrent clients browse a running gunicorn on loopback for T seconds.

    export MERCURY_API_TOKEN=$(.venv/bin/python manage.py api_token admin)
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000 --clients 100 --duration 60 \
        --submit-references 256

Each client is a thread that fetches the public pages in turn (leaderboard, its CSV and JSON,
task list, a task, a submission and its status) over http.client, pausing `--think` seconds
between requests as a person would. With `--submit-references N` it first uploads a submission
of N tasks (each task's canonical reference solution) through the JSON API with the token in
MERCURY_API_TOKEN (or --token; a staff user's token skips review and quotas), so a submission
evaluates while the clients browse. Prints the count, errors and p50/p95/max latency per page;
the last line is one SUMMARY line. Loopback only; clients and duration are bounded.
"""

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
MAX_CLIENTS = 500
MAX_DURATION_S = 600
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class Stats:
    """Latencies and errors per page, shared by the client threads."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, page: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies[page].append(seconds)
            if error:
                self.errors[page] += 1
                self.examples.setdefault(page, error)


def _request(
    host: str,
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes, http.client.HTTPResponse]:
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), response
    finally:
        connection.close()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _references_jsonl(count: int, tasks_dir: Path, known: set[str], run: str) -> bytes:
    """One completion per task the portal knows: its canonical reference solution.

    A comment naming the `run` ends each one, so that a second run's file is not refused as a
    duplicate of the first.
    """
    rows: list[str] = []
    for task_dir in sorted(tasks_dir.iterdir()):
        meta_path = task_dir / "task.json"
        if len(rows) >= count or not meta_path.exists():
            continue
        meta = json.loads(meta_path.read_text())
        if meta["slug"] not in known:
            continue
        source = (task_dir / "refs" / f"{meta['canonical']}.py").read_text()
        source += f"\n# bench/load.py run {run}\n"
        rows.append(json.dumps({"task_id": meta["slug"], "completion": source}))
    return ("\n".join(rows) + "\n").encode()


def _upload(
    host: str, port: int, data: bytes, model_name: str, model_version: str, token: str
) -> int:
    """Upload through the JSON API with an API token; returns the new submission's id."""
    boundary = uuid.uuid4().hex
    fields = {"model_name": model_name, "model_version": model_version}
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="refs.jsonl"\r\n'
        "Content-Type: application/jsonl\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    status, body, _ = _request(
        host,
        port,
        "POST",
        "/api/submissions/",
        body=b"".join(parts),
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Authorization": f"Token {token}",
        },
    )
    if status != 201:
        raise SystemExit(f"the upload failed ({status}): {body[:2000].decode(errors='replace')}")
    return int(json.loads(body)["id"])


def _pages(host: str, port: int, submission_id: int | None) -> dict[str, str]:
    pages = {
        "leaderboard": "/",
        "leaderboard.csv": "/leaderboard.csv",
        "api/leaderboard": "/api/leaderboard/",
        "tasks": "/tasks/",
    }
    status, body, _ = _request(host, port, "GET", "/api/tasks/")
    if status == 200:
        tasks = json.loads(body).get("results") or []
        if tasks:
            task = tasks[len(tasks) // 2]
            pages["task"] = f"/tasks/{task.get('slug') or task['task_id']}/"
    if submission_id is None:
        status, body, _ = _request(host, port, "GET", "/api/leaderboard/")
        rows = json.loads(body).get("results") if status == 200 else []
        if rows:
            submission_id = rows[0].get("id") or rows[0].get("submission_id")
    if submission_id:
        pages["submission"] = f"/submissions/{submission_id}/"
        pages["submission/status"] = f"/submissions/{submission_id}/status/"
    return pages


# The leaderboard is the page most people open; weights set each page's share of requests.
WEIGHTS = {"leaderboard": 4, "submission/status": 2}


def _client(
    host: str, port: int, pages: dict[str, str], deadline: float, think: float, stats: Stats
) -> None:
    rng = random.Random()
    names = [name for name in pages for _ in range(WEIGHTS.get(name, 1))]
    time.sleep(rng.uniform(0, think))  # spread the first requests
    while time.monotonic() < deadline:
        name = rng.choice(names)
        started = time.perf_counter()
        error = None
        try:
            status, _body, _ = _request(host, port, "GET", pages[name])
            if status != 200:
                error = f"HTTP {status}"
        except (OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
        stats.record(name, time.perf_counter() - started, error)
        if think:
            time.sleep(rng.uniform(0.5 * think, 1.5 * think))


def _status(host: str, port: int, submission_id: int) -> dict[str, Any]:
    status, body, _ = _request(host, port, "GET", f"/submissions/{submission_id}/status/")
    return json.loads(body) if status == 200 else {"status": f"HTTP {status}"}


def _progress(status: dict[str, Any]) -> tuple[int | None, int | None]:
    progress = status.get("progress")
    if isinstance(progress, dict):
        return progress.get("done"), progress.get("total")
    return status.get("progress_done"), status.get("progress_total")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--duration", type=float, default=60, help="seconds")
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between requests")
    parser.add_argument("--submit-references", type=int, metavar="N", default=0)
    parser.add_argument("--submission", type=int, help="browse this submission's pages too")
    parser.add_argument(
        "--token",
        default=os.environ.get("MERCURY_API_TOKEN", ""),
        help="API token for --submit-references (default: $MERCURY_API_TOKEN)",
    )
    parser.add_argument("--tasks", type=Path, default=REPO / "fixtures" / "tasks")
    parser.add_argument("--p95-goal-ms", type=float, default=200.0)
    args = parser.parse_args(argv)

    url = urlsplit(args.url)
    host, port = url.hostname or "", url.port or 80
    if host not in LOOPBACK:
        parser.error(f"loopback only (127.0.0.1, localhost, ::1), not {host!r}")
    if not 1 <= args.clients <= MAX_CLIENTS:
        parser.error(f"--clients must be 1..{MAX_CLIENTS}")
    if not 0 < args.duration <= MAX_DURATION_S:
        parser.error(f"--duration must be in (0, {MAX_DURATION_S}] seconds")

    if args.submit_references and not args.token:
        parser.error(
            "--submit-references uploads through the API: give --token or set MERCURY_API_TOKEN "
            "(.venv/bin/python manage.py api_token <staff user>)"
        )
    submission_id = args.submission
    if args.submit_references:
        _status_code, body, _ = _request(host, port, "GET", "/api/tasks/")
        known = {t.get("slug") or t.get("task_id") for t in json.loads(body)["results"]}
        run = uuid.uuid4().hex[:8]
        data = _references_jsonl(args.submit_references, args.tasks, known, run)
        submission_id = _upload(host, port, data, "bench-load-references", run, args.token)
        print(f"uploaded submission {submission_id} ({data.count(b'\n')} tasks)", flush=True)
    pages = _pages(host, port, submission_id)
    before = _status(host, port, submission_id) if submission_id else None

    stats = Stats()
    deadline = time.monotonic() + args.duration
    threads = [
        threading.Thread(
            target=_client,
            args=(host, port, pages, deadline, args.think, stats),
            daemon=True,
        )
        for _ in range(args.clients)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=args.duration + 60)
    elapsed = time.monotonic() - started

    print(f"{'page':<20}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    total = errors = 0
    for name in pages:
        values = stats.latencies.get(name) or []
        if not values:
            continue
        total += len(values)
        errors += stats.errors.get(name, 0)
        print(
            f"{name:<20}{len(values):>9}{stats.errors.get(name, 0):>8}"
            f"{_percentile(values, 0.5) * 1000:>9.1f}{_percentile(values, 0.95) * 1000:>9.1f}"
            f"{max(values) * 1000:>9.1f}"
        )
    for name, example in stats.examples.items():
        print(f"  first error on {name}: {example}")
    board = stats.latencies.get("leaderboard") or [float("nan")]
    board_p95 = _percentile(board, 0.95) * 1000
    evaluating = ""
    if submission_id:
        after = _status(host, port, submission_id)
        done_before, _total = _progress(before or {})
        done_after, n_samples = _progress(after)
        evaluating = (
            f" submission={submission_id} progress={done_before}->{done_after}/{n_samples}"
            f" status={after.get('status')}"
        )
    all_values = [v for values in stats.latencies.values() for v in values]
    ok = errors == 0 and board_p95 <= args.p95_goal_ms
    print(
        f"SUMMARY clients={args.clients} duration_s={elapsed:.0f} requests={total}"
        f" rps={total / elapsed:.1f} errors={errors}"
        f" p50_ms={statistics.median(all_values) * 1000 if all_values else float('nan'):.1f}"
        f" leaderboard_p95_ms={board_p95:.1f} goal_ms={args.p95_goal_ms:.0f}"
        f"{evaluating} ok={str(ok).lower()}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
