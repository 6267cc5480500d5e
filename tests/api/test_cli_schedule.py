"""``balans schedule`` and ``balans run`` through the console script."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import run_balans as run
from conftest import tiny_document

from api.commands.schedule import spread_text
from engine.io import save_unit
from models.unit import Unit


def ward_unit(minimum_nights: int = 1) -> Unit:
    """The tiny unit with a night shift and a staffing key on the ward."""
    document = tiny_document()
    document["shift_types"].append(
        {"id": "N", "start": "21:00", "end": "07:00", "paid_minutes": 570, "night": True}
    )
    document["wards"][0]["staffing"] = [
        {"shift": "D", "competence": "nurse", "patients_per_staff": 8, "minimum": 1},
        {"shift": "N", "competence": "nurse", "patients_per_staff": 12, "minimum": minimum_nights},
    ]
    document["staff"] += [
        {"id": f"n{i}", "competences": ["nurse"], "employment_rate": 0.8} for i in range(4)
    ]
    return Unit.model_validate(document)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "tiny"
    save_unit(ward_unit(), path)
    return path


def test_schedule_writes_daily_plan_and_roster(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("--start", "2027-03-08", "--weeks", "2", "--time-limit", "20", "--workers", "1")
    result = run("schedule", folder, *args, "--out", out, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "daily plan" in result.stdout
    assert "checker: no hard violation" in result.stdout
    with (out / "roster.csv").open(encoding="utf-8") as handle:
        grid = list(csv.reader(handle))
    assert grid[0][0] == "staff"
    assert len(grid[0]) == 1 + 14  # one column per day
    assert {row[0] for row in grid[1:]} == {"anna", "bert", "cilla", "n0", "n1", "n2", "n3"}
    cells = {cell for row in grid[1:] for cell in row[1:]}
    assert cells <= {"", "D", "N", "D/nurse", "N/nurse", "D/surgeon", "N/surgeon"}
    # cilla holds two competences: each of her shifts says which one she covers
    cilla = next(row[1:] for row in grid[1:] if row[0] == "cilla")
    assert all("/" in cell for cell in cilla if cell)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["roster"]["hard_violations"] == 0
    assert summary["roster"]["staff"] == 7
    # the optimum (the surgeon's two shifts short) spreads nights and weekends evenly: none is
    # listed or printed (test_a_fairness_spread_in_words for one that is)
    assert summary["roster"]["fairness"] == []
    assert "fairness, costliest:" not in result.stdout
    with (out / "daily_plan.csv").open(encoding="utf-8") as handle:
        days = list(csv.DictReader(handle))
    assert sum(float(r["volume"]) for r in days if r["activity"] == "op") == 25  # 10 + 15


def test_cover_the_staff_cannot_give_is_named_as_short_in_every_roster(tmp_path: Path) -> None:
    """With one night nurse left, the ward's nurses cannot work the shifts the plan wants:
    the summary says by how many, for which competence, and the roster is short at least
    that much."""
    unit = ward_unit()
    staff = [m for m in unit.staff if m.id in {"anna", "bert", "cilla", "n0"}]
    folder = tmp_path / "few"
    save_unit(unit.model_copy(update={"staff": staff}), folder)
    out = tmp_path / "out"
    args = ("--start", "2027-03-08", "--weeks", "2", "--time-limit", "20", "--workers", "1")
    result = run("schedule", folder, *args, "--out", out, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))["roster"]
    forced = {f["competence"]: f for f in summary["forced_short"]}
    nurse = forced["nurse"]
    assert nurse["staff"] == 4
    assert nurse["short"] == nurse["wanted"] - nurse["most"] > 0
    assert summary["cover_short_people"] >= sum(f["short"] for f in forced.values())
    assert (
        f"short in every roster: nurse {nurse['short']} of {nurse['wanted']} shifts wanted "
        f"(its 4 people can work at most {nurse['most']} of them)"
    ) in result.stdout


def test_no_roster_is_explained_by_day_shift_and_competence(tmp_path: Path) -> None:
    folder = tmp_path / "tiny"
    save_unit(ward_unit(minimum_nights=6), folder)  # six nurses every night: there are six
    out = tmp_path / "out"
    args = ("--start", "2027-03-08", "--weeks", "1", "--time-limit", "20", "--workers", "1")
    result = run("schedule", folder, *args, "--out", out, cwd=tmp_path)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "no roster meets the hard rules" in result.stderr
    assert "N nurse: minimum 6" in result.stderr
    assert "short by" in result.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["roster"]["infeasible"]


def test_schedule_bad_start_is_one_line(folder: Path, tmp_path: Path) -> None:
    result = run("schedule", folder, "--start", "2027-03-09", "--out", tmp_path / "o", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "balans: error: --start: got '2027-03-09', expected a Monday (plans run whole weeks)"
    )
    assert not (tmp_path / "o").exists()


def test_schedule_takes_the_plan_file_that_balans_plan_writes(folder: Path, tmp_path: Path) -> None:
    planned = tmp_path / "planned"
    result = run("plan", folder, "--out", planned, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with (planned / "plan.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    ops = sum(float(r["volume"]) for r in rows if r["week"] == "2027-W10" and r["id"] == "op")
    out = tmp_path / "out"
    args = ("--start", "2027-03-08", "--weeks", "1", "--time-limit", "20", "--workers", "1")
    plan_file = planned / "plan.csv"
    result = run("schedule", folder, *args, "--plan", plan_file, "--out", out, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with (out / "daily_plan.csv").open(encoding="utf-8") as handle:
        days = list(csv.DictReader(handle))
    assert sum(float(r["volume"]) for r in days if r["activity"] == "op") == round(ops)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "week,activity,volume\n2027-W10,op,abc\n2027-W10,bed,-5\n",
            [
                "plan.csv line 2: volume: got 'abc', expected a number >= 0",
                "plan.csv line 3: volume: got '-5', expected a number >= 0",
            ],
        ),
        (
            "week;activity;volume\n2027-W10;opp;2,5\n",
            ["plan.csv line 2: activity: got 'opp', expected an activity type id (op, bed)"],
        ),
        (
            "week,activity,volume\n2027-W11,op,3\n",
            [
                "plan.csv: week: got '2027-W11 .. 2027-W11', expected rows for every week "
                "scheduled, 2027-W10 .. 2027-W10 (none for 2027-W10)"
            ],
        ),
        ("week,volume\n", ["plan.csv: header: got 'week,volume', expected the columns"]),
    ],
    ids=["bad volumes", "unknown activity", "weeks not scheduled", "columns"],
)
def test_a_bad_plan_file_is_named_by_line_and_nothing_is_written(
    folder: Path, tmp_path: Path, text: str, message: list[str]
) -> None:
    plan_file = tmp_path / "plan.csv"
    plan_file.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    args = ("--start", "2027-03-08", "--weeks", "1", "--plan", plan_file, "--out", out)
    result = run("schedule", folder, *args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == len(message), result.stderr
    for line, wanted in zip(lines, message, strict=True):
        assert wanted in line, line
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_a_fairness_spread_in_words() -> None:
    spread = {
        "kind": "nights",
        "staff": 9,
        "most": 9,
        "most_staff": ["n2", "n5", "n6"],
        "fewest": 4,
        "fewest_staff": ["n0"],
        "penalty": 50,
    }
    assert spread_text(spread) == "nights 4-9 among 9 (most n2, n5 and 1 more, fewest n0) 50"
