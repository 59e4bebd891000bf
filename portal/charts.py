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
    # No Plotly title: each chart's title is an HTML heading above it, which wraps on a phone
    # and which the mode bar cannot cover. The legend sits on top, clear of the x axis title.
    extra.pop("title", None)
    return {
        "template": "none",
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13},
        "margin": {"l": 50, "r": 20, "t": 30, "b": 50},
        "height": 380,
        "hovermode": "closest",
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        **extra,
    }


def task_runtime_figure(
    *, runtimes: dict[str, float], points: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """Reference runtimes (ms) on one row and every public sample's runtime on another.

    Each sample's hover names the model and the share of the references it beats; a click
    opens the submission on this task's row. Returns None when there is nothing to draw (no
    calibration yet).
    """
    if not runtimes:
        return None
    names = sorted(runtimes, key=runtimes.__getitem__)
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=[runtimes[name] * 1000 for name in names],
            y=["references"] * len(names),
            mode="markers",
            name="reference solutions",
            marker={
                "color": REFERENCE_COLOR,
                "symbol": "line-ns-open",
                "size": 22,
                "line": {"width": 3},
            },
            text=[html.escape(name) for name in names],
            hovertemplate="reference %{text}<br>%{x:.3f} ms<extra></extra>",
        )
    )
    if points:
        figure.add_trace(
            go.Scatter(
                x=[point["runtime_s"] * 1000 for point in points],
                y=["models"] * len(points),
                mode="markers",
                name="submissions",
                marker={"color": SUBMISSION_COLOR, "size": 11, "symbol": "diamond", "opacity": 0.8},
                # Model names are user input: escaped, since Plotly renders a subset of HTML.
                text=[
                    f"{html.escape(point['model_name'])} (#{point['submission_id']}, "
                    f"sample {point['sample']})"
                    for point in points
                ],
                customdata=[
                    [
                        point["percentile"] if point["percentile"] is not None else 0.0,
                        point.get("url", ""),
                    ]
                    for point in points
                ],
                hovertemplate=(
                    "%{text}<br>%{x:.3f} ms<br>beats %{customdata[0]:.0f}% of references"
                    "<extra></extra>"
                ),
            )
        )
    figure.update_layout(
        **_layout(
            title={"text": "Runtime: reference solutions and submissions"},
            xaxis={"title": {"text": "runtime (ms, lower is better)"}, "rangemode": "tozero"},
            yaxis={"categoryorder": "array", "categoryarray": ["models", "references"]},
            height=260,
            showlegend=False,
        )
    )
    return _to_json_dict(figure)


