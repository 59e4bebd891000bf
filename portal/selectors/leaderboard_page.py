"""What the leaderboard page adds to the rows: the columns it shows, and each model's runtime
percentiles over tasks for its chart."""

from dataclasses import dataclass

from evaluator.verdicts import Verdict
from portal.models import Result
from portal.selectors.common import DIFFICULTIES
from portal.selectors.leaderboard import (
    METRIC_COLUMNS,
    LeaderboardQuery,
    MetricColumn,
    MetricGroup,
    leaderboard,
)

# The page shows every metric overall and, per difficulty, those the registry asks for
# (`Metric.page_by_difficulty`); the CSV, JSON and API keep every column.
PAGE_METRIC_COLUMNS: list[MetricColumn] = [
    column for column in METRIC_COLUMNS if not column.level or column.metric.page_by_difficulty
]
PAGE_METRIC_GROUPS: list[MetricGroup] = [
    MetricGroup(level or "Overall", [c for c in PAGE_METRIC_COLUMNS if c.level == level])
    for level in ["", *DIFFICULTIES]
]

# Where a task's passing runtime falls among the references: the share of references slower
# than it ("beats"), in bands from slowest to fastest. With five references "beats" moves in
# steps of 20, so the bands hold 0, 20-40, 60-80 and 100.
PERCENTILE_BANDS: tuple[tuple[str, float, float], ...] = (
    ("slower than every reference", 0.0, 1.0),
    ("beats under half", 1.0, 50.0),
    ("beats half or more", 50.0, 99.5),
    ("faster than every reference", 99.5, 101.0),
)
ALL_LEVELS = "All"


@dataclass(frozen=True)
class ModelPercentiles:
    """One model's passed tasks counted by band, overall and per difficulty."""

    submission_id: int
    name: str
    rank_label: str
    bands: dict[str, list[int]]  # level ("All", "Easy", ...) -> a count per band

    def passed(self, level: str) -> int:
        return sum(self.bands[level])


def band_of(percentile: float) -> int:
    """The index of the band a task's mean percentile (0..100) falls in."""
    for index, (_, low, high) in enumerate(PERCENTILE_BANDS):
        if low <= percentile < high:
            return index
    return len(PERCENTILE_BANDS) - 1


def leaderboard_percentiles(*, query: LeaderboardQuery) -> list[ModelPercentiles]:
    """For every listed model in rank order, its passed tasks by percentile band (4 queries).

    A task's percentile is the mean over its passing samples, as on the submission page.
    """
    rows = leaderboard(query=query, page_size=10**9).all_rows
    sums: dict[tuple[int, int], list[float]] = {}
    levels: dict[int, str] = {}
    for submission_id, task_id, level, percentile in (
        Result.objects.filter(
            submission_id__in=[row.submission_id for row in rows],
            verdict=Verdict.PASSED,
            percentile__isnull=False,
        )
        .order_by()
        .values_list("submission_id", "task_id", "task__difficulty", "percentile")
    ):
        sums.setdefault((submission_id, task_id), []).append(percentile)
        levels[task_id] = level
    out = []
    for row in rows:
        bands = {level: [0] * len(PERCENTILE_BANDS) for level in (ALL_LEVELS, *DIFFICULTIES)}
        out.append(ModelPercentiles(row.submission_id, row.display_name, row.rank_label, bands))
    by_id = {model.submission_id: model for model in out}
    for (submission_id, task_id), values in sums.items():
        band = band_of(sum(values) / len(values))
        model = by_id[submission_id]
        model.bands[ALL_LEVELS][band] += 1
        model.bands[levels[task_id]][band] += 1
    return out
