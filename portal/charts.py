"""Plotly figure builders: selector output in, JSON-ready figure dicts out (for json_script)."""

import html
import json
from typing import Any

import plotly.graph_objects as go

REFERENCE_COLOR = "#8c9bab"
SUBMISSION_COLOR = "#d9480f"


def _layout(**extra: Any) -> dict[str, Any]:
    return {
        "template": "plotly_white",
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


def _to_json_dict(figure: go.Figure) -> dict[str, Any]:
    # plotly's encoder handles numpy and other types json_script cannot.
    return json.loads(figure.to_json())
