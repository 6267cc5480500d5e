"""Large neighbourhood search around the roster model: free a part of a roster, keep the rest,
re-solve the part with CP-SAT from the current roster, keep the result when it is not worse.

The sub-problem of a neighbourhood (:func:`subproblem`) is exact: its objective plus a
constant is the whole problem's objective, and each of its rosters is a roster of the whole
problem. Staff outside the free set leave the problem; the cover they give is taken off the
cover minimum and target of each (day, shift, competence), to no less than zero (fixed staff
above the target cost the same over-cover whatever the free ones do, and each free one on that
shift adds one more). Free staff outside the window of days may only keep the shift they work
there or take the day off, so every rule over the horizon is still checked in full. A fairness
group's fixed members count in its spreads with the most and fewest weekends and nights they
work (``RosterProblem.fairness_fixed``), and requests and changes go with their person.

Three kinds of neighbourhood share the time: the staff of one competence over a window of days
(cover is per day and competence, so this moves shifts between people who may take each other's;
with one competence, all staff); some staff over the whole horizon, or four weeks of a long one
(moves a person's pattern; each person leads one such neighbourhood a pass, in a shuffled order);
and, on a long horizon while the roster is short of a shift somewhere, some staff over four weeks
around the short day, led by a person who could take the shift. Four weeks at random seldom hold
the one day of a year on which a given person could fill a gap: from the README's roster of Curtois
& Qu's Instance24 (364 days, 998 shifts short), 60 s of the search, seeds 0 and 1, reached 101,894
and 103,487 with such neighbourhoods against 108,101 and 107,446 without. On a 28-day horizon,
where the staff are freed over the whole of it anyway, they did worse (Instance13, the benchmark's
minute, seeds 0-5: median 4,266 against 3,948), so they are left out there. A neighbourhood's model
holds only the whole weeks around its window (:func:`trimmed`): on a year-long horizon it is a
tenth of the size. Each kind gets time in proportion to what it has gained per second lately, and
at least a tenth. Each starts small, about one person or one day, and its size adapts: it doubles
once a pass over the roster at that size, every person or every day freed about once, is solved to
optimality without a gain, and it shrinks by 15 % when a solve runs out of time. From a roster
built a person at a time (the 600-staff hospital's 160-person part, 16,205), single people gain
most per second, and 13 s of the search reached 6,310; starting at about 300 cells (five people
there) and growing by 15 % after every solve proved optimal, with the kinds taking turns, it
reached 13,955. From CP-SAT's roster of a Curtois & Qu instance, small neighbourhoods rarely gain,
and doubling reaches useful sizes within a few passes (Instance5 from 1,437, 20 s, seeds 0 and 1:
1,437 and 1,253; growing by 15 % a pass, 1,437 twice).
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from ortools.sat.python import cp_model

from models.roster import RosterSolution
from solvers.common import Progress, SolveOptions
from solvers.roster.decompose import Part, restrict, restrict_solution

if TYPE_CHECKING:
    from collections.abc import Callable

    from models.roster import BoolArray, IntArray, RosterProblem
    from solvers.common import ProgressCallback

SUB_TIME_LIMIT = 1.0
"""Seconds per neighbourhood solve, at most."""

SUB_NATIVE = {"cp_model_presolve": False}
"""CP-SAT parameters of a neighbourhood solve, under the caller's own: CP-SAT's presolve of a
small sub-problem costs more than it saves (probing took most of each solve)."""

START_CELLS = 50
"""Free (staff, day, shift) cells of the first neighbourhoods, about."""

MIN_CELLS, MAX_CELLS = 50, 6000

STAFF_DAYS = 28
"""On a horizon longer than twice this many days, a neighbourhood of some staff frees them
over a window of this many days, not the whole horizon (its sub-problem holds only the weeks
around it, :func:`trimmed`). From the rosters of the README's table, 30 s of the search, seed
0, staff over the whole horizon against four weeks: Instance18 (84 days) 5,818 against 5,920,
Instance19 (84) 6,258 against 5,738, Instance20 (182) 6,729 against 6,496, Instance22 (364)
48,661 against 48,343."""

KIND_FLOOR = 0.1
"""Each kind of neighbourhood gets at least this share of the time, however little it has
gained lately."""

DAYS, STAFF, SHORT = "days", "staff", "short"
KINDS = (DAYS, STAFF, SHORT)
"""The kinds of neighbourhood: everyone who may cover a competence over a window of days; some
staff led by each person in turn; and, on a long horizon while the roster is short of a shift
somewhere, some staff around the short day led by a person who could take it
(:func:`_short_lead`)."""

MEMORY = 1.0
"""Seconds of a kind's own search after which what it gained, and how long it took, count half
as much in its record (:class:`_Record`)."""


@dataclass(frozen=True)
class LnsResult:
    """What :func:`improve` made of a roster."""

    solution: RosterSolution
    objective: int
    neighbourhoods: int
    """Sub-problems solved."""
    improvements: int
    """Sub-problems whose roster lowered the objective."""


def _fixed_cover(problem: RosterProblem, solution: RosterSolution, staff: IntArray) -> IntArray:
    """(D, T, C) how many of ``staff`` cover each cell in ``solution``."""
    fixed = np.zeros(problem.cover_target.shape, dtype=np.int64)
    shift, competence = solution.shift[staff], solution.competence[staff]
    rows, days = np.nonzero((shift >= 0) & (competence >= 0))
    np.add.at(fixed, (days, shift[rows, days], competence[rows, days]), 1)
    return fixed


def subproblem(
    problem: RosterProblem, solution: RosterSolution, free: IntArray, window: range
) -> RosterProblem:
    """The problem of the ``free`` staff over ``window``, everything else fixed to ``solution``.

    Parameters
    ----------
    problem
        The whole problem.
    solution
        The current roster of the whole problem.
    free
        Staff indices to re-roster (sorted).
    window
        Days on which the free staff may change anything; elsewhere they keep their shift or
        take the day off.

    Returns
    -------
    RosterProblem
        The sub-problem (staff in the order of ``free``, every competence); its objective plus
        a constant is the whole problem's objective.
    """
    others = np.setdiff1d(np.arange(problem.n_staff), free)
    fixed = _fixed_cover(problem, solution, others)
    sub = restrict(problem, Part(staff=free, competences=np.arange(problem.n_competences)))
    available = sub.available.copy()
    outside = np.ones(problem.n_days, dtype=bool)
    outside[window.start : window.stop] = False
    if outside.any():
        keep = np.zeros_like(available)
        own = solution.shift[free]
        rows, days = np.nonzero(own >= 0)
        keep[rows, days, own[rows, days]] = True
        available[:, outside, :] &= keep[:, outside, :]
    return replace(
        sub,
        cover_min=np.maximum(0, problem.cover_min - fixed),
        cover_target=np.maximum(0, problem.cover_target - fixed),
        available=available,
        fairness_fixed=_fairness_fixed(problem, solution, others),
    )


@dataclass(frozen=True)
class Sub:
    """A neighbourhood's sub-problem over the weeks around its window (:func:`trimmed`)."""

    problem: RosterProblem
    days: range
    """The whole problem's days that it holds: its day 0 is ``days.start``."""
    pinned: dict[tuple[int, int], int]
    """(staff, day) of the sub-problem -> the shift its person works there, kept as it is:
    the worked days between the window and the ends of ``days``."""


