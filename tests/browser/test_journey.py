"""Browser journey against a live server and a real RQ worker: upload, live progress, results,
leaderboard, task chart, compare; on a desktop and a phone, by mouse and by keyboard.

Screenshots go to var/test-artifacts/browser/. The worker runs in a thread of the test process
(so it shares the live server's in-memory test database) and judges in the real nsjail sandbox
when this host can run it, else with the fake judge.
"""

import threading
import time

import pytest

from portal import judging
from tests.browser.conftest import draw_charts, shot, sign_in, watch
from tests.conftest import sandbox_works

pytestmark = pytest.mark.slow

FAST = "class Solution:\n    def sumList(self, nums):\n        return sum(nums)\n"
SLOW = (
    "class Solution:\n"
    "    def sumList(self, nums):\n"
    "        total = 0\n"
    "        for value in nums:\n"
    "            total += int(str(value))\n"
    "        return total\n"
)
WRONG = "class Solution:\n    def sumList(self, nums):\n        return sum(nums) + 1\n"


@pytest.fixture
def judge(request, monkeypatch):
    """The real sandbox judge when available (slowed a little so progress is visible)."""

    if not sandbox_works():
        request.getfixturevalue("fake_judge")
    real = judging.judge_sample

    def paced(*args, **kwargs):
        time.sleep(1.0)
        return real(*args, **kwargs)

    monkeypatch.setattr(judging, "judge_sample", paced)
    return "sandbox" if real.__module__ == "portal.judging" else "fake"


@pytest.fixture
def worker(transactional_db, live_server, judge):
    """An RQ SimpleWorker in a thread on the test Redis database, sharing the test database."""
    import django_rq
    from django.db import connections
    from rq import SimpleWorker
    from rq.timeouts import TimerDeathPenalty

    class ThreadWorker(SimpleWorker):
        death_penalty_class = TimerDeathPenalty  # SIGALRM works only in the main thread

        def _install_signal_handlers(self):  # signals too
            pass

    shared = connections["default"]  # the in-memory database the live server shares
    stop = threading.Event()
    errors: list[BaseException] = []

    def run():
        connections["default"] = shared
        queues = [django_rq.get_queue(name) for name in ("evaluate", "calibrate")]
        rq_worker = ThreadWorker(queues, connection=queues[0].connection)
        while not stop.is_set():
            try:
                rq_worker.work(burst=True, with_scheduler=False, logging_level="WARNING")
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)
                return
            stop.wait(0.3)

    thread = threading.Thread(target=run, name="rq-test-worker", daemon=True)
    thread.start()
    yield errors
    stop.set()
    thread.join(timeout=60)
    django_rq.get_connection("evaluate").flushdb()


def _upload(page, base, tmp_path, name, rows, **fields):
    import json

    path = tmp_path / f"{name}.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    page.goto(f"{base}/upload/")
    page.fill("#id_model_name", name)
    for field, value in fields.items():
        if field == "weights":
            page.select_option("#id_weights", value)
        else:
            page.fill(f"#id_{field}", value)
    page.set_input_files("#id_file", str(path))
    page.click("#submit-button")
    page.wait_for_url("**/submissions/*/")


