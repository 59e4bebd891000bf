"""The researcher's path in Chromium: prompts in, the formats people have, a check that spends
no quota, then results that read at 1366 px and on a 390 px phone.

Screenshots of the leaderboard, a submission and a task page at both widths go to
var/test-artifacts/browser/ (see conftest.shot).
"""

import json
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from portal.models import Submission
from tests.browser.conftest import draw_charts, shot, sign_in

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
CLASS = "class Solution:\n    def solve(self, x: int) -> int:\n        return x  # {tag}\n"
# (slug, difficulty): the first two are the first tasks of Mercury's eval split, so that a
# bigcode-evaluation-harness file (lists in that order) names them.
TASKS = [
    ("spiral-matrix", "Medium"),
    ("summary-ranges", "Easy"),
    ("alpha", "Easy"),
    ("beta", "Hard"),
    ("gamma", "Medium"),
]
# Per model, the fake judge's outcome on each task: FAST beats every reference, "steady" half,
# WRONG fails.
MODELS = {
    "swift-coder": ["FAST", "FAST", "FAST", "steady", "FAST"],
    "steady-coder": ["steady", "steady", "WRONG", "steady", "steady"],
    "shaky-coder": ["WRONG", "steady", "WRONG", "WRONG", "FAST"],
}


def watch_all(page: Any) -> Any:
    """Record console errors and warnings (Plotly warns with console.trace) and page errors."""
    page.console = []
    page.on(
        "console",
        lambda m: (
            m.type in ("error", "warning", "trace") and page.console.append(f"{m.type}: {m.text}")
        ),
    )
    page.on("pageerror", lambda error: page.console.append(str(error)))
    return page


def new_page(browser: Any, viewport: dict[str, int]) -> Any:
    return watch_all(browser.new_page(viewport=viewport))


def svg_texts(locator: Any) -> list[str]:
    """The text of SVG elements (which have no innerText)."""
    return locator.evaluate_all("elements => elements.map(e => e.textContent)")


@pytest.fixture
def board(transactional_db, make_task, fake_judge, create_submission, evaluate) -> dict[str, Any]:
    """Five tasks and three public models judged by the fake judge."""
    for slug, level in TASKS:
        make_task(slug=slug, difficulty=level)
    ids = {}
    for name, codes in MODELS.items():
        rows = [
            {"task_id": slug, "completion": code}
            for (slug, _), code in zip(TASKS, codes, strict=True)
        ]
        submission = create_submission(rows, model_name=name)
        evaluate(submission.pk)
        ids[name] = submission.pk
    return ids


def test_prompts_download_with_problem_statements(live_server, browser, board):
    page = new_page(browser, DESKTOP)
    page.goto(live_server.url + reverse("portal:task_list"))
    with page.expect_download() as info:
        page.get_by_role("link", name="Prompts (JSONL)").click()
    lines = [json.loads(line) for line in Path(info.value.path()).read_text().splitlines()]

    alpha = next(line for line in lines if line["task_id"] == "alpha")
    # The full prompt holds the statement before the starter code, which is its own field.
    assert "Return **x**." in alpha["prompt"]
    assert alpha["prompt"].endswith(alpha["starter_code"])
    assert alpha["starter_code"].startswith("class Solution:")
    assert page.console == []


@pytest.mark.parametrize(
    ("filename", "payload", "format_name"),
    [
        (
            "deepseek_samples.json",
            {
                "alpha": [{"task_id": "alpha", "completion": "return x  # FAST"}],
                "beta": [{"task_id": "beta", "completion": CLASS.format(tag="steady")}],
            },
            "Mercury's *_samples.json",
        ),
        (
            "evalplus.jsonl",
            [
                {"task_id": "alpha", "solution": CLASS.format(tag="FAST")},
                {"task_id": "gamma", "completion": "        return x  # steady\n"},
            ],
            "JSONL",
        ),
        (
            "generations_mercury.json",
            [["return x  # FAST"], [CLASS.format(tag="steady"), "return x  # WRONG"]],
            "bigcode-evaluation-harness",
        ),
    ],
    ids=["mercury-samples", "evalplus-jsonl", "bigcode-generations"],
)
def test_a_foreign_format_uploads_from_the_submit_page(
    live_server, browser, board, uploader, filename, payload, format_name, tmp_path
):
    if filename.endswith(".jsonl"):
        body = "\n".join(json.dumps(row) for row in payload) + "\n"
    else:
        body = json.dumps(payload)
    path = tmp_path / filename
    path.write_text(body)
    page = new_page(browser, DESKTOP)
    sign_in(page, live_server.url, uploader)
    page.goto(live_server.url + reverse("portal:upload"))
    page.get_by_label("Model name").fill(f"upload-{filename}")
    page.get_by_label("Completions file").set_input_files(str(path))

    page.get_by_role("button", name="Check the file only").click()
    assert page.locator("#check-result").inner_text().startswith("The file can be submitted")
    assert format_name in page.locator("#check-result").inner_text()
    page.get_by_label("Completions file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and evaluate").click()

    page.wait_for_url("**/submissions/*/")
    submission = Submission.objects.get(model_name=f"upload-{filename}")
    samples = sum(len(v) for v in payload.values()) if isinstance(payload, dict) else None
    if samples is None:
        samples = sum(len(v) for v in payload) if isinstance(payload[0], list) else len(payload)
    assert submission.n_samples == samples
    # A method body that continued the prompt was joined to the task's starter code.
    assert all(
        code.startswith("class Solution")
        for code in submission.results.values_list("code", flat=True)
    )
    assert page.console == []