def trimmed(problem: RosterProblem, solution: RosterSolution, free: IntArray, window: range) -> Sub:
    """:func:`subproblem` over the whole weeks around ``window`` alone, with a margin before
    and after it in which the free staff keep their roster as it is (``pinned``).

    The free staff's days outside are fixed: what they work there is taken off their limits
    over the horizon (minutes, shifts of each type, nights, weekends), and the cover and
    requests of those days leave the problem with them, so the sub-problem stays exact. The
    margin makes the cut invisible to the rules over consecutive days: a run of work or of
    days off that crosses it and reaches the window would cross the whole margin, which is
    at least the longest such rule (and a week, with weekly rest), so the sub-problem judges
    it as the whole problem would; the runs that end inside the margin do not change. The
    cut falls on a week's first day, so weeks and weekends stay whole (not when day 0 is a
    Sunday, whose weekend a cut would split, nor with fairness spreads, which count a
    person's weekends and nights over the horizon: the whole horizon is kept then).

    Only a horizon of more than twice :data:`STAFF_DAYS` is cut. On a year of Curtois & Qu's
    Instance22 (50 people, 364 days) a window of one day is a model of five weeks instead of
    fifty-two: 40 s of the search from the README's roster (49,163) solved 421 neighbourhoods
    against 39 and reached 48,631 against 48,944. With 56-day horizons cut too, the 60 s runs
    of Instance17-19 (56 and 84 days; seeds 0-2) had medians of 6,829, 6,433 and 6,641
    against 6,542, 6,386 and 6,296 before, within their spreads (about 900, 800 and 700)."""
    sub = subproblem(problem, solution, free, window)
    days = _span(sub, window)
    if len(days) == problem.n_days:
        return Sub(sub, days, {})
    own = solution.shift[free]
    lo, hi = days.start, days.stop
    outside = np.ones(problem.n_days, dtype=bool)
    outside[lo:hi] = False
    rows, cols = np.nonzero((own >= 0) & outside[None, :])
    counts = np.zeros((len(free), problem.n_shifts), dtype=np.int64)
    np.add.at(counts, (rows, own[rows, cols]), 1)
    minutes = counts @ problem.shift_minutes
    nights = counts[:, problem.shift_night].sum(axis=1)
    weekends = np.zeros(len(free), dtype=np.int64)
    for weekend in problem.weekend_days():
        if outside[list(weekend)].all():
            weekends += (own[:, list(weekend)] >= 0).any(axis=1)
    keep = (sub.request_day >= lo) & (sub.request_day < hi)
    first_week = lo // 7
    weeks = slice(first_week, first_week - (-(hi - lo) // 7))
    part = replace(
        sub,
        n_days=hi - lo,
        cover_min=sub.cover_min[lo:hi],
        cover_target=sub.cover_target[lo:hi],
        cover_under_weight=sub.cover_under_weight[lo:hi],
        cover_over_weight=sub.cover_over_weight[lo:hi],
        available=sub.available[:, lo:hi],
        max_shifts=sub.max_shifts - counts,
        min_minutes=np.maximum(0, sub.min_minutes - minutes),
        max_minutes=sub.max_minutes - minutes,
        min_week_minutes=sub.min_week_minutes[:, weeks],
        max_week_minutes=sub.max_week_minutes[:, weeks],
        max_weekends=sub.max_weekends - weekends,
        max_nights=sub.max_nights - nights,
        request_staff=sub.request_staff[keep],
        request_day=sub.request_day[keep] - lo,
        request_shift=sub.request_shift[keep],
        request_on=sub.request_on[keep],
        request_weight=sub.request_weight[keep],
        published=None
        if sub.published is None
        else RosterSolution(sub.published.shift[:, lo:hi], sub.published.competence[:, lo:hi]),
        change_cost=None if sub.change_cost is None else sub.change_cost[:, lo:hi],
    )
    margin = np.zeros(problem.n_days, dtype=bool)
    margin[lo:hi] = True
    margin[window.start : window.stop] = False
    rows, cols = np.nonzero((own >= 0) & margin[None, :])
    pinned = {(int(s), int(d) - lo): int(own[s, d]) for s, d in zip(rows, cols, strict=True)}
    return Sub(part, days, pinned)


def _span(sub: RosterProblem, window: range) -> range:
    """The days a neighbourhood's sub-problem holds (:func:`trimmed`): the whole weeks
    around ``window`` and a margin as long as the longest rule over consecutive days of its
    staff, or the whole horizon (on one of at most twice :data:`STAFF_DAYS`)."""
    whole = range(sub.n_days)
    if not _long(sub) or sub.weekend_fairness > 0 or sub.night_fairness > 0:
        return whole
    if sub.first_weekday == 6:
        return whole
    rules = (sub.max_consecutive, sub.min_consecutive, sub.min_consecutive_off)
    margin = max(1, *(int(rule.max(initial=0)) for rule in rules))
    if (sub.weekly_rest > 0).any():
        margin = max(margin, 8)  # each window of 7 days with a day of its own and the day before
    lo = max(0, window.start - margin) // 7 * 7
    hi = min(sub.n_days, -(-(window.stop + margin) // 7) * 7)
    return range(lo, hi)


def _long(problem: RosterProblem) -> bool:
    """A horizon of more than twice :data:`STAFF_DAYS`: staff neighbourhoods take a window of
    it, and every neighbourhood's sub-problem is cut to its weeks (at 60 s on Instance17, 56
    days, cutting gained nothing)."""
    return problem.n_days > 2 * STAFF_DAYS


def _fairness_fixed(
    problem: RosterProblem, solution: RosterSolution, others: IntArray
) -> IntArray | None:
    """``problem.fairness_fixed`` with the weekends and nights that ``others`` work in
    ``solution`` taken in: per group, the most and fewest of each."""
    groups = int(problem.fairness_group.max(initial=-1)) + 1
    if groups == 0 or (problem.weekend_fairness <= 0 and problem.night_fairness <= 0):
        return problem.fairness_fixed
    group = problem.fairness_group[others]
    keep = group >= 0
    shift = solution.shift[others[keep]]
    worked = shift >= 0
    weekends = np.zeros(len(shift), dtype=np.int64)
    for days in problem.weekend_days():
        weekends += worked[:, list(days)].any(axis=1)
    nights = (worked & problem.shift_night[np.maximum(shift, 0)]).sum(axis=1)
    most = np.full((groups, 2), -1, dtype=np.int64)
    fewest = np.full((groups, 2), np.iinfo(np.int64).max, dtype=np.int64)
    if problem.fairness_fixed is not None:
        before = problem.fairness_fixed[:groups]
        seen = before[:, 0] >= 0
        most[seen] = before[seen][:, [0, 2]]
        fewest[seen] = before[seen][:, [1, 3]]
    for kind, counts in enumerate((weekends, nights)):
        np.maximum.at(most[:, kind], group[keep], counts)
        np.minimum.at(fewest[:, kind], group[keep], counts)
    fewest[most[:, 0] < 0] = -1
    return np.stack([most[:, 0], fewest[:, 0], most[:, 1], fewest[:, 1]], axis=1)


def evaluate(problem: RosterProblem, solution: RosterSolution) -> tuple[int, dict[str, int]] | None:
    """The objective of ``solution`` as the roster model counts it and its value per penalty
    term, or None when it breaks a hard rule: the model with every shift and competence fixed
    to ``solution``, solved by CP-SAT (the terms are the model's own, so the value is
    comparable with any solve's objective; the penalty variables take their least values).

    Parameters
    ----------
    problem
        The roster problem.
    solution
        A roster of it.
    """
    from solvers.roster.solve import build

    available = np.zeros_like(problem.available)
    rows, days = np.nonzero(solution.shift >= 0)
    available[rows, days, solution.shift[rows, days]] = True
    if not (available <= problem.available).all():
        return None
    built = build(replace(problem, available=available), symmetry=False)
    for s, d in zip(rows.tolist(), days.tolist(), strict=True):
        built.model.add(built.vars.work[s][d] == 1)
        c = int(solution.competence[s, d])
        if c >= 0 and problem.n_competences > 1:
            covers = built.vars.y.get((s, d, int(solution.shift[s, d]), c))
            if covers is None:
                return None
            built.model.add(covers == 1)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 30.0
    if solver.solve(built.model) != cp_model.OPTIMAL:
        return None
    penalties = {
        name: int(sum(weight * solver.value(expr) for weight, expr in parts))
        for name, parts in built.terms.items()
    }
    return round(solver.objective_value), penalties


def value_of(problem: RosterProblem, solution: RosterSolution) -> int | None:
    """The objective of ``solution`` (:func:`evaluate`), or None when it breaks a hard rule."""
    evaluated = evaluate(problem, solution)
    return None if evaluated is None else evaluated[0]


def _cells(available: BoolArray, staff: IntArray | int, window: range) -> int:
    return int(available[staff, window.start : window.stop].sum())


def neighbourhood(
    problem: RosterProblem,
    rng: random.Random,
    cells: int,
    by_days: bool,
    first: int | None = None,
    day: int | None = None,
) -> tuple[IntArray, range]:
    """Free staff and a window of days holding about ``cells`` available cells.

    ``by_days``: everyone who may cover a random competence (everyone, with one competence)
    over a random window of days; else ``first`` (if given) and random staff over the whole
    horizon, or over a random window of :data:`STAFF_DAYS` (holding ``day``, if given) on a
    horizon more than twice that.

    A window of all staff of a problem of several competences holds people of every competence,
    and is a large model: on the 600-staff hospital's 211-person part (three nursing
    competences) a window of one day held about 900 cells and took 0.8 s to solve. With the
    staff of one competence, the hospital's 60 s solve, seeds 0 to 5 (2 cores, in one hour),
    ended at 7,400, 7,375, 7,115, 7,690, 7,535 and 7,520 (median 7,460) against 7,445,
    7,510, 7,425, 7,610, 8,715 and 7,495 (median 7,502) with all staff: no worse, within the
    spread of runs, for smaller models.
    """
    available = problem.available
    if by_days:
        competence = rng.randrange(problem.n_competences) if problem.n_competences > 1 else 0
        covering = np.flatnonzero(problem.can_cover[:, competence]).astype(np.int64)
        if problem.n_competences == 1 or len(covering) == 0:
            covering = np.arange(problem.n_staff, dtype=np.int64)
        per_day = max(1, int(available[covering].sum()) // max(1, problem.n_days))
        width = max(1, min(problem.n_days, cells // per_day))
        start = rng.randrange(0, problem.n_days - width + 1)
        return covering, range(start, start + width)
    days = range(problem.n_days)
    if _long(problem):
        low, high = 0, problem.n_days - STAFF_DAYS
        if day is not None:
            low, high = max(low, day - STAFF_DAYS + 1), min(high, day)
        begin = rng.randrange(low, high + 1)
        days = range(begin, begin + STAFF_DAYS)
    order = list(range(problem.n_staff))
    rng.shuffle(order)
    if first is not None:
        order.remove(first)
        order.insert(0, first)
    chosen: list[int] = []
    size = 0
    for s in order:
        own = _cells(available, s, days)
        if chosen and size + own > cells:
            continue
        chosen.append(s)
        size += own
        if size >= cells:
            break
    return np.sort(np.array(chosen, dtype=np.int64)), days


def improve(
    problem: RosterProblem,
    solution: RosterSolution,
    time_limit: float,
    options: SolveOptions | None = None,
    progress: ProgressCallback | None = None,
    *,
    objective: int | None = None,
    bound: float | Callable[[], float] = -math.inf,
    split_weekend: int = 0,
    until: Callable[[], bool] | None = None,
) -> LnsResult:
    """Improve ``solution`` by large neighbourhood search for ``time_limit`` seconds.

    Parameters
    ----------
    problem
        The roster problem.
    solution
        A feasible roster of it (the start).
    time_limit
        Seconds for the whole search.
    options
        Workers, seed and native CP-SAT parameters of each neighbourhood solve (their time
        limit is at most :data:`SUB_TIME_LIMIT`, and at most what is left). Its gap limits are
        the whole roster's: the search stops when the roster is that close to ``bound``; each
        neighbourhood is solved to optimality or its time limit. (A neighbourhood's objective
        is nearly the whole roster's, so 1 % of it let a solve stop at its first bound, before
        any gain: in the 600-staff hospital's 60-s solve the 160-person part ended at 5,055
        instead of 3,015.)
    progress
        Called with each improvement (objective of the whole roster, and the ``bound``).
    objective
        The objective of ``solution`` if known (else computed with :func:`value_of`).
    bound
        A lower bound known from elsewhere, or a function that returns the latest one (a
        bound that rises while the search runs): the search stops when it is reached, or is
        within the gap limits of ``options``.
    split_weekend
        A weight per split weekend (worked on one of its two days) added to the problem's own
        in the neighbourhoods' solves and in what the search keeps, not in the objective it
        returns: a guide for when weekends are scarce
        (:func:`solvers.roster.greedy.weekend_guide`). The roster returned is the best one by
        the problem's own objective among those the search kept.
    until
        Asked before each neighbourhood: True ends the search before its time.

    Returns
    -------
    LnsResult
        The best roster found (``solution`` itself if nothing better), its objective and
        counts.
    """
    from solvers.roster.solve import resolve

    started = time.perf_counter()
    deadline = started + time_limit
    options = options or SolveOptions(num_workers=1)
    rng = random.Random(options.seed)
    value = objective if objective is not None else value_of(problem, solution)
    if value is None:
        raise ValueError("improve needs a roster that meets every hard rule")
    current = kept_value = value  # the problem's own objective of solution and of kept
    kept = solution
    pairs = _weekend_pairs(problem) if split_weekend > 0 else None
    if pairs is not None:
        problem = replace(problem, split_weekend=problem.split_weekend + split_weekend)
    # by kind (a window of days, or staff): the size, the gain per second and the seconds per
    # neighbourhood lately, and the neighbourhoods solved to optimality without a gain since
    # the last gain or change of size
    cells = dict.fromkeys(KINDS, START_CELLS)
    record = {kind: _Record() for kind in KINDS}
    idle = dict.fromkeys(KINDS, 0)
    queue: list[int] = []
    count = improvements = 0
    while True:
        left = deadline - time.perf_counter()
        known = bound() if callable(bound) else bound
        if left < 0.2 or options.within_gap(kept_value, known) or (until and until()):
            break
        short = _short_cells(problem, solution) if _long(problem) else None
        offered = [kind for kind in KINDS if kind != SHORT or (short is not None and len(short))]
        kind = _choose({kind: record[kind] for kind in offered}, rng)
        by_days = kind == DAYS
        first = day = None
        if kind == SHORT:
            assert short is not None
            aimed = _short_lead(problem, solution, short, rng)
            if aimed is None:
                kind = STAFF
            else:
                first, day = aimed
        if kind == STAFF:
            if not queue:  # each person leads one neighbourhood a pass
                queue = list(range(problem.n_staff))
                rng.shuffle(queue)
            first = queue.pop()
        free, window = neighbourhood(problem, rng, cells[kind], by_days, first, day)
        count += 1
        piece = trimmed(problem, solution, free, window)
        sub, days = piece.problem, np.arange(piece.days.start, piece.days.stop)
        start = restrict_solution(solution, Part(free, np.arange(problem.n_competences)))
        start = RosterSolution(start.shift[:, days], start.competence[:, days])
        sub_options = replace(
            options,
            time_limit=min(SUB_TIME_LIMIT, left),
            gap_limit=None,
            abs_gap_limit=None,
            seed=rng.randrange(1 << 30),
            native={**SUB_NATIVE, **options.native},
        )
        found = resolve(sub, start, sub_options, piece.pinned)
        if found is None:  # cannot happen for an exact sub-problem; skip rather than fail
            continue
        before, after = found.start, found.objective
        if after < before and not found.optimal:
            # CP-SAT's objective may carry slack at the time limit (not at a proved optimum,
            # where every penalty variable takes its least value): count the roster's own
            exact = value_of(sub, found.solution)
            after = before + 1 if exact is None else exact
        if after < before:
            idle[kind] = 0
        elif found.optimal:
            idle[kind] += 1
            # a pass over the roster found nothing better at this size: look wider
            if idle[kind] >= _pass(problem, free, window, by_days):
                cells[kind] = min(MAX_CELLS, 2 * cells[kind])
                idle[kind] = 0
        if not found.optimal and found.wall_time >= 0.9 * SUB_TIME_LIMIT:
            cells[kind] = max(MIN_CELLS, int(cells[kind] * 0.85))
            idle[kind] = 0
        record[kind].add(max(0, before - after), max(found.wall_time, 0.01))
        if after > before:
            continue
        shift = solution.shift.copy()
        competence = solution.competence.copy()
        shift[np.ix_(free, days)] = found.solution.shift
        competence[np.ix_(free, days)] = found.solution.competence
        gained = before - after
        if pairs is not None:  # the guide's part of the gain is not the problem's own
            gained -= split_weekend * (_split(solution.shift, pairs) - _split(shift, pairs))
        solution = RosterSolution(shift=shift, competence=competence)  # an equal one too
        current -= gained
        if current <= kept_value:
            better = current < kept_value
            kept, kept_value = solution, current
            if better:
                improvements += 1
                if progress is not None:
                    elapsed = time.perf_counter() - started
                    progress(Progress(elapsed, float(kept_value), known, improvements))
    return LnsResult(kept, int(kept_value), count, improvements)


def _short_cells(problem: RosterProblem, solution: RosterSolution) -> IntArray:
    """(K, 3) the (day, shift, competence) cells that ``solution`` covers below their target,
    where being short has a weight."""
    covered = _fixed_cover(problem, solution, np.arange(problem.n_staff))
    return np.argwhere((covered < problem.cover_target) & (problem.cover_under_weight > 0))


def _short_lead(
    problem: RosterProblem, solution: RosterSolution, short: IntArray, rng: random.Random
) -> tuple[int, int] | None:
    """A person who could take a shift that a random one of the ``short`` cells lacks
    (available for it, of its competence, not on that shift that day), and the cell's day;
    None when nobody could for any of a few cells tried."""
    for i in rng.sample(range(len(short)), min(len(short), 8)):
        d, t, c = (int(v) for v in short[i])
        can = problem.available[:, d, t] & problem.can_cover[:, c] & (solution.shift[:, d] != t)
        who = np.flatnonzero(can)
        if len(who):
            return int(who[rng.randrange(len(who))]), d
    return None


def _weekend_pairs(problem: RosterProblem) -> IntArray | None:
    """(W, 2) the Saturday and Sunday of each whole weekend of the horizon; None if none."""
    pairs = [days for days in problem.weekend_days() if len(days) == 2]
    return np.array(pairs, dtype=np.int64) if pairs else None


def _split(shift: IntArray, pairs: IntArray) -> int:
    """Weekends worked on one of their two days in ``shift``."""
    worked = shift[:, pairs] >= 0
    return int((worked[:, :, 0] != worked[:, :, 1]).sum())


def _pass(problem: RosterProblem, free: IntArray, window: range, by_days: bool) -> int:
    """Neighbourhoods of this size that free each person or each day once, about."""
    if not by_days:
        return -(-problem.n_staff // len(free))
    return -(-problem.n_days // len(window))


@dataclass
class _Record:
    """What a kind of neighbourhood gained lately, in how many seconds and neighbourhoods: sums
    in which a neighbourhood counts half as much after each :data:`MEMORY` seconds of the
    kind's search since. Measured in the kind's own time, the records of a kind of quick
    neighbourhoods and of a kind of slow ones look as far back in time."""

    gained: float = 0.0
    seconds: float = 0.0
    solved: float = 0.0

    def add(self, gain: float, seconds: float) -> None:
        keep = 0.5 ** (seconds / MEMORY)
        self.gained = keep * self.gained + gain
        self.seconds = keep * self.seconds + seconds
        self.solved = keep * self.solved + 1

    @property
    def rate(self) -> float:
        """Gain per second lately."""
        return self.gained / self.seconds if self.seconds > 0 else 0.0

    @property
    def cost(self) -> float | None:
        """Seconds per neighbourhood lately; None before the first."""
        return self.seconds / self.solved if self.solved > 0 else None


def _odds(records: dict[str, _Record]) -> dict[str, float]:
    """How often to free each kind of neighbourhood, so that each kind gets a share of the time
    in proportion to what it has gained per second lately, and at least :data:`KIND_FLOOR` of
    it. A kind not yet solved is tried first (the first such kind, in order).

    The gain per second of a kind is its recent gains over its recent seconds. The odds are of
    a count, so they need each kind's own time per neighbourhood. On Curtois & Qu's
    Instance12, 30 s from the roster built a person at a time, seeds 0, 1 and 2, this gave
    5,584, 6,480 and 6,457 (windows of days and staff). An average of each neighbourhood's own
    gain per second over its last five or so (most of them 0, a few large) swung from one kind
    to the other and left the windows of days, which gained a quarter as much per second, 80 %
    of the time: 7,262, 7,669 and 7,360. With a guess of 1 s per neighbourhood in place of a
    kind's own time, the staff (solved in 0.03 s) came once in 233 with seed 1 (8,868)."""
    for kind, record in records.items():
        if record.cost is None:
            return {other: float(other == kind) for other in records}
    rates = {kind: record.rate for kind, record in records.items()}
    share = dict.fromkeys(records, 1.0 / len(records))
    low: set[str] = set()
    while sum(rates.values()) > 0:  # those below the floor get it, the rest by their rates
        high = {kind: rate for kind, rate in rates.items() if kind not in low}
        rest, total = 1.0 - KIND_FLOOR * len(low), sum(high.values())
        share = {
            kind: KIND_FLOOR if kind in low else rest * (high[kind] / total if total > 0 else 0)
            for kind in records
        }
        under = {kind for kind in high if share[kind] < KIND_FLOOR}
        if not under or len(low | under) == len(records):
            break
        low |= under
    per_count = {kind: share[kind] / (records[kind].cost or 1.0) for kind in records}
    total = sum(per_count.values())
    return {kind: odds / total for kind, odds in per_count.items()}


def _choose(records: dict[str, _Record], rng: random.Random) -> str:
    """A kind of neighbourhood drawn by :func:`_odds`."""
    draw = rng.random()
    odds = _odds(records)
    for kind, chance in odds.items():
        draw -= chance
        if draw < 0:
            return kind
    return next(reversed(odds))
