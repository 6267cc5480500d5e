"""The planning horizon as arrays: days, weekdays, public holidays, ISO week labels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import TYPE_CHECKING

import holidays
import numpy as np
import numpy.typing as npt

from models.base import add_weeks

if TYPE_CHECKING:
    from collections.abc import Sequence

    from models.unit import Calendar

DAY = np.timedelta64(1, "D")


def _ordinals(days: Sequence[date]) -> npt.NDArray[np.int64]:
    """Proleptic Gregorian ordinals of ``days`` (much faster than converting to datetime64)."""
    return np.fromiter((d.toordinal() for d in days), dtype=np.int64, count=len(days))


@cache
def swedish_public_holidays(first_year: int, last_year: int) -> tuple[date, ...]:
    """Swedish public holidays from ``first_year`` to ``last_year``, with the de facto ones
    (Midsummer, Christmas and New Year's Eve) that collective agreements treat as holidays;
    Sundays are not listed."""
    found = holidays.country_holidays(
        "SE",
        years=range(first_year, last_year + 1),
        categories=("public", "de_facto"),
        include_sundays=False,
    )
    return tuple(sorted(found))


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
        listed: Sequence[date] = (
            calendar.public_holidays
            if calendar.public_holidays is not None
            else swedish_public_holidays(calendar.start.year, last.year)
        )
        holiday = np.zeros(days.size, dtype=bool)
        index = _ordinals(listed) - calendar.start.toordinal()
        holiday[index[(index >= 0) & (index < days.size)]] = True
        reduced = np.ones(calendar.weeks)
        week_index = {week: w for w, week in enumerate(weeks)}
        for item in calendar.reduced_weeks:
            if item.week in week_index:
                reduced[week_index[item.week]] = item.factor
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
            first = self.days[0].astype(date).toordinal()
            start_index = np.clip(_ordinals(starts) - first, 0, n_days)
            end_index = np.clip(_ordinals(ends) - first + 1, 0, n_days)
            keep = end_index > start_index
            np.add.at(diff, (rows[keep], start_index[keep]), weights[keep])
            np.add.at(diff, (rows[keep], end_index[keep]), -weights[keep])
        result: npt.NDArray[np.float64] = np.cumsum(diff, axis=1)[:, :n_days]
        return result
