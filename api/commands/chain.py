"""``balans run``: the whole chain on a unit, a summary line per stage with its time.

care need -> production need -> balance -> tactical plan -> daily plan -> roster
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from api.commands import arguments
from api.commands.schedule import _date, _line, finish, schedule
from engine.balance import balance
from engine.io import load_unit
from engine.plan import plan_unit
from solvers.common import SolveOptions

if TYPE_CHECKING:
    import argparse


def run_chain(args: argparse.Namespace) -> int:
    """Run every stage on the unit and write each stage's files under ``--out``."""
    clock = time.perf_counter()
    unit = load_unit(args.unit)
    given = _date(args.start) if args.start else None  # a bad --start before the solves
    lines = [
        _line(
            "load",
            time.perf_counter() - clock,
            f"unit {unit.id}: {len(unit.staff)} staff, {len(unit.activity_types)} activity "
            f"types, {len(unit.product_groups)} product groups, {unit.calendar.weeks} weeks",
        )
    ]

    clock = time.perf_counter()
    report = balance(unit, checked=True)
    top = report.ranking.iloc[0]
    patients = sum(n.patients for n in unit.care_need)
    lines.append(
        _line(
            "balance",
            time.perf_counter() - clock,
            f"{patients:,.0f} patients -> need in {len(report.resources)} resources; "
            f"bottleneck {top['resource'].split(':', 1)[1]} at {top['utilisation']:.0%}, "
            f"short in {top['weeks_short']} weeks by {top['shortfall_steps']:,.1f} {top['step']}",
        )
    )

    clock = time.perf_counter()
    plan = plan_unit(
        unit,
        checked=True,
        solve_options=SolveOptions(time_limit=args.time_limit, num_workers=args.workers),
    )
    kpis = plan.kpis()
    lines.append(
        _line(
            "plan",
            time.perf_counter() - clock,
            f"{plan.stats.status.value}, gap {plan.stats.gap:.2%}; {kpis['treated']:,.0f} "
            f"treated in {len(plan.weeks)} weeks, {kpis['share_within_guarantee']:.0%} within "
            f"the guarantee, backlog {kpis['backlog_end']:,.0f} at the end",
        )
    )

    start = given or unit.calendar.start + timedelta(weeks=8)
    ids = [a.id for a in unit.activity_types]
    weekly = (
        pd.DataFrame(plan.activities, index=list(plan.weeks), columns=ids)
        .rename_axis("week")
        .reset_index()
        .melt(id_vars="week", var_name="activity", value_name="volume")
    )
    resources = plan.compiled.resources

    def bought(kind: str, column: str) -> pd.DataFrame:
        """The plan's extra capacity of one kind of resource: ``week, <column>, hours``."""
        return pd.DataFrame(
            [
                (week, resources.refs[r], float(plan.extra_capacity[w, r]))
                for w, week in enumerate(plan.weeks)
                for r, of in enumerate(resources.kinds)
                if of == kind and plan.extra_capacity[w, r] > 1e-9
            ],
            columns=["week", column, "hours"],
        )

    options = SolveOptions(time_limit=args.time_limit, num_workers=args.workers, seed=args.seed)
    outcome = schedule(
        unit,
        start,
        args.weeks,
        weekly,
        options,
        extra_rooms=bought("room_type", "room_type"),
        extra_staff=bought("competence", "competence"),
    )
    outcome.lines[:0] = lines
    outcome.files[:0] = [
        ("balance.csv", report.frame().to_csv(index=False)),
        ("balance.json", json.dumps(report.to_dict(), ensure_ascii=False, indent=1)),
        ("plan_kpis.json", json.dumps(kpis, indent=1)),
    ]
    return finish(outcome, Path(args.out))


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``run`` to ``commands``."""
    p = commands.add_parser(
        "run", help="the whole chain: balance, tactical plan, daily plan and roster"
    )
    p.add_argument("unit", help="a unit folder or a .json document")
    p.add_argument(
        "--start", help="first day of the daily plan and roster, a Monday (default: week 9)"
    )
    p.add_argument(
        "--weeks", type=arguments.weeks, default=6, help="weeks of daily plan and roster"
    )
    p.add_argument("--out", default="out", help="folder for every stage's files (default: out)")
    p.add_argument(
        "--time-limit", type=arguments.seconds, default=60.0, help="seconds per solver stage"
    )
    p.add_argument(
        "--workers", type=arguments.workers, default=None, help="solver threads (default: cores)"
    )
    p.add_argument("--seed", type=arguments.seed, default=0)
    p.set_defaults(run=arguments.checked(run_chain))
