"""Leaderboard reads: filtering, sorting, rank ranges from confidence intervals, paging."""

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.db.models import CharField, Q
from django.db.models.functions import Cast

from evaluator.metrics import METRICS, METRICS_BY_KEY, PRIMARY, Metric
from portal.models import Moderation, Submission, SubmissionStatus, Weights
from portal.selectors.common import (
    DIFFICULTIES,
    BenchmarkState,
    PageInfo,
    benchmark_state,
    page_info,
)

PAGE_SIZE = 100

# name -> (label, lower bound exclusive, upper bound inclusive) in billions of parameters
SIZE_BUCKETS: dict[str, tuple[str, float | None, float | None]] = {
    "small": ("up to 10B", None, 10.0),
    "medium": ("10B to 100B", 10.0, 100.0),
    "large": ("over 100B", 100.0, None),
    "unknown": ("not stated", None, None),
}


@dataclass(frozen=True)
class MetricColumn:
    """One metric column of the leaderboard: a registered metric overall or for a difficulty."""

    metric: Metric
    level: str  # "" for overall
    sort: str  # the URL sort key

    @property
    def label(self) -> str:
        return self.metric.label if not self.level else self.metric.short_label

    @property
    def field(self) -> str:
        return self.metric.level_field(self.level) if self.level else self.metric.field


# Overall first, then each difficulty; within each, the registry's order.
METRIC_COLUMNS: list[MetricColumn] = [
    *(MetricColumn(metric, "", metric.sort) for metric in METRICS),
    *(
        MetricColumn(metric, level, f"{level.lower()}_{metric.sort}")
        for level in DIFFICULTIES
        for metric in METRICS
    ),
]


@dataclass(frozen=True)
class MetricGroup:
    """A heading over metric columns: "Overall" or a difficulty."""

    label: str
    columns: list[MetricColumn]


METRIC_GROUPS: list[MetricGroup] = [
    MetricGroup(level or "Overall", [c for c in METRIC_COLUMNS if c.level == level])
    for level in ["", *DIFFICULTIES]
]


@dataclass(frozen=True)
class Sort:
    """A leaderboard sort: its label, the row's value it orders by, the default direction."""

    label: str
    key: Callable[["LeaderboardRow"], Any]
    descending: bool


def _figure(field_name: str) -> Callable[["LeaderboardRow"], Any]:
    return lambda row: row.figures[field_name]


SORTS: dict[str, Sort] = {
    "rank": Sort("Rank", lambda row: row.order, False),
    "model": Sort("Model", lambda row: row.sort_name, False),
    **{
        column.sort: Sort(
            f"{column.level} {column.label}".strip(),
            _figure(column.field),
            column.metric.higher_is_better,
        )
        for column in METRIC_COLUMNS
    },
    "coverage": Sort("Tasks", lambda row: row.coverage, True),
    "samples": Sort("Samples per task", lambda row: row.samples_per_task, True),
    "size": Sort("Size", lambda row: row.parameters_b, True),
    "released": Sort("Released", lambda row: row.released, True),
    "date": Sort("Submitted", lambda row: row.created, True),
}

_IDENTITY = [
    "pk",
    "model_name",
    "model_version",
    "link",
    "weights",
    "parameters_b",
    "temperature",
    "n_tasks",
    "n_samples",
    "tasks_total",
    "task_set",
    "harness_version",
    "scoring_version",
]
_COLUMNS = [*_IDENTITY, *(name for metric in METRICS for name in metric.columns)]
# Read as text: converting 1,000 timestamps to aware datetimes costs more than the rest of the
# query. Both SQLite and PostgreSQL give "YYYY-MM-DD HH:MM:SS...", which sorts as time does.
_CREATED = {
    "created": Cast("created_at", output_field=CharField()),
    "released": Cast("release_date", output_field=CharField()),  # "YYYY-MM-DD" or None
}