def test_checking_a_file_uses_no_quota_even_when_uploads_are_used_up(
    live_server, browser, board, uploader, create_submission, settings, tmp_path
):
    settings.MERCURY_SUBMISSIONS_PER_DAY = 1
    create_submission([{"task_id": "alpha", "completion": "FAST"}], user=uploader)
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        json.dumps({"task_id": "alpha", "completion": CLASS.format(tag="x")})
        + "\n"
        + json.dumps({"task_id": "beta", "solution": "return 1"})
        + "\n"
    )
    page = new_page(browser, DESKTOP)
    sign_in(page, live_server.url, uploader)
    page.goto(live_server.url + reverse("portal:upload"))

    submit = page.get_by_role("button", name="Upload and evaluate")
    assert submit.is_disabled()
    assert page.get_by_text("You have used all 1 uploads").count() == 1
    for _ in range(3):
        page.get_by_label("Completions file").set_input_files(str(path))
        page.get_by_role("button", name="Check the file only").click()
        result = page.locator("#check-result").inner_text()
        assert "The file would be refused" in result and "no quota used" in result
        assert "line 2: it has no `class Solution`" in result
    assert Submission.objects.filter(user=uploader).count() == 1
    assert page.console == []


def test_leaderboard_percentile_chart_draws_every_model(live_server, browser, board):
    page = new_page(browser, DESKTOP)
    page.goto(live_server.url + reverse("portal:leaderboard"))
    draw_charts(page)

    # Every column fits at 1366 px: the table does not scroll sideways in its region.
    assert page.locator(".table-wrap").first.evaluate("el => el.scrollWidth <= el.clientWidth")
    chart = page.locator("#percentile-chart")
    assert chart.get_attribute("data-rendered") == "true"
    labels = svg_texts(chart.locator(".ytick text"))
    assert sorted(label.split(" (")[0] for label in labels) == sorted(MODELS)
    # Bars for each band of the distribution, and the difficulty switch redraws them.
    assert chart.locator(".barlayer .trace").count() == 4
    page.get_by_label("Hard", exact=True).check()
    page.wait_for_timeout(300)
    assert len(svg_texts(chart.locator(".ytick text"))) == 3
    # The scatter labels every model.
    scatter_text = svg_texts(page.locator("#leaderboard-chart .textpoint"))
    assert sorted(scatter_text) == sorted(MODELS)
    page.get_by_label("All", exact=True).check()
    page.wait_for_timeout(300)
    shot(page, "researcher-leaderboard-1366.png")
    assert page.console == []


def test_per_task_filters_on_a_submission(live_server, browser, board):
    page = new_page(browser, DESKTOP)
    url = live_server.url + reverse("portal:submission_detail", args=[board["shaky-coder"]])
    page.goto(url)

    page.get_by_label("Verdict", exact=True).select_option("failed")
    page.get_by_role("button", name="Apply").click()
    titles = page.locator("tbody.task-group .task-cell a").all_inner_texts()
    assert sorted(titles) == ["Alpha", "Beta", "Spiral Matrix"]

    page.get_by_label("Task", exact=True).fill("bet")
    page.get_by_role("button", name="Apply").click()
    assert page.locator("tbody.task-group .task-cell a").all_inner_texts() == ["Beta"]

    page.get_by_role("link", name="Show all tasks").click()
    page.get_by_label("Sort", exact=True).select_option("-beyond")
    page.get_by_role("button", name="Apply").click()
    # FAST first (Beyond 100), then steady (50), failures last.
    assert page.locator("tbody.task-group .task-cell a").first.inner_text() == "Gamma"
    draw_charts(page)
    shot(page, "researcher-submission-1366.png")

    # A task page's link to a model lands on that task's row.
    page.goto(live_server.url + reverse("portal:task_detail", args=["beta"]))
    page.get_by_role("link", name="shaky-coder").click()
    assert page.url.endswith("?task=beta#task-beta")
    assert page.locator("tbody.task-group .task-cell a").all_inner_texts() == ["Beta"]
    assert page.console == []