def submission_beyond_figure(*, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Beyond per task, sorted: for each difficulty a curve of its tasks from the best to the
    worst, x the share of that difficulty's tasks, so 256 tasks read as three lines (and on a
    phone); hover names the task. `rows`: "task", "difficulty", "beyond" (0..1)."""
    if not rows:
        return None
    figure = go.Figure()
    for level, color in DIFFICULTY_COLORS.items():
        chosen = sorted(
            (row for row in rows if row["difficulty"] == level),
            key=lambda row: (-row["beyond"], row["task"]),
        )
        if not chosen:
            continue
        n = len(chosen)
        figure.add_trace(
            go.Scatter(
                x=[(index + 0.5) / n * 100 for index in range(n)],
                y=[row["beyond"] * 100 for row in chosen],
                mode="lines+markers",
                name=f"{level} ({n} tasks)",
                line={"color": color, "width": 2, "shape": "hv"},
                marker={"color": color, "size": 5},
                text=[html.escape(row["task"]) for row in chosen],
                customdata=[[index + 1, n] for index in range(n)],
                hovertemplate=(
                    "%{text}<br>Beyond %{y:.1f}<br>%{customdata[0]} of %{customdata[1]} "
                    + level
                    + " tasks<extra></extra>"
                ),
            )
        )
    figure.update_layout(
        **_layout(
            xaxis={
                "title": {"text": "% of the difficulty's tasks, best first"},
                "range": [0, 100],
            },
            yaxis={"title": {"text": "Beyond (0-100)"}, "range": [-3, 103]},
            hovermode="closest",
        )
    )
    return _to_json_dict(figure)


DIFFICULTY_COLORS = {"Easy": "#2f9e44", "Medium": "#f08c00", "Hard": "#c92a2a"}
WEIGHTS_COLORS = {"open": "#0b7285", "closed": "#d9480f", "unknown": "#6741d9"}
WEIGHTS_LABELS = {
    "open": "open weights",
    "closed": "closed weights",
    "unknown": "weights not stated",
}
STALE_COLOR = "#adb5bd"
# From slower than every reference (light) to faster than every reference (dark).
BAND_COLORS = ("#d0ebff", "#74c0fc", "#1c7ed6", "#0b3d91")


def _short(name: str, limit: int = 22) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def submission_percentile_figure(*, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Per difficulty, each task's share of references its passing samples beat, as points,
    with the median as a bar across them.

    `rows`: one per task with "task", "difficulty" and "percentile" (mean over passing
    samples, 0..100, None when nothing passed). Every task is a point; hover names it.
    """
    rows = [row for row in rows if row.get("percentile") is not None]
    if not rows:
        return None
    figure = go.Figure()
    for position, (level, color) in enumerate(DIFFICULTY_COLORS.items()):
        chosen = sorted(
            (row for row in rows if row["difficulty"] == level), key=lambda r: r["percentile"]
        )
        if not chosen:
            continue
        # A fixed spread across the column instead of random jitter: the same page draws the same.
        spread = [position + 0.3 * ((index * 0.618) % 1 - 0.5) for index in range(len(chosen))]
        figure.add_trace(
            go.Scatter(
                x=spread,
                y=[row["percentile"] for row in chosen],
                mode="markers",
                name=level,
                marker={"color": color, "size": 7, "opacity": 0.7},
                text=[html.escape(row["task"]) for row in chosen],
                hovertemplate="%{text}<br>beats %{y:.0f}% of references<extra></extra>",
            )
        )
        values = [row["percentile"] for row in chosen]
        median = _median(values)
        figure.add_trace(
            go.Scatter(
                x=[position - 0.3, position + 0.3],
                y=[median, median],
                mode="lines",
                name=f"{level} median",
                line={"color": color, "width": 3},
                hovertemplate=f"{level}: median %{{y:.0f}}% of {len(values)} tasks<extra></extra>",
            )
        )
    figure.update_layout(
        **_layout(
            title={"text": "Runtime percentile across tasks (passing samples)"},
            xaxis={
                "tickvals": list(range(len(DIFFICULTY_COLORS))),
                "ticktext": list(DIFFICULTY_COLORS),
                "range": [-0.5, len(DIFFICULTY_COLORS) - 0.5],
                "showgrid": False,
                "zeroline": False,
            },
            yaxis={"title": {"text": "beats % of references"}, "range": [-5, 105]},
            showlegend=False,
        )
    )
    return _to_json_dict(figure)


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def leaderboard_scatter_figure(*, rows: list[Any]) -> dict[str, Any] | None:
    """Pass@1 against Beyond@1 of every listed model, with 95% intervals as error bars."""
    if not rows:
        return None
    x, y = "pass@1", "beyond@1"

    def error(key: str, chosen: list[Any]) -> dict[str, Any]:
        return {
            "type": "data",
            "symmetric": False,
            "array": [(row.interval(key)[1] - row.value(key)) * 100 for row in chosen],
            "arrayminus": [(row.value(key) - row.interval(key)[0]) * 100 for row in chosen],
            "thickness": 1,
            "width": 0,
        }

    figure = go.Figure()
    groups = [
        (WEIGHTS_COLORS[w], w, [r for r in rows if not r.stale and r.weights == w])
        for w in WEIGHTS_COLORS
    ]
    groups.append((STALE_COLOR, "stale", [r for r in rows if r.stale]))
    for color, name, chosen in groups:
        if not chosen:
            continue
        figure.add_trace(
            go.Scatter(
                x=[row.value(x) * 100 for row in chosen],
                y=[row.value(y) * 100 for row in chosen],
                mode="markers+text",
                name=WEIGHTS_LABELS.get(name, name),
                marker={"size": 10, "color": color, "line": {"width": 1, "color": "#ffffff"}},
                error_x=error(x, chosen),
                error_y=error(y, chosen),
                # Every model is labelled; names are user input, escaped (Plotly renders HTML).
                text=[_short(html.escape(row.display_name)) for row in chosen],
                # Labels near the plot's edges lean inwards, so none is cut off.
                textposition=[
                    "top left"
                    if row.value(x) > 0.85
                    else "top right"
                    if row.value(x) < 0.15
                    else "top center"
                    for row in chosen
                ],
                textfont={"size": 10, "color": color},
                customdata=[
                    [row.submission_id, row.rank_label, html.escape(row.display_name)]
                    for row in chosen
                ],
                hovertemplate=(
                    "%{customdata[2]} (#%{customdata[0]})<br>rank %{customdata[1]}<br>"
                    "Pass@1 %{x:.1f}<br>Beyond@1 %{y:.1f}<extra></extra>"
                ),
            )
        )
    figure.update_layout(
        **_layout(
            xaxis={"title": {"text": "Pass@1"}, "range": [-2, 102]},
            yaxis={"title": {"text": "Beyond@1"}, "range": [-2, 108]},
            height=460,
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


def compare_difference_figure(*, differences: list[Any]) -> dict[str, Any] | None:
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
            xaxis={"title": {"text": "Beyond difference (points)"}, "zeroline": True},
            height=160 + 50 * len(differences),
            showlegend=False,
        )
    )
    return _to_json_dict(figure)


