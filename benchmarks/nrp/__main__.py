"""Run the roster solver on the Curtois & Qu instances and re-evaluate every roster.

Run from the repository root::

    python -m benchmarks.nrp --instances 1-24 --time-limit 60 --workers 2 [--seed 0]
                             [--out benchmarks/results] [--data benchmarks/data/curtois-qu]

Per instance: read it (:mod:`benchmarks.nrp.instance`), turn it into the engine's
``RosterProblem`` (:mod:`benchmarks.nrp.reader`), solve it with the engine's CP-SAT roster
solver through :func:`benchmarks.nrp.search.search`, and evaluate the roster with the
benchmark's own rules (:mod:`benchmarks.nrp.evaluate`, independent of the solver). The
objective reported is the evaluator's; a roster that breaks a hard rule has the status
``violates:<rules>``.

Writes ``OUT/nrp.csv`` (``instance, objective, best_known, lower_bound, gap_pct, status,
first_feasible_s, wall_s``), ``OUT/nrp.md`` (the same as a markdown table, with the machine,
limits and date) and ``OUT/nrp-rosters/InstanceN.csv`` (one row per employee id, one column per
day index, the shift id or an empty cell). Rows of instances not run this time are kept from an
earlier ``nrp.csv`` in ``OUT``, so the benchmark can be run in parts; files are written after
every instance.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.nrp.evaluate import evaluate, roster_to_csv
from benchmarks.nrp.instance import read_instance
from benchmarks.nrp.reader import to_roster_problem
from benchmarks.nrp.search import PORTFOLIO, search
from engine.errors import InputError
from engine.io import write_files

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data" / "curtois-qu"
RESULTS = ROOT / "benchmarks" / "results"
COLUMNS = (
    "instance",
    "objective",
    "best_known",
    "lower_bound",
    "gap_pct",
    "status",
    "first_feasible_s",
    "wall_s",
)


def parse_instances(text: str) -> list[int]:
    """``"1-12,14"`` -> ``[1, ..., 12, 14]``.

    Raises
    ------
    engine.errors.InputError
        On anything but numbers 1..24 and ranges of them.
    """
    numbers: list[int] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        first, _, last = part.partition("-")
        try:
            low, high = int(first), int(last or first)
        except ValueError:
            raise InputError.single(
                "--instances", "", part, "a number or a range like 1-12"
            ) from None
        if not 1 <= low <= high <= 24:
            raise InputError.single("--instances", "", part, "instances between 1 and 24")
        numbers.extend(n for n in range(low, high + 1) if n not in numbers)
    if not numbers:
        raise InputError.single("--instances", "", text, "at least one instance")
    return numbers


def best_known(data: Path) -> dict[str, int]:
    """The best known objective per instance name, from ``best_known.csv``."""
    path = data / "best_known.csv"
    try:
        with path.open(encoding="utf-8") as handle:
            return {row["instance"]: int(row["best_upper_bound"]) for row in csv.DictReader(handle)}
    except (OSError, KeyError, ValueError) as error:
        raise InputError.single(str(path), "best_upper_bound", error, "a readable table") from None


def run_instance(
    number: int, data: Path, time_limit: float, workers: int, seed: int, known: dict[str, int]
) -> tuple[dict[str, str], str | None]:
    """Solve and evaluate one instance: its table row and its roster as CSV (None if none)."""
    instance = read_instance(data / f"Instance{number}.txt")
    problem = to_roster_problem(instance)
    result = search(problem, time_limit, workers=workers, seed=seed)
    best = known.get(instance.name)
    row = {
        "instance": instance.name,
        "objective": "",
        "best_known": "" if best is None else str(best),
        "lower_bound": "" if not math.isfinite(result.bound) else str(math.ceil(result.bound)),
        "gap_pct": "",
        "status": str(result.status),
        "first_feasible_s": "" if result.first_feasible is None else f"{result.first_feasible:.1f}",
        "wall_s": f"{result.wall_time:.1f}",
    }
    if result.shift is None:
        return row, None
    roster = [[problem.shift_ids[t] if t >= 0 else "" for t in r] for r in result.shift.tolist()]
    verdict = evaluate(instance, roster)
    row["objective"] = str(verdict.objective)
    if best is not None:
        row["gap_pct"] = f"{100 * (verdict.objective - best) / best:.2f}"
    if not verdict.feasible:
        row["status"] = "violates:" + "|".join(sorted({v.rule for v in verdict.violations}))
    return row, roster_to_csv(instance, roster)


def _order(name: str) -> int:
    return int(name.removeprefix("Instance"))


def previous_rows(out: Path) -> dict[str, dict[str, str]]:
    """Rows of an earlier ``nrp.csv`` in ``out`` (none if there is none or it is unreadable)."""
    path = out / "nrp.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or list(rows[0]) != list(COLUMNS):
        return {}
    return {row["instance"]: row for row in rows}


def to_csv(rows: list[dict[str, str]]) -> str:
    """The rows as ``nrp.csv``."""
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def to_markdown(rows: list[dict[str, str]], caption: str) -> str:
    """The rows as a markdown table under ``caption``."""
    head = ["instance", "objective", "best known", "lower bound", "gap %", "status",
            "first feasible s", "wall s"]  # fmt: skip
    lines = [caption, "", "| " + " | ".join(head) + " |", "|---|" + "---:|" * 4 + "---|---:|---:|"]
    lines += ["| " + " | ".join(row[c] or "-" for c in COLUMNS) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit code 2 with one line on standard error for bad input."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.nrp", description=__doc__)
    parser.add_argument("--instances", default="1-24", help="e.g. 1-12,14 (default 1-24)")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder of the results")
    parser.add_argument("--data", type=Path, default=DATA, help="folder of the instances")
    args = parser.parse_args(argv)
    try:
        numbers = parse_instances(args.instances)
        known = best_known(args.data)
        rows = previous_rows(args.out)
        caption = (
            f"{datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} cores "
            f"({platform.processor() or platform.machine()}), CP-SAT with {args.workers} "
            f"workers ({PORTFOLIO} in the guided and whole-model solves after column generation), "
            f"{args.time_limit:g} s per instance, "
            f"seed {args.seed}, "
            f"instances {args.instances} (rows of other instances are kept from an earlier run)"
        )
        for number in numbers:
            row, roster = run_instance(
                number, args.data, args.time_limit, args.workers, args.seed, known
            )
            rows[row["instance"]] = row
            print(" ".join(f"{c}={row[c]}" for c in COLUMNS), flush=True)
            ordered = [rows[name] for name in sorted(rows, key=_order)]
            if roster is not None:
                write_files(args.out / "nrp-rosters", iter([(f"{row['instance']}.csv", roster)]))
            write_files(
                args.out,
                iter([("nrp.csv", to_csv(ordered)), ("nrp.md", to_markdown(ordered, caption))]),
            )
    except InputError as error:
        for line in str(error).splitlines():
            print(f"benchmarks.nrp: error: {line}", file=sys.stderr)
        return 2
    print()
    print(to_markdown(ordered, caption))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
