"""Roster benchmark: the example clinic's 6-week roster and a generated 600-staff hospital.

Run from the repository root::

    python -m benchmarks.roster [--cases clinic,hospital] [--time-limit 60] [--workers 2]
                                [--start 2027-03-01] [--weeks 6] [--seeds 0]

For each case it compiles the roster problem (not timed in the solve figures), solves it with
CP-SAT with the given time limit and workers, runs the independent checker, and prints staff,
days, variables, constraints, time to first feasible roster, final objective, bound and gap,
hard violations, and the penalties by rule. Writes ``benchmarks/results/roster.csv``, a row per
case and seed.

CP-SAT's search on two busy cores varies from run to run even with the same seed (the clinic's
minute ended anywhere between 5,965 and 7,605), so ``--seeds 0,1,2`` runs each case once per
seed and prints the median and the range: one run says little.

The cover comes from the daily plan (:func:`engine.daily.staff_cover`) when it is available and
finds a plan; otherwise from :func:`supply_cover`, a cover drawn from the staff's own
contracted hours (the case's ``cover`` column says which).

The 600-staff hospital is the staff of several generated clinics (``orthopaedic_clinic`` with
seeds 2027, 1, 2, ...; different people, absences and contracts) in one unit, first 600 kept.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd

from engine.calendar import Horizon
from engine.capacity import staff_minutes
from engine.generate import orthopaedic_clinic
from engine.io import load_unit
from engine.roster import compile_roster, solve_roster
from models.base import week_label
from models.roster import RosterProblem
from models.unit import StaffMember, Unit
from solvers.common import Progress, SolveOptions
from solvers.roster.decompose import parts, restrict
from solvers.roster.solve import build

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "roster.csv"
SHIFT_SHARE = {"day": 0.5, "evening": 0.3, "night": 0.2}
"""Share of a round-the-clock competence's daily staff per part of the day."""


def _shift_kinds(unit: Unit) -> dict[str, str]:
    """The unit's day, evening and night shift ids (first of each found)."""
    kinds: dict[str, str] = {}
    for shift in unit.shift_types:
        if shift.night:
            kinds.setdefault("night", shift.id)
        elif 6 <= shift.start.hour < 10:
            kinds.setdefault("day", shift.id)
        elif shift.start.hour >= 12:
            kinds.setdefault("evening", shift.id)
    return kinds


def supply_cover(unit: Unit, start: date, weeks: int, load: float = 0.8) -> pd.DataFrame:
    """A cover table from what the staff can give: ``load`` of each competence's clinical
    minutes in each week (primary competences, absences and holidays counted as in
    :func:`engine.capacity.staff_minutes`), spread over the week's days.

    Round-the-clock competences are needed every day, half on the day shift, 30 % in the
    evening and 20 % at night; the others on the day shift on working days. The minimum is
    60 % of the target, rounded down.
    """
    calendar = unit.calendar.model_copy(update={"start_week": week_label(start), "weeks": weeks})
    horizon = Horizon.of(calendar)
    minutes = staff_minutes(unit, horizon)
    kinds = _shift_kinds(unit)
    paid = {s.id: s.paid_minutes for s in unit.shift_types}
    rows = []
    for competence in unit.competences:
        members = [s for s, m in enumerate(unit.staff) if m.competences[0] == competence.id]
        if not members:
            continue
        weekly = minutes[members].sum(axis=0) * load
        for w in range(weeks):
            days = [7 * w + k for k in range(7)]
            if competence.round_the_clock:
                parts = {kinds[k]: share for k, share in SHIFT_SHARE.items() if k in kinds}
            else:
                days = [d for d in days if horizon.workday[d]]
                parts = {kinds["day"]: 1.0}
            for d in days:
                for shift, share in parts.items():
                    target = int(weekly[w] / len(days) * share / paid[shift] + 0.5)
                    if target > 0:
                        rows.append(
                            (start + timedelta(days=d), shift, competence.id, int(0.6 * target),
                             target)
                        )  # fmt: skip
    return pd.DataFrame(rows, columns=["date", "shift", "competence", "minimum", "target"])


def clinic_cover(
    unit: Unit, start: date, weeks: int, load: float = 0.8
) -> tuple[pd.DataFrame, str]:
    """The daily plan's cover when it can be had, else :func:`supply_cover`; and which."""
    try:
        from engine.daily import staff_cover
    except ImportError:
        return supply_cover(unit, start, weeks, load), "supply"
    try:
        cover = staff_cover(unit, start, weeks)
    except Exception as error:  # the daily plan is optional here: say why and fall back
        print(f"  daily plan cover unavailable ({type(error).__name__}: {error}); using supply")
        return supply_cover(unit, start, weeks, load), "supply"
    return cover, "daily plan"


def hospital(staff: int = 600) -> Unit:
    """A hospital of ``staff`` people: the staff of generated clinics in one unit."""
    base = orthopaedic_clinic()
    people: list[StaffMember] = []
    seed = 0
    while len(people) < staff:
        clinic = base if seed == 0 else orthopaedic_clinic(seed=seed)
        people += [m.model_copy(update={"id": f"{m.id}-{seed}"}) for m in clinic.staff]
        seed += 1
    return base.model_copy(update={"id": "sjukhus", "staff": people[:staff]})


@dataclass
class Row:
    case: str
    seed: int
    cover: str
    staff: int
    days: int
    variables: int
    constraints: int
    compile_s: float
    first_feasible_s: float | None
    wall_s: float
    status: str
    objective: float
    bound: float
    gap_pct: float
    hard_violations: int
    penalties: str


