"""The roster model as a mixed-integer programme, solved by HiGHS beside CP-SAT for its bound.

It is a second formulation of the same rules, written as linear rows: one shift a day,
availability, competences, the cover (hard minimum or its penalty, under and over the target),
the shifts of each type, the minutes over the horizon and in each week (and the day counts they
imply), the consecutive working days (at most as window rows, at least as the forbidden-run
clauses written linearly) and days off, the weekends, the nights, forbidden successions and the
daily rest, the weekly rest day, and in the objective substitution, requests, fairness (the
spread of weekends and nights in a group as ``most - fewest``), split weekends and changes
against a published roster. Every roster is a point of the programme with the same objective,
so HiGHS's dual bound, even when its time runs out, bounds every roster from below.

HiGHS's presolve, cuts and branching on it prove bounds that CP-SAT's portfolio reaches late or
not at all on two cores (the example clinic's 6-week roster in one minute: 5,590, where CP-SAT's
own bound had reached 2,185 and a linear relaxation of the cover alone 3,358). The roster solver
runs it in a thread beside CP-SAT (:class:`BoundWorker`; HiGHS releases the GIL) and stops
CP-SAT when its roster meets the bound.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict
from typing import TYPE_CHECKING, Self

import highspy
import numpy as np

from solvers.roster.constraints import rest_minutes

if TYPE_CHECKING:
    from collections.abc import Callable

    from models.roster import RosterProblem

Expr = dict[int, float]
"""A linear expression: coefficient per column."""

MAX_COLUMNS = 200_000
"""Above this many shift and competence columns the bound is not computed (building the rows in
Python would take longer than it is worth)."""


LINEAR_FIRST_COLUMNS = 9_000
"""Above this many shift and competence columns, the bound worker first solves a smaller
linear relaxation by interior point (:meth:`BoundWorker._linear_bound`), then the programme.
On the 600-staff hospital's parts of 160 and 211 people (18,783 and 43,278 columns), HiGHS's
branch and bound had no root bound within the part's 13-16 s. The whole programme's linear
relaxation takes 14 and 18 s by interior point. Without the rules on the order of the days its
value is the same (1,710 and 1,381, rounded up), and the worker had it after 5 and 8 s,
building included. Curtois & Qu's Instance12 and Instance19 (10,452 and 9,728 cells, with one
competence as many columns) had no root bound after 28 s beside
CP-SAT's two workers: alone, the root of Instance12 came after 20 s (3,978) and that of
Instance19 not within 28 s; the relaxation came after 1.3 and 3 s (3,622 and 2,684), and on
Instance12 the root still came after 20.6 s. Smaller programmes, and most of them the clinic's
parts (one of 12,870 columns is above), go to branch and bound at once; its cuts raise the
bound."""


class _Programme:
    """Columns and rows of a mixed-integer programme, gathered before it is passed to HiGHS."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integer: list[bool] = []
        self.row_lower: list[float] = []
        self.row_upper: list[float] = []
        self.starts: list[int] = [0]
        self.index: list[int] = []
        self.value: list[float] = []
        self.offset = 0.0
        self.cancelled: Callable[[], bool] = lambda: False
        """Asked once per person while building: True stops the building."""

    def check(self) -> None:
        """Raise :class:`_Cancelled` when the building is to stop."""
        if self.cancelled():
            raise _Cancelled

    def column(self, cost: float, upper: float, *, integer: bool) -> int:
        self.cost.append(cost)
        self.lower.append(0.0)
        self.upper.append(upper)
        self.integer.append(integer)
        return len(self.cost) - 1

    def row(self, expr: Expr, lower: float, upper: float) -> None:
        """``lower <= expr <= upper``; rows without a column are left out (they hold or they
        are checked by the caller)."""
        items = [(c, v) for c, v in expr.items() if v != 0]
        if not items:
            return
        self.row_lower.append(lower)
        self.row_upper.append(upper)
        for c, v in items:
            self.index.append(c)
            self.value.append(v)
        self.starts.append(len(self.index))

    def highs(self, time_limit: float) -> highspy.Highs:
        lp = highspy.HighsLp()
        lp.num_col_ = len(self.cost)
        lp.num_row_ = len(self.row_lower)
        lp.col_cost_ = np.asarray(self.cost, dtype=np.float64)
        lp.col_lower_ = np.asarray(self.lower, dtype=np.float64)
        lp.col_upper_ = np.asarray(self.upper, dtype=np.float64)
        lp.row_lower_ = np.asarray(self.row_lower, dtype=np.float64)
        lp.row_upper_ = np.asarray(self.row_upper, dtype=np.float64)
        lp.offset_ = self.offset
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_ = lp.num_col_
        lp.a_matrix_.num_row_ = lp.num_row_
        lp.a_matrix_.start_ = np.asarray(self.starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.asarray(self.index, dtype=np.int32)
        lp.a_matrix_.value_ = np.asarray(self.value, dtype=np.float64)
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
            for i in self.integer
        ]
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("time_limit", float(time_limit))
        # HiGHS keeps one pool of threads per process, sized by its first solve, and a solve
        # that asks for another number fails at once (model status "Not Set"). After the daily
        # plan's solve in the same process (balans schedule, the chain, a schedule job) a
        # bound asking for 1 thread had none; the default takes the pool as it is.
        h.passModel(lp)
        return h


