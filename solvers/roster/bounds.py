"""Lower bounds on a roster's cost from counting what the staff can cover at most.

Two counts bound the shifts short from below, whatever the roster:

- **per shift type**: a person works a shift type on no more days than their ``max_shifts`` of
  it and the days it is available to them, and each shift worked covers one (day, shift,
  competence) cell. The cover target of a type over the horizon, less what all the staff can
  work of it, is short in every roster.
- **weekends**: a person works on no more weekend days than the days of their
  ``max_weekends`` longest weekends (and the weekend days available to them). The cover
  target of the weekend days, less that, is short in every roster.

The shifts short of a count cost at least its cheapest cells' under-cover weights, one unit per
person short (:func:`_cheapest`). Shift types hold disjoint cells, so their bounds add up; the
weekend bound counts cells of every type, so the bound is the larger of the two.

On Curtois & Qu's instances where the staff may work fewer weekend days, or fewer shifts of a
type, than the cover wants, this is most of the best known cost: Instance15's night shifts
(at least 36 short, 3,600 of 3,829), Instance21's and 22's weekends (8,200 and 8,100), where a
linear relaxation is too big to solve in the time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from models.roster import IntArray, RosterProblem


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
    free = problem.available[:, days, :].any(axis=2)  # (S, weekend days)
    sizes = np.array(sorted((len(w) for w in weekend), reverse=True), dtype=np.int64)
    allowed = np.concatenate([[0], np.cumsum(sizes)])
    limit = np.clip(problem.max_weekends, 0, len(sizes))
    most = np.minimum(allowed[limit], free.sum(axis=1))
    short = int(target[days].sum()) - int(most.sum())
    return max(by_type, _cheapest(target[days], weight[days], short))


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