def leaderboard_percentile_figure(
    *, models: list[Any], bands: tuple[tuple[str, float, float], ...], levels: list[str]
) -> dict[str, Any] | None:
    """Per model (rank order, top first), its passed tasks split by percentile band as one
    100% bar: one figure per level ("All", then each difficulty) under `variants`.

    `models`: `ModelPercentiles`; hover gives the counts. Readable for many models (a bar a
    row) and on a phone (horizontal bars, short names).
    """
    if not models:
        return None
    variants = {}
    names = [f"{_short(html.escape(m.name), 26)} ({m.rank_label})" for m in models]
    for level in levels:
        figure = go.Figure()
        totals = [m.passed(level) for m in models]
        for index, (label, _, _) in enumerate(bands):
            counts = [m.bands[level][index] for m in models]
            figure.add_trace(
                go.Bar(
                    x=[100 * c / t if t else 0 for c, t in zip(counts, totals, strict=True)],
                    y=names,
                    orientation="h",
                    name=label,
                    marker={"color": BAND_COLORS[index % len(BAND_COLORS)]},
                    customdata=[[c, t] for c, t in zip(counts, totals, strict=True)],
                    hovertemplate=(
                        "%{y}<br>" + label + ": %{customdata[0]} of %{customdata[1]} passed"
                        " tasks (%{x:.0f}%)<extra></extra>"
                    ),
                )
            )
        figure.update_layout(
            **_layout(
                barmode="stack",
                xaxis={"title": {"text": "% of the tasks it passes"}, "range": [0, 100]},
                yaxis={"autorange": "reversed", "automargin": True, "gridcolor": "rgba(0,0,0,0)"},
                height=110 + 26 * len(models),
                margin={"l": 10, "r": 10, "t": 30, "b": 50},
                hovermode="closest",
                bargap=0.25,
                legend={
                    "orientation": "h",
                    "x": 0,
                    "y": 1.0,
                    "yanchor": "bottom",
                    "traceorder": "normal",
                },
            )
        )
        variants[level] = _to_json_dict(figure)
    return {"variants": variants}


def _to_json_dict(figure: go.Figure) -> dict[str, Any]:
    # plotly's encoder handles numpy and other types json_script cannot.
    return json.loads(figure.to_json())