def _plus(*exprs: Expr, scale: float = 1.0) -> Expr:
    out: Expr = defaultdict(float)
    for expr in exprs:
        for c, v in expr.items():
            out[c] += scale * v
    return out


def _sum(exprs: list[Expr]) -> Expr:
    return _plus(*exprs)


class _Roster:
    """The programme's columns: ``x[s][d][t]`` (works shift ``t``), ``y[s, d, t, c]`` (covers
    ``c`` with it; ``x`` itself for a person with one competence), weekend indicators."""

    def __init__(self, problem: RosterProblem, p: _Programme) -> None:
        self.problem = problem
        self.x: list[list[dict[int, int]]] = []
        self.y: dict[tuple[int, int, int, int], int] = {}
        for s in range(problem.n_staff):
            p.check()
            own = np.flatnonzero(problem.can_cover[s]).tolist()
            rows: list[dict[int, int]] = []
            for d in range(problem.n_days):
                shifts = {
                    t: p.column(0.0, 1.0, integer=True)
                    for t in np.flatnonzero(problem.available[s, d]).tolist()
                }
                rows.append(shifts)
                if len(shifts) > 1:
                    p.row(dict.fromkeys(shifts.values(), 1.0), -math.inf, 1.0)
                for t, col in shifts.items():
                    if len(own) == 1:
                        self.y[s, d, t, own[0]] = col
                    elif len(own) > 1:
                        choices = {c: p.column(0.0, 1.0, integer=True) for c in own}
                        p.row({col: -1.0, **dict.fromkeys(choices.values(), 1.0)}, 0.0, 0.0)
                        for c, choice in choices.items():
                            self.y[s, d, t, c] = choice
            self.x.append(rows)
        self.weekends: list[list[int]] = []
        """Per person, a flag per weekend with a day the person may work: 1 when one is
        worked (``flag >= work[d]`` for each day, ``flag <= sum work``)."""
        self.weekend_days: list[list[tuple[int, ...]]] = []
        """Per person, the days of the weekend of each flag."""
        for s in range(problem.n_staff):
            flags, spans = [], []
            for days in problem.weekend_days():
                worked = [self.work(s, d) for d in days if self.x[s][d]]
                if not worked:
                    continue
                flag = p.column(0.0, 1.0, integer=True)
                for expr in worked:
                    p.row({**expr, flag: -1.0}, -math.inf, 0.0)
                p.row({**_sum(worked), flag: -1.0}, 0.0, math.inf)
                flags.append(flag)
                spans.append(days)
            self.weekends.append(flags)
            self.weekend_days.append(spans)

    def work(self, s: int, d: int) -> Expr:
        return dict.fromkeys(self.x[s][d].values(), 1.0)

    def days(self, s: int, days: range | list[int]) -> Expr:
        return _sum([self.work(s, d) for d in days])

    def minutes(self, s: int, days: range) -> Expr:
        m = self.problem.shift_minutes
        return {col: float(m[t]) for d in days for t, col in self.x[s][d].items()}