def test_compare_against_a_chosen_baseline(live_server, browser, board):
    page = new_page(browser, DESKTOP)
    ids = ",".join(str(board[name]) for name in MODELS)
    page.goto(
        live_server.url + reverse("portal:compare") + f"?ids={ids}&baseline={board['steady-coder']}"
    )

    assert page.locator("#diff-heading").inner_text().endswith("steady-coder")
    assert page.locator("tr.baseline").inner_text().startswith("steady-coder")
    assert "every compared model attempted" in page.locator("#compare-basis").inner_text()
    swift = page.locator(f"tr[data-submission='{board['swift-coder']}']")
    # Against steady-coder, swift-coder is faster where both pass (FAST vs steady, well beyond
    # the noise) and passes alpha, which the baseline fails.
    assert swift.locator("[data-count=faster]").inner_text() == "3"
    assert swift.locator("[data-count=slower]").inner_text() == "0"

    page.get_by_label("Baseline", exact=True).select_option(str(board["swift-coder"]))
    page.get_by_role("button", name="Compare").click()
    assert page.locator("#diff-heading").inner_text().endswith("swift-coder")
    assert page.console == []


def test_the_phone_leaderboard_shows_the_primary_scores_without_sideways_scrolling(
    live_server, browser, board
):
    page = new_page(browser, PHONE)
    page.goto(live_server.url + reverse("portal:leaderboard"))

    width = PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    region = page.locator(".table-wrap").first
    assert region.evaluate("el => el.scrollWidth <= el.clientWidth")
    for selector in ("th.m-pass", "th.m-beyond", "td.m-pass", "td.m-beyond"):
        box = page.locator(f"#leaderboard-table {selector}").first.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, selector
    assert page.locator("#leaderboard-table td.m-beyond_correct").first.is_hidden()
    draw_charts(page)
    shot(page, "researcher-leaderboard-390.png")
    assert page.console == []


def test_screenshots_of_a_submission_and_a_task_at_both_widths(live_server, browser, board):
    for viewport, suffix in ((DESKTOP, "1366"), (PHONE, "390")):
        page = new_page(browser, viewport)
        page.goto(
            live_server.url + reverse("portal:submission_detail", args=[board["swift-coder"]])
        )
        draw_charts(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        shot(page, f"researcher-submission-full-{suffix}.png")
        page.goto(live_server.url + reverse("portal:task_detail", args=["beta"]))
        draw_charts(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        shot(page, f"researcher-task-{suffix}.png")
        if suffix == "390":
            page.goto(live_server.url + reverse("portal:leaderboard"))
            draw_charts(page)
        assert page.console == [], suffix


def test_no_page_logs_an_error_or_a_warning(live_server, browser, board, uploader):
    page = new_page(browser, DESKTOP)
    sign_in(page, live_server.url, uploader)
    pk = board["swift-coder"]
    paths = [
        reverse("portal:leaderboard"),
        reverse("portal:task_list"),
        reverse("portal:task_detail", args=["alpha"]),
        reverse("portal:submission_detail", args=[pk]),
        reverse("portal:compare") + f"?ids={board['swift-coder']},{board['shaky-coder']}",
        reverse("portal:upload"),
        reverse("portal:about"),
        reverse("portal:docs_api"),
        reverse("portal:profile"),
        reverse("portal:moderation_log"),
    ]
    for path in paths:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        draw_charts(page)
        assert page.console == [], path
    missing = page.goto(live_server.url + "/submissions/999999/")
    assert missing.status == 404
    assert "reviewed and approved" in page.content()
    assert page.get_by_role("link", name="Leaderboard").first.is_visible()
    # The 404 answer itself is the only thing the browser reports.
    assert all("404" in line for line in page.console), page.console
