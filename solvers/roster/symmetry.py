"""Symmetry breaking between identical staff members.

Two staff members are identical when every per-person field of the problem is equal for both
(competences, contracts, rules, availability, fairness group, any published roster and change
cost) and neither has a request: exchanging their rows turns every roster into another roster
with the same objective. Among ``k`` identical people the search would otherwise meet every
one of their ``k!`` orders, and the bound has to be proved for all of them.

The rows of a class are put in lexicographic order of their day values (0 off, ``t + 1`` for
shift ``t``). Any roster can be permuted into that order (:func:`canonical`), so the optimum
is kept, and a hint is permuted the same way before it is given.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

    from models.roster import RosterProblem, RosterSolution
    from solvers.roster.variables import RosterVars

NOT_PER_STAFF = frozenset(
    {
        "cover_min",
        "cover_target",
        "cover_under_weight",
        "cover_over_weight",
        "shift_start",
        "shift_span",
        "shift_minutes",
        "shift_night",
        "forbidden",
        "request_staff",
        "request_day",
        "request_shift",
        "request_on",
        "request_weight",
    }
)
"""Array fields of :class:`models.roster.RosterProblem` that are not indexed by staff first."""


def _rows(problem: RosterProblem) -> list[np.ndarray]:
    """Every per-staff array of ``problem`` (fields in declaration order; a roster field
    contributes its arrays)."""
    arrays: list[np.ndarray] = []
    for field in dataclasses.fields(problem):
        if field.name in NOT_PER_STAFF:
            continue
        value = getattr(problem, field.name)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            values = [getattr(value, f.name) for f in dataclasses.fields(value)]
        else:
            values = [value]
        arrays += [
            a for a in values if isinstance(a, np.ndarray) and a.ndim and len(a) == problem.n_staff
        ]
    return arrays


def identical_staff(problem: RosterProblem) -> list[list[int]]:
    """Classes of at least two identical staff members (see the module docstring), each in
    increasing index order.

    Parameters
    ----------
    problem
        The roster problem.

    Returns
    -------
    list of list of int
        The classes, ordered by their first member.
    """
    requested = set(problem.request_staff.tolist())
    arrays = _rows(problem)
    classes: dict[bytes, list[int]] = defaultdict(list)
    for s in range(problem.n_staff):
        if s in requested:
            continue
        key = b"|".join(np.ascontiguousarray(a[s]).tobytes() for a in arrays)
        classes[key].append(s)
    return sorted((members for members in classes.values() if len(members) > 1), key=min)


def add_symmetry_breaking(model: cp_model.CpModel, problem: RosterProblem, v: RosterVars) -> int:
    """Order the rows of each class of identical staff lexicographically, non-increasing.

    For consecutive members ``a``, ``b`` of a class, with ``A_d``, ``B_d`` their day values
    (``sum_t (t + 1) x[., d, t]``) and ``e_d`` a literal "rows equal before day ``d``"
    (``e_0`` true): ``e_d => A_d >= B_d`` and ``e_d and not e_{d+1} => A_d >= B_d + 1``, so
    ``e_{d+1}`` may be false only once the rows differ.

    Parameters
    ----------
    model
        The model to add to.
    problem
        The roster problem.
    v
        Its variables.

    Returns
    -------
    int
        The number of ordered pairs.
    """
    from ortools.sat.python.cp_model import LinearExpr

    def value(s: int, d: int) -> cp_model.LinearExprT:
        shifts = v.x[s][d]
        return LinearExpr.weighted_sum(list(shifts.values()), [t + 1 for t in shifts])

    pairs = 0
    for members in identical_staff(problem):
        for a, b in itertools.pairwise(members):
            pairs += 1
            equal: list[cp_model.IntVar] = []  # empty: e_0, true
            for d in range(problem.n_days):
                if not v.x[a][d]:
                    continue  # both rows are off that day: equal there
                later = model.new_bool_var(f"equal_before[{a},{b},{d + 1}]")
                model.add(value(a, d) >= value(b, d)).only_enforce_if(equal)
                model.add(value(a, d) >= value(b, d) + 1).only_enforce_if([*equal, later.Not()])
                equal = [later]
    return pairs


def canonical(problem: RosterProblem, solution: RosterSolution) -> RosterSolution:
    """``solution`` with the rows of each class of identical staff sorted into the order
    :func:`add_symmetry_breaking` asks for: the same roster up to names, with the same
    objective, that a model with symmetry breaking accepts (a hint stays usable).

    Parameters
    ----------
    problem
        The roster problem.
    solution
        A roster of it.
    """
    from models.roster import RosterSolution

    shift, competence = solution.shift.copy(), solution.competence.copy()
    for members in identical_staff(problem):
        rows = sorted(members, key=lambda s: tuple((solution.shift[s] + 1).tolist()), reverse=True)
        shift[members] = solution.shift[rows]
        competence[members] = solution.competence[rows]
    return RosterSolution(shift=shift, competence=competence)
