"""Daily plan of the example clinic over 1, 6 and 18 weeks: time, status, gap and model size.

    python -m benchmarks.daily [--weeks 1,6,18] [--start 2027-03-01] [--backend highs|cbc]

Prints a table and writes ``benchmarks/results/daily.csv``. The volumes are the forecast's
production need; each week is solved to within 10 units of its bound (the engine's default).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from engine.daily import DEFAULT_OPTIONS, plan_days
from engine.io import load_unit

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "daily.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", default="1,6,18")
    parser.add_argument("--start", default="2027-03-01")
    parser.add_argument("--backend", default="highs", choices=("highs", "cbc"))
    args = parser.parse_args()

    unit = load_unit(ROOT / "examples" / "ortopedi")
    start = date.fromisoformat(args.start)
    options = replace(DEFAULT_OPTIONS, backend=args.backend)
    rows = []
    header = f"{'weeks':>5} {'seconds':>8} {'status':>9} {'gap':>8} {'vars':>7} {'cons':>7} "
    header += f"{'placed':>8} {'unplaced':>8} {'check':>6}"
    print(f"daily plan of {unit.id}, {len(unit.activity_types)} activity types, from {start}")
    print(header)
    print("-" * len(header))
    for weeks in (int(w) for w in args.weeks.split(",")):
        clock = time.perf_counter()
        plan = plan_days(unit, start, weeks, options=options)
        seconds = time.perf_counter() - clock
        stats = plan.result.stats
        placed = float(plan.days[plan.days["kind"] != "bed_day"]["volume"].sum())
        unplaced = float(plan.unplaced["volume"].sum())
        row = {
            "weeks": weeks,
            "seconds": round(seconds, 3),
            "status": stats.status.value,
            "gap": stats.gap,
            "variables": stats.variables,
            "constraints": stats.constraints,
            "placed": placed,
            "unplaced": unplaced,
            "violations": len(plan.violations),
            "backend": args.backend,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "date": date.today().isoformat(),
        }
        rows.append(row)
        print(
            f"{weeks:>5} {seconds:>8.2f} {stats.status.value:>9} {stats.gap:>8.2e} "
            f"{stats.variables:>7} {stats.constraints:>7} {placed:>8.0f} {unplaced:>8.0f} "
            f"{'ok' if not plan.violations else 'FAIL':>6}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
