"""``balans repair`` through the console script: repair, candidates, bad input."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import pandas as pd
import pytest
from conftest import run_balans as run
from conftest import tiny_document

from engine.io import save_unit, write_files
from engine.roster import BOUGHT_FILE, compile_roster, roster_grid, solve_roster, with_bought
from models.unit import Unit
from solvers.common import SolveOptions

START = date(2027, 3, 8)


def nurses_unit() -> Unit:
    """Eight nurses (two half-time) and a surgeon; day (D) and evening (E) shifts."""
    document = tiny_document()
    document["shift_types"] = [
        {"id": "D", "start": "07:00", "end": "16:00", "paid_minutes": 480},
        {"id": "E", "start": "13:30", "end": "22:00", "paid_minutes": 480},
    ]
    document["staff"] = [
        {"id": f"n{i}", "name": f"Nurse {i}", "competences": ["nurse"]} for i in range(1, 7)
    ] + [
        {"id": f"p{i}", "name": f"Part {i}", "competences": ["nurse"], "employment_rate": 0.5}
        for i in range(1, 3)
    ]
    document["staff"].append({"id": "cilla", "competences": ["surgeon", "nurse"]})
    return Unit.model_validate(document)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """``(unit folder, published schedule folder, a nurse on D on 10 March)``."""
    root = tmp_path_factory.mktemp("repair-cli")
    unit = nurses_unit()
    save_unit(unit, root / "unit")
    rows = []
    for d in range(14):
        day = START + timedelta(days=d)
        rows += [(day, "D", "nurse", 1, 3), (day, "E", "nurse", 1, 2)]
    cover = pd.DataFrame(rows, columns=["date", "shift", "competence", "minimum", "target"])
    problem = compile_roster(unit, START, 2, cover)
    result = solve_roster(problem, SolveOptions(time_limit=10, num_workers=2, seed=0))
    assert result.solution is not None
    grid = roster_grid(problem, result.solution, START)
    write_files(
        root / "published",
        iter([("roster.csv", grid.to_csv()), ("cover.csv", cover.to_csv(index=False))]),
    )
    sick = next(str(s) for s, cell in grid["2027-03-10"].items() if cell == "D")
    return root / "unit", root / "published", sick


def test_repair_writes_the_new_roster_and_the_changes(
    setup: tuple[Path, Path, str], tmp_path: Path
) -> None:
    unit, published, sick = setup
    changes = tmp_path / "sick.yaml"
    changes.write_text(
        f"today: 2027-03-10\nabsences:\n- {{staff: {sick}, start: 2027-03-10, end: 2027-03-10}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run(
        "repair", unit, "--schedule", published, "--changes", changes, "--out", out, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    name = f"Nurse {sick[1:]}" if sick.startswith("n") else f"Part {sick[1:]}"
    assert f"{name}: D -> off on 10 March" in result.stdout
    assert "checker: no hard violation" in result.stdout
    with (out / "changes.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {"date": "2027-03-10", "staff": sick, "name": name, "before": "D", "after": ""} in rows
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["hard_violations"] == 0
    assert summary["changes"] == len(rows)
    with (out / "roster.csv").open(encoding="utf-8") as handle:
        grid = {row["staff"]: row for row in csv.DictReader(handle)}
    assert grid[sick]["2027-03-10"] == ""
    with (published / "roster.csv").open(encoding="utf-8") as handle:
        before = {row["staff"]: row for row in csv.DictReader(handle)}
    for staff, row in grid.items():  # days before today never change
        assert row["2027-03-08"] == before[staff]["2027-03-08"]
        assert row["2027-03-09"] == before[staff]["2027-03-09"]


def test_empty_change_file_changes_nothing(setup: tuple[Path, Path, str], tmp_path: Path) -> None:
    unit, published, _ = setup
    changes = tmp_path / "none.yaml"
    changes.write_text("today: 2027-03-09\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run(
        "repair", unit, "--schedule", published, "--changes", changes, "--out", out, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "no assignment changes" in result.stdout
    assert (out / "roster.csv").read_text(encoding="utf-8") == (published / "roster.csv").read_text(
        encoding="utf-8"
    )


def test_a_sick_call_on_the_command_line(setup: tuple[Path, Path, str], tmp_path: Path) -> None:
    # --absent instead of a change file: today is the first absent day
    unit, published, sick = setup
    out = tmp_path / "out"
    result = run(
        "repair", unit, "--schedule", published, "--absent", f"{sick}:2027-03-10", "--out", out,
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    name = f"Nurse {sick[1:]}" if sick.startswith("n") else f"Part {sick[1:]}"
    assert f"{name}: D -> off on 10 March" in result.stdout
    with (out / "roster.csv").open(encoding="utf-8") as handle:
        grid = {row["staff"]: row for row in csv.DictReader(handle)}
    with (published / "roster.csv").open(encoding="utf-8") as handle:
        before = {row["staff"]: row for row in csv.DictReader(handle)}
    assert grid[sick]["2027-03-10"] == ""
    assert all(row["2027-03-09"] == before[staff]["2027-03-09"] for staff, row in grid.items())


def test_an_absence_on_days_off_says_it_leaves_nothing_to_cover(
    setup: tuple[Path, Path, str], tmp_path: Path
) -> None:
    unit, published, _ = setup
    with (published / "roster.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    # someone off on two days running from the 10th on
    days = [(START + timedelta(days=d)).isoformat() for d in range(2, 14)]
    staff, first = next(
        (row["staff"], a) for row in rows for a, b in pairwise(days) if row[a] == row[b] == ""
    )
    last = (date.fromisoformat(first) + timedelta(days=1)).isoformat()
    out = tmp_path / "out"
    result = run(
        "repair", unit, "--schedule", published, "--absent", f"{staff}:{first}:{last}",
        "--out", out, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "no assignment changes" in result.stdout
    assert (
        f"({staff}) has no shift in the published roster on "
        f"{date.fromisoformat(first).day} March to {date.fromisoformat(last).day} March: "
        "the absence leaves nothing to cover" in result.stdout
    )


@pytest.mark.parametrize(
    ("absent", "message"),
    [
        ("nobody:2027-03-10", "--absent: absences[0].staff: got 'nobody', expected a staff id"),
        ("n1", "--absent: got 'n1', expected STAFF:START or STAFF:START:END"),
        ("n1:2027-03-11:2027-03-10", "expected an end on or after the start 2027-03-11"),
        ("n1:10 March", "--absent: got '10 March', expected a date like 2027-03-03"),
        (
            "n1:2027-03-10:2027-05-01",
            "--absent: absences[0].end: got '2027-05-01', expected a date of the roster",
        ),
    ],
    ids=["unknown staff", "no date", "end first", "bad date", "outside the roster"],
)
def test_a_bad_absence_is_one_line_and_writes_nothing(
    setup: tuple[Path, Path, str], tmp_path: Path, absent: str, message: str
) -> None:
    unit, published, _ = setup
    out = tmp_path / "out"
    result = run(
        "repair", unit, "--schedule", published, "--absent", absent, "--out", out, cwd=tmp_path
    )
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert message in result.stderr, result.stderr
    assert not out.exists()


def test_candidates_are_ranked(setup: tuple[Path, Path, str], tmp_path: Path) -> None:
    unit, published, _ = setup
    out = tmp_path / "out"
    result = run(
        "repair",
        unit,
        "--schedule",
        published,
        "--candidates",
        "2027-03-11:E:nurse",
        "--today",
        "2027-03-10",
        "--out",
        out,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Candidates for E on 11 March 2027 (nurse), cheapest first:" in result.stdout
    assert "Excluded: " in result.stdout
    with (out / "candidates.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    costs = [int(row["cost"]) for row in rows]
    assert costs == sorted(costs)
    assert all(row["rules"].split("; ")[0].endswith("-> E") for row in rows)


@pytest.mark.parametrize(
    ("change", "roster_edit", "extra", "message"),
    [
        (
            "absences:\n- {staff: nobody, start: 2027-03-10, end: 2027-03-10}\n",
            None,
            (),
            "absences[0].staff: got 'nobody', expected a staff id",
        ),
        (
            "today: 2027-03-10\n",
            ("\nn2,", "\nn2,Q"),
            (),
            "expected a shift code of the unit (D, E)",
        ),
        (
            "today: 2027-03-10\n",
            None,
            ("--today", "2027-05-01"),
            "--today: today: got '2027-05-01', expected a date of the roster",
        ),
        (
            "absences:\n- {staff: n1, start: 2027-03-10, end: 2027-04-01}\n",
            None,
            (),
            "changes.yaml: absences[0].end: got '2027-04-01', expected a date of the roster",
        ),
    ],
    ids=["unknown staff", "bad shift code", "today outside", "date outside"],
)
def test_bad_input_is_one_line_and_writes_nothing(
    setup: tuple[Path, Path, str],
    tmp_path: Path,
    change: str,
    roster_edit: tuple[str, str] | None,
    extra: tuple[str, ...],
    message: str,
) -> None:
    unit, published, _ = setup
    schedule = published
    if roster_edit is not None:
        schedule = tmp_path / "edited"
        schedule.mkdir()
        text = (published / "roster.csv").read_text(encoding="utf-8")
        (schedule / "roster.csv").write_text(text.replace(*roster_edit, 1), encoding="utf-8")
        (schedule / "cover.csv").write_text(
            (published / "cover.csv").read_text(encoding="utf-8"), encoding="utf-8"
        )
    changes = tmp_path / "changes.yaml"
    changes.write_text(change, encoding="utf-8")
    out = tmp_path / "out"
    result = run(
        "repair",
        unit,
        "--schedule",
        schedule,
        "--changes",
        changes,
        *extra,
        "--out",
        out,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert message in result.stderr
    assert not out.exists()


def test_a_schedule_with_bought_time_is_repaired_with_its_bought_staff(tmp_path: Path) -> None:
    """A roster that had nurse time bought (``bought.csv`` beside it, as the chain writes it)
    is read with those staff: the repair keeps them in the roster; without the file their
    ids are unknown to the unit, and the error names one."""
    unit = nurses_unit()
    save_unit(unit, tmp_path / "unit")
    bought = pd.DataFrame([("2027-W10", "nurse", 30.0)], columns=["week", "competence", "hours"])
    rows = []
    for d in range(7):
        day = START + timedelta(days=d)
        rows += [(day, "D", "nurse", 1, 4), (day, "E", "nurse", 1, 3)]
    cover = pd.DataFrame(rows, columns=["date", "shift", "competence", "minimum", "target"])
    problem = compile_roster(with_bought(unit, bought), START, 1, cover)
    result = solve_roster(problem, SolveOptions(time_limit=10, num_workers=2, seed=0))
    assert result.solution is not None
    grid = roster_grid(problem, result.solution, START)
    assert "extra-nurse-2027-W10-1" in grid.index
    files = [("roster.csv", grid.to_csv()), ("cover.csv", cover.to_csv(index=False))]
    write_files(tmp_path / "published", iter([*files, (BOUGHT_FILE, bought.to_csv(index=False))]))
    write_files(tmp_path / "no-bought", iter(files))
    changes = tmp_path / "sick.yaml"
    changes.write_text(
        "today: 2027-03-10\nabsences:\n- {staff: n1, start: 2027-03-10, end: 2027-03-11}\n",
        encoding="utf-8",
    )
    args = ("repair", tmp_path / "unit", "--changes", changes)
    done = run(*args, "--schedule", tmp_path / "published", "--out", tmp_path / "o1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "checker: no hard violation" in done.stdout
    with (tmp_path / "o1" / "roster.csv").open(encoding="utf-8") as handle:
        repaired = {row["staff"] for row in csv.DictReader(handle)}
    assert "extra-nurse-2027-W10-1" in repaired
    failed = run(
        *args, "--schedule", tmp_path / "no-bought", "--out", tmp_path / "o2", cwd=tmp_path
    )
    assert failed.returncode != 0
    assert "extra-nurse-2027-W10-1" in failed.stderr
    assert "Traceback" not in failed.stderr
