"""The decision variables of the roster model.

``x[s][d][t]`` is 1 when staff member ``s`` works shift type ``t`` on day ``d``; it exists only
where the person is available (elsewhere the shift is simply not in the model). ``work[s][d]``
is the sum over ``t`` (at most one shift a day). ``y[s, d, t, c]`` says which competence the
shift covers; for a person who can cover a single competence it is ``x`` itself, so the
Curtois & Qu instances (one competence) get no extra variable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from ortools.sat.python import cp_model

if TYPE_CHECKING:
    from models.roster import RosterProblem

Literal = cp_model.IntVar


@dataclass
class RosterVars:
    """All the variables of one roster model."""

    x: list[list[dict[int, Literal]]]
    """``x[s][d][t]``: works shift ``t`` on day ``d`` (only available shifts are keys)."""
    work: list[list[Literal]]
    """``work[s][d]``: works on day ``d``; the model's constant false where nothing is
    available."""
    y: dict[tuple[int, int, int, int], Literal]
    """``y[s, d, t, c]``: covers competence ``c`` with that shift."""
    false: Literal
    """A literal fixed to false."""


def add_variables(model: cp_model.CpModel, problem: RosterProblem) -> RosterVars:
    """Create ``x``, ``work`` and ``y`` for ``problem`` (one shift a day per person).

    Parameters
    ----------
    model
        The model to add to.
    problem
        The roster problem.

    Returns
    -------
    RosterVars
        The variables, indexed as documented on :class:`RosterVars`.
    """
    false = model.new_constant(0)
    competences = [np.flatnonzero(problem.can_cover[s]).tolist() for s in range(problem.n_staff)]
    x: list[list[dict[int, Literal]]] = []
    work: list[list[Literal]] = []
    y: dict[tuple[int, int, int, int], Literal] = {}
    available = problem.available.tolist()
    for s in range(problem.n_staff):
        own = competences[s]
        rows: list[dict[int, Literal]] = []
        work_row: list[Literal] = []
        for d in range(problem.n_days):
            # A person who can cover no competence can still work (cover rules do not apply).
            shifts = {
                t: model.new_bool_var(f"x[{s},{d},{t}]")
                for t, ok in enumerate(available[s][d])
                if ok
            }
            rows.append(shifts)
            if not shifts:
                work_row.append(false)
                continue
            if len(shifts) == 1:
                w = next(iter(shifts.values()))
            else:
                w = model.new_bool_var(f"work[{s},{d}]")
                model.add(sum(shifts.values()) == w)
            work_row.append(w)
            for t, var in shifts.items():
                if len(own) == 1:
                    y[s, d, t, own[0]] = var
                elif len(own) > 1:
                    choices = [model.new_bool_var(f"y[{s},{d},{t},{c}]") for c in own]
                    model.add(sum(choices) == var)
                    for c, choice in zip(own, choices, strict=True):
                        y[s, d, t, c] = choice
        x.append(rows)
        work.append(work_row)
    return RosterVars(x=x, work=work, y=y, false=false)