@dataclass(frozen=True)
class LeaderboardQuery:
    """Filters, sort and page of the leaderboard, as kept in the URL (permalinks)."""

    q: str = ""
    weights: str = ""
    size: str = ""
    since: date | None = None
    until: date | None = None
    stale: bool = True
    sort: str = "rank"
    descending: bool = False
    page: int = 1

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> "LeaderboardQuery":
        """Parse query parameters; anything invalid falls back to its default."""
        sort = (params.get("sort") or "rank").strip()
        descending = sort.startswith("-")
        sort = sort.lstrip("-")
        if sort not in SORTS:
            sort, descending = "rank", False
        try:
            page = max(1, int(params.get("page") or 1))
        except ValueError:
            page = 1
        weights = params.get("weights") or ""
        size = params.get("size") or ""
        return cls(
            q=(params.get("q") or "").strip()[:100],
            weights=weights if weights in Weights.values else "",
            size=size if size in SIZE_BUCKETS else "",
            since=_parse_date(params.get("since")),
            until=_parse_date(params.get("until")),
            stale=(params.get("stale") or "1") != "0",
            sort=sort,
            descending=descending,
            page=page,
        )

    @property
    def is_filtered(self) -> bool:
        return bool(
            self.q or self.weights or self.size or self.since or self.until or not self.stale
        )

    def params(self, **changes: Any) -> dict[str, str]:
        """The non-default parameters of this query (after `changes`), for a URL."""
        query = replace(self, **changes)
        out: dict[str, str] = {}
        if query.q:
            out["q"] = query.q
        if query.weights:
            out["weights"] = query.weights
        if query.size:
            out["size"] = query.size
        if query.since:
            out["since"] = query.since.isoformat()
        if query.until:
            out["until"] = query.until.isoformat()
        if not query.stale:
            out["stale"] = "0"
        if query.sort != "rank" or query.descending:
            out["sort"] = ("-" if query.descending else "") + query.sort
        if query.page > 1:
            out["page"] = str(query.page)
        return out

    def querystring(self, **changes: Any) -> str:
        """`?...` for a link to this query after `changes` (empty for the default)."""
        params = self.params(**changes)
        return "?" + urlencode(params) if params else "?"

    def sort_link(self, key: str) -> str:
        """Query string that sorts by `key` (toggling the direction if already sorted by it)."""
        default_desc = SORTS[key].descending
        descending = (not self.descending) if key == self.sort else default_desc
        return self.querystring(sort=key, descending=descending, page=1)


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Cell:
    """One figure with its 95% bootstrap interval (fractions 0..1; None when not measured)."""

    value: float | None
    ci: tuple[float, float] | None = None


@dataclass
class LeaderboardRow:
    """One public, finished submission as the leaderboard shows it (fractions 0..1).

    `figures` holds every registered metric's columns (`Metric.columns`: overall, interval,
    per difficulty) by column name.
    """

    submission_id: int
    model_name: str
    model_version: str
    link: str
    weights: str
    parameters_b: float | None
    released: str | None
    temperature: float | None
    figures: dict[str, float | None]
    by_difficulty: dict[str, dict[str, Any]]
    n_tasks: int
    n_samples: int
    tasks_total: int
    task_set: str
    harness_version: str
    scoring_version: str
    stale: bool
    created: str
    rank_low: int = 0
    rank_high: int = 0
    order: int = 0

    @property
    def display_name(self) -> str:
        return f"{self.model_name} {self.model_version}".strip()

    @property
    def sort_name(self) -> str:
        return self.display_name.casefold()

    @property
    def created_at(self) -> str:
        """When it was submitted, ISO 8601 (UTC)."""
        return self.created.replace(" ", "T", 1)

    @property
    def submitted_on(self) -> str:
        return self.created[:10]

    @property
    def rank(self) -> int:
        return self.rank_low

    @property
    def tied(self) -> bool:
        return self.rank_low != self.rank_high

    @property
    def rank_label(self) -> str:
        return str(self.rank_low) if not self.tied else f"{self.rank_low}–{self.rank_high}"

    @property
    def coverage(self) -> float:
        return self.n_tasks / self.tasks_total if self.tasks_total else 0.0

    @property
    def samples_per_task(self) -> float:
        return self.n_samples / self.n_tasks if self.n_tasks else 0.0

    def value(self, key: str) -> float:
        """A metric's overall figure by its key ("pass@1")."""
        return self.figures[METRICS_BY_KEY[key].field] or 0.0

    def interval(self, key: str) -> tuple[float, float]:
        """A metric's overall 95% interval (the figure itself when none was stored)."""
        low, high = (self.figures[name] for name in METRICS_BY_KEY[key].ci_fields)
        value = self.value(key)
        return (value, value) if low is None or high is None else (low, high)

    @property
    def cells(self) -> list[Cell]:
        """Every metric column's figure with its interval, in `METRIC_COLUMNS` order."""
        out = []
        for column in METRIC_COLUMNS:
            key = column.metric.key
            if not column.level:
                out.append(Cell(self.value(key), self.interval(key)))
                continue
            entry = self.by_difficulty.get(column.level) or {}
            if not entry.get("tasks"):
                out.append(Cell(None))
                continue
            out.append(Cell(entry.get(key), _pair(entry.get(column.metric.ci_key))))
        return out