def _cover(problem: RosterProblem, p: _Programme, r: _Roster) -> None:
    """Hard minimum, or its penalty; under and over the target."""
    cells: dict[tuple[int, int, int], Expr] = defaultdict(dict)
    for (_, d, t, c), col in r.y.items():
        cells[d, t, c][col] = 1.0
    for d, t, c in np.ndindex(problem.cover_target.shape):
        count = cells.get((d, t, c), {})
        target = int(problem.cover_target[d, t, c])
        minimum = int(problem.cover_min[d, t, c])
        under_w = int(problem.cover_under_weight[d, t, c])
        over_w = int(problem.cover_over_weight[d, t, c])
        if target > 0 and under_w > 0:
            under = p.column(float(under_w), float(target), integer=False)
            p.row({**count, under: 1.0}, float(target), math.inf)
        if over_w > 0 and len(count) > target:
            over = p.column(float(over_w), float(len(count) - target), integer=False)
            p.row({**count, over: -1.0}, -math.inf, float(target))
        if minimum > 0:
            if problem.cover_min_weight > 0:
                short = p.column(float(problem.cover_min_weight), float(minimum), integer=False)
                p.row({**count, short: 1.0}, float(minimum), math.inf)
            elif len(count) < minimum:
                raise _Infeasible
            else:
                p.row(count, float(minimum), math.inf)


class _Infeasible(Exception):
    """A rule no roster can meet, seen while building."""


class _Cancelled(Exception):
    """The building was stopped (:meth:`BoundWorker.stop`)."""


