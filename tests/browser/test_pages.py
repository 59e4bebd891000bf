"""Browser: Debian's Chromium (through Playwright) loads the pages of a live server."""

import os
from pathlib import Path

import pytest

from tests.browser.conftest import sign_in

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt install chromium)"
    ),
]


@pytest.fixture
def site(transactional_db, tiny_task, fake_judge, create_submission):
    """A leaderboard with two finished submissions and a calibrated task with their runtimes."""
    from portal import services

    for model_name, code in (("fast-model", "FAST"), ("steady-model", "steady")):
        submission = create_submission(
            [{"task_id": "tiny-sum", "completion": code}], model_name=model_name
        )
        services.submission_evaluate(submission_id=submission.pk)
    return tiny_task


@pytest.fixture
def page(live_server):
    """A Chromium page that records console errors and failed requests."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM is not used meanwhile.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.problems = []
        page.on(
            "console",
            lambda message: message.type == "error" and page.problems.append(message.text),
        )
        page.on("pageerror", lambda error: page.problems.append(str(error)))
        page.on(
            "requestfailed",
            lambda request: page.problems.append(f"failed {request.url}"),
        )
        page.on(
            "response",
            lambda response: (
                response.status >= 400 and page.problems.append(f"{response.status} {response.url}")
            ),
        )
        try:
            yield page
        finally:
            browser.close()


def test_leaderboard_loads_without_console_errors(site, live_server, page):
    page.goto(live_server.url + "/")

    assert page.locator("h1").inner_text() == "Leaderboard"
    rows = page.locator("table.leaderboard tbody tr")
    assert rows.count() == 2
    assert "fast-model" in rows.nth(0).inner_text()
    assert page.problems == []


def test_task_page_draws_the_runtime_chart(site, live_server, page):
    page.goto(f"{live_server.url}/tasks/tiny-sum/")

    page.wait_for_selector("#task-chart[data-rendered=true]", timeout=15_000)
    assert page.locator("#task-chart .main-svg").count() >= 1
    # Three traces: histogram, reference rug, submissions (the figure is fetched as JSON).
    assert page.evaluate("document.getElementById('task-chart').data.length") == 3
    assert page.locator("#task-chart .point").count() >= 2
    assert page.problems == []


def test_upload_then_live_progress(site, live_server, page, tmp_path, uploader):
    sign_in(page, live_server.url, uploader)
    completions = tmp_path / "c.jsonl"
    completions.write_text('{"task_id": "tiny-sum", "completion": "FAST # browser"}\n')
    page.goto(f"{live_server.url}/upload/")

    page.fill("#id_model_name", "browser-model")
    page.set_input_files("#id_file", str(completions))
    page.keyboard.press("Tab")
    page.click("button[type=submit]")

    page.wait_for_url("**/submissions/*/")
    assert "browser-model" in page.locator("h1").inner_text()
    assert page.locator("[data-role=count]").inner_text() == "0/1"
    # The job waits in the test Redis database (no worker runs); the page polls its status.
    page.wait_for_event(
        "requestfinished", lambda request: "/status/" in request.url, timeout=10_000
    )
    assert page.problems == []
    import django_rq

    django_rq.get_connection("evaluate").flushdb()
