"""``balans rooms`` through the console script: a day from a schedule folder, a published day
after a room closes, a day of the example clinic planned on the spot, and bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import WEEKDAYS, tiny_document
from conftest import run_balans as run

from engine.io import save_unit
from models.unit import Unit

pytestmark = pytest.mark.solver

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ortopedi"
STAFF = ("anna", "bert", "cilla", "dan", "eva", "fia")


@pytest.fixture
def unit_folder(tmp_path: Path) -> Path:
    """The tiny unit with two theatres, two surgeons and four nurses."""
    theatre = {"room_type": "theatre",
               "opening": [{"weekdays": WEEKDAYS, "start": "08:00", "end": "16:00"}]}  # fmt: skip
    document = tiny_document(
        rooms=[{"id": "or1", **theatre}, {"id": "or2", **theatre}],
        staff=[
            {"id": s, "name": s.title(), "competences": ["surgeon"] if s == "dan" else ["nurse"]}
            for s in STAFF
        ],
    )
    document["staff"][2]["competences"] = ["surgeon", "nurse"]
    path = tmp_path / "tiny"
    save_unit(Unit.model_validate(document), path)
    return path


@pytest.fixture
def schedule_folder(tmp_path: Path) -> Path:
    """What ``balans schedule`` writes, by hand: 5 operations on Tuesday 9 March, everyone on
    the day shift (bert off on Wednesday)."""
    path = tmp_path / "schedule"
    path.mkdir()
    (path / "daily_plan.csv").write_text(
        "date,weekday,activity,kind,volume\n"
        "2027-03-09,tue,op,operation,5.0\n"
        "2027-03-09,tue,bed,bed_day,3.5\n"
        "2027-03-10,wed,op,operation,2.0\n"
        "2027-03-11,thu,op,operation,1.0\n",
        encoding="utf-8",
    )
    rows = ["staff,2027-03-09,2027-03-10"] + [f"{s},D,{'' if s == 'bert' else 'D'}" for s in STAFF]
    (path / "roster.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_a_day_from_a_schedule_folder(
    unit_folder: Path, schedule_folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = run("rooms", unit_folder, "--date", "2027-03-09", "--schedule", schedule_folder,
                 "--out", out, "--workers", "1", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "rooms 2027-03-09: 5 activities, 2 of 2 rooms open, 6 staff on shift" in result.stdout
    assert "placed 5, unplaced 0; rooms used 2; overtime 0 min" in result.stdout
    assert "checker: sound" in result.stdout
    rows = _rows(out / "rooms.csv")
    assert sorted(r["activity"] for r in rows) == [f"op-{i}" for i in range(1, 6)]
    assert {r["type"] for r in rows} == {"op"}
    assert all(r["room"] in ("or1", "or2") and r["team_ids"].count("|") == 2 for r in rows)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (summary["placed"], summary["hard_violations"]) == (5, 0)
    assert "or1" in (out / "timeline.txt").read_text(encoding="utf-8")

    # the published day after or2 closes: its operations move to or1, the others stay
    again = tmp_path / "again"
    repaired = run("rooms", unit_folder, "--date", "2027-03-09", "--schedule", schedule_folder,
                   "--published", out / "rooms.csv", "--close", "or2", "--out", again,
                   "--workers", "1", cwd=tmp_path)  # fmt: skip
    assert repaired.returncode == 0, repaired.stderr
    before = {r["activity"]: (r["room"], r["start"]) for r in rows}
    after = {r["activity"]: (r["room"], r["start"]) for r in _rows(again / "rooms.csv")}
    kept = [a for a, (room, _) in before.items() if room == "or1"]
    assert all(after[a] == before[a] for a in kept)
    assert {room for room, _ in after.values()} <= {"or1", ""}
    # or1 holds four 120-minute operations: one of or2's stays unplaced, the rest change
    assert "placed 4, unplaced 1" in repaired.stdout
    changed = sum(1 for a in before if before[a][0] == "or2") - 1
    assert f"published activities changed {changed}" in repaired.stdout


@pytest.mark.slow
def test_a_day_of_the_example_clinic_planned_on_the_spot(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("rooms", EXAMPLE, "--date", "2027-03-02", "--out", out, "--time-limit", "5",
                 "--workers", "2", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "daily plan" in result.stdout
    assert "roster" in result.stdout
    assert "checker: sound" in result.stdout
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["hard_violations"] == 0
    assert summary["placed"] > 0.8 * summary["activities"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--date", "2027-13-01"), "balans: error: --date: got '2027-13-01', expected a date like"),
        (("--date", "2029-03-02"), "balans: error: --date: got '2029-03-02', expected a date in"),
        (("--date", "2027-03-11"), "roster.csv: date: got '2027-03-11', expected a day of the "
                                   "roster (2027-03-09 .. 2027-03-10)"),
        (("--date", "2027-03-09", "--close", "or9"), "--close: room: got 'or9', expected a room"),
        (("--date", "2027-03-09", "--extra", "op"), "--extra: got 'op', expected ACTIVITY_TYPE=N"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(
    unit_folder: Path, schedule_folder: Path, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    out = tmp_path / "bad"
    result = run("rooms", unit_folder, "--schedule", schedule_folder, "--out", out, *args,
                 cwd=tmp_path)  # fmt: skip
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_a_schedule_folder_without_a_roster(unit_folder: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "daily_plan.csv").write_text(
        "date,activity,volume\n2027-03-09,op,1\n", encoding="utf-8"
    )
    result = run("rooms", unit_folder, "--date", "2027-03-09", "--schedule", empty, cwd=tmp_path)
    assert result.returncode == 2
    assert "roster.csv: expected a file written by balans schedule" in result.stderr


def test_a_schedule_with_bought_time_has_its_bought_staff_on_shift(
    unit_folder: Path, schedule_folder: Path, tmp_path: Path
) -> None:
    """A roster row of bought nurse time (``bought.csv`` beside it, as the chain writes it)
    is one more nurse on shift; without the file the id is unknown and named."""
    with (schedule_folder / "roster.csv").open("a", encoding="utf-8") as handle:
        handle.write("extra-nurse-2027-W10-1,D,D\n")
    result = run("rooms", unit_folder, "--date", "2027-03-09", "--schedule", schedule_folder,
                 "--out", tmp_path / "unknown", "--workers", "1", cwd=tmp_path)  # fmt: skip
    assert result.returncode != 0
    assert "extra-nurse-2027-W10-1" in result.stderr
    assert "Traceback" not in result.stderr
    (schedule_folder / "bought.csv").write_text(
        "week,competence,hours\n2027-W10,nurse,16\n", encoding="utf-8"
    )
    result = run("rooms", unit_folder, "--date", "2027-03-09", "--schedule", schedule_folder,
                 "--out", tmp_path / "out", "--workers", "1", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "5 activities, 2 of 2 rooms open, 7 staff on shift" in result.stdout
    assert "checker: sound" in result.stdout
