"""A person's cheapest roster by dynamic programming over the days (the pricing of column
generation, :mod:`solvers.roster.columns`).

A person's roster is a path through the days: each day a shift or the day off. The rules on
the order of the days, the worked minutes and the person's own costs are the path's states and
arc costs:

- the *state* after a day is the shift worked (or the day off), the length of the current run
  of working days (up to ``max_consecutive``) or of days off (up to ``min_consecutive_off``),
  whether the run of work began on the first day (minimum runs that touch the first day are
  exempt), the weekends worked so far (up to ``max_weekends``) and the minutes worked so far,
  in units of the greatest common divisor of the shift lengths. So ``max_consecutive``,
  ``min_consecutive``, ``min_consecutive_off``, forbidden successions, the daily rest between
  consecutive days, ``max_weekends`` and ``[min_minutes, max_minutes]`` hold on every path,
  exactly;
- the *arc* of a day costs the person's requests, the substitution cost of the competence
  covered, a split weekend on the Sunday, minus the credit of the (day, shift, competence)
  covered (the master's duals).

Two rules count over the horizon and are not states: the most shifts of each type and nights.
They are *priced*: a multiplier per rule is added to each such shift and ``multiplier * most``
taken off (Lagrangian relaxation). For any multipliers the path's value is a lower bound on
the person's cheapest roster; a path that keeps both rules is a roster. :meth:`Paths.price`
moves the multipliers by subgradient steps and keeps them for the next call, whose credits
differ little. With weekends priced too, the paths on Curtois & Qu's Instance8 (two weekends of
four) were often no roster and the columns dearer than CP-SAT's; as a state they cost a factor
of ``max_weekends + 1`` in states.

Problems with the rules that look at a week (weekly minutes and rest), a rest over two days
or a published roster are not for this (:func:`supported`): their persons are priced by CP-SAT.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import reduce
from typing import TYPE_CHECKING

import numpy as np

from models.roster import RosterSolution
from solvers.roster.constraints import rest_minutes

if TYPE_CHECKING:
    from models.roster import FloatArray, IntArray, RosterProblem

MAX_STATES = 10_000_000
"""Most states of the programme over all days: on Curtois & Qu's Instance19 (84 days) 6.6
million, a path in about 60 ms; on Instance20 (182 days) 19 million, 220 ms."""

STEPS = 12
"""Subgradient steps of one :meth:`Paths.price`, at most."""

CLOSE = 0.5
"""A roster cheaper than ``enough`` ends :meth:`Paths.price` once it is within this share of
the way from ``enough`` to the bound. Stopping at the first roster cheaper than ``enough``
gave columns that barely priced out: Curtois & Qu's Instance18 root stalled at 4,560 (best
known 4,459) with a bound of -9,660; at 0.5 it stalled after 21 s at 4,426 with a bound of
4,341, and Instance17 stood at 5,757 after 30 s (bound 5,653) against 5,824 after 25 s
(2,773). Stepping on to the bound (0) priced too long a person on Instance17: 19 rounds in
32 s, 5,874."""

INF = math.inf


def supported(problem: RosterProblem) -> bool:
    """True when the one person of ``problem`` can be priced by :class:`Paths`: no weekly
    minute bounds that bind, no weekly rest, no rest rule over two days, no published roster,
    and at most :data:`MAX_STATES` states over all days."""
    if problem.n_staff != 1 or problem.published is not None:
        return False
    if problem.weekly_rest[0] > 0 or problem.min_week_minutes[0].any():
        return False
    longest = 7 * int(problem.shift_minutes.max(initial=0))
    if (problem.max_week_minutes[0] < longest).any():
        return False
    if problem.n_days > 2 and (rest_minutes(problem, 2) < problem.min_rest[0]).any():
        return False
    width = int(problem.max_minutes[0]) // _unit(problem) + 1
    runs = problem.n_shifts * 2 * min(int(problem.max_consecutive[0]), problem.n_days)
    runs += int(problem.min_consecutive_off[0])
    weekends = min(int(problem.max_weekends[0]), len(problem.weekend_days())) + 1
    return problem.n_days * runs * weekends * width <= MAX_STATES


def _unit(problem: RosterProblem) -> int:
    minutes = [int(m) for m in problem.shift_minutes if m > 0]
    return reduce(math.gcd, minutes, 0) or 1


@dataclass(frozen=True)
class Path:
    """A cheapest path at some multipliers."""

    shift: IntArray
    """(D,) the shift of each day, -1 off."""
    competence: IntArray
    """(D,) the competence covered, -1 off."""
    own: float
    """The person's own cost of the roster (requests, substitutions, split weekends)."""
    credit: float
    """The credit of the cells the roster covers."""
    value: float
    """The path's cost with credits and multipliers, less the multipliers' constant: a lower
    bound on every roster's own cost minus its credit."""
    broken: bool
    """The path breaks a priced rule (so it is not a roster)."""

    @property
    def reduced(self) -> float:
        """Own cost minus credit."""
        return self.own - self.credit


