"""The objective of the roster model: a weighted sum of named penalty terms.

Each term is an integer linear expression; terms whose weights are all zero are left out. The
result keeps the terms by name, so a solved roster can say what each rule cost.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np
from ortools.sat.python import cp_model

from solvers.roster.constraints import night_counts

if TYPE_CHECKING:
    from collections.abc import Sequence

    from models.roster import RosterProblem
    from solvers.roster.constraints import CoverCells
    from solvers.roster.variables import Literal, RosterVars

Terms = dict[str, list[tuple[int, cp_model.LinearExprT]]]
"""Per term name, ``(weight, expression)`` pairs; the term's value is their weighted sum."""


def _cover_terms(
    model: cp_model.CpModel, problem: RosterProblem, cells: CoverCells, terms: Terms
) -> None:
    """``under[d,t,c] >= target - n``, ``over[d,t,c] >= n - target`` (and ``short >= min - n``
    when the minimum is soft), with ``n = sum_s y[s, d, t, c]``. A cell nobody in the problem
    may cover is a constant: its whole target short (and its whole minimum, when soft). A
    neighbourhood of a few people covers few of the problem's cells, so only the covered ones
    are visited."""
    covered = sorted(key for key, literals in cells.items() if literals)
    alone = np.ones(problem.cover_target.shape, dtype=bool)
    if covered:
        alone[tuple(np.array(covered).T)] = False
    short = int((problem.cover_under_weight * problem.cover_target)[alone].sum())
    if short:
        terms["under_cover"].append((1, short))
    soft = problem.cover_min_weight
    if soft > 0 and problem.cover_min[alone].any():
        terms["cover_minimum"].append((soft, int(problem.cover_min[alone].sum())))
    target, minimum = problem.cover_target.tolist(), problem.cover_min.tolist()
    under_w, over_w = problem.cover_under_weight.tolist(), problem.cover_over_weight.tolist()
    for d, t, c in covered:
        literals = cells[d, t, c]
        wanted, count = target[d][t][c], cp_model.LinearExpr.sum(literals)
        if wanted > 0 and under_w[d][t][c] > 0:
            under = model.new_int_var(0, wanted, f"under[{d},{t},{c}]")
            model.add(under >= wanted - count)
            terms["under_cover"].append((under_w[d][t][c], under))
        if over_w[d][t][c] > 0 and len(literals) > wanted:
            over = model.new_int_var(0, len(literals) - wanted, f"over[{d},{t},{c}]")
            model.add(over >= count - wanted)
            terms["over_cover"].append((over_w[d][t][c], over))
        least = minimum[d][t][c]
        if soft > 0 and least > 0:
            missing = model.new_int_var(0, least, f"short[{d},{t},{c}]")
            model.add(missing >= least - count)
            terms["cover_minimum"].append((soft, missing))


def _substitution_terms(problem: RosterProblem, v: RosterVars, terms: Terms) -> None:
    """``substitution_cost[s, c] * y[s, d, t, c]``."""
    for (s, _, _, c), var in v.y.items():
        cost = int(problem.substitution_cost[s, c])
        if cost > 0:
            terms["substitution"].append((cost, var))


def _request_terms(problem: RosterProblem, v: RosterVars, terms: Terms) -> None:
    """A wish to work shift ``t``: ``weight * (1 - x[s, d, t])`` (``1 - work[s, d]`` for any
    shift); a wish to be off: ``weight * x[s, d, t]`` (``work[s, d]`` for any shift)."""
    for s, d, t, on, weight in problem.requests():
        if weight == 0:
            continue
        literal: Literal | None
        literal = v.work[s][d] if t < 0 else v.x[s][d].get(t)
        if on:
            terms["request_on"].append((weight, 1 if literal is None else 1 - literal))
        elif literal is not None:
            terms["request_off"].append((weight, literal))


def _spread(
    model: cp_model.CpModel,
    counts: Sequence[cp_model.LinearExprT],
    high: int,
    name: str,
    fixed: tuple[int, int] | None = None,
) -> cp_model.IntVar:
    """``most - fewest`` of ``counts`` (each between 0 and ``high``) and of the ``fixed`` most
    and fewest counts of staff outside the problem, if any."""
    high = high if fixed is None else max(high, fixed[0])
    most = model.new_int_var(0, high, f"{name}_most")
    fewest = model.new_int_var(0, high, f"{name}_fewest")
    for count in counts:
        model.add(most >= count)
        model.add(fewest <= count)
    if fixed is not None:
        model.add(most >= fixed[0])
        model.add(fewest <= fixed[1])
    spread = model.new_int_var(0, high, f"{name}_spread")
    model.add(spread == most - fewest)
    return spread


