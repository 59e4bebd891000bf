"""The one vocabulary of sample outcomes: each verdict with its label, colour, tone and scoring.

Everything that names, colours, counts or sorts verdicts reads this enum: the judge, the
scoring rule (`evaluator.metrics`), the portal's model choices, templates, charts, CSS classes,
exports and the OpenAPI enum (a test fails when a list elsewhere disagrees). Adding a verdict
is one line here (plus a migration for the portal's choices).
"""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    """Outcome of one sample, in display order.

    Each member is `value, label, colour, tone, passed, judged`: `tone` is the CSS class
    suffix that colours it on pages (ok, bad, muted); `passed` says whether it counts as a pass;
    `judged` is False only for `pending`, the portal's "not judged yet", which the judge never
    returns. Every judged verdict is scored: only `passed` scores, all others score 0 (an
    `internal_error` left after retries included, so a sample cannot choose not to count).
    """

    label: str
    color: str
    tone: str
    passed: bool
    judged: bool

    def __new__(
        cls, value: str, label: str, color: str, tone: str, passed: bool, judged: bool
    ) -> Verdict:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.color = color
        member.tone = tone
        member.passed = passed
        member.judged = judged
        return member

    PASSED = "passed", "passed", "#2f9e44", "ok", True, True
    WRONG_ANSWER = "wrong_answer", "wrong answer", "#e03131", "bad", False, True
    RUNTIME_ERROR = "runtime_error", "runtime error", "#c2255c", "bad", False, True
    TIMEOUT = "timeout", "time limit", "#f08c00", "bad", False, True
    MEMORY_LIMIT = "memory_limit", "memory limit", "#9c36b5", "bad", False, True
    OUTPUT_LIMIT = "output_limit", "output limit", "#6741d9", "bad", False, True
    INVALID = "invalid", "invalid", "#495057", "bad", False, True
    INTERNAL_ERROR = "internal_error", "internal error", "#adb5bd", "muted", False, True
    PENDING = "pending", "pending", "#dee2e6", "muted", False, False

    @property
    def css_class(self) -> str:
        """The HTML classes of a verdict badge: `verdict verdict-<value> tone-<tone>`."""
        return f"verdict verdict-{self.value} tone-{self.tone}"

    @property
    def order(self) -> int:
        """Position in display order (passed first, pending last)."""
        return _ORDER[self]

    @classmethod
    def coerce(cls, value: str | Verdict) -> Verdict:
        """The member for a stored value; an unknown value raises ValueError."""
        if isinstance(value, Verdict):
            return value
        try:
            return _BY_VALUE[value]
        except KeyError:
            raise ValueError(f"{value!r} is not a verdict") from None

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs, for a Django field's `choices`."""
        return [(member.value, member.label) for member in cls]


_ORDER = {member: index for index, member in enumerate(Verdict)}
_BY_VALUE = {member.value: member for member in Verdict}