def _pair(value: Any) -> tuple[float, float] | None:
    if isinstance(value, list | tuple) and len(value) == 2:
        return (float(value[0]), float(value[1]))
    return None


@dataclass(frozen=True)
class Leaderboard:
    """A page of leaderboard rows with everything the page shows around them."""

    rows: list[LeaderboardRow]
    all_rows: list[LeaderboardRow]
    query: LeaderboardQuery
    page: PageInfo
    state: BenchmarkState
    stale_count: int
    ranked_by: Metric = PRIMARY


def _public_done() -> Any:
    return Submission.objects.filter(status=SubmissionStatus.DONE, moderation=Moderation.APPROVED)


def _filtered(query: LeaderboardQuery, state: BenchmarkState) -> Any:
    queryset = _public_done()
    if query.q:
        for word in query.q.split()[:5]:
            queryset = queryset.filter(
                Q(model_name__icontains=word) | Q(model_version__icontains=word)
            )
    if query.weights:
        queryset = queryset.filter(weights=query.weights)
    if query.size:
        _label, low, high = SIZE_BUCKETS[query.size]
        if query.size == "unknown":
            queryset = queryset.filter(parameters_b__isnull=True)
        else:
            if low is not None:
                queryset = queryset.filter(parameters_b__gt=low)
            if high is not None:
                queryset = queryset.filter(parameters_b__lte=high)
    if query.since:
        queryset = queryset.filter(created_at__date__gte=query.since)
    if query.until:
        queryset = queryset.filter(created_at__date__lte=query.until)
    if not query.stale:
        queryset = queryset.filter(
            task_set=state.task_set,
            harness_version=state.harness_version,
            scoring_version=state.scoring_version,
        )
    return queryset


def _row(values: dict[str, Any], state: BenchmarkState) -> LeaderboardRow:
    figures = {name: values.pop(name) for metric in METRICS for name in metric.columns}
    return LeaderboardRow(
        submission_id=values.pop("pk"),
        figures=figures,
        by_difficulty={},
        stale=values["task_set"] != state.task_set
        or values["harness_version"] != state.harness_version
        or values["scoring_version"] != state.scoring_version,
        **values,
    )


def assign_ranks(rows: list[LeaderboardRow], *, metric: str = PRIMARY.key) -> None:
    """Order rows by `metric` (then the other metrics) and give each the ranks its 95% interval
    allows.

    A row's best rank is 1 + the rows whose interval lies wholly above its own; its worst is
    the row count minus the rows wholly below it. Rows whose intervals overlap share ranks.
    """
    keys = [metric, *(m.key for m in METRICS if m.key != metric)]
    rows.sort(key=lambda r: (*(-r.value(key) for key in keys), r.created))
    lows = sorted(row.interval(metric)[0] for row in rows)
    highs = sorted(row.interval(metric)[1] for row in rows)
    total = len(rows)
    for order, row in enumerate(rows):
        low, high = row.interval(metric)
        above = total - bisect_right(lows, high)
        below = bisect_left(highs, low)
        row.order = order
        row.rank_low = min(above + 1, order + 1)
        row.rank_high = max(total - below, order + 1)


