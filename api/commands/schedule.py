"""``balans schedule``: the daily plan of some weeks and the staff roster that carries it out."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.commands import arguments
from engine.daily import DEFAULT_OPTIONS, plan_days
from engine.errors import InputError
from engine.followup import read_activity_volumes
from engine.io import load_unit, write_files
from engine.roster import (
    BOUGHT_FILE,
    bought_in,
    compile_roster,
    cover_shortfalls,
    explain_infeasible,
    roster_grid,
    roster_summary,
    solve_roster,
    with_bought,
)
from models.base import week_label
from solvers.common import SolveOptions

if TYPE_CHECKING:
    import argparse

    import pandas as pd

    from models.unit import Unit

NO_ROSTER = 3
"""Exit code when no roster meets the hard rules (the reasons are printed)."""


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError.single("--start", "", text, "a date like 2027-03-01") from None


def _weekly_plan(path: str | None, unit: Unit, start: date, weeks: int) -> pd.DataFrame | None:
    """The ``--plan`` volumes (:func:`engine.followup.read_activity_volumes`), which must
    hold the weeks scheduled."""
    if path is None:
        return None
    volumes = read_activity_volumes(path, unit)
    wanted = [week_label(start + timedelta(weeks=w)) for w in range(weeks)]
    missing = [week for week in wanted if week not in set(volumes["week"])]
    if missing:
        held = sorted(set(volumes["week"]))
        raise InputError.single(
            path,
            "week",
            f"{held[0]} .. {held[-1]}",
            f"rows for every week scheduled, {wanted[0]} .. {wanted[-1]} (none for "
            f"{', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''})",
        )
    return volumes


def _line(stage: str, seconds: float, text: str) -> str:
    return f"{stage:<11} {seconds:6.2f} s  {text}"


@dataclass
class Outcome:
    """What a schedule run produced: a summary line per stage, files to write, an exit code."""

    lines: list[str]
    files: list[tuple[str, str]]
    code: int = 0
    reasons: list[str] = field(default_factory=list)


def schedule(
    unit: Unit,
    start: date,
    weeks: int,
    weekly: pd.DataFrame | None,
    options: SolveOptions,
    extra_rooms: pd.DataFrame | None = None,
    extra_staff: pd.DataFrame | None = None,
) -> Outcome:
    """The daily plan, then the roster that staffs it; with the reasons when there is none.

    ``extra_rooms`` is room time a tactical plan bought (``week, room_type, hours``), and
    ``extra_staff`` staff time (``week, competence, hours``): the roster gets staff for it
    (:func:`engine.roster.bought_staff`), and the weeks of the roster are written to
    ``bought.csv`` for the commands that read the roster after."""
    clock = time.perf_counter()
    daily_options = replace(
        DEFAULT_OPTIONS,
        time_limit=options.time_limit or DEFAULT_OPTIONS.time_limit,
        num_workers=options.num_workers,
        seed=options.seed,
    )
    plan = plan_days(
        unit, start, weeks, weekly=weekly, options=daily_options, extra_rooms=extra_rooms
    )
    stats = plan.result.stats
    placed = plan.days[plan.days["kind"] != "bed_day"]["volume"].sum()
    lines = [
        _line(
            "daily plan",
            time.perf_counter() - clock,
            f"{placed:,.0f} activities over {weeks * 7} days, "
            f"{plan.unplaced['volume'].sum():,.0f} unplaced; {stats.status.value}, "
            f"gap {stats.gap:.2%}; checker: "
            + ("sound" if not plan.violations else f"{len(plan.violations)} VIOLATIONS"),
        )
    ]
    clock = time.perf_counter()
    extra_staff = bought_in(extra_staff, start, weeks)
    unit = with_bought(unit, extra_staff)
    problem = compile_roster(unit, start, weeks, plan.cover)
    result = solve_roster(problem, options)
    summary: dict[str, Any] = {"daily_plan": {
        "status": stats.status.value,
        "objective": stats.objective,
        "bound": stats.bound,
        "gap": stats.gap,
        "wall_time": stats.wall_time,
        "penalties": plan.result.penalties,
        "unplaced": plan.unplaced.to_dict("records"),
        "overfull_beds": len(plan.overfull_beds),
        "violations": list(plan.violations),
    }}  # fmt: skip
    summary["roster"] = roster = roster_summary(problem, result)
    files = [
        ("daily_plan.csv", plan.days.to_csv(index=False)),
        ("cover.csv", plan.cover.to_csv(index=False)),
    ]
    if result.solution is None:
        reasons = explain_infeasible(problem, options).lines(start) or [
            "the relaxed solve found no explanation in time"
        ]
        roster["infeasible"] = reasons
        files.append(("summary.json", json.dumps(summary, indent=1, default=str)))
        lines.append(_line("roster", time.perf_counter() - clock, result.stats.status.value))
        return Outcome(lines, files, NO_ROSTER, reasons)
    if extra_staff is not None and not extra_staff.empty:
        files.append((BOUGHT_FILE, extra_staff.to_csv(index=False)))
    files += [
        ("roster.csv", roster_grid(problem, result.solution, start).to_csv()),
        ("shortfalls.csv", cover_shortfalls(problem, result.solution, start).to_csv(index=False)),
        ("summary.json", json.dumps(summary, indent=1, default=str)),
    ]
    violations = roster.get("hard_violations")
    verdict = "no hard violation" if violations == 0 else f"{violations} HARD VIOLATIONS"
    lines.append(
        _line(
            "roster",
            time.perf_counter() - clock,
            f"{problem.n_staff} staff x {problem.n_days} days; {result.stats.status.value}, "
            f"gap {result.stats.gap:.2%}; cover met in {roster.get('cover_met')} of "
            f"{roster.get('cover_cells')} cells ({roster.get('cover_short_people')} people "
            f"short); checker: {verdict}",
        )
    )
    forced = roster.get("forced_short")
    if isinstance(forced, list) and forced:
        lines.append(
            " " * 21
            + "short in every roster: "
            + "; ".join(
                f"{f['competence']} {f['short']} of {f['wanted']} shifts wanted (its "
                f"{f['staff']} {'person' if f['staff'] == 1 else 'people'} can work at most "
                f"{f['most']} of them)"
                for f in forced
            )
        )
    penalties = roster.get("penalties") or {}
    if isinstance(penalties, dict) and any(penalties.values()):
        lines.append(
            " " * 21
            + "penalties: "
            + ", ".join(f"{rule} {value:g}" for rule, value in penalties.items() if value)
        )
    spreads = roster.get("fairness")
    if isinstance(spreads, list) and spreads:
        lines.append(" " * 21 + "fairness, costliest: " + "; ".join(map(spread_text, spreads[:3])))
    return Outcome(lines, files)


def spread_text(spread: dict[str, object]) -> str:
    """A fairness spread of the roster summary (``roster_summary``'s ``fairness``) in a few
    words: its range, who makes its ends, its cost."""
    return (
        f"{spread['kind']} {spread['fewest']}-{spread['most']} among {spread['staff']} "
        f"(most {_names(spread['most_staff'])}, fewest {_names(spread['fewest_staff'])}) "
        f"{spread['penalty']}"
    )


def _names(staff: object, shown: int = 2) -> str:
    """The first ``shown`` staff ids of a list, and how many more."""
    ids = [str(s) for s in staff] if isinstance(staff, list) else []
    more = f" and {len(ids) - shown} more" if len(ids) > shown else ""  # "+3" read as nights
    return ", ".join(ids[:shown]) + more


def finish(outcome: Outcome, out: Path) -> int:
    """Write the outcome's files, print its lines (and reasons), return its exit code."""
    write_files(out, iter(outcome.files))
    names = ", ".join(name for name, _ in outcome.files)
    sys.stdout.write("\n".join([*outcome.lines, f"Wrote {names} to {out}"]) + "\n")
    if outcome.reasons:
        sys.stderr.write("balans: no roster meets the hard rules:\n")
        sys.stderr.writelines(f"  {reason}\n" for reason in outcome.reasons)
    return outcome.code


def run_schedule(args: argparse.Namespace) -> int:
    """Daily plan, then roster; writes daily_plan.csv, cover.csv, roster.csv, summary.json."""
    started = time.perf_counter()
    unit = load_unit(args.unit)
    start = _date(args.start)
    options = SolveOptions(time_limit=args.time_limit, num_workers=args.workers, seed=args.seed)
    loaded = _line(
        "load", time.perf_counter() - started, f"unit {unit.id}, {len(unit.staff)} staff"
    )
    weekly = _weekly_plan(args.plan, unit, start, args.weeks)
    outcome = schedule(unit, start, args.weeks, weekly, options)
    outcome.lines.insert(0, loaded)
    return finish(outcome, Path(args.out))


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``schedule`` to ``commands``."""
    p = commands.add_parser("schedule", help="daily plan and staff roster for some weeks (1 to 18)")
    p.add_argument("unit", help="a unit folder or a .json document")
    p.add_argument("--start", required=True, help="the first day, a Monday (2027-03-01)")
    p.add_argument("--weeks", type=arguments.weeks, default=6, help="weeks to plan (default 6)")
    p.add_argument("--plan", help="weekly volumes to break into days (week,activity,volume CSV)")
    p.add_argument("--out", default="out", help="folder for the files (default: out)")
    p.add_argument(
        "--time-limit",
        type=arguments.seconds,
        default=60.0,
        help="seconds for each of daily plan and roster",
    )
    p.add_argument(
        "--workers", type=arguments.workers, default=None, help="CP-SAT workers (default: cores)"
    )
    p.add_argument("--seed", type=arguments.seed, default=0)
    p.set_defaults(run=arguments.checked(run_schedule))
