"""Bad numbers and an ``--out`` that would overwrite a published schedule, through the console
script: one line naming the option and the value, exit code 2, nothing written, and no solve
(each run takes about as long as the interpreter needs to start)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_balans as run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ortopedi"
ACTUAL = ROOT / "examples" / "actuals" / "ortopedi-2027-03.csv"
SCENARIO = ROOT / "examples" / "scenarios" / "summer-temps.yaml"

COMMANDS: dict[str, tuple[str | Path, ...]] = {
    "schedule": ("schedule", EXAMPLE, "--start", "2027-03-01", "--weeks", "1"),
    "run": ("run", EXAMPLE, "--weeks", "1"),
    "rooms": ("rooms", EXAMPLE, "--date", "2027-03-02"),
    "repair": ("repair", EXAMPLE, "--schedule", "pub", "--absent", "ssk-005:2027-03-03"),
    "followup": ("followup", EXAMPLE, "--actual", ACTUAL),
    "plan": ("plan", EXAMPLE),
    "whatif": ("whatif", EXAMPLE, SCENARIO),
}
"""Each command with what it needs to run (``pub`` is a folder of the working directory)."""

SOLVING = ("schedule", "run", "rooms", "repair", "followup", "plan", "whatif")
WITH_WORKERS = ("schedule", "run", "rooms", "repair", "followup", "whatif")

CASES = [
    *[(c, "--time-limit", v) for c in SOLVING for v in ("-1", "0")],
    *[(c, "--workers", v) for c in WITH_WORKERS for v in ("0", "-2")],
    ("schedule", "--time-limit", "nan"),
    ("rooms", "--time-limit", "inf"),
    ("repair", "--time-limit", "ten"),
    ("run", "--workers", "1.5"),
    ("schedule", "--seed", "-1"),
    ("repair", "--seed", "2147483648"),
    ("plan", "--seed", "-1"),
    ("repair", "--window", "-1"),
    ("schedule", "--weeks", "0"),
    ("run", "--weeks", "19"),
    ("plan", "--top", "-1"),
]


def _one_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("balans: error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize(("command", "option", "value"), CASES)
def test_a_bad_number_is_one_line_and_writes_nothing(
    tmp_path: Path, command: str, option: str, value: str
) -> None:
    (tmp_path / "pub").mkdir()
    out = tmp_path / "out"
    result = run(*COMMANDS[command], option, value, "--out", out, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    line = _one_line(result.stderr)
    assert line.startswith(f"balans: error: {option}: got '{value}', expected "), line
    assert result.stdout == ""
    assert not out.exists()


def test_every_bad_number_is_named(tmp_path: Path) -> None:
    (tmp_path / "pub").mkdir()
    out = tmp_path / "out"
    result = run(*COMMANDS["repair"], "--time-limit", "-1", "--workers", "0", "--window", "-3",
                 "--out", out, cwd=tmp_path)  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "balans: error: --time-limit: got '-1', expected a number of seconds > 0",
        "balans: error: --workers: got '0', expected a whole number >= 1",
        "balans: error: --window: got '-3', expected a number of days >= 0",
    ]
    assert not out.exists()


def _published(folder: Path) -> dict[str, str]:
    """A published schedule's files (what balans schedule writes, in short)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "daily_plan.csv": "date,activity,volume\n2027-03-02,op,1\n",
        "roster.csv": "staff,2027-03-02\nssk-005,dag\n",
        "summary.json": "{}\n",
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return files


def _unchanged(folder: Path, files: dict[str, str]) -> None:
    assert sorted(p.name for p in folder.iterdir()) == sorted(files)
    for name, text in files.items():
        assert (folder / name).read_text(encoding="utf-8") == text


@pytest.mark.parametrize(
    ("args", "out", "published"),
    [
        (("repair", EXAMPLE, "--schedule", "pub", "--absent", "ssk-005:2027-03-03:2027-03-04"),
         "pub", "pub"),
        (("repair", EXAMPLE, "--schedule", "pub", "--candidates", "2027-03-03:dag"),
         "./pub/", "pub"),
        (("repair", EXAMPLE, "--schedule", "out/repair", "--absent", "ssk-005:2027-03-03"),
         None, "out/repair"),  # the default --out out/repair: a repair of a repair
        (("rooms", EXAMPLE, "--date", "2027-03-02", "--schedule", "out"), None, "out"),
        (("rooms", EXAMPLE, "--date", "2027-03-02", "--schedule", "pub"), "pub/../pub", "pub"),
        (("followup", EXAMPLE, "--actual", ACTUAL, "--schedule", "out"), None, "out"),
        (("followup", EXAMPLE, "--actual", ACTUAL, "--schedule", "pub"), "pub", "pub"),
    ],
    ids=["repair", "repair candidates", "repair default", "rooms default", "rooms",
         "followup default", "followup"],
)  # fmt: skip
def test_out_may_not_be_the_schedule_folder(
    tmp_path: Path, args: tuple[str | Path, ...], out: str | None, published: str
) -> None:
    files = _published(tmp_path / published)
    given = () if out is None else ("--out", out)
    result = run(*args, *given, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert _one_line(result.stderr) == (
        f"balans: error: --out: got '{out or published}', expected a folder other than the "
        "--schedule folder (it would overwrite the published schedule)"
    )
    assert result.stdout == ""
    _unchanged(tmp_path / published, files)


def test_out_may_not_be_the_folder_of_a_schedule_file(tmp_path: Path) -> None:
    files = _published(tmp_path / "pub")
    for option, name in (("--schedule", "daily_plan.csv"), ("--published", "rooms.csv")):
        (tmp_path / "pub" / name).touch()
        files.setdefault(name, "")
        if option == "--schedule":
            args = ("followup", EXAMPLE, "--actual", ACTUAL, option, Path("pub") / name)
        else:
            args = ("rooms", EXAMPLE, "--date", "2027-03-02", option, Path("pub") / name)
        result = run(*args, "--out", tmp_path / "pub", cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert _one_line(result.stderr) == (
            f"balans: error: --out: got '{tmp_path / 'pub'}', expected a folder other than the "
            f"folder of {option} (it would overwrite the published schedule)"
        )
        _unchanged(tmp_path / "pub", files)
