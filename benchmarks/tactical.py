"""Tactical plan benchmark: the example clinic over 52 weeks, and a region solved unit by unit.

Cases:

* ``clinic``: ``examples/ortopedi``, 52 weeks, HiGHS (and CBC for comparison), solved to a
  relative gap of at most 1e-4; target under 5 s. Once with the default options (extra
  capacity in parts: shifts as hours, beds as bed-days) and once with whole extra shifts and
  beds (:data:`WHOLE`, a MILP).
* ``region``: ``engine.generate.region(100, seed=1)``, each unit planned over 52 weeks in its
  own process, two processes of one thread each; target under 60 s on 2 cores. Generating
  the region is not timed.

Prints time, gap and model size per case and writes ``benchmarks/results/tactical.csv``.
Run with ``python -m benchmarks.tactical [--units N] [--processes P]``.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from engine.generate import region
from engine.io import load_unit
from engine.plan import plan_unit
from models.plan import PlanOptions
from models.unit import Unit
from solvers.common import SolveOptions

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "tactical.csv"
GAP = 1e-4


WHOLE = PlanOptions(whole_shifts=True, whole_beds=True)
"""Whole extra shifts and beds: a MILP with about 1,300 integer variables per unit."""


def _plan(
    unit: Unit, backend: str = "highs", threads: int = 1, options: PlanOptions | None = None
) -> dict[str, object]:
    started, cpu = time.perf_counter(), time.process_time()
    plan = plan_unit(
        unit,
        weeks=52,
        options=options,
        solve_options=SolveOptions(backend=backend, gap_limit=GAP, num_workers=threads),
        checked=True,
    )
    return {
        "unit": unit.id,
        "backend": backend,
        "units": "whole" if options is not None else "part",
        "status": str(plan.stats.status),
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "solve_seconds": plan.stats.wall_time,
        "gap": plan.stats.gap,
        "variables": plan.stats.variables,
        "constraints": plan.stats.constraints,
        "check_ok": not plan.violations,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    rows: list[dict[str, object]] = []

    clinic = load_unit(ROOT / "examples" / "ortopedi")
    print(
        "case    extra  backend  threads  status    seconds      gap  variables  constraints  check"
    )
    for options, backend, threads in (
        (None, "highs", 1),
        (None, "highs", 2),
        (None, "cbc", 1),
        (WHOLE, "highs", 1),
        (WHOLE, "cbc", 1),
    ):
        best = min(
            (_plan(clinic, backend, threads, options) for _ in range(2)),
            key=lambda r: float(str(r["seconds"])),
        )
        rows.append({"case": "clinic", "threads": threads, **best})
        print(
            f"clinic  {best['units']:5}  {backend:7}  {threads:7}  {best['status']:8}  "
            f"{best['seconds']:7.2f}  {best['gap']:7.1e}  {best['variables']:9}  "
            f"{best['constraints']:11}  {'ok' if best['check_ok'] else 'VIOLATED'}"
        )

    units = region(args.units, seed=1)
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.processes) as pool:
        results = list(pool.map(_plan, units))
    wall = time.perf_counter() - started
    worst = max(float(str(r["gap"])) for r in results)
    slowest = max(float(str(r["seconds"])) for r in results)
    mean = sum(float(str(r["seconds"])) for r in results) / len(results)
    cpu = sum(float(str(r["cpu_seconds"])) for r in results)
    statuses = sorted({str(r["status"]) for r in results})
    ok = all(r["check_ok"] for r in results)
    for r in results:
        rows.append({"case": "region", "threads": 1, **r})
    print(
        f"region  {args.units} units in {args.processes} processes: {wall:.1f} s wall "
        f"({mean:.2f} s mean per unit, slowest {slowest:.2f} s), worst gap {worst:.1e}, "
        f"statuses {', '.join(statuses)}, checks {'ok' if ok else 'VIOLATED'}; "
        f"{results[0]['variables']} variables, {results[0]['constraints']} constraints per unit"
    )
    print(
        f"region  CPU time of the solves {cpu:.1f} s, {cpu / args.processes:.1f} s per process: "
        f"the wall time on {args.processes} otherwise idle cores; load average during the run "
        f"{os.getloadavg()[0]:.1f}"
    )
    rows.append(
        {
            "case": "region_total",
            "unit": f"{args.units} units",
            "backend": "highs",
            "threads": args.processes,
            "status": ",".join(statuses),
            "seconds": wall,
            "cpu_seconds": cpu,
            "gap": worst,
            "check_ok": ok,
        }
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    fields = ["case", "unit", "units", "backend", "threads", "status", "seconds", "cpu_seconds"]
    fields += ["solve_seconds", "gap"]
    fields += ["variables", "constraints", "check_ok"]
    with RESULTS.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    print(
        f"CPython {platform.python_version()}, {os.cpu_count()} CPUs; wrote "
        f"{RESULTS.relative_to(ROOT)}"
    )


if __name__ == "__main__":
    main()
