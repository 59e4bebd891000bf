"""Formatting filters: percentages, runtimes, verdict labels and safe Markdown."""

from django import template
from django.utils.safestring import SafeString

from portal.markdown import render_markdown

register = template.Library()

VERDICT_LABELS = {
    "pending": "pending",
    "passed": "passed",
    "wrong_answer": "wrong answer",
    "runtime_error": "runtime error",
    "timeout": "time limit",
    "memory_limit": "memory limit",
    "output_limit": "output limit",
    "invalid": "invalid",
    "internal_error": "internal error",
}


@register.filter
def pct(value: float | None) -> str:
    """A 0..1 fraction on the 0-100 scale with one decimal ("–" when missing)."""
    if value is None or value == "":
        return "–"
    return f"{float(value) * 100:.1f}"


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
    """A verdict in words."""
    return VERDICT_LABELS.get(value, value)


@register.filter
def metric(by_difficulty: dict, key: str) -> float | None:
    """`by_difficulty|metric:"Easy pass@1"` picks one figure from a submission's breakdown."""
    difficulty, _, name = key.partition(" ")
    entry = (by_difficulty or {}).get(difficulty) or {}
    return entry.get(name)


@register.filter
def markdown(text: str) -> SafeString:
    """Render task Markdown with every piece of text escaped (see portal.markdown)."""
    return render_markdown(text or "")
