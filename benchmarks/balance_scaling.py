"""Scaling curve of the balance: time and memory of ``balance(unit)`` for regions of units.

Run from the repository root::

    python -m benchmarks.balance_scaling [--sizes 1,10,100,1000] [--seed 1] [--repeat 3]

For each size it takes a synthetic region of that many units (:func:`engine.generate.region`,
52 ISO weeks each; generating them is not timed), balances every unit one after the other in
this process, and reports the best wall time of ``--repeat`` runs. Peak memory is measured in
a separate run under ``tracemalloc`` (it slows Python down, so it never overlaps the timing):
the peak of memory allocated while balancing the region, keeping every report, as a regional
roll-up would.

The units of ``region(n, seed)`` are the first ``n`` units of ``region(N, seed)`` for any
``N >= n``, so the biggest region is generated once and the smaller ones are its prefixes.

Prints a table and writes ``benchmarks/results/balance_scaling.csv``.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import platform
import resource
import sys
import time
import tracemalloc
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from engine.balance import BalanceReport, balance
from engine.generate import region

if TYPE_CHECKING:
    from models.unit import Unit

RESULTS = Path(__file__).resolve().parent / "results" / "balance_scaling.csv"
MIB = 1024 * 1024


@dataclass(frozen=True)
class Row:
    """One size of the scaling curve."""

    units: int
    staff: int
    weeks: int
    seconds: float
    seconds_per_unit: float
    peak_mib: float


def balance_all(units: list[Unit]) -> list[BalanceReport]:
    """Balance every unit, in order, keeping the reports."""
    return [balance(unit) for unit in units]


def best_time(units: list[Unit], repeat: int) -> float:
    """Best wall time, in seconds, of ``repeat`` runs of :func:`balance_all`."""
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        balance_all(units)
        best = min(best, time.perf_counter() - start)
    return best


def peak_memory(units: list[Unit]) -> float:
    """Peak memory, in MiB, allocated while balancing ``units`` (tracemalloc)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        reports = balance_all(units)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del reports
    return peak / MIB


def measure(units: list[Unit], repeat: int) -> Row:
    """Time and memory of balancing ``units``."""
    seconds = best_time(units, repeat)
    return Row(
        units=len(units),
        staff=sum(len(u.staff) for u in units),
        weeks=units[0].calendar.weeks if units else 0,
        seconds=seconds,
        seconds_per_unit=seconds / max(len(units), 1),
        peak_mib=peak_memory(units),
    )


def scaling_exponent(rows: list[Row]) -> float | None:
    """Slope of log(seconds) against log(units) over the sizes of 10 units or more (1 is
    linear); None with fewer than two such sizes."""
    fitted = [r for r in rows if r.units >= 10 and r.seconds > 0]
    if len(fitted) < 2:
        return None
    slope, _ = np.polyfit(np.log([r.units for r in fitted]), np.log([r.seconds for r in fitted]), 1)
    return float(slope)


def write_csv(rows: list[Row], path: Path, seed: int) -> None:
    """Write the rows, with the machine they ran on, to ``path``."""
    machine = {
        "seed": seed,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=[*asdict(rows[0]), *machine], lineterminator="\n")
        writer.writeheader()
        for row in rows:
            values = asdict(row)
            for key in ("seconds", "seconds_per_unit", "peak_mib"):
                values[key] = f"{values[key]:.6g}"
            writer.writerow(values | machine)


def print_table(rows: list[Row]) -> None:
    """Print the rows as a plain text table."""
    header = f"{'units':>6} {'staff':>8} {'seconds':>9} {'s/unit':>9} {'peak MiB':>9}"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r.units:>6} {r.staff:>8} {r.seconds:>9.3f} {r.seconds_per_unit * 1000:>7.2f}ms"
            f" {r.peak_mib:>9.1f}"
        )


def parse_sizes(text: str) -> list[int]:
    """``'1,10,100'`` -> ``[1, 10, 100]``."""
    try:
        sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 1,10,100, got {text!r}") from None
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError(f"sizes must be positive, got {text!r}")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=parse_sizes, default=[1, 10, 100, 1000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per size; best kept")
    parser.add_argument("--out", type=Path, default=RESULTS, help="CSV file to write")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    units = region(max(args.sizes), seed=args.seed)
    generated = time.perf_counter() - start
    print(
        f"generated {len(units)} units ({sum(len(u.staff) for u in units)} staff, "
        f"52 weeks each) in {generated:.1f} s; not counted below"
    )
    balance(units[0])  # warm up: imports, holiday tables, first numpy calls

    rows = [measure(units[:size], args.repeat) for size in args.sizes]
    print_table(rows)
    exponent = scaling_exponent(rows)
    if exponent is not None:
        print(f"time ~ units^{exponent:.2f} (log-log slope over sizes >= 10; 1 is linear)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_mib = rss / MIB if sys.platform == "darwin" else rss / 1024
    print(
        f"process max RSS {rss_mib:.0f} MiB (generated units included); "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"numpy {np.__version__}, {os.cpu_count()} CPUs, one process, best of {args.repeat}"
    )
    write_csv(rows, args.out, args.seed)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
