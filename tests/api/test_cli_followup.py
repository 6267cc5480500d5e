"""``balans followup`` and ``balans plan --start`` run as a user runs them: real processes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import run_balans as run
from conftest import tiny_unit

from engine.io import save_unit

pytestmark = pytest.mark.solver

ROOT = Path(__file__).resolve().parents[2]
FILES = ["followup_days.csv", "followup_weeks.csv", "replan.csv", "summary.json"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "tiny"
    save_unit(tiny_unit(), path)
    return path


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_followup_of_the_tiny_unit_writes_the_four_files(folder: Path, tmp_path: Path) -> None:
    actual = write(
        tmp_path / "actual.csv",
        "date,activity,count\n2027-03-08,op,3\n2027-03-09,op,2\n2027-03-10,op,0\n"
        "2027-03-08,bed,3\n2027-03-13,bed,4\n",
    )
    result = run("followup", folder, "--actual", actual, "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    assert "Follow-up of tiny (Tiny clinic): 2027-03-08 .. 2027-03-13, 1 weeks" in result.stdout
    assert "Re-balanced from 2027-W11 (1 weeks)" in result.stdout
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["period"] == {"first": "2027-03-08", "last": "2027-03-13", "weeks": ["2027-W10"]}
    with (out / "followup_weeks.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    op = next(r for r in rows if r["level"] == "activity" and r["id"] == "op")
    assert float(op["actual"]) == 5
    assert float(op["deviation"]) == pytest.approx(float(op["actual"]) - float(op["planned"]))
    hip = next(r for r in rows if r["level"] == "product_group")
    assert (hip["id"], hip["derived"]) == ("hip", "exact")
    with (out / "replan.csv").open(encoding="utf-8") as handle:
        replan = list(csv.DictReader(handle))
    assert {r["week"] for r in replan} == {"2027-W11"}
    assert {r["kind"] for r in replan} == {"total", "product_group", "activity"}


def test_bad_actuals_are_one_line_each_and_nothing_is_written(folder: Path, tmp_path: Path) -> None:
    actual = write(
        tmp_path / "actual.csv",
        "date;activity;count\n2027-03-08;knee;1\n2027-03-09;op;-1\n2027-05-01;op;2,5\n",
    )
    result = run("followup", folder, "--actual", actual, "--out", "out", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"balans: error: {actual} line 2: activity: got 'knee', expected an activity type id "
        "(op, bed)",
        f"balans: error: {actual} line 3: count: got '-1', expected a number >= 0",
        f"balans: error: {actual} line 4: date: got '2027-05-01', expected a day of the plan "
        "2027-03-08 .. 2027-03-21",
    ]
    assert not (tmp_path / "out").exists()


def test_actuals_outside_the_schedule_name_the_daily_plan(folder: Path, tmp_path: Path) -> None:
    schedule = tmp_path / "schedule"
    schedule.mkdir()
    write(
        schedule / "daily_plan.csv",
        "date,weekday,activity,kind,volume\n2027-03-08,mon,op,operation,2\n"
        "2027-03-09,tue,op,operation,2\n",
    )
    actual = write(tmp_path / "actual.csv", "date,activity,count\n2027-03-15,op,1\n")
    result = run(
        "followup", folder, "--actual", actual, "--schedule", schedule, "--out", "out",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == (
        f"balans: error: {actual} line 2: date: got '2027-03-15', expected a day of the daily "
        f"plan {schedule} 2027-03-08 .. 2027-03-14\n"
    )
    assert not (tmp_path / "out").exists()
    # inside the schedule's week it runs against that daily plan
    write(actual, "date,activity,count\n2027-03-08,op,1\n2027-03-09,op,2\n")
    result = run(
        "followup", folder, "--actual", actual, "--schedule", schedule, "--out", "out",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    with (tmp_path / "out" / "followup_days.csv").open(encoding="utf-8") as handle:
        days = [r for r in csv.DictReader(handle) if r["level"] == "activity"]
    assert [(r["date"], float(r["planned"]), float(r["actual"])) for r in days[:2]] == [
        ("2027-03-08", 2.0, 1.0),
        ("2027-03-09", 2.0, 2.0),
    ]
    assert float(days[1]["cumulative_deviation"]) == -1


def test_followup_against_a_plan_file(folder: Path, tmp_path: Path) -> None:
    assert run("plan", folder, "--out", "planned", cwd=tmp_path).returncode == 0
    actual = write(tmp_path / "actual.csv", "date,activity,count\n2027-03-08,op,1\n")
    result = run(
        "followup", folder, "--actual", actual, "--plan", tmp_path / "planned" / "plan.csv",
        "--out", "out", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "the plan file holds no cost" in result.stdout
    both = run(
        "followup", folder, "--actual", actual, "--plan", "x.csv", "--schedule", "y",
        cwd=tmp_path,
    )  # fmt: skip
    assert both.returncode == 2
    assert "not allowed with argument" in both.stderr
    bad = run(
        "followup", folder, "--actual", actual, "--threshold", "-1", "--out", "out2", cwd=tmp_path
    )
    assert bad.returncode == 2
    assert (
        bad.stderr == "balans: error: --threshold: got -1.0, expected a share >= 0 (0.05 for 5 %)\n"
    )


def test_plan_with_a_rolling_start(folder: Path, tmp_path: Path) -> None:
    result = run("plan", folder, "--start", "2027-W11", "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "2027-W11 .. 2027-W11, 1 weeks" in result.stdout
    with (tmp_path / "out" / "plan.csv").open(encoding="utf-8") as handle:
        assert {r["week"] for r in csv.DictReader(handle)} == {"2027-W11"}
    waiting = write(
        tmp_path / "waiting.csv", "product_group,waiting_since,patients\nhip,2027-03-01,12\n"
    )
    result = run(
        "plan", folder, "--start", "2027-W11", "--waiting", waiting, "--out", "out2", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    plan = json.loads((tmp_path / "out2" / "plan.json").read_text(encoding="utf-8"))
    # 12 waiting + 20 new, nurse time for 10
    assert plan["kpis"]["backlog_end"] == pytest.approx(22, abs=1e-4)
    bad = run("plan", folder, "--start", "2027-W30", "--out", "out3", cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr == (
        "balans: error: --start: got '2027-W30', expected a week of the calendar "
        "2027-W10 .. 2027-W11\n"
    )
    alone = run("plan", folder, "--waiting", waiting, "--out", "out3", cwd=tmp_path)
    assert alone.returncode == 2
    assert not (tmp_path / "out3").exists()


@pytest.mark.slow
def test_the_example_clinic_with_the_example_actuals(tmp_path: Path) -> None:
    result = run(
        "followup", ROOT / "examples" / "ortopedi",
        "--actual", ROOT / "examples" / "actuals" / "ortopedi-2027-03.csv",
        "--time-limit", "20", "--out", "out", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["period"]["weeks"] == ["2027-W09", "2027-W10"]
    # the week of cancelled operations is behind the plan by more than 5 %
    assert "2027-W10" in summary["flagged_weeks"]
    weeks = {w["week"]: w for w in summary["by_week"]}
    assert weeks["2027-W10"]["deviation"] < weeks["2027-W09"]["deviation"] < 0
    rebalance = summary["rebalance"]
    assert rebalance["start"] == "2027-W11"
    assert rebalance["waiting_at_start"]["new"] > rebalance["waiting_at_start"]["old"]
    assert rebalance["treated"]["new"] > rebalance["treated"]["old"]
    assert rebalance["check"]["ok"]
    assert "Re-balanced from 2027-W11 (42 weeks)" in result.stdout
