"""The objective of the room model: a weighted sum of named penalty terms.

Each term is an integer linear expression; a term whose weight is zero is left out. The result
keeps the terms by name, so a schedule can say what each rule cost.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

if TYPE_CHECKING:
    from models.rooms import RoomProblem, RoomSolution
    from solvers.rooms.variables import RoomVars

Terms = dict[str, list[tuple[int, cp_model.LinearExprT]]]
"""Per term name, ``(weight, expression)`` pairs; the term's value is their weighted sum."""


def _unplaced_terms(problem: RoomProblem, v: RoomVars, terms: Terms) -> None:
    """``W_u * priority[a] * (1 - present[a])``."""
    weight = problem.weights.unplaced
    if weight == 0:
        return
    for a in range(problem.n_activities):
        terms["unplaced"].append((weight * int(problem.priority[a]), 1 - v.present[a]))


def _repair_terms(model: cp_model.CpModel, problem: RoomProblem, v: RoomVars, terms: Terms) -> None:
    """For a published activity: ``W_c * changed[a]`` with ``changed[a] = 1`` when its start or
    its room differs from the published one or it is left unplaced (one change per activity,
    however it changed; unplaced, it pays the unplaced term too)."""
    if problem.published_room is None or problem.published_start is None:
        return
    weights = problem.weights
    for a in range(problem.n_activities):
        room, start = int(problem.published_room[a]), int(problem.published_start[a])
        if room < 0:
            continue
        present = v.present[a]
        if weights.changed > 0:
            changed = model.new_bool_var(f"changed[{a}]")
            model.add_implication(present.Not(), changed)
            model.add(v.start[a] == start).only_enforce_if([present, changed.Not()])
            same = v.room[a].get(room)
            if same is None:
                model.add_implication(present, changed)
            else:
                model.add_implication(present, same).only_enforce_if(changed.Not())
            terms["changed"].append((weights.changed, changed))


def _room_terms(model: cp_model.CpModel, problem: RoomProblem, v: RoomVars, terms: Terms) -> None:
    """Per room, ``last[r] >= start[a] + duration[a]`` for each activity in it (``last[r] =
    open[r]`` when empty); ``W_o * max(0, last[r] - close[r])`` overtime and ``W_s * (last[r] -
    open[r])`` span."""
    weights = problem.weights
    if weights.overtime == 0 and weights.room_span == 0:
        return
    for r in range(problem.n_rooms):
        members = [(a, v.room[a][r]) for a in range(problem.n_activities) if r in v.room[a]]
        if not members:
            continue
        opening, closing = int(problem.room_open[r]), int(problem.room_close[r])
        last = model.new_int_var(opening, closing + int(problem.room_overtime[r]), f"last[{r}]")
        for a, chosen in members:
            model.add(last >= v.start[a] + int(problem.duration[a])).only_enforce_if(chosen)
        # redundant: the room is busy from opening at least the setups, durations and the
        # turnovers between its activities (the LP bound of the span)
        turnover = int(problem.room_turnover[r])
        model.add(
            last - opening
            >= sum((int(problem.setup[a] + problem.duration[a]) + turnover) * x for a, x in members)
            - turnover
        )
        if weights.overtime > 0 and problem.room_overtime[r] > 0:
            over = model.new_int_var(0, int(problem.room_overtime[r]), f"overtime[{r}]")
            model.add(over >= last - closing)
            terms["overtime"].append((weights.overtime, over))
        if weights.room_span > 0:
            terms["room_span"].append((weights.room_span, last - opening))


def evaluate(problem: RoomProblem, solution: RoomSolution) -> dict[str, int]:
    """The weighted terms of :func:`build_objective` for a given schedule (the greedy start's
    objective, before CP-SAT has seen it)."""
    weights = problem.weights
    placed = solution.room >= 0
    terms: dict[str, int] = {}
    if weights.unplaced > 0:
        terms["unplaced"] = weights.unplaced * int(problem.priority[~placed].sum())
    if weights.changed > 0 and problem.published_room is not None:
        assert problem.published_start is not None
        moved = ~placed | (solution.start != problem.published_start)
        moved |= solution.room != problem.published_room
        terms["changed"] = weights.changed * int(((problem.published_room >= 0) & moved).sum())
    ends = solution.start + problem.duration
    overtime = span = 0
    for r in range(problem.n_rooms):
        inside = solution.room == r
        if not inside.any():
            continue
        last = max(int(ends[inside].max()), int(problem.room_open[r]))
        overtime += max(0, last - int(problem.room_close[r]))
        span += last - int(problem.room_open[r])
    if weights.overtime > 0 and overtime:
        terms["overtime"] = weights.overtime * overtime
    if weights.room_span > 0:
        terms["room_span"] = weights.room_span * span
    return terms


def build_objective(model: cp_model.CpModel, problem: RoomProblem, v: RoomVars) -> Terms:
    r"""Minimise the weighted sum of the penalty terms.

    .. math::

        \min \; W_u \sum_a p_a (1 - \mathrm{present}_a)
          + W_c \sum_{a \in P} \mathrm{changed}_a
          + W_o \sum_r \max(0, \mathrm{last}_r - \mathrm{close}_r)
          + W_s \sum_r (\mathrm{last}_r - \mathrm{open}_r)

    with ``p`` the priorities, ``P`` the published activities, ``last_r`` the end of the last
    activity in room ``r`` (its opening when empty). With every activity placed the span of a
    room is its busy time plus its idle gaps, so the last term removes gaps and ends the rooms'
    days early. The weights (:class:`models.rooms.RoomWeights`) make the order lexicographic
    when the engine sizes them so; zero weights add no term.

    Returns
    -------
    Terms
        The terms by name, to read their values from a solution.
    """
    terms: Terms = defaultdict(list)
    _unplaced_terms(problem, v, terms)
    _repair_terms(model, problem, v, terms)
    _room_terms(model, problem, v, terms)
    expressions = [weight * expr for parts in terms.values() for weight, expr in parts]
    model.minimize(sum(expressions) if expressions else 0)
    return dict(terms)
