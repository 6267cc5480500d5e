"""The pricing of one person by dynamic programming (solvers.roster.paths), against every roster
of the person enumerated and judged by the independent checker (engine.check.roster)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.check.roster import check_roster
from models.roster import RosterProblem, RosterSolution, roster_problem
from solvers.roster.paths import Paths, roster, supported

pytestmark = pytest.mark.solver


def _every_roster(problem: RosterProblem, credit: np.ndarray) -> list[tuple[float, float]]:
    """(own cost, own cost minus credit) of every roster of the one person that the checker
    passes."""
    cells = [(-1, -1)] + [
        (t, c)
        for t in range(problem.n_shifts)
        for c in range(problem.n_competences)
        if problem.can_cover[0, c]
    ]
    found = []
    for choice in itertools.product(cells, repeat=problem.n_days):
        shift = np.array([[t for t, _ in choice]], dtype=np.int64)
        competence = np.array([[c for _, c in choice]], dtype=np.int64)
        check = check_roster(problem, RosterSolution(shift, competence))
        if check.feasible:
            gained = sum(float(credit[d, t, c]) for d, (t, c) in enumerate(choice) if t >= 0)
            found.append((float(check.objective), check.objective - gained))
    return found


@st.composite
def person(draw: st.DrawFn) -> tuple[RosterProblem, np.ndarray]:
    """One person, 3 to 6 days, two shift types of different lengths and clock times (a rest
    rule and a forbidden succession may bind), one or two competences with a substitution
    cost, every run rule, the minutes, weekends, nights and shifts per type drawn, requests
    and split weekends; and a credit per cell."""
    days = draw(st.integers(3, 6))
    competences = draw(st.integers(1, 2))
    if competences == 2:
        days = min(days, 4)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    low = int(rng.integers(0, days // 2 + 1)) * 480
    requests = int(rng.integers(0, days + 1))
    problem = roster_problem(
        1,
        days,
        [480, 600],
        competences=competences,
        first_weekday=int(rng.integers(0, 7)),
        shift_start=[7 * 60, 13 * 60],
        shift_span=[480, 600],
        shift_night=[False, bool(rng.random() < 0.5)],
        min_rest=[int(rng.choice([0, 11 * 60]))],
        forbidden=[[False, bool(rng.random() < 0.3)], [bool(rng.random() < 0.3), False]],
        available=rng.random((1, days, 2)) < 0.85,
        substitution_cost=[[0, int(rng.integers(0, 20))][:competences]],
        min_minutes=[low],
        max_minutes=[low + int(rng.integers(1, days + 1)) * 480],
        max_shifts=[rng.integers(0, days + 1, size=2)],
        max_nights=[int(rng.integers(0, days + 1))],
        max_consecutive=[int(rng.integers(1, days + 1))],
        min_consecutive=[int(rng.integers(1, 4))],
        min_consecutive_off=[int(rng.integers(1, 4))],
        max_weekends=[int(rng.integers(0, 3))],
        split_weekend=int(rng.integers(0, 10)),
        request_staff=np.zeros(requests, dtype=np.int64),
        request_day=rng.integers(0, days, size=requests),
        request_shift=rng.integers(-1, 2, size=requests),
        request_on=rng.random(requests) < 0.5,
        request_weight=rng.integers(1, 10, size=requests),
    )
    credit = np.round(rng.uniform(-5, 60, size=(days, 2, competences)), 2)
    return problem, credit


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=person())
def test_paths_bound_every_roster_and_find_only_rosters(
    case: tuple[RosterProblem, np.ndarray],
) -> None:
    """The value is a lower bound on every roster's own cost minus credit (whatever the
    multipliers); every path found is a roster at the own cost and credit the checker counts;
    with no rule priced (shifts per type and nights not binding) the path is the cheapest
    roster and the bound is its value."""
    problem, credit = case
    assert supported(problem)
    every = _every_roster(problem, credit)
    found, bound = Paths(problem).price(credit)
    if not every:  # the bound may be finite: paths that break a priced rule
        assert not found
        return
    cheapest = min(reduced for _, reduced in every)
    assert bound <= cheapest + 1e-6
    for path in found:
        check = check_roster(problem, roster(path))
        assert check.feasible, check.violations
        assert path.own == pytest.approx(check.objective)
        worked = np.flatnonzero(path.shift >= 0)
        gained = credit[worked, path.shift[worked], path.competence[worked]].sum()
        assert path.credit == pytest.approx(float(gained))
    loose = roster_problem_without_priced_rules(problem)
    every = _every_roster(loose, credit)
    found, bound = Paths(loose).price(credit)
    cheapest = min(reduced for _, reduced in every)
    assert len(found) == 1
    assert found[0].own - found[0].credit == pytest.approx(cheapest)
    assert bound == pytest.approx(cheapest)


def roster_problem_without_priced_rules(problem: RosterProblem) -> RosterProblem:
    """``problem`` with shifts per type and nights not limited (weekends stay: a state)."""
    from dataclasses import replace

    days = problem.n_days
    return replace(
        problem,
        max_shifts=np.full_like(problem.max_shifts, days),
        max_nights=np.full_like(problem.max_nights, days),
    )


def test_rules_over_a_week_are_left_to_cp_sat() -> None:
    """Weekly minutes, the weekly rest, a rest over two days and a published roster are not
    states of the programme."""
    base = roster_problem(1, 14, [480])
    assert supported(base)
    assert not supported(roster_problem(1, 14, [480], weekly_rest=[36 * 60]))
    assert not supported(roster_problem(1, 14, [480], min_week_minutes=[[480, 480]]))
    assert not supported(roster_problem(1, 14, [480], max_week_minutes=[[2400, 2400]]))
    assert not supported(roster_problem(2, 14, [480]))
    long_night = roster_problem(1, 14, [480, 960], shift_start=[480, 1200], min_rest=[48 * 60])
    assert not supported(long_night)
    with pytest.raises(ValueError, match="not all states"):
        Paths(roster_problem(1, 14, [480], weekly_rest=[36 * 60]))
