"""Browser: Debian's Chromium (through Playwright) loads the pages of a live server."""

from tests.browser.conftest import sign_in


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
    # Two traces: the references and the submissions (the figure is fetched as JSON).
    assert page.evaluate("document.getElementById('task-chart').data.length") == 2
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
    page.click("#submit-button")

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