def _fairness_terms(
    model: cp_model.CpModel,
    problem: RosterProblem,
    v: RosterVars,
    weekends: list[list[Literal]],
    terms: Terms,
) -> None:
    """Per group ``g`` of equal contracts: ``max_s W_s - min_s W_s`` with ``W_s`` the weekends
    worked, and the same for nights; members outside the problem count with their fixed
    counts (``fairness_fixed``)."""
    for g, members in problem.fairness_groups().items():
        outside = problem.fixed_counts(g)
        if len(members) + (outside is not None) < 2:
            continue
        if problem.weekend_fairness > 0 and weekends and weekends[0]:
            counts = [sum(weekends[s]) for s in members]
            fixed = None if outside is None else outside[0]
            spread = _spread(model, counts, len(weekends[0]), f"weekends[{g}]", fixed)
            terms["weekend_fairness"].append((problem.weekend_fairness, spread))
        if problem.night_fairness > 0 and problem.shift_night.any():
            counts = [sum(night_counts(problem, v, s)) for s in members]
            fixed = None if outside is None else outside[1]
            spread = _spread(model, counts, problem.n_days, f"nights[{g}]", fixed)
            terms["night_fairness"].append((problem.night_fairness, spread))


def _split_weekend_terms(
    problem: RosterProblem, v: RosterVars, weekends: list[list[Literal]], terms: Terms
) -> None:
    """``split_weekend * (2 weekend[s][k] - work[s, sat] - work[s, sun])``: 1 exactly when one
    of the weekend's two days is worked (a weekend cut by the horizon has one day and no
    term)."""
    if problem.split_weekend <= 0:
        return
    for s, row in enumerate(weekends):
        for worked, days in zip(row, problem.weekend_days(), strict=True):
            if len(days) == 2:
                pair = v.work[s][days[0]] + v.work[s][days[1]]
                terms["split_weekend"].append((problem.split_weekend, 2 * worked - pair))


def _change_terms(problem: RosterProblem, v: RosterVars, terms: Terms) -> None:
    """Departures from the published roster: for a published shift ``t`` in competence ``c``,
    ``change_cost[s, d] * (1 - y[s, d, t, c])`` (a constant when that shift is no longer
    available); for a published day off, ``change_cost[s, d] * work[s, d]``."""
    published, cost = problem.published, problem.change_cost
    if published is None or cost is None:
        return
    for s, d in zip(*np.nonzero(cost), strict=True):
        weight = int(cost[s, d])
        t, c = int(published.shift[s, d]), int(published.competence[s, d])
        if t < 0:
            work = v.work[s][d]
            if work is not v.false:
                terms["changes"].append((weight, work))
            continue
        kept = v.y.get((int(s), int(d), t, c)) if c >= 0 else v.x[s][d].get(t)
        terms["changes"].append((weight, 1 if kept is None else 1 - kept))


def build_objective(
    model: cp_model.CpModel,
    problem: RosterProblem,
    v: RosterVars,
    cells: CoverCells,
    weekends: list[list[Literal]],
) -> Terms:
    r"""Minimise the weighted sum of the penalty terms.

    .. math::

        \min \; & \sum_{d,t,c} \big(u_{dtc}\,\mathrm{under}_{dtc}
                 + o_{dtc}\,\mathrm{over}_{dtc} + m\,\mathrm{short}_{dtc}\big)
          + \sum_{s,d,t,c} k_{sc}\, y_{sdtc} \\
          & + \sum_{(s,d,t,w) \in \mathrm{ON}} w\,(1 - x_{sdt})
          + \sum_{(s,d,t,w) \in \mathrm{OFF}} w\, x_{sdt}
          + \sum_g \big(f_W (\max_{s \in g} W_s - \min_{s \in g} W_s)
          + f_N (\max_{s \in g} N_s - \min_{s \in g} N_s)\big) \\
          & + b \sum_{s,k} \big(2 W_{sk} - \mathrm{work}_{s,\mathrm{sat}_k}
          - \mathrm{work}_{s,\mathrm{sun}_k}\big)
          + \sum_{(s,d): P_{sd} = (t,c)} h_{sd}\,(1 - y_{sdtc})
          + \sum_{(s,d): P_{sd} = \mathrm{off}} h_{sd}\,\mathrm{work}_{sd}

    with ``under >= target - n``, ``over >= n - target``, ``short >= min - n`` (only when the
    minimum is soft, weight ``m = cover_min_weight``), ``n = sum_s y``, ``k`` the substitution
    cost, ``x_{sd*}`` meaning ``work[s, d]`` for a request on any shift, ``W_s`` the weekends
    and ``N_s`` the nights worked (``W_{sk}`` whether weekend ``k`` is worked, ``b`` the
    ``split_weekend`` weight), ``P`` the published roster and ``h`` the change cost (a repair;
    ``y`` is ``x`` for a person without a competence to cover). Zero weights add no term.

    Returns
    -------
    Terms
        The terms by name, to read their values from a solution.
    """
    terms: Terms = defaultdict(list)
    _cover_terms(model, problem, cells, terms)
    _substitution_terms(problem, v, terms)
    _request_terms(problem, v, terms)
    _fairness_terms(model, problem, v, weekends, terms)
    _split_weekend_terms(problem, v, weekends, terms)
    _change_terms(problem, v, terms)
    expressions = [weight * expr for parts in terms.values() for weight, expr in parts]
    model.minimize(sum(expressions) if expressions else 0)
    return dict(terms)
