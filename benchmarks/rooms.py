"""Room schedule of the example clinic's busiest day: size, time to the first schedule, wall
time, activities placed, gap and the checker's verdict.

    python -m benchmarks.rooms [--start 2027-03-01] [--weeks 6] [--time-limit 10] [--workers 2]
                               [--roster-time 30] [--seeds 0]

The daily plan of ``--weeks`` weeks from ``--start`` (the forecast's volumes) gives the busiest
day: the most activity minutes (bed-days left out). A one-week roster of that day's week (the
daily plan's cover, ``--roster-time`` seconds) gives the staff on shift. The day is then
scheduled into rooms with ``--time-limit`` seconds per seed; only this last step is the
benchmark's figure. Prints a table and writes ``benchmarks/results/rooms.csv``.
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

from engine.daily import plan_days
from engine.io import load_unit
from engine.rooms import compile_rooms, day_counts, day_roster, room_summary, solve_rooms
from engine.roster import compile_roster, roster_grid, solve_roster
from solvers.common import SolveOptions

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "rooms.csv"


def busiest_day(days: pd.DataFrame, minutes: dict[str, float]) -> date:
    """The date with the most activity minutes (volume x mean process time, no bed-days)."""
    planned = days[days["kind"] != "bed_day"]
    load = planned["volume"] * planned["activity"].map(minutes)
    best = load.groupby(planned["date"]).sum().idxmax()
    return best if isinstance(best, date) else date.fromisoformat(str(best))


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

    compiled = compile_rooms(unit, day, day_counts(plan.days, day), day_roster(grid, day))
    problem = compiled.problem
    header = (
        f"{'seed':>4} {'activities':>10} {'rooms':>5} {'staff':>5} {'vars':>6} {'cons':>6} "
        f"{'first s':>7} {'wall s':>6} {'placed':>6} {'unplaced':>8} {'status':>9} {'gap':>7} "
        f"{'checker':>8}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for seed in (int(s) for s in args.seeds.split(",")):
        options = SolveOptions(time_limit=args.time_limit, num_workers=args.workers, seed=seed)
        clock = time.perf_counter()
        result = solve_rooms(compiled, options)
        wall = time.perf_counter() - clock
        summary = room_summary(compiled, result)
        stats = result.stats
        row = {
            "date": day.isoformat(),
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
            "status": stats.status.value,
            "objective": stats.objective,
            "bound": stats.bound,
            "gap": round(stats.gap, 4),
            "overtime_min": summary.get("overtime_minutes", 0),
            "checker": summary.get("checker", ""),
            "time_limit": args.time_limit,
            "workers": args.workers,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "run_date": date.today().isoformat(),
        }
        rows.append(row)
        print(
            f"{seed:>4} {problem.n_activities:>10} {problem.n_rooms:>5} {problem.n_staff:>5} "
            f"{stats.variables:>6} {stats.constraints:>6} {row['first_solution_s']:>7.2f} "
            f"{wall:>6.2f} {row['placed']:>6} {row['unplaced']:>8} {stats.status.value:>9} "
            f"{stats.gap:>7.1%} {row['checker']:>8}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
