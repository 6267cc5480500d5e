"""Repair of a published roster and the ranking of candidates, on a tiny ward of seven nurses
and a surgeon over two weeks (a published roster solved once for the module)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import tiny_document
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.check.roster import check_roster
from engine.errors import InputError
from engine.io import write_files
from engine.repair import (
    changed_cover,
    decode_grid,
    load_changes,
    rank_candidates,
    read_published,
    repair_roster,
    situation,
)
from engine.roster import compile_roster, roster_grid, solve_roster
from models.repair import ChangeSet, ExtraActivities, RoomClosure, StaffAbsence
from models.roster import RosterSolution, roster_problem
from models.unit import Unit
from solvers.common import SolveOptions

START = date(2027, 3, 8)
OPTIONS = SolveOptions(time_limit=10, num_workers=2, seed=0)


def ward_unit() -> Unit:
    """Seven full-time nurses, two half-time ones and a surgeon who may cover nursing; day (D)
    and evening (E) shifts."""
    document = tiny_document()
    document["shift_types"] = [
        {"id": "D", "start": "07:00", "end": "16:00", "paid_minutes": 480},
        {"id": "E", "start": "13:30", "end": "22:00", "paid_minutes": 480},
    ]
    document["staff"] = [
        {"id": f"n{i}", "name": f"Nurse {i}", "competences": ["nurse"]} for i in range(1, 8)
    ]
    document["staff"] += [
        {"id": f"p{i}", "name": f"Part {i}", "competences": ["nurse"], "employment_rate": 0.5}
        for i in range(1, 3)
    ]
    document["staff"].append(
        {"id": "cilla", "name": "Cilla Kirurg", "competences": ["surgeon", "nurse"]}
    )
    return Unit.model_validate(document)


def cover_table() -> pd.DataFrame:
    rows = []
    for d in range(14):
        day = START + timedelta(days=d)
        rows.append((day, "D", "nurse", 2, 3))
        rows.append((day, "E", "nurse", 1, 2))
        if day.weekday() < 5:
            rows.append((day, "D", "surgeon", 0, 1))
    return pd.DataFrame(rows, columns=["date", "shift", "competence", "minimum", "target"])


def daily_plan() -> pd.DataFrame:
    """Two operations every weekday: 8 nurse hours, 4 surgeon hours."""
    rows = [
        (START + timedelta(days=d), "op", 2.0)
        for d in range(14)
        if (START + timedelta(days=d)).weekday() < 5
    ]
    return pd.DataFrame(rows, columns=["date", "activity", "volume"])


@pytest.fixture(scope="module")
def unit() -> Unit:
    return ward_unit()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, unit: Unit) -> Path:
    """A published schedule as ``balans schedule`` writes it."""
    problem = compile_roster(unit, START, 2, cover_table())
    # one worker and a seed: the same published roster in every run (on two workers it
    # differed from run to run, and so did the situations the tests below repair)
    result = solve_roster(problem, SolveOptions(time_limit=10, num_workers=1, seed=0))
    assert result.solution is not None
    assert result.check is not None
    assert result.check.feasible
    path = tmp_path_factory.mktemp("published")
    write_files(
        path,
        iter(
            [
                ("roster.csv", roster_grid(problem, result.solution, START).to_csv()),
                ("cover.csv", cover_table().to_csv(index=False)),
                ("daily_plan.csv", daily_plan().to_csv(index=False)),
            ]
        ),
    )
    return path


def working(folder: Path, unit: Unit, day: int, shift: str = "D") -> str:
    """A nurse who works ``shift`` on ``day`` in the published roster."""
    published = read_published(unit, folder)
    for member, row in zip(unit.staff, published.grid, strict=True):
        if member.competences[0] == "nurse" and row[day] == shift:
            return member.id
    raise AssertionError(f"nobody on {shift} on day {day}")


def test_empty_change_set_reproduces_the_published_roster(folder: Path, unit: Unit) -> None:
    published = read_published(unit, folder)
    state = situation(unit, published, ChangeSet())
    repair = repair_roster(state, OPTIONS)
    assert repair.changes == ()
    assert repair.solution is not None
    assert repair.check is not None
    assert np.array_equal(repair.solution.shift, state.roster.shift)
    assert np.array_equal(repair.solution.competence, state.roster.competence)
    assert repair.check.feasible
    assert repair.freed_cells == 0
    grid = roster_grid(repair.problem, repair.solution, START)
    assert [tuple(row) for row in grid.to_numpy().tolist()] == list(published.grid)


def test_one_absence_takes_the_person_off_and_changes_little(folder: Path, unit: Unit) -> None:
    sick = working(folder, unit, 2)
    s = [m.id for m in unit.staff].index(sick)
    changes = ChangeSet(
        today=START + timedelta(days=2),
        absences=[
            StaffAbsence(staff=sick, start=START + timedelta(days=2), end=START + timedelta(days=3))
        ],
    )
    state = situation(unit, read_published(unit, folder), changes)
    repair = repair_roster(state, OPTIONS)
    assert repair.solution is not None
    assert repair.check is not None
    assert repair.check.feasible, repair.check.violations
    assert repair.solution.shift[s, 2:4].tolist() == [-1, -1]
    # beyond the shifts lost, a change is made only where it pays: each costs at least
    # change_far (15), each person below the target uncovered (200)
    extra = len(repair.changes) - int((state.roster.shift[s, 2:4] >= 0).sum())
    filled = repair.under_cover["vacated"] - repair.under_cover["repaired"]
    assert extra * 15 <= 200 * filled
    # every change listed is a real difference, and every difference is listed
    differs = (repair.solution.shift != state.roster.shift) | (
        repair.solution.competence != state.roster.competence
    )
    assert len(repair.changes) == int(differs.sum())
    assert repair.under_cover["repaired"] <= repair.under_cover["vacated"]
    days = [(c.day, c.name) for c in repair.changes]
    assert days == sorted(days)
    assert any(c.staff_id == sick and c.before == "D" and c.after == "" for c in repair.changes)
    name = unit.staff[s].name
    assert f"{name}: D -> off on 10 March" in [c.text() for c in repair.changes]


def test_a_vacancy_that_one_cheap_move_fills_is_filled(folder: Path, unit: Unit) -> None:
    """The first nurse's shift from day 2 on whose cover is just at its target, so that her
    absence leaves it one short, and for which the ranking lists a legal move that opens no
    other vacancy and costs the repair less than the vacancy (its change, and the requests
    and substitution it adds; fairness, over-cover and overtime are the ranking's alone): the
    repair fills the vacancy, or does better. (In the published roster the first such is day
    9's evening.)"""
    published = read_published(unit, folder)
    own = ("request_on", "request_off", "substitution")
    targets = cover_table().set_index(["date", "shift", "competence"])["target"]
    as_published = situation(unit, published, ChangeSet())
    roster, problem = as_published.roster, as_published.before
    nurse = problem.competence_ids.index("nurse")
    for day in range(2, 14):
        date_ = START + timedelta(days=day)
        for shift in ("D", "E"):
            target = int(targets[(date_, shift, "nurse")])
            t = problem.shift_ids.index(shift)
            on = np.flatnonzero((roster.shift[:, day] == t) & (roster.competence[:, day] == nurse))
            if len(on) != target:
                continue
            sick = unit.staff[int(on[0])].id
            changes = ChangeSet(
                today=date_, absences=[StaffAbsence(staff=sick, start=date_, end=date_)]
            )
            state = situation(unit, published, changes)
            ranking = rank_candidates(state, date_, shift, "nurse")
            cheap = [
                candidate
                for candidate in ranking.candidates
                if "one short" not in " ".join(candidate.rules)
                and candidate.change_cost + sum(candidate.penalties.get(r, 0) for r in own)
                < changes.weights.uncovered
            ]
            if not cheap:
                continue
            repair = repair_roster(state, OPTIONS)
            assert repair.check is not None
            assert repair.check.feasible, repair.check.violations
            assert repair.under_cover["vacated"] == repair.under_cover["published"] + 1
            assert repair.under_cover["repaired"] < repair.under_cover["vacated"]
            return
    raise AssertionError("the published roster has no vacancy that one cheap move fills")


def test_an_absence_keeps_what_was_agreed_at_publication(folder: Path, unit: Unit) -> None:
    """Away from day 4 to the end, a nurse is present on 4 of the 14 days: compiled anew, they
    may work no weekend and are compared with nobody present as long. The repair holds them to
    the published problem's weekends, nights and fairness group, as it holds their minutes: an
    absence after publication counts as worked time."""
    sick = working(folder, unit, 2)
    s = [m.id for m in unit.staff].index(sick)
    away = StaffAbsence(staff=sick, start=START + timedelta(days=4), end=START + timedelta(days=13))
    state = situation(unit, read_published(unit, folder), ChangeSet(today=START, absences=[away]))
    compiled = compile_roster(state.changed_unit, START, 2, state.cover)
    assert (compiled.max_weekends[s], state.before.max_weekends[s]) == (0, 1)
    assert compiled.fairness_group[s] not in np.delete(compiled.fairness_group, s)
    assert np.array_equal(state.after.max_weekends, state.before.max_weekends)
    assert np.array_equal(state.after.max_nights, state.before.max_nights)
    assert np.array_equal(state.after.fairness_group, state.before.fairness_group)


def test_days_before_today_never_change(folder: Path, unit: Unit) -> None:
    """Sick from day 0 to day 5, reported on day 3: days 0-2 stay as published (what happened),
    days 3-5 are off, and nobody's days before day 3 change."""
    sick = working(folder, unit, 3)
    s = [m.id for m in unit.staff].index(sick)
    changes = ChangeSet(
        today=START + timedelta(days=3),
        absences=[StaffAbsence(staff=sick, start=START, end=START + timedelta(days=5))],
    )
    state = situation(unit, read_published(unit, folder), changes)
    repair = repair_roster(state, OPTIONS)
    assert repair.solution is not None
    assert repair.check is not None
    assert repair.check.feasible, repair.check.violations
    assert np.array_equal(repair.solution.shift[:, :3], state.roster.shift[:, :3])
    assert np.array_equal(repair.solution.competence[:, :3], state.roster.competence[:, :3])
    assert (repair.solution.shift[s, 3:6] == -1).all()
    assert all(c.day >= START + timedelta(days=3) for c in repair.changes)


def test_extra_activities_and_room_closures_change_the_cover(folder: Path, unit: Unit) -> None:
    published = read_published(unit, folder)
    day = START + timedelta(days=1)
    extra = ChangeSet(extra_activities=[ExtraActivities(date=day, activity="op", count=6)])
    cover, notes = changed_cover(unit, published, extra)
    row = cover.set_index(["date", "shift", "competence"])
    # 2 -> 8 operations: nurses 8 h -> 32 h (1 -> 4 shifts), surgeons 4 h -> 16 h (1 -> 2)
    assert row.loc[(day, "D", "nurse"), "target"] == 3 + 3
    assert row.loc[(day, "D", "surgeon"), "target"] == 1 + 1
    assert row.loc[(day, "E", "nurse"), "target"] == 2
    assert notes == ["6 more op on 9 March"]
    closed = ChangeSet(room_closures=[RoomClosure(room="or1", date=day)])
    cover, notes = changed_cover(unit, published, closed)
    row = cover.set_index(["date", "shift", "competence"])
    # no theatre that day: the operations leave it, and their staff with them
    assert row.loc[(day, "D", "nurse"), "target"] == 3 - 1
    assert (day, "D", "surgeon") not in row.index
    assert "2 activities no longer fit" in notes[0]


def test_extra_activities_are_staffed(folder: Path, unit: Unit) -> None:
    day = START + timedelta(days=9)
    changes = ChangeSet(
        today=START + timedelta(days=7),
        extra_activities=[ExtraActivities(date=day, activity="op", count=2)],
    )
    state = situation(unit, read_published(unit, folder), changes)
    repair = repair_roster(state, OPTIONS)
    assert repair.solution is not None
    assert repair.check is not None
    assert repair.check.feasible
    assert repair.under_cover["repaired"] <= repair.under_cover["vacated"]
    assert all(c.day >= START + timedelta(days=7) for c in repair.changes)


def test_candidates_are_exactly_those_the_checker_accepts(folder: Path, unit: Unit) -> None:
    """Brute force: every person moved onto the vacated shift, checked; the ranking lists the
    same people."""
    sick = working(folder, unit, 2)
    day = START + timedelta(days=2)
    changes = ChangeSet(today=day, absences=[StaffAbsence(staff=sick, start=day, end=day)])
    state = situation(unit, read_published(unit, folder), changes)
    ranking = rank_candidates(state, day, "D", "nurse")
    problem = state.after
    base = state.roster
    shift, competence = base.shift.copy(), base.competence.copy()
    s_sick = [m.id for m in unit.staff].index(sick)
    shift[s_sick, 2] = competence[s_sick, 2] = -1
    vacated = RosterSolution(shift=shift, competence=competence)
    before = {(v.rule, v.staff, v.day, v.detail) for v in check_roster(problem, vacated).violations}
    legal = set()
    for s in range(problem.n_staff):
        if shift[s, 2] == 0:
            continue
        moved_shift, moved_comp = shift.copy(), competence.copy()
        moved_shift[s, 2], moved_comp[s, 2] = 0, 0  # D, nurse
        check = check_roster(problem, RosterSolution(moved_shift, moved_comp))
        after = {(v.rule, v.staff, v.day, v.detail) for v in check.violations}
        if not after - before:
            legal.add(problem.staff_ids[s])
    assert {c.staff_id for c in ranking.candidates} == legal
    assert len(ranking.candidates) + ranking.excluded_staff == len(unit.staff)
    assert sum(ranking.excluded.values()) >= ranking.excluded_staff
    costs = [c.cost for c in ranking.candidates]
    assert costs == sorted(costs)
    for c in ranking.candidates:
        overtime = round(c.overtime_minutes * 5 / 60)
        assert c.cost == c.change_cost + sum(c.penalties.values()) + overtime
        assert c.change_cost in (30, 60)  # today: a working day moved, or a day off given up
        assert c.rules[0].endswith("-> D")


def test_candidate_rules_in_words(folder: Path, unit: Unit) -> None:
    """Over every day of the roster: a candidate works their first weekend exactly when the
    shift is on a weekend they had off (the rules allow one of the two); the change cost is the
    working-day or the day-off one of that day; minutes above contract are named."""
    state = situation(unit, read_published(unit, folder), ChangeSet())
    index = {sid: s for s, sid in enumerate(state.after.staff_ids)}
    seen = 0
    for d in range(14):
        day = START + timedelta(days=d)
        ranking = rank_candidates(state, day, "D", "nurse")
        on_shift = int((state.roster.shift[:, d] == 0).sum())
        assert ranking.excluded.get("already_on_shift", 0) == on_shift
        saturday = d - (day.weekday() - 5)  # only used on weekends
        weekend = [saturday, saturday + 1]
        for c in ranking.candidates:
            seen += 1
            s = index[c.staff_id]
            assert c.change_cost == state.costs[s, d]
            if day.weekday() >= 5:
                free_weekend = not (state.roster.shift[s, weekend] >= 0).any()
                assert ("works 1st weekend" in c.rules) == free_weekend
            else:
                assert not any("weekend" in rule for rule in c.rules)
            if c.before == "":
                assert c.rules[0] == "off -> D"
            else:
                shift, _, _ = c.before.partition("/")  # cilla's codes name her competence
                assert c.rules[-1].startswith(f"leaves {shift} nurse")
            if c.overtime_minutes:
                assert f"adds {c.overtime_minutes} min above contract" in c.rules
    assert seen > 0


def test_load_changes_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "changes.yaml"
    path.write_text("absences:\n- {staff: n1, start: 2027-03-10}\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_changes(path)
    assert str(error.value) == f"{path}: absences[0].end: expected a value: the field is required"
    path.write_text("today: 2027-03-10\nsick: []\n", encoding="utf-8")
    with pytest.raises(InputError, match="sick: expected no field of this name"):
        load_changes(path)
    path.write_text(
        "today: 2027-03-10\nabsences:\n- {staff: n1, start: 2027-03-10, end: 2027-03-11}\n",
        encoding="utf-8",
    )
    changes = load_changes(path)
    assert changes.today == date(2027, 3, 10)
    assert changes.absences[0].staff == "n1"


def test_load_changes_names_the_line_of_a_date_that_does_not_exist(tmp_path: Path) -> None:
    """Regression: the YAML loader's ValueError ("day is out of range for month") escaped."""
    path = tmp_path / "changes.yaml"
    path.write_text(
        "absences:\n- {staff: n1, start: 2027-02-10, end: 2027-02-31}\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as error:
        load_changes(path)
    assert str(error.value) == f"{path} line 2: got '2027-02-31', expected a date YYYY-MM-DD"


def test_bad_references_are_input_errors(folder: Path, unit: Unit) -> None:
    published = read_published(unit, folder)
    day = START + timedelta(days=3)
    unknown = ChangeSet(absences=[StaffAbsence(staff="nobody", start=day, end=day)])
    with pytest.raises(InputError, match=r"absences\[0\].staff: got 'nobody'"):
        situation(unit, published, unknown)
    outside = ChangeSet(
        extra_activities=[ExtraActivities(date=date(2027, 5, 1), activity="op", count=1)]
    )
    with pytest.raises(InputError, match=r"a date of the roster, 2027-03-08 \.\. 2027-03-21"):
        situation(unit, published, outside)
    past = ChangeSet(today=day, room_closures=[RoomClosure(room="or1", date=START)])
    with pytest.raises(InputError, match="a date from today \\(2027-03-11\\) on"):
        situation(unit, published, past)


def test_bad_roster_files_are_input_errors(folder: Path, unit: Unit, tmp_path: Path) -> None:
    text = (folder / "roster.csv").read_text(encoding="utf-8")
    cover = (folder / "cover.csv").read_text(encoding="utf-8")
    cases = {
        "unknown staff": (text.replace("n1,", "zz,", 1), "staff: got 'zz', expected a staff id"),
        "bad code": (
            text.replace("\nn2,", "\nn2,X", 1),
            "got 'X",
        ),
        "missing row": (
            "\n".join(line for line in text.splitlines() if not line.startswith("n3,")) + "\n",
            "staff: got 'n3', expected a row for every staff member",
        ),
        "not a Monday": (text.replace("2027-03-08", "2027-03-07", 1), "from a Monday"),
    }
    for name, (roster_text, message) in cases.items():
        path = tmp_path / name.replace(" ", "_")
        path.mkdir()
        (path / "roster.csv").write_text(roster_text, encoding="utf-8")
        (path / "cover.csv").write_text(cover, encoding="utf-8")
        with pytest.raises(InputError, match=message):
            read_published(unit, path)


@settings(max_examples=12, deadline=None)
@given(
    person=st.integers(min_value=0, max_value=9),
    first=st.integers(min_value=0, max_value=13),
    length=st.integers(min_value=1, max_value=4),
    report=st.integers(min_value=0, max_value=3),
)
def test_any_absence_is_repaired_within_the_rules(
    folder: Path, unit: Unit, person: int, first: int, length: int, report: int
) -> None:
    """Whoever is away, whenever, and reported on any day up to the absence's first: the
    repair meets every hard rule, the person works none of the absent days from today, and
    no day before today changes."""
    today = max(0, first - report)
    last = min(13, first + length - 1)
    staff = unit.staff[person].id
    changes = ChangeSet(
        today=START + timedelta(days=today),
        absences=[
            StaffAbsence(
                staff=staff, start=START + timedelta(days=first), end=START + timedelta(days=last)
            )
        ],
    )
    state = situation(unit, read_published(unit, folder), changes)
    repair = repair_roster(state, OPTIONS)
    assert repair.solution is not None
    assert repair.check is not None
    assert repair.check.feasible, repair.check.violations
    assert (repair.solution.shift[person, first : last + 1] == -1).all()
    assert np.array_equal(repair.solution.shift[:, :today], state.roster.shift[:, :today])
    assert repair.under_cover["repaired"] <= repair.under_cover["vacated"]


def test_a_minimum_nobody_can_meet_is_explained(tmp_path: Path) -> None:
    """Two nurses, both needed on Wednesday 10 March (a hard minimum of 2): with one of them
    sick that day no roster exists, and the repair says which cover is short and by how many."""
    document = tiny_document()
    document["staff"] = [
        {"id": "anna", "name": "Anna Berg", "competences": ["nurse"]},
        {"id": "bert", "name": "Bert Lund", "competences": ["nurse"], "employment_rate": 0.5},
    ]
    unit = Unit.model_validate(document)
    rows = [
        (START + timedelta(days=d), "D", "nurse", 2 if d == 2 else 0, 2 if d == 2 else 1)
        for d in range(14)
        if (START + timedelta(days=d)).weekday() < 5
    ]
    cover = pd.DataFrame(rows, columns=["date", "shift", "competence", "minimum", "target"])
    problem = compile_roster(unit, START, 2, cover)
    result = solve_roster(problem, OPTIONS)
    assert result.solution is not None
    write_files(
        tmp_path,
        iter(
            [
                ("roster.csv", roster_grid(problem, result.solution, START).to_csv()),
                ("cover.csv", cover.to_csv(index=False)),
            ]
        ),
    )
    day = START + timedelta(days=2)
    changes = ChangeSet(today=day, absences=[StaffAbsence(staff="bert", start=day, end=day)])
    repair = repair_roster(situation(unit, read_published(unit, tmp_path), changes), OPTIONS)
    assert repair.solution is None
    assert repair.check is None
    assert repair.stats.status.value == "infeasible"
    assert any("2027-03-10 D nurse: minimum 2" in r and "short by 1" in r for r in repair.reasons)


def test_a_published_roster_reads_back_with_every_competence_it_covered() -> None:
    """s0 holds two competences and works as c1 on day 0, though c0 is further below its
    target (the roster is the scheduler's to decide); s1 covers c1 as a substitute.
    ``roster.csv`` names the competence of both, and reading it back gives the same roster:
    before, a plain code of s0 was read as the competence furthest below its target, c0, and a
    repair listed a change of competence that never happened."""
    can_cover = np.array([[True, True], [True, True]])
    substitution_cost = np.array([[0, 0], [0, 40]])
    target = np.zeros((2, 1, 2), dtype=np.int64)
    target[:, 0, 0] = 2
    target[:, 0, 1] = 1
    problem = roster_problem(
        2, 2, [480], competences=2, can_cover=can_cover, substitution_cost=substitution_cost,
        cover_target=target,
    )  # fmt: skip
    solution = RosterSolution(
        shift=np.array([[0, 0], [0, -1]]), competence=np.array([[1, 0], [1, -1]])
    )
    grid = roster_grid(problem, solution, date(2027, 3, 1))
    assert grid.to_numpy().tolist() == [["t0/c1", "t0/c0"], ["t0/c1", ""]]
    codes = tuple(tuple(str(cell) for cell in row) for row in grid.to_numpy().tolist())
    again = decode_grid(problem, codes)
    assert again.shift.tolist() == solution.shift.tolist()
    assert again.competence.tolist() == solution.competence.tolist()