def test_upload_progress_results_leaderboard_task_chart_compare(
    tiny_task, worker, live_server, browser, tmp_path, uploader
):
    base = live_server.url
    page = watch(browser.new_page(viewport={"width": 1280, "height": 900}))
    sign_in(page, base, uploader)
    rows = [
        {"task_id": "tiny-sum", "completion": FAST},
        {"task_id": "tiny-sum", "completion": SLOW},
        {"task_id": "tiny-sum", "completion": WRONG},
    ]

    # Upload with metadata; the submission page shows live progress.
    _upload(
        page,
        base,
        tmp_path,
        "journey-model",
        rows,
        model_version="v1",
        parameters_b="7",
        weights="open",
        temperature="0.2",
        samples_per_task="3",
    )
    assert page.locator("h1").inner_text().startswith("journey-model")
    page.evaluate("window.__sameDocument = true")
    shot(page, "01-submission-queued.png")
    # Progress and result rows update in place (the marker survives: no reload yet).
    page.wait_for_function(
        """() => window.__sameDocument === true &&
                 !['0/3'].includes(document.querySelector('[data-role=count]').textContent) &&
                 document.querySelector('.results [data-cell=verdict]:not(.verdict-pending)')""",
        timeout=180_000,
    )
    shot(page, "02-submission-live.png")
    # When it finishes the page reloads once with the scores, charts and results.
    page.wait_for_selector(".status-panel .status-done", timeout=180_000)
    assert page.locator("[data-role=count]").inner_text() == "3/3"
    verdicts = page.locator(".results [data-cell=verdict]").all_inner_texts()
    assert verdicts.count("passed") == 2 and "wrong answer" in verdicts, verdicts
    for chart in ("beyond", "percentile", "failures"):
        page.wait_for_selector(f"#{chart}-chart[data-rendered=true]", timeout=30_000)
    # The code is highlighted when a sample is opened.
    page.locator("details.code summary").first.click()
    page.wait_for_selector("details.code[data-loaded=true] pre .k", timeout=15_000)
    shot(page, "03-submission-results.png")
    submission_url = page.url
    assert worker == []

    # The leaderboard lists it; search and sort by keyboard, with the state in the URL.
    page.goto(base + "/")
    assert "journey-model" in page.locator("table.leaderboard tbody").inner_text()
    draw_charts(page)  # the charts near the top load at once: let them finish before leaving
    page.focus("#f-q")
    page.keyboard.type("journey")
    page.keyboard.press("Enter")
    page.wait_for_url("**/?q=journey*")
    draw_charts(page)
    page.locator("th a", has_text="Pass@1").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=-pass*")
    assert "q=journey" in page.url
    assert page.locator("table.leaderboard tbody tr").count() == 1
    draw_charts(page)  # they load when they near the viewport
    assert page.locator("#leaderboard-chart").get_attribute("data-rendered") == "true"
    shot(page, "04-leaderboard.png")

    # The task page draws the reference runtimes with every sample marked.
    page.goto(f"{base}/tasks/tiny-sum/")
    page.wait_for_selector("#task-chart[data-rendered=true]", timeout=30_000)
    traces = page.evaluate("document.getElementById('task-chart').data.map(t => t.name)")
    assert traces == ["reference solutions", "submissions"]
    assert page.evaluate("document.getElementById('task-chart').data[1].x.length") == 2
    assert "journey-model v1" in page.locator(".task-models").inner_text()
    shot(page, "05-task.png")

    # A second model, then the comparison of the two.
    _upload(page, base, tmp_path, "second-model", [{"task_id": "tiny-sum", "completion": FAST}])
    page.wait_for_selector(".status-panel .status-done", timeout=180_000)
    # Charts load one after another; leaving before the last would abort its request.
    draw_charts(page)
    page.goto(f"{base}/compare/")
    page.check("text=journey-model v1")
    page.check("text=second-model")
    page.click("form.compare-form button[type=submit]")
    page.wait_for_selector("table.differences")
    assert "Per task, on the tasks all attempted" in page.content()
    assert page.locator("table.compare-tasks tbody tr").count() == 1
    draw_charts(page)
    shot(page, "06-compare.png")
    assert page.problems == []
    assert worker == []

    # On a phone: nothing overflows the viewport; wide tables scroll in their own region.
    phone = watch(browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True))
    for path, name in (
        ("/", "07-phone-leaderboard.png"),
        (submission_url, "08-phone-submission.png"),
    ):
        phone.goto(path if path.startswith("http") else base + path)
        draw_charts(phone)
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{path} overflows by {overflow}px"
        shot(phone, name)
    # Keyboard: the skip link is the first stop and moves focus to the content.
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.className") == "skip-link"
    phone.keyboard.press("Enter")
    assert phone.evaluate("location.hash") == "#main"
    phone.wait_for_timeout(500)
    assert phone.problems == []