def ranked_by(query: LeaderboardQuery) -> Metric:
    """The metric whose intervals make the ranks: the overall metric sorted on, else PRIMARY."""
    for metric in METRICS:
        if query.sort == metric.sort:
            return metric
    return PRIMARY


def leaderboard(
    *, query: LeaderboardQuery | None = None, page_size: int | None = None
) -> Leaderboard:
    """Public finished submissions, filtered, ranked with intervals, sorted, one page (3 queries)."""
    query = query or LeaderboardQuery()
    state = benchmark_state()
    rows = [_row(values, state) for values in _filtered(query, state).values(*_COLUMNS, **_CREATED)]
    metric = ranked_by(query)
    assign_ranks(rows, metric=metric.key)
    if query.sort != "rank" or query.descending:
        key = SORTS[query.sort].key
        present = [row for row in rows if key(row) is not None]
        missing = [row for row in rows if key(row) is None]
        present.sort(key=key, reverse=query.descending)
        rows = present + missing  # rows without the figure stay last either way
    info = page_info(total=len(rows), number=query.page, size=page_size or PAGE_SIZE)
    _attach_breakdown(rows[info.start : info.end])
    return Leaderboard(
        rows=rows[info.start : info.end],
        all_rows=rows,
        query=query,
        page=info,
        state=state,
        stale_count=sum(1 for row in rows if row.stale),
        ranked_by=metric,
    )


def _attach_breakdown(rows: list[LeaderboardRow]) -> None:
    """Read the per-difficulty intervals (in `metrics`) of the shown rows only (one query)."""
    if not rows:
        return
    metrics = dict(
        Submission.objects.filter(pk__in=[row.submission_id for row in rows]).values_list(
            "pk", "metrics"
        )
    )
    for row in rows:
        row.by_difficulty = (metrics.get(row.submission_id) or {}).get("by_difficulty") or {}


def leaderboard_rows(*, query: LeaderboardQuery | None = None) -> list[LeaderboardRow]:
    """Every row of the (filtered) leaderboard in its sort order, unpaginated."""
    return leaderboard(query=query, page_size=10**9).all_rows


def leaderboard_row_dict(row: LeaderboardRow) -> dict[str, Any]:
    """A row as JSON-ready dict (fractions 0..1), as the API and the JSON download give it."""
    out: dict[str, Any] = {
        "rank": row.rank_low,
        "rank_range": [row.rank_low, row.rank_high],
        "id": row.submission_id,
        "model_name": row.model_name,
        "model_version": row.model_version,
        "link": row.link,
        "weights": row.weights,
        "parameters_b": row.parameters_b,
        "release_date": row.released,
        "temperature": row.temperature,
    }
    for metric in METRICS:
        out[metric.key] = row.value(metric.key)
        out[metric.ci_key] = list(row.interval(metric.key))
    return {
        **out,
        "by_difficulty": row.by_difficulty,
        "tasks": row.n_tasks,
        "tasks_total": row.tasks_total,
        "samples": row.n_samples,
        "samples_per_task": round(row.samples_per_task, 3),
        "task_set": row.task_set,
        "harness_version": row.harness_version,
        "scoring_version": row.scoring_version,
        "stale": row.stale,
        "created_at": row.created_at,
    }


def leaderboard_api_rows(*, query: LeaderboardQuery | None = None) -> list[dict[str, Any]]:
    """The leaderboard as JSON-ready dicts (fractions 0..1)."""
    return [leaderboard_row_dict(row) for row in leaderboard_rows(query=query)]