def model_size(problem: RosterProblem) -> tuple[int, int]:
    """Variables and constraints of the CP-SAT models of the problem's independent parts. The
    solve builds them only for the parts CP-SAT works on (a large part's first roster is built
    a person at a time and improved by the neighbourhood search), so they are counted here."""
    variables = constraints = 0
    for part in parts(problem):
        proto = build(restrict(problem, part)).model.proto
        variables += len(proto.variables)
        constraints += len(proto.constraints)
    return variables, constraints


def run_case(
    name: str, unit: Unit, start: date, weeks: int, options: SolveOptions, load: float
) -> Row:
    """Compile, solve and check one case; print progress and the figures."""
    cover, source = clinic_cover(unit, start, weeks, load) if name == "clinic" else (
        supply_cover(unit, start, weeks, load), "supply")  # fmt: skip
    source = f"{source} {load:g}" if source == "supply" else source
    began = time.perf_counter()
    problem = compile_roster(unit, start, weeks, cover)
    compiled = time.perf_counter()
    last = [0.0]

    def report(p: Progress) -> None:
        if p.elapsed - last[0] >= 5 or p.solutions == 1:
            last[0] = p.elapsed
            print(f"  {p.elapsed:6.1f}s  objective {p.objective:10.0f}  bound {p.bound:10.0f}")

    result = solve_roster(problem, options, report)
    wall = time.perf_counter() - compiled
    stats = result.stats
    check = result.check
    variables, constraints = model_size(problem)
    row = Row(
        case=name,
        seed=options.seed,
        cover=source,
        staff=problem.n_staff,
        days=problem.n_days,
        variables=variables,
        constraints=constraints,
        compile_s=round(compiled - began, 2),
        first_feasible_s=(
            None if stats.first_solution_time is None else round(stats.first_solution_time, 2)
        ),
        wall_s=round(wall, 2),
        status=stats.status.value,
        objective=stats.objective,
        bound=stats.bound,
        gap_pct=round(100 * stats.gap, 3),
        hard_violations=-1 if check is None else len(check.violations),
        penalties=""
        if check is None
        else " ".join(f"{k}={v}" for k, v in sorted(check.penalty_by_rule.items()) if v),
    )
    print(
        f"{name}: {row.staff} staff x {row.days} days, {row.variables} variables, "
        f"{row.constraints} constraints; first feasible {row.first_feasible_s} s, "
        f"{row.status}, objective {row.objective:.0f}, bound {row.bound:.0f}, "
        f"gap {row.gap_pct:.2f} %, wall {row.wall_s} s, hard violations {row.hard_violations}"
    )
    print(f"  penalties: {row.penalties}")
    return row


def _spread(name: str, runs: list[Row]) -> str:
    """One line: the median and the range of the objective and the gap over ``runs``."""
    objectives = [row.objective for row in runs]
    gaps = [row.gap_pct for row in runs]
    return (
        f"{name}, {len(runs)} seeds: objective median {statistics.median(objectives):.0f} "
        f"({min(objectives):.0f} to {max(objectives):.0f}), gap median "
        f"{statistics.median(gaps):.2f} % ({min(gaps):.2f} to {max(gaps):.2f} %)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cases", default="clinic,hospital")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--seeds", default="0", help="comma-separated seeds, a run of each case per seed"
    )
    parser.add_argument("--start", type=date.fromisoformat, default=date(2027, 3, 1))
    parser.add_argument("--weeks", type=int, default=6)
    parser.add_argument(
        "--out",
        type=Path,
        default=RESULTS,
        help="CSV file to write, or a directory to write roster.csv in",
    )
    parser.add_argument(
        "--load", type=float, default=0.8, help="cover target as a share of the staff's minutes"
    )
    parser.add_argument("--no-daily", action="store_true", help="do not try the daily plan")
    args = parser.parse_args()
    try:
        seeds = [int(seed) for seed in args.seeds.split(",")]
    except ValueError:
        parser.error(f"--seeds: expected integers separated by commas (0,1,2), got {args.seeds!r}")
    units = {"clinic": lambda: load_unit(ROOT / "examples" / "ortopedi"), "hospital": hospital}
    cases = args.cases.split(",")
    unknown = [name for name in cases if name not in units]
    if unknown:
        parser.error(f"--cases: unknown case {unknown[0]!r}; expected clinic or hospital")
    out = args.out / RESULTS.name if args.out.is_dir() else args.out
    if out.parent.exists() and not out.parent.is_dir():
        parser.error(f"--out: {out.parent} is a file; expected a directory to write {out.name} in")
    rows = []
    for name in cases:
        runs = []
        for seed in seeds:
            options = SolveOptions(
                time_limit=args.time_limit, gap_limit=0.01, seed=seed, num_workers=args.workers
            )
            print(f"{name}: {args.weeks} weeks from {args.start}, {args.time_limit:g} s, "
                  f"{args.workers} workers, seed {seed}")  # fmt: skip
            case = "supply" if args.no_daily and name == "clinic" else name
            row = run_case(case, units[name](), args.start, args.weeks, options, args.load)
            row.case = name
            runs.append(row)
        if len(runs) > 1:
            print(_spread(name, runs))
        rows += runs
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*Row.__dataclass_fields__, "cores", "date"])
        stamp = datetime.now(UTC).date().isoformat()
        for row in rows:
            writer.writerow([*vars(row).values(), os.cpu_count(), stamp])
    print(f"Wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}"
          f" ({platform.python_version()}, {os.cpu_count()} CPUs)")  # fmt: skip


if __name__ == "__main__":
    main()
