"""Room schedule of the example clinic's busiest day: size, time to the first schedule, wall
time, activities placed, gap and the checker's verdict.

    python -m benchmarks.rooms [--start 2027-03-01] [--weeks 6] [--time-limit 10] [--workers 2]
                               [--roster-time 30] [--seeds 0]

The daily plan of ``--weeks`` weeks from ``--start`` (the forecast's volumes) gives the busiest
day: the most activity minutes (bed-days left out). A one-week roster of that day's week (the
daily plan's cover, ``--roster-time`` seconds) gives the staff on shift. The day is then
scheduled into rooms with ``--time-limit`` seconds per seed; only this last step is the
benchmark's figure. Then the first seed's schedule, as published, is re-scheduled twice (the
rooms half of repair): after the theatre with the most operations closes, and after six extra
new visits arrive. Every schedule is checked twice (the problem's checker and the written
schedule against the unit). Prints a table and writes ``benchmarks/results/rooms.csv``.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from engine.check.rooms import check_schedule_frame
from engine.daily import plan_days
from engine.io import load_unit
from engine.rooms import (
    RoomChanges,
    RoomDay,
    compile_rooms,
    day_counts,
    day_roster,
    room_summary,
    schedule_frame,
    solve_rooms,
)
from engine.roster import compile_roster, roster_grid, solve_roster
from models.unit import Unit
from solvers.common import SolveOptions

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "rooms.csv"


def busiest_day(days: pd.DataFrame, minutes: dict[str, float]) -> date:
    """The date with the most activity minutes (volume x mean process time, no bed-days)."""
    planned = days[days["kind"] != "bed_day"]
    load = planned["volume"] * planned["activity"].map(minutes)
    best = load.groupby(planned["date"]).sum().idxmax()
    return best if isinstance(best, date) else date.fromisoformat(str(best))


HEADER = (
    f"{'case':<28} {'seed':>4} {'activities':>10} {'staff':>5} {'vars':>6} {'first s':>7} "
    f"{'wall s':>6} {'placed':>6} {'unplaced':>8} {'changed':>7} {'dropped':>7} {'status':>9} "
    f"{'gap':>7} "
    f"{'checker':>8}"
)


def _run(
    case: str, compiled: RoomDay, unit: Unit, seed: int, args: argparse.Namespace
) -> tuple[dict[str, object], pd.DataFrame]:
    """Solve one day, print its line; the CSV row and the schedule as written."""
    problem = compiled.problem
    options = SolveOptions(time_limit=args.time_limit, num_workers=args.workers, seed=seed)
    clock = time.perf_counter()
    result = solve_rooms(compiled, options)
    wall = time.perf_counter() - clock
    summary = room_summary(compiled, result)
    stats = result.stats
    assert result.solution is not None
    frame = schedule_frame(compiled, result.solution)
    codes = dict(zip(problem.staff_ids, compiled.staff_shift, strict=True))
    written = check_schedule_frame(unit, compiled.day, frame, codes)
    checker = str(summary.get("checker", "")) if not written else f"{len(written)} VIOLATIONS"
    row: dict[str, object] = {
        "case": case,
        "date": compiled.day.isoformat(),
        "seed": seed,
        "activities": problem.n_activities,
        "rooms": problem.n_rooms,
        "staff": problem.n_staff,
        "variables": stats.variables,
        "constraints": stats.constraints,
        "first_solution_s": round(stats.first_solution_time or float("nan"), 3),
        "wall_s": round(wall, 3),
        "placed": summary.get("placed", 0),
        "unplaced": summary.get("unplaced", problem.n_activities),
        "changed": summary.get("changed", ""),
        "moved": summary.get("moved", ""),
        "reroomed": summary.get("reroomed", ""),
        "published_unplaced": summary.get("published_unplaced", ""),
        "status": stats.status.value,
        "objective": stats.objective,
        "bound": stats.bound,
        "gap": round(stats.gap, 4),
        "overtime_min": summary.get("overtime_minutes", 0),
        "checker": checker,
        "time_limit": args.time_limit,
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "run_date": date.today().isoformat(),
    }
    print(
        f"{case:<28} {seed:>4} {problem.n_activities:>10} {problem.n_staff:>5} "
        f"{stats.variables:>6} {row['first_solution_s']:>7.2f} {wall:>6.2f} {row['placed']:>6} "
        f"{row['unplaced']:>8} {row['changed']!s:>7} {row['published_unplaced']!s:>7} "
        f"{stats.status.value:>9} "
        f"{stats.gap:>7.1%} {checker:>8}"
    )
    return row, frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", default="2027-03-01")
    parser.add_argument("--weeks", type=int, default=6)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--roster-time", type=float, default=30.0)
    parser.add_argument("--seeds", default="0")
    args = parser.parse_args()

    unit = load_unit(ROOT / "examples" / "ortopedi")
    start = date.fromisoformat(args.start)
    clock = time.perf_counter()
    plan = plan_days(unit, start, args.weeks)
    minutes = {a.id: a.mean_process_time for a in unit.activity_types}
    day = busiest_day(plan.days, minutes)
    monday = day - timedelta(days=day.weekday())
    print(f"daily plan of {args.weeks} weeks from {start}: {time.perf_counter() - clock:.1f} s;")
    print(f"busiest day {day} ({day:%A})")

    clock = time.perf_counter()
    dates = pd.to_datetime(plan.cover["date"]).dt.date
    week = plan.cover[(dates >= monday) & (dates < monday + timedelta(days=7))]
    roster_problem = compile_roster(unit, monday, 1, week)
    roster = solve_roster(
        roster_problem, SolveOptions(time_limit=args.roster_time, num_workers=args.workers)
    )
    assert roster.solution is not None, f"no roster for the week of {monday}"
    grid = roster_grid(roster_problem, roster.solution, monday)
    print(
        f"roster of the week of {monday}: {roster.stats.status.value}, gap "
        f"{roster.stats.gap:.1%}, {time.perf_counter() - clock:.1f} s"
    )

    counts = day_counts(plan.days, day)
    on_shift = day_roster(grid, day)
    compiled = compile_rooms(unit, day, counts, on_shift)
    print(HEADER)
    print("-" * len(HEADER))
    rows = []
    published: pd.DataFrame | None = None
    for seed in (int(s) for s in args.seeds.split(",")):
        row, frame = _run("schedule", compiled, unit, seed, args)
        rows.append(row)
        published = frame if published is None else published

    # the rooms half of repair, from the first seed's schedule: the busiest theatre closes;
    # six extra outpatient visits arrive
    assert published is not None
    placed = published[published["room"].str.startswith("op")]
    theatre = str(placed["room"].value_counts().idxmax())
    cases = {
        f"repair: {theatre} closed": RoomChanges(closed={theatre: []}),
        "repair: 6 extra new visits": RoomChanges(extra={"nybesok_lakare": 6}),
    }
    for name, changes in cases.items():
        again = compile_rooms(unit, day, counts, on_shift, published=published, changes=changes)
        row, _ = _run(name, again, unit, int(args.seeds.split(",")[0]), args)
        rows.append(row)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
