"""The daily plan MILP: weekly volumes of activities broken into days.

Sets: activities ``a``, weeks ``w``, days ``d in w``, room types ``r``, competences ``c``.

Variables: ``x[a,d] >= 0`` activities on day d (integer for whole activities), ``u[a,w] >= 0``
activities of week w left unplaced, ``p[c,w] >= 0`` the peak daily staff hours of competence c in
week w, ``e+[a,d], e-[a,d] >= 0`` the deviation from the weekday profile.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pulp

from models.daily import DailyProblem, DailyResult
from models.solve import SolveStats, SolveStatus
from solvers.common import SolveOptions
from solvers.milp import solve_model


@dataclass
class _Variables:
    x: dict[tuple[int, int], pulp.LpVariable]
    unplaced: dict[tuple[int, int], pulp.LpVariable]
    peak: dict[tuple[int, int], pulp.LpVariable]
    over: dict[tuple[int, int], pulp.LpVariable]
    under: dict[tuple[int, int], pulp.LpVariable]


def _variables(model: pulp.LpProblem, problem: DailyProblem) -> _Variables:
    n_activities, n_weeks = problem.volumes.shape
    x = {
        (a, d): model.add_variable(
            f"x_{a}_{d}",
            lowBound=0,
            cat=pulp.LpInteger if problem.integral[a] else pulp.LpContinuous,
        )
        for a, d in zip(*np.nonzero(problem.share > 0), strict=True)
    }
    unplaced = {
        (a, w): model.add_variable(f"u_{a}_{w}", lowBound=0)
        for a in range(n_activities)
        for w in range(n_weeks)
        if problem.volumes[a, w] > 0
    }
    used = np.nonzero(problem.staff_hours.sum(axis=0) > 0)[0]
    peak = {
        (int(c), w): model.add_variable(f"p_{c}_{w}", lowBound=0)
        for c in used
        for w in range(n_weeks)
    }
    over = {key: model.add_variable(f"eo_{key[0]}_{key[1]}", lowBound=0) for key in x}
    under = {key: model.add_variable(f"eu_{key[0]}_{key[1]}", lowBound=0) for key in x}
    return _Variables(x, unplaced, peak, over, under)


def _week_volume(model: pulp.LpProblem, problem: DailyProblem, v: _Variables) -> None:
    """Each week's volume is placed on its days or counted unplaced:
    ``sum_{d in w} x[a,d] + u[a,w] = V[a,w]``; nothing is placed in a week without volume."""
    for a in range(problem.n_activities):
        for w in range(problem.n_weeks):
            days = [v.x[a, d] for d in range(7 * w, 7 * w + 7) if (a, d) in v.x]
            volume = float(problem.volumes[a, w])
            if volume > 0:
                model += pulp.lpSum(days) + v.unplaced[a, w] == volume, f"volume_{a}_{w}"
            else:
                for var in days:
                    var.upBound = 0


def _room_capacity(model: pulp.LpProblem, problem: DailyProblem, v: _Variables) -> None:
    """Room minutes per day within what each room type can plan:
    ``sum_a m[a,r] x[a,d] <= K[r,d]``."""
    for r in range(problem.room_capacity.shape[0]):
        users = np.nonzero(problem.room_minutes[:, r] > 0)[0]
        for d in range(problem.n_days):
            terms = [
                float(problem.room_minutes[a, r]) * v.x[int(a), d]
                for a in users
                if (int(a), d) in v.x
            ]
            if terms:
                model += pulp.lpSum(terms) <= float(problem.room_capacity[r, d]), f"room_{r}_{d}"


def _levelling(model: pulp.LpProblem, problem: DailyProblem, v: _Variables) -> None:
    """The week's peak staff hours per competence bound every day's:
    ``sum_a h[a,c] x[a,d] <= p[c,w]`` for d in w."""
    for (c, w), peak in v.peak.items():
        users = np.nonzero(problem.staff_hours[:, c] > 0)[0]
        for d in range(7 * w, 7 * w + 7):
            terms = [
                float(problem.staff_hours[a, c]) * v.x[int(a), d]
                for a in users
                if (int(a), d) in v.x
            ]
            if terms:
                model += pulp.lpSum(terms) <= peak, f"peak_{c}_{d}"


def _profile(model: pulp.LpProblem, problem: DailyProblem, v: _Variables) -> None:
    """Deviation from the weekday profile's share of what is placed in the week:
    ``x[a,d] - s[a,d] (V[a,w] - u[a,w]) = e+[a,d] - e-[a,d]``."""
    for (a, d), x in v.x.items():
        w = d // 7
        if (a, w) not in v.unplaced:
            continue
        share = float(problem.share[a, d])
        placed = float(problem.volumes[a, w]) - v.unplaced[a, w]
        model += x - share * placed == v.over[a, d] - v.under[a, d], f"profile_{a}_{d}"


def _terms(problem: DailyProblem, v: _Variables) -> dict[str, pulp.LpAffineExpression]:
    """The named objective terms, unweighted."""
    return {
        "unplaced": pulp.lpSum(float(problem.priority[a]) * u for (a, _), u in v.unplaced.items()),
        "levelling": pulp.lpSum(p / float(problem.shift_hours[c]) for (c, _), p in v.peak.items()),
        "profile": pulp.lpSum([*v.over.values(), *v.under.values()]),
    }


def _objective(
    problem: DailyProblem, v: _Variables, skip: tuple[str, ...] = ()
) -> pulp.LpAffineExpression:
    r"""The weighted sum of the terms, skipping zero weights:

    .. math::

        \min\; W_u \sum_{a,w} \pi_a u_{aw}
             + W_l \sum_{c,w} p_{cw} / h_c
             + W_p \sum_{a,d} (e^+_{ad} + e^-_{ad})

    with :math:`\pi_a` the priority of activity a and :math:`h_c` the hours of a shift of c;
    the terms named in ``skip`` are left out.
    """
    weights = problem.weights
    terms = _terms(problem, v)
    return pulp.lpSum(
        weight * terms[name]
        for name, weight in (
            ("unplaced", weights.unplaced),
            ("levelling", weights.levelling),
            ("profile", weights.profile),
        )
        if weight != 0 and name not in skip
    )


def _decode(problem: DailyProblem, v: _Variables, stats: SolveStats) -> DailyResult:
    volumes = np.zeros((problem.n_activities, problem.n_days))
    for (a, d), x in v.x.items():
        value = x.varValue or 0.0
        volumes[a, d] = round(value) if problem.integral[a] else value
    unplaced = np.zeros_like(problem.volumes)
    for (a, w), u in v.unplaced.items():
        unplaced[a, w] = u.varValue or 0.0
    weights = {
        "unplaced": problem.weights.unplaced,
        "levelling": problem.weights.levelling,
        "profile": problem.weights.profile,
    }
    penalties = {
        name: weights[name] * float(pulp.value(term) or 0.0)
        for name, term in _terms(problem, v).items()
    }
    return DailyResult(stats=stats, volumes=volumes, unplaced=unplaced, penalties=penalties)


def _week(problem: DailyProblem, w: int) -> DailyProblem:
    """The part of ``problem`` that is week ``w``: weeks share no constraint."""
    days = slice(7 * w, 7 * w + 7)
    return replace(
        problem,
        volumes=problem.volumes[:, w : w + 1],
        share=problem.share[:, days],
        room_capacity=problem.room_capacity[:, days],
    )


def _solve_week(problem: DailyProblem, options: SolveOptions) -> DailyResult:
    model = pulp.LpProblem("daily_plan", pulp.LpMinimize)
    v = _variables(model, problem)
    for rule in (_week_volume, _room_capacity, _levelling, _profile):
        rule(model, problem, v)
    model += _objective(problem, v)
    stats = solve_model(model, options)
    if not stats.status.has_solution:
        return DailyResult(stats=stats)
    return _decode(problem, v, stats)


def _worst(statuses: list[SolveStatus]) -> SolveStatus:
    order = [
        SolveStatus.INVALID,
        SolveStatus.INFEASIBLE,
        SolveStatus.NO_SOLUTION,
        SolveStatus.FEASIBLE,
        SolveStatus.OPTIMAL,
    ]
    return min(statuses, key=order.index)


def solve(problem: DailyProblem, options: SolveOptions | None = None) -> DailyResult:
    """Break the weekly volumes of ``problem`` into days.

    Every week's volume is placed on the days its weekday profile allows, within each room
    type's plannable minutes; what cannot be placed is reported as unplaced rather than making
    the plan infeasible. Among plans that place as much as possible, the staff-hour peak of each
    competence's week is levelled, then the weekday profiles are followed.

    Weeks share no constraint, so each is solved on its own, with an equal part of the time
    limit; the stats add up the weeks (objective, bound, time, model size) and take the worst
    status.
    """
    options = options or SolveOptions()
    per_week = (
        replace(options, time_limit=options.time_limit / problem.n_weeks)
        if options.time_limit is not None
        else options
    )
    results = [_solve_week(_week(problem, w), per_week) for w in range(problem.n_weeks)]
    stats = SolveStats(
        status=_worst([r.stats.status for r in results]),
        objective=sum(r.stats.objective for r in results),
        bound=sum(r.stats.bound for r in results),
        wall_time=sum(r.stats.wall_time for r in results),
        backend=results[0].stats.backend if results else (options.backend or "highs"),
        variables=sum(r.stats.variables for r in results),
        constraints=sum(r.stats.constraints for r in results),
    )
    if not stats.status.has_solution:
        return DailyResult(stats=stats)
    return DailyResult(
        stats=stats,
        volumes=np.hstack([r.volumes for r in results if r.volumes is not None]),
        unplaced=np.hstack([r.unplaced for r in results if r.unplaced is not None]),
        penalties={name: sum(r.penalties[name] for r in results) for name in results[0].penalties},
    )
