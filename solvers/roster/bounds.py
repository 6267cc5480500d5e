"""Lower bounds on a roster's cost from counting what the staff can cover at most.

Three counts bound the shifts short from below, whatever the roster:

- **per shift type**: a person works a shift type on no more days than their ``max_shifts`` of
  it and the days it is available to them, and each shift worked covers one (day, shift,
  competence) cell. The cover target of a type over the horizon, less what all the staff can
  work of it, is short in every roster.
- **weekends**: a person works on no more weekend days than the days of their
  ``max_weekends`` longest weekends (and the weekend days available to them). The cover
  target of the weekend days, less that, is short in every roster.
- **per competence**: a person covers at most one cell a day, only in a shift available to
  them that day and a competence they may cover, and works at most :func:`most_shifts` days
  (their available days, the most their contract's minutes allow in the horizon and in each
  week at their shortest shift, the days their longest run allows, the shifts their types
  allow). The most cells of a competence that its people could cover if they did nothing
  else is a maximum flow (people, their days, the competence's cells); the target beyond it is
  short in every roster (:func:`forced_shortfalls`). Competences hold disjoint cells, so their
  bounds add up; the same flow over every competence at once counts people shared between
  them once, and bounds the total.

The shifts short of a count cost at least its cheapest cells' under-cover weights, one unit per
person short (:func:`_cheapest`). Shift types hold disjoint cells, so their bounds add up, and
so do competences; the weekend bound and the flow over every competence count cells of every
type, so the bound is the largest of the sum per type, the weekend count, the sum per
competence and the flow over every competence.

The example clinic's anaesthesia nurses are short so: the daily plan wants 163 of their
shifts in six weeks, and the six of them may work at most 135 under their contracts' most
minutes. The summary of a roster lists such shortfalls (``engine.roster.roster_summary``): no
roster can meet that cover, whatever the solver does; only more staff or less planned work
can.

On Curtois & Qu's instances where the staff may work fewer weekend days, or fewer shifts of a
type, than the cover wants, this is most of the best known cost: Instance15's night shifts
(at least 36 short, 3,600 of 3,829), Instance21's and 22's weekends (8,200 and 8,100), where a
linear relaxation is too big to solve in the time.

:func:`count_bound` counts in whole shifts what the counts above take one rule at a time: an
integer programme over each person's shifts of each type, competence and kind of day (weekday,
weekend day) under all their rules over the horizon at once, the cover met as cheaply as the
counts allow. Computed alone (its 0.5 s), on Curtois & Qu's instances it gives 8,829 on
Instance21 and 9,158 on 22 (the weekends and the minutes together; the counts above 8,200 and
8,100), 3,627 on 15 (3,600), 4,157 on 18 (4,100), 1,934 on 19 (1,900), and 687, 1,245 and 317
on 20, 23 and 13, where the counts above force nothing; on Instance24 less than they (1,850
against 4,400; its programme takes 4 s to build and solve).
:func:`staff_bound` is the better of the two.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import highspy
import numpy as np
from ortools.graph.python import max_flow

from solvers.roster.mip import Expr, _Programme, _rounded

if TYPE_CHECKING:
    from models.roster import IntArray, RosterProblem


@dataclass(frozen=True)
class ForcedShortfall:
    """A competence whose cover target its people cannot meet in any roster."""

    competence: int
    wanted: int
    """The cover target of the competence over the horizon, in shifts."""
    most: int
    """The most of those shifts its people could cover if they covered nothing else."""
    staff: int
    """The people who may cover the competence."""

    @property
    def short(self) -> int:
        """Shifts short in every roster."""
        return self.wanted - self.most


def capacity_bound(problem: RosterProblem) -> int:
    """A lower bound on the objective of every roster of ``problem`` from the shifts short
    that the staff's limits force (the module's counts); 0 when they force none."""
    target = problem.cover_target
    weight = problem.cover_under_weight
    by_type = 0
    for t in range(problem.n_shifts):
        most = np.minimum(problem.max_shifts[:, t], problem.available[:, :, t].sum(axis=1))
        short = int(target[:, t, :].sum()) - int(most.sum())
        by_type += _cheapest(target[:, t, :], weight[:, t, :], short)
    weekend = [list(days) for days in problem.weekend_days()]
    if not weekend:
        return by_type
    days = [d for w in weekend for d in w]
    short = int(target[days].sum()) - int(most_weekend_days(problem).sum())
    by_weekend = _cheapest(target[days], weight[days], short)
    return max(by_type, by_weekend, _by_competence(problem))


def most_weekend_days(problem: RosterProblem) -> IntArray:
    """(S,) the most weekend days each person works in any roster: the days of their
    ``max_weekends`` longest weekends, and no more than the weekend days with a shift available
    to them."""
    weekend = problem.weekend_days()
    days = [d for w in weekend for d in w]
    free = problem.available[:, days, :].any(axis=2)  # (S, weekend days)
    sizes = np.array(sorted((len(w) for w in weekend), reverse=True), dtype=np.int64)
    allowed = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    limit = np.clip(problem.max_weekends, 0, len(sizes))
    most: IntArray = np.minimum(allowed[limit], free.sum(axis=1))
    return most


def most_shifts(problem: RosterProblem) -> IntArray:
    """(S,) the most shifts each person works in any roster: the least of the days with a
    shift available to them, the most that their most minutes allow at their shortest shift
    (over the horizon, and summed over the weeks), the days that runs of at most
    ``max_consecutive`` leave (a day off in every ``max_consecutive + 1`` days) and the shifts
    their types allow."""
    available = problem.available  # (S, D, T)
    n_days = problem.n_days
    most: IntArray = available.any(axis=2).sum(axis=1).astype(np.int64)
    by_type = np.minimum(problem.max_shifts, available.sum(axis=1)).sum(axis=1)
    most = np.minimum(most, by_type)
    runs = problem.max_consecutive.astype(np.int64)
    most = np.minimum(most, n_days - n_days // (np.clip(runs, 0, n_days) + 1))
    minutes = problem.shift_minutes.astype(np.int64)
    for s in range(problem.n_staff):
        kinds = np.flatnonzero(available[s].any(axis=0))
        lengths = minutes[kinds]
        if kinds.size == 0 or (lengths <= 0).any():
            continue  # a shift of no minutes: the minutes bound no count
        shortest = int(lengths.min())
        weekly = 0
        for w in range(problem.n_weeks):
            days = available[s, 7 * w : 7 * w + 7].any(axis=1).sum()
            weekly += min(int(days), int(problem.max_week_minutes[s, w]) // shortest)
        most[s] = min(int(most[s]), int(problem.max_minutes[s]) // shortest, weekly)
    most[most < 0] = 0
    return most


def _coverable(problem: RosterProblem, competences: IntArray, most: IntArray) -> int:
    """The most cover-target cells of ``competences`` that the people who may cover one of
    them fill at once: a maximum flow from each person (at most ``most`` of them) through
    their days (one shift a day) to the cells of shifts available to them that day."""
    target = problem.cover_target[:, :, competences]  # (D, T, K)
    staff = np.flatnonzero(problem.can_cover[:, competences].any(axis=1) & (most > 0))
    wanted = target > 0
    if staff.size == 0 or not wanted.any():
        return 0
    # nodes: 0 the source, 1 the sink, then the cells, the people, the (person, day) pairs
    cell = np.full(target.shape, -1, dtype=np.int64)
    cell[wanted] = 2 + np.arange(int(wanted.sum()))
    # reach[i, d, t, k]: the i-th person may cover cell (d, t, k)
    covers = problem.can_cover[staff][:, competences]  # (P, K)
    reach = problem.available[staff][:, :, :, None] & covers[:, None, None, :] & wanted[None]
    person = 2 + int(wanted.sum()) + np.arange(staff.size)
    days = reach.any(axis=(2, 3))  # (P, D)
    day = np.full(days.shape, -1, dtype=np.int64)
    day[days] = person[-1] + 1 + np.arange(int(days.sum()))
    i, d, t, k = np.nonzero(reach)
    tails = np.concatenate(
        [np.zeros(staff.size, dtype=np.int64), cell[wanted], person[np.nonzero(days)[0]], day[i, d]]
    )
    heads = np.concatenate(
        [person, np.ones(int(wanted.sum()), dtype=np.int64), day[days], cell[d, t, k]]
    )
    capacities = np.concatenate(
        [most[staff], target[wanted], np.ones(int(days.sum()) + i.size, dtype=np.int64)]
    )
    flow = max_flow.SimpleMaxFlow()
    flow.add_arcs_with_capacity(tails, heads, capacities.astype(np.int64))
    if flow.solve(0, 1) != flow.OPTIMAL:
        raise RuntimeError("the maximum flow of the cover failed")  # capacities are finite
    return int(flow.optimal_flow())


def forced_shortfalls(problem: RosterProblem) -> list[ForcedShortfall]:
    """The competences whose cover target is short in every roster (the module's count per
    competence), in competence order; empty when the staff could cover every one."""
    return _forced(problem, most_shifts(problem))


def _forced(problem: RosterProblem, most: IntArray) -> list[ForcedShortfall]:
    found: list[ForcedShortfall] = []
    for c in range(problem.n_competences):
        wanted = int(problem.cover_target[:, :, c].sum())
        if wanted == 0:
            continue
        covered = _coverable(problem, np.array([c]), most)
        if covered < wanted:
            staff = int(problem.can_cover[:, c].sum())
            found.append(ForcedShortfall(c, wanted, covered, staff))
    return found


def _by_competence(problem: RosterProblem) -> int:
    """The cost of the shifts short per competence (summed) or over every competence at once,
    whichever is more."""
    target, weight = problem.cover_target, problem.cover_under_weight
    most = most_shifts(problem)
    apart = sum(
        _cheapest(target[:, :, f.competence], weight[:, :, f.competence], f.short)
        for f in _forced(problem, most)
    )
    if problem.n_competences == 1:
        return apart
    covered = _coverable(problem, np.arange(problem.n_competences), most)
    together = _cheapest(target, weight, int(target.sum()) - covered)
    return max(apart, together)


def _cheapest(target: IntArray, weight: IntArray, short: int) -> int:
    """The least cost of ``short`` people short among cells of ``target`` people each, at
    ``weight`` per person short of each cell."""
    if short <= 0:
        return 0
    cells = target.ravel() > 0
    order = np.argsort(weight.ravel()[cells], kind="stable")
    counts = target.ravel()[cells][order]
    costs = weight.ravel()[cells][order]
    taken = np.minimum(counts, np.maximum(0, short - (np.cumsum(counts) - counts)))
    return int((taken * costs).sum())


COUNT_SECONDS = 0.5
"""HiGHS's time for :func:`count_bound`; its dual bound holds when the time runs out. The
bound is the root's: on the example clinic's parts of 49 and 40 people it was 3,577 and 802
after 0.2 s as after 20 s (3,578 and 802)."""


def count_bound(problem: RosterProblem, time_limit: float = COUNT_SECONDS) -> int:
    """A lower bound on every roster's objective from how many shifts of each type, in each
    competence, on weekdays and on weekend days, each person works: an integer programme over
    those counts, solved by HiGHS.

    Each person's counts keep the rules that count over the horizon: the minutes (within
    ``[min_minutes, max_minutes]``, and the weeks' most), the most shifts of each type, nights
    and days worked (:func:`most_shifts`), the days each shift is available, and the weekend
    days that their most weekends hold. The cover of each shift
    type, competence and kind of day is met as cheaply as its counts allow: the cells with the
    dearest under-cover first, what is over the targets at the cheapest over-cover weight. The
    substitution costs and the spread of nights in each fairness group are in; every other
    penalty is left out (none is negative), and so are the rules on the order of the days, the
    cover minima and the weekly minima. Each roster gives counts that meet every row at no
    higher cost, so the programme's optimum, and HiGHS's dual bound when it stops early, is a
    bound.

    The rounding is what the linear relaxation of the whole programme lacks: a person whose
    minimum minutes fall between whole shifts works a whole shift more. On the example clinic's
    40-person part it is 802 where the relaxation is 790; on Curtois & Qu's Instance23, 1,245
    where the counts of :func:`capacity_bound` force nothing. 0 when HiGHS finds no bound in
    its time, or no roster exists (the solve then says so itself)."""
    n_staff, n_shifts = problem.n_staff, problem.n_shifts
    n_comp = problem.n_competences
    weekend_flag = np.zeros(problem.n_days, dtype=bool)
    weekends = problem.weekend_days()
    for days in weekends:
        weekend_flag[list(days)] = True
    kinds = [~weekend_flag, weekend_flag]  # weekdays, weekend days
    available = problem.available  # (S, D, T)
    target = problem.cover_target  # (D, T, C)
    # coverable[d, t, c]: someone may work shift t on day d and cover c
    coverable = np.einsum("sdt,sc->dtc", available.astype(np.int64), problem.can_cover) > 0
    most = most_shifts(problem)
    most_weekend = most_weekend_days(problem)
    p = _Programme()
    counted: dict[tuple[int, int, int], list[int]] = defaultdict(list)  # (t, c, kind) -> cols
    nights: list[Expr] = []
    for s in range(n_staff):
        competences = np.flatnonzero(problem.can_cover[s]).tolist() or [-1]
        total: Expr = {}
        minutes: Expr = {}
        night: Expr = {}
        by_kind: list[Expr] = [{}, {}]
        for t in range(n_shifts):
            of_type: Expr = {}
            for w, flag in enumerate(kinds):
                open_days = int(available[s, flag, t].sum())
                if open_days == 0:
                    continue
                here: Expr = {}
                for c in competences:
                    cost = float(problem.substitution_cost[s, c]) if c >= 0 else 0.0
                    col = p.column(cost, float(open_days), integer=True)
                    here[col] = 1.0
                    if c >= 0:
                        counted[t, c, w].append(col)
                if len(here) > 1:
                    p.row(here, -math.inf, float(open_days))
                of_type |= here
                by_kind[w] |= here
            p.row(of_type, -math.inf, float(problem.max_shifts[s, t]))
            total |= of_type
            minutes |= {col: float(problem.shift_minutes[t]) for col in of_type}
            if problem.shift_night[t]:
                night |= of_type
        if not total:
            if problem.min_minutes[s] > 0:
                return 0  # no shift to reach the minimum: no roster (the solve says so)
            nights.append({})
            continue
        p.row(total, -math.inf, float(most[s]))
        highest = min(int(problem.max_minutes[s]), int(problem.max_week_minutes[s].sum()))
        p.row(minutes, float(problem.min_minutes[s]), float(highest))
        p.row(by_kind[0], -math.inf, float(available[s, kinds[0]].any(axis=1).sum()))
        p.row(by_kind[1], -math.inf, float(most_weekend[s]))
        p.row(night, -math.inf, float(problem.max_nights[s]))
        nights.append(night)
    for t in range(n_shifts):
        for c in range(n_comp):
            for w, flag in enumerate(kinds):
                wanted = target[flag, t, c]
                under = problem.cover_under_weight[flag, t, c]
                reach = coverable[flag, t, c]
                p.offset += float((wanted * under).sum())
                cols = counted.get((t, c, w), [])
                if not cols:
                    continue
                row: Expr = dict.fromkeys(cols, 1.0)
                for weight in np.unique(under[reach & (wanted > 0)]):
                    cells = reach & (wanted > 0) & (under == weight)
                    y = p.column(-float(weight), float(wanted[cells].sum()), integer=False)
                    row[y] = -1.0
                cheapest = float(problem.cover_over_weight[flag, t, c][reach].min())
                row[p.column(cheapest, math.inf, integer=False)] = -1.0
                p.row(row, 0.0, 0.0)
    if problem.night_fairness > 0 and problem.shift_night.any():
        for g, members in problem.fairness_groups().items():
            outside = problem.fixed_counts(g)
            if len(members) + (outside is not None) < 2:
                continue
            high = p.column(float(problem.night_fairness), math.inf, integer=False)
            low = p.column(-float(problem.night_fairness), math.inf, integer=False)
            for s in members:
                p.row({high: 1.0, **dict.fromkeys(nights[s], -1.0)}, 0.0, math.inf)
                p.row({low: 1.0, **dict.fromkeys(nights[s], -1.0)}, -math.inf, 0.0)
            if outside is not None:
                most_nights, fewest_nights = outside[1]
                p.row({high: 1.0}, float(most_nights), math.inf)
                p.row({low: 1.0}, -math.inf, float(fewest_nights))
    h = p.highs(time_limit)
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        found = h.getInfo().objective_function_value
    else:
        found = h.getInfo().mip_dual_bound
    bound = _rounded(float(found))
    return int(bound) if math.isfinite(bound) and bound > 0 else 0


def staff_bound(problem: RosterProblem, time_limit: float = COUNT_SECONDS) -> int:
    """The better of :func:`capacity_bound` and :func:`count_bound`: what the staff's limits
    force, from the start of a solve."""
    return max(capacity_bound(problem), count_bound(problem, time_limit))
