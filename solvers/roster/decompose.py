"""Independent parts of a roster problem: staff and competences that never meet.

Two staff members interact only through the cover of a competence both may cover, or through
a fairness group they share; everything else in the model is per person. The connected
components of the graph staff -- competence (an edge where a person may cover a competence)
plus staff -- staff (same fairness group) are independent sub-rosters: the objective is the sum
of their objectives and the optimum of the whole is the union of their optima. Solving them
one by one gives each a small model with its own LP, which CP-SAT proves much faster than the
whole (a clinic's anaesthesiologists never wait for its ward's night shifts).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from models.roster import IntArray, RosterProblem, RosterSolution


@dataclass(frozen=True)
class Part:
    """One independent part: the indices of its staff and competences in the whole problem."""

    staff: IntArray
    competences: IntArray


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def parts(problem: RosterProblem) -> list[Part]:
    """The connected components of ``problem``, in the order of their smallest staff index
    (competences nobody may cover come last, each alone).

    Parameters
    ----------
    problem
        The roster problem.

    Returns
    -------
    list of Part
        One part per component; their staff and competences partition the problem's.
    """
    n_staff, n_comp = problem.n_staff, problem.n_competences
    parent = list(range(n_staff + n_comp))

    def union(a: int, b: int) -> None:
        ra, rb = _find(parent, a), _find(parent, b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for s, c in zip(*np.nonzero(problem.can_cover), strict=True):
        union(int(s), n_staff + int(c))
    first_of_group: dict[int, int] = {}
    for s, g in enumerate(problem.fairness_group.tolist()):
        if g >= 0:
            union(first_of_group.setdefault(g, s), s)
    members: dict[int, tuple[list[int], list[int]]] = {}
    for node in range(n_staff + n_comp):
        root = _find(parent, node)
        staff, comps = members.setdefault(root, ([], []))
        (staff if node < n_staff else comps).append(node if node < n_staff else node - n_staff)
    return [
        Part(np.array(staff, dtype=np.int64), np.array(comps, dtype=np.int64))
        for staff, comps in members.values()
    ]


def restrict(problem: RosterProblem, part: Part) -> RosterProblem:
    """The sub-problem of ``part``: its staff, its competences' cover, its staff's requests
    and their rows of any published roster and change cost."""
    s, c = part.staff, part.competences
    keep = np.isin(problem.request_staff, s)
    renumber = np.full(problem.n_staff, -1, dtype=np.int64)
    renumber[s] = np.arange(s.size)
    return replace(
        problem,
        staff_ids=tuple(problem.staff_ids[i] for i in s),
        competence_ids=tuple(problem.competence_ids[i] for i in c),
        cover_min=problem.cover_min[:, :, c],
        cover_target=problem.cover_target[:, :, c],
        cover_under_weight=problem.cover_under_weight[:, :, c],
        cover_over_weight=problem.cover_over_weight[:, :, c],
        can_cover=problem.can_cover[np.ix_(s, c)],
        substitution_cost=problem.substitution_cost[np.ix_(s, c)],
        available=problem.available[s],
        max_shifts=problem.max_shifts[s],
        min_minutes=problem.min_minutes[s],
        max_minutes=problem.max_minutes[s],
        min_week_minutes=problem.min_week_minutes[s],
        max_week_minutes=problem.max_week_minutes[s],
        max_consecutive=problem.max_consecutive[s],
        min_consecutive=problem.min_consecutive[s],
        min_consecutive_off=problem.min_consecutive_off[s],
        max_weekends=problem.max_weekends[s],
        max_nights=problem.max_nights[s],
        min_rest=problem.min_rest[s],
        weekly_rest=problem.weekly_rest[s],
        fairness_group=problem.fairness_group[s],
        request_staff=renumber[problem.request_staff[keep]],
        request_day=problem.request_day[keep],
        request_shift=problem.request_shift[keep],
        request_on=problem.request_on[keep],
        request_weight=problem.request_weight[keep],
        published=None if problem.published is None else restrict_solution(problem.published, part),
        change_cost=None if problem.change_cost is None else problem.change_cost[s],
    )


def restrict_solution(solution: RosterSolution, part: Part) -> RosterSolution:
    """``solution`` on the staff of ``part``, competences renumbered within the part."""
    from models.roster import RosterSolution

    renumber = np.full(int(solution.competence.max(initial=-1)) + 2, -1, dtype=np.int64)
    local = {int(c): i for i, c in enumerate(part.competences.tolist())}
    for c, i in local.items():
        if c + 1 < renumber.size:
            renumber[c + 1] = i
    competence = solution.competence[part.staff]
    return RosterSolution(
        shift=solution.shift[part.staff].copy(),
        competence=np.where(competence >= 0, renumber[competence + 1], -1),
    )
