"""Plotly figure builders: selector output in, JSON-ready figure dicts out (for json_script)."""

import html
import json
from typing import Any

import plotly.graph_objects as go

from evaluator.verdicts import Verdict

REFERENCE_COLOR = "#8c9bab"
SUBMISSION_COLOR = "#d9480f"


_AXIS = {"gridcolor": "rgba(140, 155, 171, 0.3)", "zerolinecolor": "rgba(140, 155, 171, 0.6)"}


def _layout(**extra: Any) -> dict[str, Any]:
    # Plotly's named templates add ~50 ms and 7 KB to every figure: a few explicit settings
    # give the same clean look (transparent, so the page's light or dark colours show).
    for axis in ("xaxis", "yaxis"):
        extra[axis] = {**_AXIS, "automargin": True, **extra.get(axis, {})}
    return {
        "template": "none",
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13},
        "margin": {"l": 50, "r": 20, "t": 40, "b": 50},
        "height": 380,
        "hovermode": "closest",
        "legend": {"orientation": "h", "y": -0.2},
        **extra,
    }


def task_runtime_figure(
    *, runtimes: dict[str, float], points: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """Histogram of reference runtimes (ms) with every submission's runtime marked on it.

    Each submission point's hover says which share of the references it beats. Returns None
    when there is nothing to draw (no calibration yet).
    """
    if not runtimes:
        return None
    names = sorted(runtimes, key=runtimes.__getitem__)
    ref_ms = [runtimes[name] * 1000 for name in names]
    figure = go.Figure()
    figure.add_trace(
        go.Histogram(
            x=ref_ms,
            name="reference solutions",
            marker={"color": REFERENCE_COLOR},
            opacity=0.75,
            nbinsx=max(5, min(30, len(ref_ms) * 2)),
            hovertemplate="%{x} ms<br>%{y} reference(s)<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=ref_ms,
            y=[0] * len(ref_ms),
            mode="markers",
            name="reference runtimes",
            marker={"color": REFERENCE_COLOR, "symbol": "line-ns-open", "size": 18},
            text=[html.escape(name) for name in names],
            hovertemplate="reference %{text}<br>%{x:.3f} ms<extra></extra>",
        )
    )
    if points:
        figure.add_trace(
            go.Scatter(
                x=[point["runtime_s"] * 1000 for point in points],
                # Stack the markers a little so several submissions at one runtime stay visible.
                y=[0.15 + 0.12 * (index % 6) for index in range(len(points))],
                mode="markers",
                name="submissions",
                marker={"color": SUBMISSION_COLOR, "size": 11, "symbol": "diamond"},
                # Model names are user input: escaped, since Plotly renders a subset of HTML.
                text=[
                    f"{html.escape(point['model_name'])} (#{point['submission_id']}, "
                    f"sample {point['sample']})"
                    for point in points
                ],
                customdata=[
                    [point["percentile"] if point["percentile"] is not None else 0.0]
                    for point in points
                ],
                hovertemplate=(
                    "%{text}<br>%{x:.3f} ms<br>beats %{customdata[0]:.1f}% of references"
                    "<extra></extra>"
                ),
            )
        )
    figure.update_layout(
        **_layout(
            title={"text": "Runtime: reference solutions and submissions"},
            xaxis={"title": {"text": "runtime (ms, lower is better)"}, "rangemode": "tozero"},
            yaxis={"title": {"text": "references"}, "rangemode": "tozero", "dtick": 1},
            bargap=0.05,
        )
    )
    return _to_json_dict(figure)


def submission_beyond_figure(*, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Bar chart of a submission's Beyond per task (percent), coloured by difficulty."""
    if not rows:
        return None
    colors = {"Easy": "#2f9e44", "Medium": "#f08c00", "Hard": "#c92a2a"}
    figure = go.Figure(
        go.Bar(
            x=[html.escape(row["task"]) for row in rows],
            y=[row["beyond"] * 100 for row in rows],
            marker={"color": [colors.get(row["difficulty"], "#555") for row in rows]},
            hovertemplate="%{x}<br>Beyond %{y:.1f}<extra></extra>",
        )
    )
    figure.update_layout(
        **_layout(
            title={"text": "Beyond per task (mean over samples)"},
            yaxis={"title": {"text": "Beyond (0-100)"}, "range": [0, 100]},
            showlegend=False,
            bargap=0.3 if len(rows) > 3 else 0.7,
        )
    )
    return _to_json_dict(figure)


DIFFICULTY_COLORS = {"Easy": "#2f9e44", "Medium": "#f08c00", "Hard": "#c92a2a"}


def submission_percentile_figure(*, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Box plot per difficulty of the share of references each task's passing samples beat.

    `rows`: one per task with "task", "difficulty" and "percentile" (mean over passing
    samples, 0..100, None when nothing passed). Every task is a point; hover names it.
    """
    rows = [row for row in rows if row.get("percentile") is not None]
    if not rows:
        return None
    figure = go.Figure()
    for level, color in DIFFICULTY_COLORS.items():
        chosen = [row for row in rows if row["difficulty"] == level]
        if not chosen:
            continue
        figure.add_trace(
            go.Box(
                y=[row["percentile"] for row in chosen],
                name=level,
                marker={"color": color},
                boxpoints="all",
                jitter=0.4,
                pointpos=0,
                text=[html.escape(row["task"]) for row in chosen],
                hovertemplate="%{text}<br>beats %{y:.1f}% of references<extra></extra>",
            )
        )
    figure.update_layout(
        **_layout(
            title={"text": "Runtime percentile across tasks (passing samples)"},
            yaxis={"title": {"text": "beats % of references"}, "range": [-5, 105]},
            showlegend=False,
        )
    )
    return _to_json_dict(figure)


def leaderboard_scatter_figure(*, rows: list[Any]) -> dict[str, Any] | None:
    """Pass@1 against Beyond@1 of every listed model, with 95% intervals as error bars."""
    if not rows:
        return None
    names = [html.escape(row.display_name) for row in rows]
    x, y = "pass@1", "beyond@1"

    def error(key: str) -> dict[str, Any]:
        return {
            "type": "data",
            "symmetric": False,
            "array": [(row.interval(key)[1] - row.value(key)) * 100 for row in rows],
            "arrayminus": [(row.value(key) - row.interval(key)[0]) * 100 for row in rows],
            "thickness": 1,
            "width": 0,
        }

    figure = go.Figure(
        go.Scatter(
            x=[row.value(x) * 100 for row in rows],
            y=[row.value(y) * 100 for row in rows],
            mode="markers",
            marker={
                "size": 10,
                "color": ["#adb5bd" if row.stale else "#0b5cad" for row in rows],
                "line": {"width": 1, "color": "#ffffff"},
            },
            error_x=error(x),
            error_y=error(y),
            text=names,
            customdata=[[row.submission_id, row.rank_label] for row in rows],
            hovertemplate=(
                "%{text} (#%{customdata[0]})<br>rank %{customdata[1]}<br>"
                "Pass@1 %{x:.1f}<br>Beyond@1 %{y:.1f}<extra></extra>"
            ),
        )
    )
    figure.update_layout(
        **_layout(
            title={"text": "Pass@1 vs Beyond@1 (95% intervals)"},
            xaxis={"title": {"text": "Pass@1"}, "range": [-2, 102]},
            yaxis={"title": {"text": "Beyond@1"}, "range": [-2, 102]},
            showlegend=False,
        )
    )
    return _to_json_dict(figure)


def failure_figure(
    *, verdicts: dict[str, dict[str, dict[str, int]]], difficulties: list[str]
) -> dict[str, Any] | None:
    """Stacked bars of verdict counts by difficulty for each model (`verdicts[model][level]`)."""
    if not any(counts for per_model in verdicts.values() for counts in per_model.values()):
        return None
    models = list(verdicts)
    x: list[list[str]] = [[], []]
    for model in models:
        for level in difficulties:
            x[0].append(html.escape(model))
            x[1].append(level)
    figure = go.Figure()
    for verdict in Verdict:
        counts = [
            verdicts[model].get(level, {}).get(verdict, 0)
            for model in models
            for level in difficulties
        ]
        if not any(counts):
            continue
        figure.add_trace(
            go.Bar(
                x=x,
                y=counts,
                name=verdict.label,
                marker={"color": verdict.color},
                hovertemplate=f"%{{x}}<br>%{{y}} sample(s): {verdict.label}<extra></extra>",
            )
        )
    figure.update_layout(
        **_layout(
            title={"text": "Verdicts by difficulty"},
            barmode="stack",
            yaxis={"title": {"text": "samples"}},
        )
    )
    return _to_json_dict(figure)


def compare_difference_figure(*, differences: list[Any], baseline: str) -> dict[str, Any] | None:
    """Each model's mean Beyond difference to the baseline with its 95% interval."""
    if not differences:
        return None
    names = [html.escape(item.submission.display_name) for item in differences]
    figure = go.Figure(
        go.Scatter(
            x=[item.mean * 100 for item in differences],
            y=names,
            mode="markers",
            marker={"size": 12, "color": SUBMISSION_COLOR},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [(item.ci[1] - item.mean) * 100 for item in differences],
                "arrayminus": [(item.mean - item.ci[0]) * 100 for item in differences],
            },
            hovertemplate="%{y}<br>%{x:+.1f} Beyond vs baseline<extra></extra>",
        )
    )
    figure.update_layout(
        **_layout(
            title={"text": f"Beyond difference to {html.escape(baseline)} (tasks all pass)"},
            xaxis={"title": {"text": "Beyond difference (points)"}, "zeroline": True},
            height=160 + 50 * len(differences),
            showlegend=False,
        )
    )
    return _to_json_dict(figure)


def _to_json_dict(figure: go.Figure) -> dict[str, Any]:
    # plotly's encoder handles numpy and other types json_script cannot.
    return json.loads(figure.to_json())
