"""Formatting filters: percentages, runtimes, verdict labels and safe Markdown."""

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from evaluator.verdicts import Verdict
from portal.markdown import render_markdown
from portal.selectors.leaderboard import METRIC_COLUMNS
from portal.selectors.leaderboard_page import PAGE_METRIC_COLUMNS

register = template.Library()


@register.filter
def pct(value: float | None) -> str:
    """A 0..1 fraction on the 0-100 scale with one decimal ("–" when missing)."""
    if value is None or value == "":
        return "–"
    return f"{float(value) * 100:.1f}"


@register.filter
def ordinal(value: int) -> str:
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, 21st."""
    number = int(value)
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


@register.filter
def percent(value: float | None) -> str:
    """A 0..100 value with one decimal and a percent sign ("–" when missing)."""
    if value is None:
        return "–"
    return f"{float(value):.1f}%"


@register.filter
def ms(seconds: float | None) -> str:
    """Seconds as milliseconds with three significant decimals ("–" when missing)."""
    if seconds is None:
        return "–"
    value = float(seconds) * 1000
    if value >= 100:
        return f"{value:.0f} ms"
    if value >= 10:
        return f"{value:.1f} ms"
    return f"{value:.2f} ms"


@register.filter
def verdict_label(value: str) -> str:
    """A verdict in words (its label in evaluator.verdicts)."""
    try:
        return Verdict.coerce(value).label
    except ValueError:
        return value


@register.filter
def verdict_class(value: str) -> str:
    """The CSS classes of a verdict badge (its tone in evaluator.verdicts)."""
    try:
        return Verdict.coerce(value).css_class
    except ValueError:
        return "verdict"


@register.filter
def markdown(text: str) -> SafeString:
    """Render task Markdown with every piece of text escaped (see portal.markdown)."""
    return render_markdown(text or "")


@register.filter
def duration(seconds: float | None) -> str:
    """Seconds as a short human duration: "45 s", "3 min", "1 h 20 min" ("–" when unknown)."""
    if seconds is None:
        return "–"
    seconds = round(float(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


@register.filter
def ci(interval: tuple[float, float] | list[float] | None) -> str:
    """A 0..1 interval on the 0-100 scale, "12.3–45.6" ("" when missing or a single point)."""
    if not interval or interval[0] is None or interval[1] is None or interval[0] == interval[1]:
        return ""
    return f"{float(interval[0]) * 100:.1f}–{float(interval[1]) * 100:.1f}"


@register.filter
def billions(value: float | None) -> str:
    """A parameter count in billions: "7B", "0.5B", "1.8T" ("–" when not stated)."""
    if value is None:
        return "–"
    if value >= 1000:
        return f"{value / 1000:g}T"
    return f"{value:g}B"


@register.filter
def highlight_python(code: str) -> SafeString:
    """Python source as highlighted HTML; Pygments escapes every piece of the text."""
    return SafeString(_highlight(code or ""))


def _highlight(code: str) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return highlight(code, PythonLexer(), HtmlFormatter(nowrap=True))


@register.simple_tag
def sort_link(query, key: str) -> str:  # type: ignore[no-untyped-def]
    """The leaderboard query string sorted by `key` (toggling the direction)."""
    return query.sort_link(key)


@register.simple_tag
def query_page(query, number: int) -> str:  # type: ignore[no-untyped-def]
    """The leaderboard query string on another page."""
    return query.querystring(page=number)


@register.filter
def aria_sort(query, key: str) -> str:  # type: ignore[no-untyped-def]
    """The aria-sort value of a column header: ascending, descending or none."""
    if query.sort != key:
        return "none"
    return "descending" if query.descending else "ascending"


def _cell(value: float | None, interval: tuple[float, float] | None, css: str = "num") -> str:
    # Only numbers go in here, formatted by pct/ci: nothing to escape.
    return f'<td class="{css}">{pct(value)}<span class="ci">{ci(interval)}</span></td>'


@register.simple_tag
def leaderboard_row(row) -> SafeString:  # type: ignore[no-untyped-def]
    """One leaderboard row as HTML (a tag, not template nodes: 100 rows stay fast).

    Every string that comes from a user or the database goes through `escape`; the rest are
    numbers formatted here. Cells carry `m-<sort key>` classes, so narrow screens can keep the
    primary scores and drop the rest.
    """
    weights = {"open": "open", "closed": "closed"}.get(row.weights, "weights ?")
    version = (
        f' <span class="version">{escape(row.model_version)}</span>' if row.model_version else ""
    )
    url = reverse("portal:submission_detail", args=[row.submission_id])
    size = (
        f'<span class="tag size">{billions(row.parameters_b)}</span>'
        if row.parameters_b is not None
        else ""
    )
    stale = ""
    if row.stale:
        provenance = f"task set {row.task_set[:12] or '?'}, harness {row.harness_version or '?'}"
        stale = (
            f' <span class="tag stale" title="Scored on another task set, harness or scoring rule'
            f' than the current one ({escape(provenance)}): not comparable">stale</span>'
        )
    parts = [
        f'<tr{' class="is-stale"' if row.stale else ""} data-submission="{int(row.submission_id)}">',
        f'<td class="num rank">{row.rank_label}{_TIED if row.tied else ""}</td>',
        f'<td class="model"><a href="{escape(url)}">{escape(row.model_name)}</a>{version}'
        f'<span class="tags"><span class="tag weights-{escape(row.weights)}">{weights}</span>'
        f"{size}{stale}</span></td>",
    ]
    for column, cell, shown in zip(METRIC_COLUMNS, row.cells, _ON_PAGE, strict=True):
        if shown:
            strong = "" if column.level else " strong"
            parts.append(_cell(cell.value, cell.ci, f"num m-{column.sort}{strong}"))
    partial = " partial" if row.n_tasks < row.tasks_total else ""
    parts += [
        f'<td class="num extra{partial}">{int(row.n_tasks)}/{int(row.tasks_total)}</td>',
        f'<td class="num extra">{row.samples_per_task:g}</td>',
        f'<td class="extra"><time datetime="{escape(row.created_at)}">'
        f"{escape(row.submitted_on)}</time></td></tr>",
    ]
    return mark_safe("".join(parts))  # noqa: S308 - every user string above is escaped


# Which of the row's cells (every registered column) the page shows.
_ON_PAGE = [any(column is page for page in PAGE_METRIC_COLUMNS) for column in METRIC_COLUMNS]
_TIED = '<span class="visually-hidden"> (tied)</span>'
