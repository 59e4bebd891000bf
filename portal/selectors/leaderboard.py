"""Leaderboard reads: filtering, sorting, rank ranges from confidence intervals, paging."""

from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.db.models import CharField, Q
from django.db.models.functions import Cast

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

# sort key -> (label, attribute of LeaderboardRow, descending by default)
SORTS: dict[str, tuple[str, str, bool]] = {
    "rank": ("Rank", "rank_key", False),
    "model": ("Model", "sort_name", False),
    "pass": ("Pass@1", "pass_at_1", True),
    "beyond": ("Beyond@1", "beyond_at_1", True),
    **{
        f"{level.lower()}_{metric}": (f"{level} {label}", f"{level.lower()}_{metric}_at_1", True)
        for level in DIFFICULTIES
        for metric, label in (("pass", "Pass@1"), ("beyond", "Beyond@1"))
    },
    "coverage": ("Tasks", "coverage", True),
    "samples": ("Samples per task", "samples_per_task", True),
    "size": ("Size", "parameters_b", True),
    "released": ("Released", "released", True),
    "date": ("Submitted", "created", True),
}

_COLUMNS = [
    "pk",
    "model_name",
    "model_version",
    "link",
    "weights",
    "parameters_b",
    "temperature",
    "pass_at_1",
    "beyond_at_1",
    "pass_ci_low",
    "pass_ci_high",
    "beyond_ci_low",
    "beyond_ci_high",
    *(f"{level.lower()}_{m}_at_1" for level in DIFFICULTIES for m in ("pass", "beyond")),
    "n_tasks",
    "n_samples",
    "tasks_total",
    "task_set",
    "harness_version",
]
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
        default_desc = SORTS[key][2]
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
    """One public, finished submission as the leaderboard shows it (fractions 0..1)."""

    submission_id: int
    model_name: str
    model_version: str
    link: str
    weights: str
    parameters_b: float | None
    released: str | None
    temperature: float | None
    pass_at_1: float
    beyond_at_1: float
    pass_ci: tuple[float, float]
    beyond_ci: tuple[float, float]
    easy_pass_at_1: float | None
    easy_beyond_at_1: float | None
    medium_pass_at_1: float | None
    medium_beyond_at_1: float | None
    hard_pass_at_1: float | None
    hard_beyond_at_1: float | None
    by_difficulty: dict[str, dict[str, Any]]
    n_tasks: int
    n_samples: int
    tasks_total: int
    task_set: str
    harness_version: str
    stale: bool
    created: str
    rank_low: int = 0
    rank_high: int = 0
    order: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

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
    def rank_key(self) -> int:
        return self.order

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

    @property
    def cells(self) -> list[tuple[Cell, Cell]]:
        """(Pass@1, Beyond@1) with intervals per difficulty in Easy, Medium, Hard order."""
        out = []
        for level in DIFFICULTIES:
            entry = self.by_difficulty.get(level) or {}
            if not entry.get("tasks"):
                out.append((Cell(None), Cell(None)))
                continue
            out.append(
                (
                    Cell(entry.get("pass@1"), _pair(entry.get("pass@1_ci"))),
                    Cell(entry.get("beyond@1"), _pair(entry.get("beyond@1_ci"))),
                )
            )
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
        queryset = queryset.filter(task_set=state.task_set, harness_version=state.harness_version)
    return queryset


def _row(values: dict[str, Any], state: BenchmarkState) -> LeaderboardRow:
    pk = values.pop("pk")
    pass_at_1, beyond_at_1 = values["pass_at_1"], values["beyond_at_1"]
    pass_ci = (values.pop("pass_ci_low"), values.pop("pass_ci_high"))
    beyond_ci = (values.pop("beyond_ci_low"), values.pop("beyond_ci_high"))
    return LeaderboardRow(
        submission_id=pk,
        pass_ci=pass_ci if None not in pass_ci else (pass_at_1, pass_at_1),
        beyond_ci=beyond_ci if None not in beyond_ci else (beyond_at_1, beyond_at_1),
        by_difficulty={},
        stale=values["task_set"] != state.task_set
        or values["harness_version"] != state.harness_version,
        **values,
    )


def assign_ranks(rows: list[LeaderboardRow], *, metric: str = "beyond") -> None:
    """Order rows by `metric` and give each the range of ranks its 95% interval allows.

    A row's best rank is 1 + the rows whose interval lies wholly above its own; its worst is
    the row count minus the rows wholly below it. Rows whose intervals overlap share ranks.
    """
    primary, secondary = ("beyond_at_1", "pass_at_1")
    if metric == "pass":
        primary, secondary = secondary, primary
    rows.sort(key=lambda r: (-getattr(r, primary), -getattr(r, secondary), r.created))
    interval = "beyond_ci" if primary == "beyond_at_1" else "pass_ci"
    lows = sorted(getattr(row, interval)[0] for row in rows)
    highs = sorted(getattr(row, interval)[1] for row in rows)
    total = len(rows)
    for order, row in enumerate(rows):
        low, high = getattr(row, interval)
        above = total - bisect_right(lows, high)
        below = bisect_left(highs, low)
        row.order = order
        row.rank_low = min(above + 1, order + 1)
        row.rank_high = max(total - below, order + 1)


def leaderboard(
    *, query: LeaderboardQuery | None = None, page_size: int | None = None
) -> Leaderboard:
    """Public finished submissions, filtered, ranked with intervals, sorted, one page (3 queries)."""
    query = query or LeaderboardQuery()
    state = benchmark_state()
    rows = [_row(values, state) for values in _filtered(query, state).values(*_COLUMNS, **_CREATED)]
    assign_ranks(rows, metric="pass" if query.sort == "pass" else "beyond")
    if query.sort != "rank" or query.descending:
        _label, attribute, _desc = SORTS[query.sort]
        present = [row for row in rows if getattr(row, attribute) is not None]
        missing = [row for row in rows if getattr(row, attribute) is None]
        present.sort(key=lambda row: getattr(row, attribute), reverse=query.descending)
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
    return {
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
        "pass@1": row.pass_at_1,
        "pass@1_ci": list(row.pass_ci),
        "beyond@1": row.beyond_at_1,
        "beyond@1_ci": list(row.beyond_ci),
        "by_difficulty": row.by_difficulty,
        "tasks": row.n_tasks,
        "tasks_total": row.tasks_total,
        "samples": row.n_samples,
        "samples_per_task": round(row.samples_per_task, 3),
        "task_set": row.task_set,
        "harness_version": row.harness_version,
        "stale": row.stale,
        "created_at": row.created_at,
    }


def leaderboard_api_rows(*, query: LeaderboardQuery | None = None) -> list[dict[str, Any]]:
    """The leaderboard as JSON-ready dicts (fractions 0..1)."""
    return [leaderboard_row_dict(row) for row in leaderboard_rows(query=query)]