def _per_person(problem: RosterProblem, p: _Programme, r: _Roster, sequences: bool) -> None:
    """Every rule that concerns one person; without ``sequences``, not the rules on the order
    of the days (the shortest runs of work and of days off, forbidden successions and the daily
    rest, the weekly rest day)."""
    n, minutes = problem.n_days, problem.shift_minutes
    weekends = problem.weekend_days()
    nights = set(np.flatnonzero(problem.shift_night).tolist())
    weeks = [range(7 * w, min(7 * w + 7, n)) for w in range(problem.n_weeks)]
    succession = _successions(problem)
    for s in range(problem.n_staff):
        p.check()
        kinds = sorted({t for day in r.x[s] for t in day})
        if not kinds:
            continue
        for t in kinds:
            of_type = {row[t]: 1.0 for row in r.x[s] if t in row}
            p.row(of_type, -math.inf, float(problem.max_shifts[s, t]))
        longest = max(int(minutes[t]) for t in kinds)
        shortest = min(int(minutes[t]) for t in kinds)
        spans = [(range(n), int(problem.min_minutes[s]), int(problem.max_minutes[s]))]
        spans += [
            (days, int(problem.min_week_minutes[s, w]), int(problem.max_week_minutes[s, w]))
            for w, days in enumerate(weeks)
        ]
        for days, low, high in spans:
            p.row(r.minutes(s, days), float(low), float(high))
            count = r.days(s, days)
            low_days = -(-low // longest) if longest > 0 else 0
            high_days = high // shortest if shortest > 0 else len(count)
            if low_days > 0 or high_days < len(count):
                p.row(count, float(low_days), float(high_days))
        k = int(problem.max_consecutive[s])
        for d in range(n - k):
            p.row(r.days(s, range(d, d + k + 1)), -math.inf, float(k))
        if sequences:
            work = [r.work(s, d) for d in range(n)]
            _short_runs(p, work, int(problem.min_consecutive[s]), True)
            _short_runs(p, work, int(problem.min_consecutive_off[s]), False)
            _weekly_rest(problem, p, r, s)
        flags = r.weekends[s]
        if len(flags) > problem.max_weekends[s]:
            p.row(dict.fromkeys(flags, 1.0), -math.inf, float(problem.max_weekends[s]))
            weekend_days = [d for days in weekends for d in days]
            p.row(r.days(s, weekend_days), -math.inf, 2.0 * int(problem.max_weekends[s]))
        night_cols = {col: 1.0 for row in r.x[s] for t, col in row.items() if t in nights}
        p.row(night_cols, -math.inf, float(problem.max_nights[s]))
        for gap, bad in succession[int(problem.min_rest[s])] if sequences else []:
            for d in range(n - gap):
                later = r.x[s][d + gap]
                for a, col in r.x[s][d].items():
                    following = {
                        later[b]: 1.0 for b in np.flatnonzero(bad[a]).tolist() if b in later
                    }
                    if following:
                        p.row({col: 1.0, **following}, -math.inf, 1.0)


def _weekly_rest(problem: RosterProblem, p: _Programme, r: _Roster, s: int) -> None:
    """A rest day in every 7 days: a day off that, where a shift the day before and one the day
    after would leave less than ``weekly_rest[s]`` minutes between them, is a column ``rest``
    with ``rest + work[d] <= 1`` and ``rest + x[d-1, a] + sum_b x[d+1, b] <= 2``; elsewhere the
    day off itself, ``1 - work[d]``."""
    minimum, n = int(problem.weekly_rest[s]), problem.n_days
    if minimum <= 0 or n < 7:
        return
    short = rest_minutes(problem, 2) < minimum
    rest: list[tuple[Expr, float]] = []  # the rest day as expression + constant
    for d in range(n):
        before = r.x[s][d - 1] if d > 0 else {}
        after = r.x[s][d + 1] if d + 1 < n else {}
        pairs = []
        for a, col in before.items():
            following = {after[b]: 1.0 for b in np.flatnonzero(short[a]).tolist() if b in after}
            if following:
                pairs.append({col: 1.0, **following})
        if not pairs:
            rest.append((_plus(r.work(s, d), scale=-1.0), 1.0))
            continue
        day = p.column(0.0, 1.0, integer=True)
        p.row({**r.work(s, d), day: 1.0}, -math.inf, 1.0)
        for pair in pairs:
            p.row({**pair, day: 1.0}, -math.inf, 2.0)
        rest.append(({day: 1.0}, 0.0))
    for d in range(n - 6):
        window = rest[d : d + 7]
        p.row(_sum([e for e, _ in window]), 1.0 - sum(k for _, k in window), math.inf)


def _split_weekends(problem: RosterProblem, p: _Programme, r: _Roster) -> None:
    """``split_weekend * (2 flag - work[sat] - work[sun])`` per weekend of two days."""
    split = float(problem.split_weekend)
    if split <= 0:
        return
    for s in range(problem.n_staff):
        for flag, days in zip(r.weekends[s], r.weekend_days[s], strict=True):
            if len(days) == 2:
                p.cost[flag] += 2.0 * split
                for col in r.work(s, days[0]).keys() | r.work(s, days[1]).keys():
                    p.cost[col] -= split


def _fairness(problem: RosterProblem, p: _Programme, r: _Roster) -> None:
    """Per group of equal contracts, ``weight * (most - fewest)`` of the weekends worked and of
    the nights worked; members outside the problem count with their fixed counts."""
    nights = set(np.flatnonzero(problem.shift_night).tolist())
    for g, members in problem.fairness_groups().items():
        outside = problem.fixed_counts(g)
        if len(members) + (outside is not None) < 2:
            continue
        counts = []
        if problem.weekend_fairness > 0 and problem.weekend_days():
            weekends = [dict.fromkeys(r.weekends[s], 1.0) for s in members]
            fixed = None if outside is None else outside[0]
            counts.append((problem.weekend_fairness, weekends, len(problem.weekend_days()), fixed))
        if problem.night_fairness > 0 and nights:
            worked = [
                {col: 1.0 for row in r.x[s] for t, col in row.items() if t in nights}
                for s in members
            ]
            fixed = None if outside is None else outside[1]
            counts.append((problem.night_fairness, worked, problem.n_days, fixed))
        for weight, exprs, most_count, fixed in counts:
            high = most_count if fixed is None else max(most_count, fixed[0])
            most = p.column(float(weight), float(high), integer=False)
            fewest = p.column(-float(weight), float(high), integer=False)
            for expr in exprs:
                p.row({**expr, most: -1.0}, -math.inf, 0.0)
                p.row({**expr, fewest: -1.0}, 0.0, math.inf)
            if fixed is not None:
                p.row({most: 1.0}, float(fixed[0]), math.inf)
                p.row({fewest: 1.0}, -math.inf, float(fixed[1]))


def _successions(problem: RosterProblem) -> dict[int, list[tuple[int, np.ndarray]]]:
    """Per minimum rest, the ``(gap in days, forbidden[a, b])`` pairs: ``b`` may not follow
    ``a`` that many days later (the succession matrix, or less rest than the minimum between
    the clock times)."""
    out: dict[int, list[tuple[int, np.ndarray]]] = {}
    for minimum in {int(m) for m in problem.min_rest.tolist()}:
        pairs = []
        for gap in (1, 2):
            bad = rest_minutes(problem, gap) < minimum
            if gap == 1:
                bad = bad | problem.forbidden
            if bad.any():
                pairs.append((gap, bad))
        out[minimum] = pairs
    return out


def _short_runs(p: _Programme, work: list[Expr], shortest: int, of_work: bool) -> None:
    """A maximal run (of working days, or of days off) of length ``l < shortest`` from day
    ``d + 1`` that touches neither end of the horizon is cut off by
    ``work[d] + work[d+l+1] - sum(inside) >= 1 - l`` (negated for days off)."""
    n = len(work)
    for length in range(1, shortest):
        for d in range(n - length - 1):
            inside = _sum(work[d + 1 : d + length + 1])
            border = _plus(work[d], work[d + length + 1])
            if of_work:
                p.row(_plus(border, _plus(inside, scale=-1.0)), float(1 - length), math.inf)
            else:
                p.row(_plus(inside, _plus(border, scale=-1.0)), float(-1), math.inf)


def _objective(problem: RosterProblem, p: _Programme, r: _Roster) -> None:
    """Substitution, requests and changes (the cover penalties are columns of their own)."""
    for (s, _, _, c), col in r.y.items():
        p.cost[col] += float(problem.substitution_cost[s, c])
    for s, d, t, on, weight in problem.requests():
        cols = list(r.x[s][d].values()) if t < 0 else [r.x[s][d][t]] if t in r.x[s][d] else []
        if on:
            p.offset += weight
            for col in cols:
                p.cost[col] -= weight
        else:
            for col in cols:
                p.cost[col] += weight
    published, change = problem.published, problem.change_cost
    if published is None or change is None:
        return
    for s, d in zip(*np.nonzero(change), strict=True):
        cost = float(change[s, d])
        t, c = int(published.shift[s, d]), int(published.competence[s, d])
        if t < 0:
            for col in r.x[s][d].values():
                p.cost[col] += cost
            continue
        kept = r.y.get((int(s), int(d), t, c)) if c >= 0 else r.x[s][d].get(t)
        p.offset += cost
        if kept is not None:
            p.cost[kept] -= cost


def programme(
    problem: RosterProblem,
    cancelled: Callable[[], bool] | None = None,
    *,
    sequences: bool = True,
) -> _Programme | None:
    """The programme of ``problem``; None when a hard cover minimum exceeds the people who
    could ever meet it (no roster exists). ``cancelled`` is asked once per person while
    building; when it says True, :class:`_Cancelled` is raised. Without ``sequences`` the rows
    of the rules on the order of the days are left out (see :func:`_per_person`): a relaxation,
    still with every roster as a point, whose linear programme is smaller."""
    built = _programme(problem, cancelled, sequences)
    return None if built is None else built[0]


def _programme(
    problem: RosterProblem, cancelled: Callable[[], bool] | None, sequences: bool
) -> tuple[_Programme, _Roster] | None:
    """:func:`programme` and its shift and competence columns."""
    p = _Programme()
    if cancelled is not None:
        p.cancelled = cancelled
    r = _Roster(problem, p)
    try:
        _cover(problem, p, r)
    except _Infeasible:
        return None
    _per_person(problem, p, r, sequences)
    _objective(problem, p, r)
    _split_weekends(problem, p, r)
    _fairness(problem, p, r)
    return p, r


def columns(problem: RosterProblem) -> int:
    """The shift and competence columns of the programme of ``problem``, about: its available
    (staff, day, shift) cells times the most competences a person may cover."""
    return int(problem.available.sum()) * max(1, int(problem.can_cover.sum(axis=1).max(initial=1)))


def _rounded(bound: float) -> float:
    """A HiGHS bound as a bound on an integral objective: rounded up, clear of HiGHS's
    tolerances of about 1e-6."""
    if not math.isfinite(bound):
        return bound
    return float(math.ceil(bound - 1e-6 * max(1.0, abs(bound)) - 1e-6))


class BoundWorker:
    """HiGHS on the programme of a roster problem in a thread of its own.

    :attr:`bound` is its dual bound so far (rounded up; ``-inf`` before the first), ``inf``
    once HiGHS has shown that no roster exists. ``on_bound`` is called from the worker's
    thread with each higher bound. :meth:`stop` interrupts HiGHS and waits for the thread.

    Parameters
    ----------
    problem
        The roster problem.
    time_limit
        Seconds for HiGHS, building included.
    on_bound
        Called with each higher bound.
    linear_first
        Solve the linear relaxation first whatever the programme's size, not only above
        :data:`LINEAR_FIRST_COLUMNS`: for a search with no bound of its own beside it, where a
        bound in seconds is worth the delay to the root (the example clinic's 40-person part:
        the relaxation's 790 after 1.5 s, the root's 795 after 18 s against 16.7 s without).
    """

    def __init__(
        self,
        problem: RosterProblem,
        time_limit: float,
        on_bound: Callable[[float], None] | None = None,
        *,
        linear_first: bool = False,
    ) -> None:
        self.problem = problem
        self.time_limit = time_limit
        self.on_bound = on_bound
        self.linear_first = linear_first
        self.bound = -math.inf
        self.status = "not run"
        """HiGHS's model status at the end, for the record."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="roster-mip-bound", daemon=True)

    def start(self) -> Self:
        self._thread.start()
        return self

    @property
    def finished(self) -> bool:
        """HiGHS is done (or was never started)."""
        return not self._thread.is_alive()

    def current(self) -> float:
        """The bound so far."""
        return self.bound

    def stop(self) -> float:
        """Interrupt HiGHS, wait for it and return the bound."""
        self._stop.set()
        self._thread.join()
        return self.bound

    def wait(self) -> float:
        """Wait for HiGHS to finish (or run out of time) and return the bound."""
        self._thread.join()
        return self.bound

    def _raise(self, bound: float) -> None:
        if bound > self.bound:
            self.bound = bound
            if self.on_bound is not None:
                self.on_bound(bound)

    def _run(self) -> None:
        started = time.perf_counter()
        size = columns(self.problem)
        if size > MAX_COLUMNS:
            return
        try:
            linear_first = self.linear_first or size > LINEAR_FIRST_COLUMNS
            if linear_first and not self._linear_bound(started):
                return
            p = programme(self.problem, self._stop.is_set)
        except _Cancelled:  # stopped while building (a big programme takes seconds)
            return
        h = self._solved(p, started)
        if p is None or h is None:
            return
        info = h.getInfo()
        if any(p.integer):
            # the dual bound, not the incumbent: HiGHS calls a gap within its tolerance optimal
            self._raise(_rounded(info.mip_dual_bound))
        elif h.getModelStatus() == highspy.HighsModelStatus.kOptimal:  # a linear programme
            self._raise(_rounded(info.objective_function_value))

    def _linear_bound(self, started: float) -> bool:
        """Raise the bound to the optimum of the linear relaxation without the rules on the
        order of the days, by interior point without crossover; False when there is no time
        left or no roster exists. At an optimum the interior point's objective is within its
        relative gap tolerance (1e-8) of the dual objective, which :func:`_rounded` leaves
        room for."""
        p = programme(self.problem, self._stop.is_set, sequences=False)
        if p is not None:
            p.integer = [False] * len(p.integer)
        h = self._solved(p, started, solver="ipm", run_crossover="off")
        if h is None:
            return False
        if _converged(h):
            self._raise(_rounded(h.getInfo().objective_function_value))
        return not self._stop.is_set()

    def _solved(self, p: _Programme | None, started: float, **options: str) -> highspy.Highs | None:
        """HiGHS run on ``p`` (with ``options``) for the time left, raising the bound on the
        way, interrupted by :meth:`stop`; None when ``p`` or HiGHS shows that no roster exists
        (the bound is then ``inf``), or when there is no time left."""
        if p is None:
            self._raise(math.inf)
            return None
        left = self.time_limit - (time.perf_counter() - started)
        if left <= 0 or self._stop.is_set():
            return None
        h = p.highs(left)
        for name, value in options.items():
            h.setOptionValue(name, value)

        def tick(event: object) -> None:
            out = event.data_out  # type: ignore[attr-defined]
            self._raise(_rounded(out.mip_dual_bound))
            if self._stop.is_set():
                event.interrupt()  # type: ignore[attr-defined]

        h.cbMipInterrupt += tick
        h.cbSimplexInterrupt += lambda event: self._stop.is_set() and event.interrupt()
        h.cbIpmInterrupt += lambda event: self._stop.is_set() and event.interrupt()
        h.run()
        self.status = h.modelStatusToString(h.getModelStatus())
        if _infeasible(h):
            self._raise(math.inf)
            return None
        return h


class Relaxation(BoundWorker):
    """The linear relaxation of the programme, every rule in, solved by interior point without
    crossover (by the simplex method if that gives up) in a thread of its own
    (:class:`BoundWorker` otherwise): its optimum is the bound, :attr:`nights` the night shifts
    it gives each person (rounded down) and :attr:`rounded` its roster rounded, for a solve
    guided by it (``solvers.roster.solve``, ``_guided``)."""

    def __init__(
        self, problem: RosterProblem, time_limit: float, *, after: Relaxation | None = None
    ) -> None:
        super().__init__(problem, time_limit)
        self.after = after
        """Another relaxation to wait for before this one starts: one core solves them in turn.
        ``time_limit`` counts from the start."""
        self.nights: np.ndarray | None = None
        """(S,) the night shifts each person works at the optimum, rounded down; None until it
        is found."""
        self.rounded: np.ndarray | None = None
        """(S, D) the shift each person works more than half of each day at the optimum, or
        -1: a hint."""

    def _run(self) -> None:
        while self.after is not None and not self.after.finished:
            if self._stop.wait(0.05):
                return
        started = time.perf_counter()
        if columns(self.problem) > MAX_COLUMNS:
            return
        try:
            built = _programme(self.problem, self._stop.is_set, sequences=True)
        except _Cancelled:
            return
        if built is None:
            self._raise(math.inf)
            return
        p, r = built
        p.integer = [False] * len(p.integer)
        h = self._solved(p, started, solver="ipm", run_crossover="off")
        if h is not None and not _converged(h):
            # interior point gave up (on some small programmes: unknown after no iteration)
            h = self._solved(p, started)
            if h is not None and h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                h = None
        if h is None:
            return
        x = np.asarray(h.getSolution().col_value)
        problem = self.problem
        nights = np.zeros(problem.n_staff)
        rounded = np.full((problem.n_staff, problem.n_days), -1, dtype=np.int64)
        for s, row in enumerate(r.x):
            for d, shifts in enumerate(row):
                for t, col in shifts.items():
                    if problem.shift_night[t]:
                        nights[s] += x[col]
                    if x[col] > 0.5:
                        rounded[s, d] = t
        self.nights = np.floor(nights + 1e-6).astype(np.int64)
        self.rounded = rounded
        self._raise(_rounded(h.getInfo().objective_function_value))


RESIDUAL = 1e-7
"""Largest primal and dual infeasibility of an interior point solution taken as optimal (HiGHS's
default feasibility tolerances)."""


def _converged(h: highspy.Highs) -> bool:
    """The interior point method without crossover has solved the linear programme. HiGHS calls
    it optimal only when IPX does; on Curtois & Qu's Instance12 and Instance19 it said unknown
    after 35 iterations with every residual below 1e-7 (Instance12: 3,622.00000002, and
    3,621.99999999996 with crossover, which took another second; Instance19: 2,683.6250000,
    and crossover took 9 s more). Such a solution is taken when its residuals are within
    :data:`RESIDUAL`."""
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        return True
    info = h.getInfo()
    return bool(
        status == highspy.HighsModelStatus.kUnknown
        and info.ipm_iteration_count > 0
        and info.max_primal_infeasibility <= RESIDUAL
        and info.max_dual_infeasibility <= RESIDUAL
    )


def _infeasible(h: highspy.Highs) -> bool:
    """HiGHS has shown that the programme has no point (every column is bounded, so it cannot
    be unbounded: either status means infeasible)."""
    return h.getModelStatus() in (
        highspy.HighsModelStatus.kInfeasible,
        highspy.HighsModelStatus.kUnboundedOrInfeasible,
    )


def mip_bound(problem: RosterProblem, time_limit: float = 10.0) -> float:
    """HiGHS's dual bound on the programme of ``problem`` after at most ``time_limit`` seconds:
    a lower bound on the objective of every roster (``inf`` when none exists, ``-inf`` when
    there is none yet or the problem is too big, :data:`MAX_COLUMNS`)."""
    return BoundWorker(problem, time_limit).start().wait()
