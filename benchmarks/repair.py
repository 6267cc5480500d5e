"""Repair benchmark: the example clinic's 6-week roster, then one absence mid-horizon.

The published schedule is made as ``balans schedule examples/ortopedi --start 2027-03-01
--weeks 6`` makes it (daily plan, then roster, each with ``--time-limit``), or read from
``--schedule DIR``. Then, for a person of each of a few competences who works on the middle
Monday and Tuesday of the horizon, those two days become an absence reported that Monday
(today): the roster is repaired (:func:`engine.repair.repair_roster`) and the staff who could
take the person's Monday shift are ranked (:func:`engine.repair.rank_candidates`).

Printed and written to ``benchmarks/results/repair.csv``: repair wall time (the neighbourhood's
build and solve), the time with reading and applying the changes, changed assignments, the
neighbourhood's size, people below the cover targets before and after, the checker's verdict,
and the ranking's time and size.

Run: ``python -m benchmarks.repair [--schedule DIR] [--time-limit 30] [--workers 2]``
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import tempfile
import time
from datetime import date, timedelta
from importlib.metadata import version
from pathlib import Path

from api.commands.schedule import schedule
from engine.io import load_unit, write_files
from engine.repair import rank_candidates, read_published, repair_roster, situation
from models.repair import ChangeSet, StaffAbsence
from solvers.common import SolveOptions

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "examples" / "ortopedi"
RESULTS = ROOT / "benchmarks" / "results" / "repair.csv"
START = date(2027, 3, 1)
WEEKS = 6
COMPETENCES = ("sjukskoterska", "underskoterska", "ortopedkirurg")
COLUMNS = (
    "case",
    "staff",
    "absent",
    "today",
    "repair_s",
    "total_s",
    "status",
    "changes",
    "free_staff",
    "free_cells",
    "under_published",
    "under_vacated",
    "under_repaired",
    "hard_violations",
    "candidates",
    "excluded",
    "ranking_s",
)


def published_schedule(folder: Path | None, time_limit: float, workers: int) -> Path:
    """The folder of a published schedule: ``folder``, or a new one made by ``schedule``."""
    if folder is not None:
        return folder
    unit = load_unit(UNIT)
    options = SolveOptions(time_limit=time_limit, num_workers=workers, seed=0)
    started = time.perf_counter()
    outcome = schedule(unit, START, WEEKS, None, options)
    if outcome.code != 0:
        raise SystemExit("\n".join(["no published roster to repair:", *outcome.lines]))
    target = Path(tempfile.mkdtemp(prefix="balans-repair-"))
    write_files(target, iter(outcome.files))
    for line in outcome.lines:
        print(line)
    print(f"published schedule in {time.perf_counter() - started:.1f} s -> {target}")
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedule", type=Path, help="a published schedule folder to reuse")
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds per stage")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    folder = published_schedule(args.schedule, args.time_limit, args.workers)
    unit = load_unit(UNIT)
    published = read_published(unit, folder)
    middle = 7 * (published.weeks // 2)  # the middle Monday
    today = published.day(middle)
    options = SolveOptions(time_limit=10.0, num_workers=args.workers, seed=0)
    rows = []
    for competence in COMPETENCES:
        member, row = next(
            (m, r)
            for m, r in zip(unit.staff, published.grid, strict=True)
            if m.competences[0] == competence and r[middle] and r[middle + 1]
        )
        absent = ChangeSet(
            today=today,
            absences=[StaffAbsence(staff=member.id, start=today, end=today + timedelta(days=1))],
        )
        started = time.perf_counter()
        state = situation(unit, read_published(unit, folder), absent)
        repair = repair_roster(state, options)
        total = time.perf_counter() - started
        started = time.perf_counter()
        shift = row[middle].partition("/")[0]
        ranking = rank_candidates(state, today, shift, member.competences[0])
        ranking_s = time.perf_counter() - started
        check = repair.check
        rows.append(
            {
                "case": competence,
                "staff": member.id,
                "absent": f"{today}..{today + timedelta(days=1)} "
                f"({row[middle]}, {row[middle + 1]})",
                "today": str(today),
                "repair_s": round(repair.stats.wall_time, 3),
                "total_s": round(total, 3),
                "status": repair.stats.status.value,
                "changes": len(repair.changes),
                "free_staff": repair.freed_staff,
                "free_cells": repair.freed_cells,
                "under_published": repair.under_cover["published"],
                "under_vacated": repair.under_cover["vacated"],
                "under_repaired": repair.under_cover.get("repaired", ""),
                "hard_violations": "" if check is None else len(check.violations),
                "candidates": len(ranking.candidates),
                "excluded": ranking.excluded_staff,
                "ranking_s": round(ranking_s, 3),
            }
        )
        print(f"\n{competence}: {member.name} ({member.id}) absent {rows[-1]['absent']}")
        for change in repair.changes:
            print(f"  {change.text()}")
        best = ", ".join(f"{c.name} {c.cost}" for c in ranking.candidates[:3])
        print(f"  candidates for {shift} on {today}: {len(ranking.candidates)} ({best} ...)")

    print()
    header = f"{'case':<15}{'repair s':>9}{'total s':>9}{'changes':>8}{'free':>10}"
    header += f"{'under: pub':>11}{'vac':>5}{'rep':>5}{'hard':>6}{'cands':>6}{'rank s':>8}"
    print(header)
    for r in rows:
        print(
            f"{r['case']:<15}{r['repair_s']:>9.2f}{r['total_s']:>9.2f}{r['changes']:>8}"
            f"{r['free_staff']:>4}x{r['free_cells']:<5}{r['under_published']:>11}"
            f"{r['under_vacated']:>5}{r['under_repaired']!s:>5}{r['hard_violations']!s:>6}"
            f"{r['candidates']:>6}{r['ranking_s']:>8.2f}"
        )
    print(
        f"CPython {platform.python_version()}, OR-Tools {version('ortools')}, "
        f"{os.cpu_count()} CPUs, CP-SAT {args.workers} workers, repair limit 10 s"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"Wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
