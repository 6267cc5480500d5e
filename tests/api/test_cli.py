"""The ``balans`` console script, run as a user runs it: a real process."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from broken import BROKEN
from conftest import BALANS, tiny_unit
from conftest import run_balans as run

from engine.io import load_unit, save_unit


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "tiny"
    save_unit(tiny_unit(), path)
    return path


def test_console_script_is_installed() -> None:
    assert BALANS.exists(), "pip install -e . should have made the balans console script"


def test_a_bottleneck_without_a_column_carries_its_utilisation() -> None:
    from api.commands.balance import balance_table
    from engine.balance import balance

    report = balance(tiny_unit())  # the nurses are the bottleneck of both weeks
    one = balance_table(report, top=1).splitlines()
    assert [line.split()[-1] for line in one[2:]] == ["nurse", "nurse"]
    none = balance_table(report, top=0).splitlines()
    assert [line.split(maxsplit=1)[1] for line in none[2:]] == ["nurse 100%", "nurse 200%"]


def test_the_ranking_gives_the_waiting_lists_need_in_its_measure() -> None:
    from api.commands.balance import ranking_table
    from engine.balance import balance

    rows = ranking_table(balance(tiny_unit())).splitlines()[1:]
    # 5 waiting hip patients: 30 nurse hours, ..., 10 bed-days / 0.8 on the ward
    assert rows[0].endswith("30 hours")
    assert rows[-1].split()[1] == "ward"
    assert rows[-1].endswith("12 bed-days")


def test_balance_prints_the_table_and_writes_csv_and_json(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("balance", folder, "--out", out, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    text = result.stdout
    assert "Balance of tiny (Tiny clinic): 2027-W10 .. 2027-W11, 2 weeks, 3 staff" in text
    assert text.splitlines()[4].split() == ["nurse", "theatre", "surgeon", "ward", "bottleneck"]
    assert "200% +7.5" in text  # W11: nurse need 120 h against 60 h, 7.5 shifts of 8 h short
    assert "Bottleneck: nurse at 150%" in text
    with (out / "balance.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2 * 4
    assert rows[4]["week"] == "2027-W11"
    assert float(rows[4]["gap_steps"]) == pytest.approx(7.5)
    document = json.loads((out / "balance.json").read_text(encoding="utf-8"))
    assert document["bottleneck"] == "competence:nurse"
    assert [r["resource"] for r in document["ranking"]][:2] == [
        "competence:nurse",
        "room_type:theatre",
    ]


def test_balance_json_to_stdout_writes_no_files(folder: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    result = run("balance", folder, "--format", "json", cwd=work)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["unit"] == "tiny"
    assert len(document["rows"]) == 8
    assert list(work.iterdir()) == []


def test_schema_is_json_schema_of_a_unit(tmp_path: Path) -> None:
    result = run("schema", cwd=tmp_path)
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "Unit"
    assert {"calendar", "competences", "staff", "activity_types"} <= set(schema["properties"])


def test_check_and_convert(folder: Path, tmp_path: Path) -> None:
    result = run("check", folder, cwd=tmp_path)
    assert result.returncode == 0
    assert "unit tiny is valid: 3 staff" in result.stdout
    result = run("convert", folder, tmp_path / "tiny.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert load_unit(tmp_path / "tiny.json") == load_unit(folder)


def test_usage_error_exits_2(tmp_path: Path) -> None:
    result = run("balance", cwd=tmp_path)
    assert result.returncode == 2
    assert "usage:" in result.stderr


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_bad_input_gives_one_line_exit_2_and_writes_nothing(
    folder: Path, tmp_path: Path, case: str
) -> None:
    breaker, expected = BROKEN[case]
    breaker(folder)
    out = tmp_path / "out"
    result = run("balance", folder, "--out", out, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("balans: error: ")
    assert "Traceback" not in result.stderr
    for fragment in expected:
        assert fragment in lines[0]
    assert not out.exists()
