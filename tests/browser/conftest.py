"""Browser-test plumbing: Debian's Chromium through Playwright, pages that record problems,
screenshots, signing a page in, and a small finished leaderboard."""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "browser"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here is a browser test, skipped where Chromium is missing."""
    here = Path(__file__).parent
    missing = pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt install chromium)"
    )
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.browser)
            item.add_marker(missing)


def watch(page: Any) -> Any:
    """Record console errors, page errors, failed requests and 4xx/5xx answers in `problems`."""
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on("requestfailed", lambda r: page.problems.append(f"failed {r.url}"))
    page.on("response", lambda r: r.status >= 400 and page.problems.append(f"{r.status} {r.url}"))
    return page


def shot(page: Any, name: str) -> None:
    """A full-page screenshot in var/test-artifacts/browser/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def draw_charts(page: Any, timeout: int = 30_000) -> None:
    """Scroll through the page, so charts that load when they near the viewport are drawn, wait
    until every one is (or says why not), and scroll back to the top."""
    height = page.evaluate("document.documentElement.scrollHeight")
    for y in range(0, height + 900, 400):
        page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_timeout(60)
    page.wait_for_function(
        "[...document.querySelectorAll('[data-figure], [data-figure-url]')]"
        ".every(chart => chart.dataset.rendered)",
        timeout=timeout,
    )
    page.evaluate("window.scrollTo(0, 0)")


def sign_in(page: Any, base_url: str, user: Any) -> None:
    """Give the page's browser context a session of `user` (as if it had logged in)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )


@pytest.fixture
def browser() -> Iterator[Any]:
    """Chromium, for the whole test."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM is not used meanwhile.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(live_server: Any, browser: Any) -> Any:
    """A Chromium page that records console errors and failed requests (see `watch`)."""
    return watch(browser.new_page())


@pytest.fixture
def site(
    transactional_db: None,
    tiny_task: Any,
    fake_judge: Any,
    create_submission: Any,
    evaluate: Any,
) -> Any:
    """A leaderboard with two finished submissions and a calibrated task with their runtimes."""

    for model_name, code in (("fast-model", "FAST"), ("steady-model", "steady")):
        submission = create_submission(
            [{"task_id": "tiny-sum", "completion": code}], model_name=model_name
        )
        evaluate(submission.pk)
    return tiny_task
