"""The tactical production plan as a MILP (PuLP; HiGHS through highspy, or CBC).

:func:`solve` turns a :class:`models.plan.TacticalProblem` into a :class:`TacticalResult`;
:func:`explain` finds, for a problem without a plan, the least capacity and the fewest patients
that are missing. The formulation (variables, one function per constraint family, the
objective) is in :mod:`solvers.tactical.formulation`; running the backends in
:mod:`solvers.milp`.
"""

from __future__ import annotations

from solvers.tactical.solve import BACKENDS, TacticalResult, explain, solve

__all__ = ["BACKENDS", "TacticalResult", "explain", "solve"]
