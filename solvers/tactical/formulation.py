"""The tactical plan as a linear model: variables, one function per constraint family, and the
objective.

Indices: ``w`` week, ``g`` product group, ``r`` resource, ``e`` kind of extra capacity, ``b``
a block of weeks of one kind (a weekly decision has one-week blocks).

Variables (all non-negative):

* ``x[w, g]`` patients treated (production);
* ``B[w, g]`` patients waiting at the end of week ``w``, split (when the guarantee has a
  weight) into ``v[w, g]``, those who can still be treated within the care guarantee, and
  ``u[w, g]``, those who can no longer be: ``B = v + u``;
* ``d+[w, g]``, ``d-[w, g]`` the change of production from week ``w - 1`` to ``w``, up and
  down (from week 0 too when the problem gives the production of the week before it, a
  rolling start);
* ``y[b, e]`` units of extra capacity bought for the weeks of block ``b`` (integer for
  whole shifts, persons and beds). Blocks are aligned to the calendar: with a rolling start
  (``first_week`` weeks after the calendar's first) the first block holds only the weeks
  left of the block it falls in.

Waiting time is linear under first-in-first-out: the patients still waiting at the end of week
``w`` are the ones who came last, so those past the guarantee are
``max(0, B[w, g] - recent[w, g])``, where ``recent[w, g]`` counts the patients who arrived in
the last ``guarantee_weeks[g]`` weeks (``j > w - guarantee_weeks[g]``), the initial waiting
list included. Treating the oldest first is also what keeps that number lowest, so it is the
least breach any order of treatment can reach with the same weekly volumes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pulp
from pulp import LpAffineExpression as Expression
from pulp import LpVariable as Variable

if TYPE_CHECKING:
    from models.plan import Array, TacticalProblem


def recent_arrivals(problem: TacticalProblem) -> Array:
    """``recent[w, g]``: patients who arrived in weeks ``w - guarantee_weeks[g] + 1 .. w``,
    counting the initial list (column ``a`` of ``waiting`` arrived in week ``-(a + 1)``)."""
    n_weeks, n_groups = problem.need.shape
    ages = problem.waiting.shape[1]
    # arrivals[i] is week i - ages: the list first (oldest first), then the forecast
    arrivals = np.vstack([problem.waiting[:, ::-1].T, problem.need])
    cumulative = np.vstack([np.zeros((1, n_groups)), np.cumsum(arrivals, axis=0)])
    weeks = np.arange(n_weeks)[:, None]
    last = weeks + ages + 1  # exclusive end, in the index of ``arrivals``
    first = np.clip(last - problem.guarantee_weeks[None, :], 0, None)
    groups = np.arange(n_groups)[None, :]
    recent: Array = cumulative[last, groups] - cumulative[first, groups]
    return recent


@dataclass
class TacticalModel:
    """A PuLP model of a tactical problem, and its variables by index."""

    problem: TacticalProblem
    lp: pulp.LpProblem
    x: list[list[Variable]]
    backlog: list[list[Variable]]
    """``B[w][g]``, or ``v[w][g]`` when the backlog is split (see :attr:`breach`)."""
    breach: dict[tuple[int, int], Variable] = field(default_factory=dict)
    """``u[w, g]`` when the backlog is split: ``B = v + u``."""
    change: dict[tuple[int, int, str], Variable] = field(default_factory=dict)
    """``(w, g, "+" or "-") -> d``"""
    extra: dict[tuple[int, int], Variable] = field(default_factory=dict)
    """``(block start week, kind) -> y``"""
    block_of: list[list[int]] = field(default_factory=list)
    """``block_of[e][w]``: the start week of the block of kind ``e`` holding week ``w``."""
    short_capacity: dict[tuple[int, int], Variable] = field(default_factory=dict)
    short_patients: dict[tuple[int, int], Variable] = field(default_factory=dict)
    recent: Array = field(default_factory=lambda: np.zeros((0, 0)))

    @property
    def elastic(self) -> bool:
        """True for the relaxation that explains a contradiction."""
        return bool(self.short_capacity)

    def stock(self, w: int, g: int) -> list[Variable]:
        """The variables whose sum is ``B[w, g]``."""
        if self.breach:
            return [self.backlog[w][g], self.breach[w, g]]
        return [self.backlog[w][g]]


def block_starts(block_weeks: int, n_weeks: int, first_week: int = 0) -> list[int]:
    """Per week of the problem, the first week (of the problem) of the block that holds it.

    Blocks of ``block_weeks`` weeks are aligned to the calendar, whose first week is
    ``first_week`` weeks before the problem's: ``[0, 0, 2, 2, 2, 2]`` for 4-week blocks,
    6 weeks and a start 2 weeks into the calendar.
    """
    return [max(0, w - (w + first_week) % block_weeks) for w in range(n_weeks)]


def add_variables(problem: TacticalProblem, *, elastic: bool = False) -> TacticalModel:
    """Create the model and its decision variables (see the module docstring).

    With ``elastic``, integer units are relaxed and two kinds of slack are added: capacity
    missing per week and resource, and patients missing per week and product group.
    """
    lp = pulp.LpProblem("tactical", pulp.LpMinimize)
    n_weeks, n_groups = problem.need.shape
    weights = problem.weights
    x = [
        [lp.add_variable(f"x_{w}_{g}", lowBound=0) for g in range(n_groups)] for w in range(n_weeks)
    ]
    recent = recent_arrivals(problem)
    split = weights.breach > 0 and not elastic
    backlog = [
        [
            lp.add_variable(f"v_{w}_{g}", lowBound=0, upBound=float(recent[w, g]))
            if split
            else lp.add_variable(f"B_{w}_{g}", lowBound=0)
            for g in range(n_groups)
        ]
        for w in range(n_weeks)
    ]
    model = TacticalModel(problem, lp, x, backlog, recent=recent)
    if split:
        model.breach = {
            (w, g): lp.add_variable(f"u_{w}_{g}", lowBound=0)
            for w in range(n_weeks)
            for g in range(n_groups)
        }
    if weights.levelling > 0 and not elastic:
        first = 0 if problem.previous is not None else 1
        model.change = {
            (w, g, sign): lp.add_variable(f"d{'p' if sign == '+' else 'n'}_{w}_{g}", lowBound=0)
            for w in range(first, n_weeks)
            for g in range(n_groups)
            for sign in "+-"
        }
    extra = problem.extra
    for e in range(len(extra)):
        blocks = block_starts(int(extra.block_weeks[e]), n_weeks, problem.first_week)
        model.block_of.append(blocks)
        category = pulp.LpInteger if extra.integer[e] and not elastic else pulp.LpContinuous
        for start in sorted(set(blocks)):
            held = [w for w, b in enumerate(blocks) if b == start]
            upper = float(extra.max_units[held, e].min())
            if upper <= 0:
                continue
            model.extra[start, e] = lp.add_variable(
                f"y_{start}_{e}", lowBound=0, upBound=upper, cat=category
            )
    if elastic:
        model.short_capacity = {
            (w, r): lp.add_variable(f"sc_{w}_{r}", lowBound=0)
            for w in range(n_weeks)
            for r in range(problem.n_resources)
        }
        model.short_patients = {
            (w, g): lp.add_variable(f"sp_{w}_{g}", lowBound=0)
            for w in range(n_weeks)
            for g in range(n_groups)
        }
    return model


def add_backlog_balance(model: TacticalModel) -> None:
    """The waiting list carries over: ``B[w, g] = B[w - 1, g] + need[w, g] - x[w, g]``, with
    ``B[-1, g]`` the initial waiting list. ``B >= 0``: no one is treated who is not there.

    In the elastic model, ``sp[w, g]`` patients may be missing: they are added to the need.
    """
    problem = model.problem
    initial = problem.waiting.sum(axis=1)
    for w, row in enumerate(model.backlog):
        for g in range(len(row)):
            terms = [(v, 1.0) for v in model.stock(w, g)] + [(model.x[w][g], 1.0)]
            if w > 0:
                terms += [(v, -1.0) for v in model.stock(w - 1, g)]
            if model.short_patients:
                terms.append((model.short_patients[w, g], -1.0))
            rhs = float(problem.need[w, g]) + (float(initial[g]) if w == 0 else 0.0)
            model.lp += Expression(terms) == rhs, f"backlog_{w}_{g}"


def add_guarantee_breach(model: TacticalModel) -> None:
    """Patients past the care guarantee: ``B[w, g] = v[w, g] + u[w, g]`` with
    ``0 <= v[w, g] <= recent[w, g]`` and ``u >= 0``; with ``u`` penalised,
    ``u = max(0, B - recent)``, the first-in-first-out count of patients who can no longer be
    treated within the guarantee.

    The bound on ``v`` is the whole rule (set with the variables): it needs no row, which
    keeps the model a fifth smaller than ``u >= B - recent`` would."""
    del model  # the rule lives in the bounds of v, set by add_variables


def add_capacity(model: TacticalModel) -> None:
    """Capacity per week and resource:
    ``sum_g usage[g, r] x[w, g] <= capacity[w, r] + sum_{e -> r} size[e] y[block(w), e]``.

    Only resources some product group uses are constrained. In the elastic model ``sc[w, r]``
    of capacity may be missing.
    """
    problem = model.problem
    extra = problem.extra
    by_resource: dict[int, list[int]] = {}
    for e in range(len(extra)):
        by_resource.setdefault(int(extra.resource[e]), []).append(e)
    for r in range(problem.n_resources):
        groups = np.flatnonzero(problem.usage[:, r] > 0)
        if groups.size == 0:
            continue
        for w in range(problem.n_weeks):
            terms = [(model.x[w][g], float(problem.usage[g, r])) for g in groups]
            for e in by_resource.get(r, []):
                variable = model.extra.get((model.block_of[e][w], e))
                if variable is not None:
                    terms.append((variable, -float(extra.size[e])))
            if model.short_capacity:
                terms.append((model.short_capacity[w, r], -1.0))
            model.lp += Expression(terms) <= float(problem.capacity[w, r]), f"capacity_{w}_{r}"


def add_levelling(model: TacticalModel) -> None:
    """Week-to-week change: ``x[w, g] - x[w - 1, g] = d+[w, g] - d-[w, g]``; with ``d+`` and
    ``d-`` penalised, at most one is positive and ``d+ + d- = |x[w] - x[w - 1]|``.

    With a rolling start, the first week's change is measured from the production of the
    week before: ``x[0, g] - previous[g] = d+[0, g] - d-[0, g]``."""
    problem = model.problem
    n_weeks, n_groups = problem.need.shape
    if not model.change:
        return
    if problem.previous is not None and n_weeks:
        for g in range(n_groups):
            model.lp += (
                Expression(
                    [
                        (model.x[0][g], 1.0),
                        (model.change[0, g, "+"], -1.0),
                        (model.change[0, g, "-"], 1.0),
                    ]
                )
                == float(problem.previous[g]),
                f"change_0_{g}",
            )
    for w in range(1, n_weeks):
        for g in range(n_groups):
            model.lp += (
                Expression(
                    [
                        (model.x[w][g], 1.0),
                        (model.x[w - 1][g], -1.0),
                        (model.change[w, g, "+"], -1.0),
                        (model.change[w, g, "-"], 1.0),
                    ]
                )
                == 0,
                f"change_{w}_{g}",
            )


def add_pins(model: TacticalModel) -> None:
    """Agreed volumes are locked: ``sum_g coef[p, g] x[week[p], g] = value[p]``."""
    pins = model.problem.pins
    for p in range(len(pins)):
        w = int(pins.week[p])
        terms = [(model.x[w][g], float(c)) for g, c in enumerate(pins.coef[p]) if c != 0]
        model.lp += Expression(terms) == float(pins.value[p]), f"pin_{p}"


def set_objective(model: TacticalModel) -> None:
    r"""The weighted sum of the plan's costs; terms with a zero weight are left out.

    .. math::

        \min\; \beta \sum_{w,g} B_{wg} + \gamma \sum_{w,g} u_{wg}
        + \lambda \sum_{w \ge w_0, g} (d^+_{wg} + d^-_{wg}) + \tau \sum_g B_{W-1,g}
        + \sum_{b,e} c_e\, n_{b}\, y_{be}

    with :math:`\beta, \gamma, \lambda, \tau` the weights ``backlog``, ``breach``,
    ``levelling`` and ``terminal``, :math:`w_0` 0 with a rolling start (the week before is
    given) and 1 otherwise, :math:`c_e` the cost of a unit of extra capacity of kind
    :math:`e` for a week and :math:`n_b` the weeks of block :math:`b` inside the horizon.

    The elastic model minimises only what is missing:
    :math:`\sum_{w,r} sc_{wr} + \sum_{w,g} sp_{wg}`.
    """
    if model.elastic:
        model.lp.setObjective(
            Expression(
                [(v, 1.0) for v in model.short_capacity.values()]
                + [(v, 1.0) for v in model.short_patients.values()]
            )
        )
        return
    coefficients: dict[Variable, float] = {}
    for part in objective_terms(model).values():
        # a variable may be in several terms (the last week's backlog): add them up
        for variable, coefficient in part:
            coefficients[variable] = coefficients.get(variable, 0.0) + coefficient
    model.lp.setObjective(Expression(coefficients))


def objective_terms(model: TacticalModel) -> dict[str, list[tuple[Variable, float]]]:
    """The objective's named terms as ``(variable, coefficient)`` lists, zero weights left out."""
    problem = model.problem
    weights = problem.weights
    extra = problem.extra
    terms: dict[str, list[tuple[Variable, float]]] = {}
    if weights.backlog > 0:
        terms["backlog"] = [
            (v, weights.backlog)
            for w in range(problem.n_weeks)
            for g in range(problem.n_groups)
            for v in model.stock(w, g)
        ]
    if weights.breach > 0:
        terms["breach"] = [(v, weights.breach) for v in model.breach.values()]
    if weights.levelling > 0:
        terms["levelling"] = [(v, weights.levelling) for v in model.change.values()]
    if weights.terminal > 0 and problem.n_weeks:
        terms["terminal"] = [
            (v, weights.terminal)
            for g in range(problem.n_groups)
            for v in model.stock(problem.n_weeks - 1, g)
        ]
    paid = [
        (v, float(extra.cost[e]) * model.block_of[e].count(start))
        for (start, e), v in model.extra.items()
        if extra.cost[e] > 0
    ]
    if paid:
        terms["extra"] = paid
    return terms


def build(problem: TacticalProblem, *, elastic: bool = False) -> TacticalModel:
    """The whole model: variables, then each constraint family in a fixed order, then the
    objective."""
    model = add_variables(problem, elastic=elastic)
    add_backlog_balance(model)
    add_guarantee_breach(model)
    add_capacity(model)
    add_levelling(model)
    add_pins(model)
    set_objective(model)
    return model
