"""Safe Markdown rendering and the Plotly figure builders."""

import json

from portal.charts import submission_beyond_figure, task_runtime_figure
from portal.markdown import render_markdown


def test_markdown_escapes_raw_html():
    html = render_markdown('Hi <img src=x onerror="alert(1)"> **there**')

    assert "<img" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "<strong>there</strong>" in html


def test_markdown_blocks():
    html = render_markdown("# Title\n\n- a\n- `b<c`\n\n```\nx < y\n```\n\n1. one\n2. two")

    assert "<h3>Title</h3>" in html
    assert "<ul><li>a</li><li><code>b&lt;c</code></li></ul>" in html
    assert "<pre><code>x &lt; y</code></pre>" in html
    assert "<ol><li>one</li><li>two</li></ol>" in html


def test_task_runtime_figure_without_runtimes_is_none():
    assert task_runtime_figure(runtimes={}, points=[]) is None


def test_task_runtime_figure_marks_submissions_with_beats():
    figure = task_runtime_figure(
        runtimes={"fast": 0.001, "slow": 0.004},
        points=[
            {
                "submission_id": 3,
                "model_name": "<i>m</i>",
                "sample": 0,
                "runtime_s": 0.002,
                "percentile": 50.0,
                "beyond": 0.66,
            }
        ],
    )

    json.dumps(figure)  # JSON-ready for json_script
    references, points = figure["data"]
    assert references["type"] == "scatter" and references["x"] == [1.0, 4.0]
    assert points["x"] == [2.0]
    assert points["customdata"] == [[50.0, ""]]
    assert points["text"][0].startswith("&lt;i&gt;m&lt;/i&gt;")
    assert "beats %{customdata[0]:.0f}%" in points["hovertemplate"]


def test_submission_beyond_figure():
    figure = submission_beyond_figure(
        rows=[{"task": "alpha", "difficulty": "Easy", "beyond": 0.25}]
    )

    assert figure["data"][0]["y"] == [25.0]
