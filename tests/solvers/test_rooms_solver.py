"""The CP-SAT room model: each hard rule binds on a tiny instance with a hand-computed answer,
a tiny optimum is brute-forced, and every schedule it returns passes the independent
checker."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.check.rooms import check_rooms
from models.rooms import RoomProblem, RoomResult, RoomWeights, room_problem
from models.solve import SolveStatus
from solvers.common import Progress, SolveOptions
from solvers.rooms import solve
from solvers.rooms.greedy import greedy, iterated_greedy

pytestmark = pytest.mark.solver

OPTIONS = SolveOptions(time_limit=10, num_workers=2)


def _solve(problem: RoomProblem) -> RoomResult:
    result = solve(problem, OPTIONS)
    assert result.solution is not None
    check = check_rooms(problem, result.solution)
    assert check.feasible, check.violations
    assert check.objective == result.stats.objective
    return result


def _placed(result: RoomResult) -> int:
    assert result.solution is not None
    return int((result.solution.room >= 0).sum())


def test_everything_fits_one_after_the_other() -> None:
    # 120 + 90 + 60 + 60 = 330 minutes in one room open 480: all placed from 08:00 on
    result = _solve(room_problem([120, 90, 60, 60], 1))
    assert result.stats.status is SolveStatus.OPTIMAL
    assert _placed(result) == 4
    assert result.penalties == {"unplaced": 0, "room_span": 330}


def test_room_hours_leave_one_unplaced() -> None:
    # three 200-minute activities, 480 open minutes: two fit
    result = _solve(room_problem([200, 200, 200], 1))
    assert _placed(result) == 2
    assert result.penalties["unplaced"] == RoomWeights().unplaced


def test_turnover_between_activities() -> None:
    # 200 + 60 + 200 = 460 <= 480: both fit with 60 min of turnover; 100 min: 500 > 480
    assert _placed(_solve(room_problem([200, 200], 1, room_turnover=[60]))) == 2
    result = _solve(room_problem([200, 200], 1, room_turnover=[100]))
    assert _placed(result) == 1


def test_setup_counts_inside_opening_hours() -> None:
    # setup 30 before an activity: 30 + 200 + 30 + 200 = 460 fits; setup 50: 500 does not
    assert _placed(_solve(room_problem([200, 200], 1, setup=[30, 30]))) == 2
    result = _solve(room_problem([200, 200], 1, setup=[50, 50]))
    assert _placed(result) == 1
    assert result.solution is not None
    a = int(np.nonzero(result.solution.room >= 0)[0][0])
    assert result.solution.start[a] == 8 * 60 + 50  # the setup starts at opening


def test_overtime_is_used_and_paid_when_it_places_an_activity() -> None:
    weights = RoomWeights(unplaced=100_000, overtime=10, room_span=1)
    result = _solve(room_problem([250, 250], 1, room_overtime=[30], weights=weights))
    assert _placed(result) == 2
    assert result.penalties["overtime"] == 20 * 10  # ends 16:20
    short = _solve(room_problem([250, 250], 1, room_overtime=[10], weights=weights))
    assert _placed(short) == 1


def test_allowed_rooms_only() -> None:
    result = _solve(room_problem([60, 60], 2, room_ok=[[False, True], [False, True]]))
    assert result.solution is not None
    assert result.solution.room.tolist() == [1, 1]


def test_blocked_period_is_kept_clear() -> None:
    # blocked 10:00-12:00: 180 minutes fit only from 12:00 (08:00-10:00 holds 120)
    result = _solve(
        room_problem([180], 1, blocked_room=[0], blocked_start=[600], blocked_end=[720])
    )
    assert result.solution is not None
    assert result.solution.start.tolist() == [720]


def test_window_of_an_activity() -> None:
    result = _solve(room_problem([60], 1, earliest=[600]))
    assert result.solution is not None
    assert result.solution.start.tolist() == [600]


def test_team_needs_enough_people_with_the_competence() -> None:
    # two c0 people needed, one has c0: unplaced
    result = _solve(
        room_problem([60], 1, competences=1, staff=2, need=[[2]], staff_can=[[True], [False]])
    )
    assert _placed(result) == 0


def test_team_members_shift_covers_the_activity() -> None:
    result = _solve(
        room_problem([60], 1, competences=1, staff=1, need=[[1]], staff_start=[12 * 60])
    )
    assert result.solution is not None
    assert result.solution.start.tolist() == [720]
    assert result.solution.team(0) == [(0, 0)]


def test_one_person_is_not_in_two_rooms_at_once() -> None:
    # one c0 person for two 120-minute activities, one in each room: one after the other
    apart = {"room_ok": [[True, False], [False, True]]}
    whole = _solve(room_problem([120, 120], 2, competences=1, staff=1, need=[[1], [1]], **apart))
    assert whole.solution is not None
    assert sorted(whole.solution.start.tolist()) == [480, 600]
    assert whole.penalties["room_span"] == 120 + 240
    # at half load each, both run at 08:00
    half = _solve(
        room_problem([120, 120], 2, competences=1, staff=1, need=[[1], [1]], load=[[50], [50]])
    )
    assert half.solution is not None
    assert half.solution.start.tolist() == [480, 480]
    assert half.penalties["room_span"] == 240


def test_a_person_serves_one_activity_once() -> None:
    # an activity needs one c0 and one c1; the only person holds both: unplaced
    problem = room_problem([60], 1, competences=2, staff=1, need=[[1, 1]])
    assert _placed(_solve(problem)) == 0


def test_higher_priority_is_placed_first() -> None:
    result = _solve(room_problem([300, 300], 1, priority=[1, 5]))
    assert result.solution is not None
    assert result.solution.room.tolist() == [-1, 0]


def test_published_schedule_is_kept_and_moves_are_counted() -> None:
    weights = RoomWeights(unplaced=100_000, changed=1_000, room_span=1)
    published = {
        "published_room": [1, 0],
        "published_start": [600, 540],
        "weights": weights,
    }
    result = _solve(room_problem([60, 60], 2, **published))
    assert result.solution is not None
    assert result.solution.room.tolist() == [1, 0]
    assert result.solution.start.tolist() == [600, 540]
    assert result.penalties["changed"] == 0
    # room 1 now only for activity 1: activity 0 must change room
    closed = _solve(room_problem([60, 60], 2, room_ok=[[True, False], [True, True]], **published))
    assert closed.penalties["changed"] == 1_000
    assert closed.solution is not None
    assert closed.solution.start.tolist()[1] == 540


def test_greedy_start_meets_the_hard_rules() -> None:
    problem = room_problem(
        [120, 90, 60, 45, 30],
        2,
        competences=1,
        staff=2,
        need=[[1], [2], [1], [1], [0]],
        room_turnover=[15, 10],
        setup=[10, 0, 0, 5, 0],
    )
    schedule = greedy(problem)
    assert check_rooms(problem, schedule).feasible
    assert int((schedule.room >= 0).sum()) == 5


# A tiny optimum by brute force


def _tiny() -> RoomProblem:
    """Three activities (40, 30, 25 min; a0 and a1 need the one c0 person), two rooms open
    08:00-09:10 and 08:00-08:50 with 5 minutes of turnover."""
    return room_problem(
        [40, 30, 25],
        2,
        competences=1,
        staff=1,
        need=[[1], [1], [0]],
        priority=[2, 1, 1],
        room_close=[550, 530],
        room_turnover=[5, 5],
        weights=RoomWeights(unplaced=1_000, room_span=1),
    )


def _brute_force(problem: RoomProblem) -> int:
    """Lowest checker objective over every placement on a 5-minute grid (all data are
    multiples of 5 and the objective rises with each end, so a left-justified optimum lies on
    that grid)."""
    options_per_activity = []
    for a in range(problem.n_activities):
        options: list[tuple[int, int]] = [(-1, -1)]
        for r in range(problem.n_rooms):
            first = int(problem.room_open[r])
            last = int(problem.room_close[r] - problem.duration[a])
            options += [(r, t) for t in range(first, last + 1, 5)]
        options_per_activity.append(options)
    best = None
    for combo in itertools.product(*options_per_activity):
        rooms = [r for r, _ in combo]
        starts = [t for _, t in combo]
        team = [
            (a, 0, 0) for a in range(problem.n_activities) if rooms[a] >= 0 and problem.need[a, 0]
        ]
        schedule = _schedule(rooms, starts, team)
        check = check_rooms(problem, schedule)
        if check.feasible and (best is None or check.objective < best):
            best = check.objective
    assert best is not None
    return best


def _schedule(rooms: list[int], starts: list[int], team: list[tuple[int, int, int]]):  # type: ignore[no-untyped-def]
    from models.rooms import RoomSolution

    return RoomSolution(
        room=np.array(rooms, dtype=np.int64),
        start=np.array(starts, dtype=np.int64),
        team_activity=np.array([a for a, _, _ in team], dtype=np.int64),
        team_competence=np.array([c for _, c, _ in team], dtype=np.int64),
        team_staff=np.array([s for _, _, s in team], dtype=np.int64),
    )


def test_tiny_optimum_matches_brute_force() -> None:
    problem = _tiny()
    result = _solve(problem)
    assert result.stats.status is SolveStatus.OPTIMAL
    expected = _brute_force(problem)
    # by hand: the c0 person does a1 08:00-08:30 in r1, then a0 08:30-09:10 in r0, which
    # leaves r0 08:00-08:25 (+5 turnover) for a2: all placed, spans 70 + 30 = 100
    assert expected == 100
    assert result.stats.objective == expected


# Property: every schedule passes the checker


@st.composite
def problems(draw: st.DrawFn) -> RoomProblem:
    n = draw(st.integers(1, 5))
    rooms = draw(st.integers(1, 3))
    competences = draw(st.integers(0, 2))
    staff = draw(st.integers(0, 3))
    durations = draw(st.lists(st.integers(1, 12).map(lambda k: 10 * k), min_size=n, max_size=n))
    need = np.array(
        draw(st.lists(st.lists(st.integers(0, 2), min_size=competences, max_size=competences),
                      min_size=n, max_size=n)),
        dtype=np.int64,
    ).reshape(n, competences)  # fmt: skip
    load = np.where(need > 0, draw(st.sampled_from([50, 100])), 0)
    opens = draw(
        st.lists(st.integers(0, 6).map(lambda k: 450 + 10 * k), min_size=rooms, max_size=rooms)
    )
    return room_problem(
        durations,
        rooms,
        competences=competences,
        staff=staff,
        need=need,
        load=load,
        setup=draw(st.lists(st.sampled_from([0, 0, 10, 20]), min_size=n, max_size=n)),
        priority=draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)),
        room_ok=np.array(
            draw(st.lists(st.booleans(), min_size=n * rooms, max_size=n * rooms))
        ).reshape(n, rooms),
        room_open=opens,
        room_close=[o + draw(st.integers(6, 30)) * 10 for o in opens],
        room_overtime=draw(st.lists(st.sampled_from([0, 0, 30]), min_size=rooms, max_size=rooms)),
        room_turnover=draw(st.lists(st.sampled_from([0, 5, 15]), min_size=rooms, max_size=rooms)),
        staff_start=draw(
            st.lists(st.sampled_from([420, 480, 600]), min_size=staff, max_size=staff)
        ),
        staff_end=draw(st.lists(st.sampled_from([720, 900, 1020]), min_size=staff, max_size=staff)),
        staff_can=np.array(
            draw(
                st.lists(st.booleans(), min_size=staff * competences, max_size=staff * competences)
            )
        ).reshape(staff, competences),
        blocked_room=[0],
        blocked_start=[draw(st.sampled_from([540, 600]))],
        blocked_end=[draw(st.sampled_from([600, 660]))],
        weights=RoomWeights(unplaced=100_000, overtime=10, room_span=1),
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_schedule_passes_the_checker(problem: RoomProblem) -> None:
    result = solve(problem, SolveOptions(time_limit=5, num_workers=1))
    assert result.solution is not None
    check = check_rooms(problem, result.solution)
    assert check.feasible, check.violations
    assert check.objective == result.stats.objective
    assert check.penalty_by_rule == {**dict.fromkeys(check.penalty_by_rule, 0), **result.penalties}
    # the greedy start is sound too, and never better than the optimum
    start = greedy(problem)
    start_check = check_rooms(problem, start)
    assert start_check.feasible, start_check.violations
    if result.stats.status is SolveStatus.OPTIMAL:
        assert start_check.objective >= result.stats.objective


def test_the_greedy_start_is_kept_when_cp_sat_has_no_time() -> None:
    problem = room_problem([120, 90, 60], 1, room_turnover=[10])
    seen: list[Progress] = []
    # CP-SAT stops after its presolve, with no schedule of its own
    options = SolveOptions(time_limit=1, num_workers=1, native={"stop_after_presolve": True})
    result = solve(problem, options, seen.append)
    assert result.solution is not None
    assert result.stats.status is SolveStatus.FEASIBLE
    assert result.stats.first_solution_time is not None
    check = check_rooms(problem, result.solution)
    assert check.feasible
    assert check.objective == result.stats.objective == sum(result.penalties.values())
    assert seen  # the start was reported as progress


def test_iterated_greedy_finds_a_better_order() -> None:
    # the largest first places only the 300-minute activity in 480 minutes; the two 240s fit
    problem = room_problem([300, 240, 240], 1)
    assert int((greedy(problem).room >= 0).sum()) == 1
    best = iterated_greedy(problem, seconds=5.0, seed=0)
    assert best.room.tolist() == [-1, 0, 0]
    assert check_rooms(problem, best).feasible


def test_a_team_the_people_cannot_form_is_fixed_unplaced_and_proven() -> None:
    # two c0 and one c1 needed, two people who hold both: the team needs three people
    problem = room_problem([60], 1, competences=2, staff=2, need=[[2, 1]])
    result = _solve(problem)
    assert result.stats.status is SolveStatus.OPTIMAL
    assert _placed(result) == 0


def test_a_published_activity_is_dropped_only_after_the_new_ones() -> None:
    # room for two of three 240-minute activities; a0 is published at 08:00
    weights = RoomWeights(unplaced=100_000, changed=1_000, room_span=1)
    problem = room_problem(
        [240, 240, 240], 1, published_room=[0, -1, -1], published_start=[480, -1, -1],
        weights=weights,
    )  # fmt: skip
    result = _solve(problem)
    assert result.solution is not None
    assert result.solution.room[0] == 0
    assert result.solution.start[0] == 480
    assert int((result.solution.room >= 0).sum()) == 2
    assert result.penalties["changed"] == 0
