"""The planning horizon as arrays: days, weekdays, public holidays, ISO week labels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import holidays
import numpy as np
import numpy.typing as npt

from models.base import add_weeks

if TYPE_CHECKING:
    from models.unit import Calendar

DAY = np.timedelta64(1, "D")


def swedish_public_holidays(years: range) -> list[date]:
    """Swedish public holidays of ``years``, with the de facto ones (Midsummer, Christmas and
    New Year's Eve) that collective agreements treat as holidays; Sundays are not listed."""
    found = holidays.country_holidays(
        "SE", years=list(years), categories=("public", "de_facto"), include_sundays=False
    )
    return sorted(found)


@dataclass(frozen=True)
class Horizon:
    """Consecutive ISO weeks, and each of their days."""

    weeks: tuple[str, ...]
    """ISO week labels, ``2027-W01``, ..."""
    days: npt.NDArray[np.datetime64]
    """Every day of the horizon, 7 per week, starting on a Monday."""
    holiday: npt.NDArray[np.bool_]
    """True on public holidays."""
    reduced: npt.NDArray[np.float64]
    """Per week, the share of usual clinical capacity (1.0 but in reduced weeks)."""

    @classmethod
    def of(cls, calendar: Calendar) -> Horizon:
        """The horizon of ``calendar``."""
        start = np.datetime64(calendar.start, "D")
        days = start + np.arange(7 * calendar.weeks) * DAY
        weeks = tuple(add_weeks(calendar.start_week, w) for w in range(calendar.weeks))
        last = calendar.start + timedelta(days=7 * calendar.weeks - 1)
        listed = calendar.public_holidays
        if listed is None:
            listed = swedish_public_holidays(range(calendar.start.year, last.year + 1))
        holiday = np.isin(days, np.array(listed, dtype="datetime64[D]"))
        reduced = np.ones(calendar.weeks)
        index = {week: w for w, week in enumerate(weeks)}
        for item in calendar.reduced_weeks:
            if item.week in index:
                reduced[index[item.week]] = item.factor
        return cls(weeks, days, holiday, reduced)

    @property
    def n_weeks(self) -> int:
        """Number of weeks."""
        return len(self.weeks)

    @property
    def weekday(self) -> npt.NDArray[np.int64]:
        """Per day, 0 for Monday ... 6 for Sunday."""
        return np.arange(self.days.size, dtype=np.int64) % 7

    @property
    def workday(self) -> npt.NDArray[np.bool_]:
        """Per day, True on Monday to Friday that are not public holidays."""
        result: npt.NDArray[np.bool_] = (self.weekday < 5) & ~self.holiday
        return result

    def day_index(self, day: date) -> int:
        """Index of ``day`` in :attr:`days` (may fall outside ``0 .. len(days) - 1``)."""
        return int((np.datetime64(day, "D") - self.days[0]) // DAY)

    def per_week(self, daily: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Sum a ``(..., days)`` array into ``(..., weeks)``."""
        shape = (*daily.shape[:-1], self.n_weeks, 7)
        result: npt.NDArray[np.float64] = daily.reshape(shape).sum(axis=-1)
        return result

    def coverage(
        self,
        rows: npt.NDArray[np.int64],
        starts: list[date],
        ends: list[date],
        weights: npt.NDArray[np.float64],
        n_rows: int,
    ) -> npt.NDArray[np.float64]:
        """A ``(n_rows, days)`` array: the sum of ``weights[i]`` over the days from ``starts[i]``
        to ``ends[i]`` (inclusive, clipped to the horizon) of row ``rows[i]``.

        Built with a difference array, so its cost is one pass over the ranges plus one
        cumulative sum, whatever the lengths of the ranges.
        """
        n_days = self.days.size
        diff = np.zeros((n_rows, n_days + 1))
        if len(starts):
            first = self.days[0]
            start_index = (np.array(starts, dtype="datetime64[D]") - first) // DAY
            end_index = (np.array(ends, dtype="datetime64[D]") - first) // DAY + 1
            start_index = np.clip(start_index, 0, n_days)
            end_index = np.clip(end_index, 0, n_days)
            keep = end_index > start_index
            np.add.at(diff, (rows[keep], start_index[keep]), weights[keep])
            np.add.at(diff, (rows[keep], end_index[keep]), -weights[keep])
        result: npt.NDArray[np.float64] = np.cumsum(diff, axis=1)[:, :n_days]
        return result