class Paths:
    """The dynamic programme of one person (the one staff member of ``problem``)."""

    def __init__(self, problem: RosterProblem) -> None:
        if not supported(problem):
            raise ValueError("the person's rules are not all states of the programme")
        self.problem = problem
        n_days, n_shifts = problem.n_days, problem.n_shifts
        self.unit = _unit(problem)
        self.units = (problem.shift_minutes // self.unit).astype(np.int64)
        self.top = int(problem.max_minutes[0]) // self.unit  # most units worked
        self.low = -(-int(problem.min_minutes[0]) // self.unit)  # fewest units worked
        self.available = problem.available[0]  # (D, T)
        self.longest = max(1, min(int(problem.max_consecutive[0]), n_days))
        self.shortest = max(1, int(problem.min_consecutive[0]))
        self.rest_days = max(1, int(problem.min_consecutive_off[0]))
        rest = rest_minutes(problem, 1) < int(problem.min_rest[0])
        self.may_follow = ~(problem.forbidden | rest)  # [a, b]: b may follow a
        # own costs: working shift t on day d, and the day off
        self.work_cost = np.zeros((n_days, n_shifts))
        self.off_cost = np.zeros(n_days)
        for _, d, t, on, weight in problem.requests():
            if on and t < 0:
                self.off_cost[d] += weight
            elif on:
                self.off_cost[d] += weight
                self.work_cost[d, np.arange(n_shifts) != t] += weight
            elif t < 0:
                self.work_cost[d] += weight
            else:
                self.work_cost[d, t] += weight
        self.competences = np.flatnonzero(problem.can_cover[0])
        self.substitution = problem.substitution_cost[0, self.competences].astype(float)
        weekday = (np.arange(n_days) + problem.first_weekday) % 7
        self.sunday = [bool(weekday[d] == 6 and d > 0) for d in range(n_days)]
        # a weekend of one day in the horizon: a Saturday on the last day, a Sunday on the first
        self.lone_weekend_day = [
            bool((weekday[d] == 5 and d == n_days - 1) or (weekday[d] == 6 and d == 0))
            for d in range(n_days)
        ]
        self.split = float(problem.split_weekend)
        # the priced rules, and their multipliers (kept from call to call)
        self.type_most = problem.max_shifts[0].astype(float)
        self.weekend_states = min(int(problem.max_weekends[0]), len(problem.weekend_days())) + 1
        self.night = problem.shift_night.astype(bool)
        self.night_most = float(problem.max_nights[0])
        self.type_price = np.zeros(n_shifts)
        self.night_price = 0.0

    # ------------------------------------------------------------------ pricing

    def price(self, credit: FloatArray, enough: float = -INF) -> tuple[list[Path], float]:
        """Paths at ``credit`` ((D, T, C) per covered cell, in objective units), the
        multipliers moved after each by a subgradient step (raised on a broken rule, lowered on
        a slack one) until a roster meets the bound, or costs less than ``enough`` (own cost
        minus credit) and is :data:`CLOSE` to the bound, for at most :data:`STEPS` paths.

        Returns
        -------
        tuple[list[Path], float]
            The cheapest roster found (a path that keeps every rule), if any, and the best
            lower bound on the least own cost minus credit of any roster (``inf`` when the
            person has no roster).
        """
        gains, chosen = self._gains(credit)
        best: Path | None = None
        bound = -INF
        step = max(1.0, float(np.abs(gains).max(initial=0.0)) / 4)
        for _ in range(STEPS):
            path = self._cheapest(gains, chosen)
            if path is None:
                return [], INF
            bound = max(bound, path.value)
            if not path.broken and (best is None or path.reduced < best.reduced):
                best = path
            if best is not None and (
                best.reduced <= bound + 1e-9
                or (best.reduced < enough and best.reduced - bound <= CLOSE * (enough - bound))
            ):
                break  # the cheapest roster, or one cheap enough
            self._step(path, step)
            step *= 0.7
        return ([] if best is None else [best]), bound

    def _gains(self, credit: FloatArray) -> tuple[FloatArray, IntArray]:
        """(D, T) the credit net of the substitution cost of the best competence to cover,
        and that competence (-1 when the person covers none)."""
        n_days, n_shifts = self.problem.n_days, self.problem.n_shifts
        if self.competences.size == 0:
            return np.zeros((n_days, n_shifts)), np.full((n_days, n_shifts), -1, dtype=np.int64)
        net = credit[:, :, self.competences] - self.substitution[None, None, :]
        best = net.argmax(axis=2)
        return net.max(axis=2), self.competences[best]

    def _step(self, path: Path, step: float) -> None:
        """Move each multiplier by ``step`` in the direction of its rule's excess in ``path``
        (none below zero)."""
        worked = path.shift >= 0
        counts = np.bincount(path.shift[worked], minlength=self.problem.n_shifts)
        self.type_price = np.maximum(0.0, self.type_price + step * np.sign(counts - self.type_most))
        nights = int(self.night[path.shift[worked]].sum())
        self.night_price = max(0.0, self.night_price + step * np.sign(nights - self.night_most))

    # ------------------------------------------------------------------ the programme

    def _cheapest(self, gains: FloatArray, chosen: IntArray) -> Path | None:
        """The cheapest path with every shift worth ``gains`` less and priced at the current
        multipliers; None when there is no path (the person has no roster)."""
        n_days, n_shifts = self.problem.n_days, self.problem.n_shifts
        width, weekends = self.top + 1, self.weekend_states
        arc = self.work_cost - gains + self.type_price[None, :]
        arc = arc + np.where(self.night, self.night_price, 0.0)[None, :]
        arc = np.where(self.available, arc, INF)
        split = self.split
        long_, short, rest = self.longest, self.shortest, self.rest_days
        # work[t, r, b, w, m]: the day's shift t, a run of r + 1 working days, b: the run
        # began on day 0, w weekends worked, m units worked; off[k, w, m]: a run of k + 1
        # days off (rest - 1: long enough, or begun on day 0)
        work = np.full((n_shifts, long_, 2, weekends, width), INF)
        off = np.full((rest, weekends, width), INF)
        history: list[tuple[FloatArray, FloatArray]] = []
        off[rest - 1, 0, 0] = self.off_cost[0]
        first = 1 if self.lone_weekend_day[0] else 0
        for t in range(n_shifts):
            u = int(self.units[t])
            if u < width and first < weekends and arc[0, t] < INF:
                work[t, 0, 1, first, u] = arc[0, t]
        history.append((work, off))
        for d in range(1, n_days):
            sunday, lone = self.sunday[d], self.lone_weekend_day[d]
            # a day off after work (a run long enough, or one from day 0), or after days off
            ended = np.minimum(
                work[:, short - 1 :].min(axis=(0, 1, 2), initial=INF),
                work[:, :, 1].min(axis=(0, 1), initial=INF),
            )  # (weekends, width)
            if sunday:
                ended = _counted(ended) + split
            new_off = np.full_like(off, INF)
            new_off[0] = ended
            if rest >= 2:
                new_off[1:] = off[:-1]
                new_off[rest - 1] = np.minimum(off[rest - 2], off[rest - 1])
            else:
                new_off[0] = np.minimum(ended, off[0])
            new_off += self.off_cost[d]
            rested = off[rest - 1]
            if sunday:
                rested = _counted(rested) + split
            elif lone:
                rested = _counted(rested)
            new_work = np.full_like(work, INF)
            for t in range(n_shifts):
                cost = arc[d, t]
                u = int(self.units[t])
                if cost == INF or u >= width:
                    continue
                # the last day's shift may be followed by t, and the run may grow
                before = work[self.may_follow[:, t], : long_ - 1]
                grown = before.min(axis=0, initial=INF)  # (long - 1, 2, weekends, width)
                if sunday or lone:
                    grown = _counted(grown)
                new_work[t, 0, 0, :, u:] = rested[:, : width - u] + cost
                new_work[t, 1:, :, :, u:] = grown[..., : width - u] + cost
            work, off = new_work, new_off
            history.append((work, off))
        return self._trace(history, gains, chosen)

    def _trace(
        self, history: list[tuple[FloatArray, FloatArray]], gains: FloatArray, chosen: IntArray
    ) -> Path | None:
        """The cheapest path through ``history`` (the states of each day), walked back."""
        work, off = history[-1]
        low = self.low
        best_work = work[..., low:].min(initial=INF)
        best_off = off[..., low:].min(initial=INF)
        value = min(best_work, best_off)
        if value == INF:
            return None
        n_days = self.problem.n_days
        shift = np.full(n_days, -1, dtype=np.int64)
        last = (work if best_work <= best_off else off)[..., low:]  # the minutes within bounds
        index = np.unravel_index(np.argmin(last), last.shape)
        state: tuple[int, ...] = (*(int(i) for i in index[:-1]), int(index[-1]) + low)
        for d in range(n_days - 1, 0, -1):
            work, off = history[d - 1]
            state = self._back(d, state, work, off, shift)
        if len(state) == 5:
            shift[0] = state[0]
        worked = shift >= 0
        days = np.flatnonzero(worked)
        own = float(self.off_cost[~worked].sum() + self.work_cost[days, shift[days]].sum())
        own += self.split * self._split_weekends(shift)
        competence = np.where(worked, chosen[np.arange(n_days), np.maximum(shift, 0)], -1)
        credit = float(gains[days, shift[days]].sum())
        if self.competences.size:
            picked = np.searchsorted(self.competences, competence[days])
            own += float(self.substitution[picked].sum())
            credit += float(self.substitution[picked].sum())
        constant = float((self.type_price * self.type_most).sum())
        constant += self.night_price * self.night_most
        counts = np.bincount(shift[worked], minlength=self.problem.n_shifts)
        broken = (
            bool((counts > self.type_most).any())
            or int(self.night[shift[worked]].sum()) > self.night_most
        )
        return Path(shift, competence, own, credit, float(value) - constant, broken)

    def _back(
        self, d: int, state: tuple[int, ...], work: FloatArray, off: FloatArray, shift: IntArray
    ) -> tuple[int, ...]:
        """Record day ``d`` of ``state`` in ``shift`` and return the state of day ``d - 1``
        it came from (the cheapest of those that lead to it: ties cost the same)."""
        rest, short = self.rest_days, self.shortest
        counts = self.sunday[d] or self.lone_weekend_day[d]  # working today counts a weekend
        if len(state) == 5:
            t, r, b, w, m = state
            shift[d] = t
            before, w = m - int(self.units[t]), w - counts
            if r == 0:
                return (rest - 1, w, before)
            allowed = np.flatnonzero(self.may_follow[:, t])
            prior = int(allowed[np.argmin(work[allowed, r - 1, b, w, before])])
            return (prior, r - 1, b, w, before)
        k, w, m = state
        if k >= 1 and (k < rest - 1 or off[k - 1, w, m] <= off[k, w, m]):
            return (k - 1, w, m)
        if k == rest - 1 and k >= 1:
            return (k, w, m)
        # k == 0: the run of days off began today, after work (or continued, with rest 1)
        sunday = self.sunday[d]
        came = w - sunday  # the last working day's weekend counted today
        ended = np.full(work.shape[:3], INF)
        if came >= 0:
            ended[:, short - 1 :, :] = work[:, short - 1 :, :, came, m]
            ended[:, :, 1] = work[:, :, 1, came, m]
        where = np.unravel_index(np.argmin(ended), ended.shape)
        cheapest = float(ended[where]) + (self.split if sunday else 0.0)
        if rest == 1 and off[0, w, m] < cheapest:
            return (0, w, m)
        t, r, b = (int(i) for i in where)
        return (t, r, b, came, m)

    def _split_weekends(self, shift: IntArray) -> int:
        worked = shift >= 0
        return sum(
            1
            for days in self.problem.weekend_days()
            if len(days) == 2 and worked[days[0]] != worked[days[1]]
        )


def _counted(values: FloatArray) -> FloatArray:
    """``values`` with one more weekend worked (the weekend axis is the second last)."""
    counted = np.full_like(values, INF)
    counted[..., 1:, :] = values[..., :-1, :]
    return counted


def roster(path: Path) -> RosterSolution:
    """The one-person roster of ``path``."""
    return RosterSolution(
        shift=path.shift[None, :].copy(), competence=path.competence[None, :].copy()
    )
