"""``balans plan`` (the tactical production plan) and ``balans whatif`` (scenarios)."""

from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from api.commands import arguments
from engine.errors import InputError
from engine.io import PINNED_FILE, load_unit, write_files
from engine.plan import (
    Plan,
    RollingStart,
    continue_plan,
    plan_unit,
    read_pins,
    read_plan_options,
    read_waiting,
    start_index,
)
from engine.scenarios import WhatIf, load_scenario, run_whatif
from solvers.common import SolveOptions
from solvers.tactical import BACKENDS

if TYPE_CHECKING:
    import argparse

    from engine.plan import PinnedVolume
    from models.plan import PlanOptions
    from models.unit import Unit


def _solve_options(args: argparse.Namespace, workers: int | None = None) -> SolveOptions:
    return SolveOptions(
        time_limit=args.time_limit, backend=args.backend, seed=args.seed, num_workers=workers
    )


def _inputs(args: argparse.Namespace) -> tuple[tuple[PinnedVolume, ...], PlanOptions | None]:
    pinned = args.pinned
    if pinned is None and Path(args.unit).is_dir() and (Path(args.unit) / PINNED_FILE).exists():
        pinned = Path(args.unit) / PINNED_FILE
    pins = read_pins(pinned) if pinned is not None else ()
    options = read_plan_options(args.options) if args.options is not None else None
    return pins, options


def _percent(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{value:.0%}"


def plan_summary(plan: Plan, top: int = 6) -> str:
    """What a planner reads first: solver figures, KPIs, the weeks, the tightest resources."""
    stats = plan.stats
    kpis = plan.kpis()
    c = plan.compiled
    lines = [
        f"Solver: {stats.backend} {stats.status}, objective {stats.objective:,.2f}, bound "
        f"{stats.bound:,.2f}, gap {stats.gap:.2e}, {stats.wall_time:.2f} s "
        f"({stats.variables} variables, {stats.constraints} constraints)",
        "Objective by term: "
        + ", ".join(f"{name} {value:,.1f}" for name, value in plan.terms.items()),
        "",
        f"Treated {kpis['treated']:,.0f} patients; waiting list "
        f"{plan.compiled.problem.waiting.sum():,.0f} at the start, {kpis['backlog_end']:,.0f} "
        f"at the end (peak {kpis['backlog_peak']:,.0f}); "
        f"{kpis['share_within_guarantee']:.1%} treated within the care guarantee, "
        f"{kpis['patient_weeks_beyond_guarantee']:,.0f} patient-weeks beyond it; extra "
        f"capacity costs {kpis['extra_cost']:,.0f}; {kpis['shortfall_shifts']:,.1f} shifts "
        "short of own staff in all.",
        "",
    ]
    weeks = plan.week_frame()
    shifts = plan.competence_shortfall_shifts()
    competences = [
        ref for ref, kind in zip(c.resources.refs, c.resources.kinds, strict=True)
        if kind == "competence"
    ]  # fmt: skip
    short = np.argsort(-shifts.sum(axis=0))[:3]
    table = pd.DataFrame(
        {
            "treated": [f"{v:,.0f}" for v in weeks["treated"]],
            "waiting": [f"{v:,.0f}" for v in weeks["backlog"]],
            "past guarantee": [f"{v:,.0f}" for v in weeks["beyond_guarantee"]],
            "within": [_percent(v) for v in weeks["share_within_guarantee"]],
            "extra cost": [f"{v:,.0f}" for v in weeks["extra_cost"]],
        }
        | {f"{competences[i]} shifts": [f"{v:.1f}" for v in shifts[:, i]] for i in short},
        index=pd.Index(plan.weeks, name="week"),
    )
    lines += ["Per week (shifts: short of own staff, covered by extra capacity):",
              table.to_string(), ""]  # fmt: skip
    r = c.resources
    used, capacity = plan.usage.sum(axis=0), plan.capacity.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        utilisation = np.where(capacity > 0, used / capacity, np.nan)
    order = np.argsort(-np.nan_to_num(utilisation, nan=-1))[:top]
    resources = pd.DataFrame(
        {
            "resource": [r.refs[i] for i in order],
            "used": [f"{used[i]:,.0f} {r.measures[i]}" for i in order],
            "capacity": [f"{capacity[i]:,.0f}" for i in order],
            "extra": [f"{plan.extra_capacity[:, i].sum():,.0f}" for i in order],
            "utilisation": [_percent(utilisation[i]) for i in order],
            "peak": [_percent(plan.utilisation[:, i].max()) for i in order],
        }
    )
    lines += ["Resources, the most used first:", resources.to_string(index=False)]
    verdict = "the plan stays within capacity plus the extra it buys"
    if plan.violations:
        verdict = "VIOLATIONS: " + "; ".join(plan.violations)
    lines += ["", f"Check: {verdict}."]
    return "\n".join(lines)


def _rolling_start(
    args: argparse.Namespace,
    unit: Unit,
    pins: tuple[PinnedVolume, ...],
    options: PlanOptions | None,
) -> RollingStart | None:
    """``--start``: the waiting list there from ``--waiting``, else the one the plan from the
    calendar's first week leaves there."""
    if args.start is None:
        if args.waiting is not None:
            raise InputError.single("--waiting", "", args.waiting, "--start WEEK to go with it")
        return None
    if args.waiting is not None:
        return read_waiting(args.waiting, unit, args.start)
    if start_index(unit, args.start) == 0:
        return None
    before = tuple(pin for pin in pins if pin.week < args.start)
    base = plan_unit(
        unit, pins=before, options=options, solve_options=_solve_options(args), checked=True
    )
    return continue_plan(base, args.start)


def run_plan(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    unit = load_unit(args.unit)
    pins, options = _inputs(args)
    try:
        start = _rolling_start(args, unit, pins, options)
        plan = plan_unit(
            unit,
            weeks=args.weeks,
            pins=tuple(p for p in pins if start is None or p.week >= start.week),
            options=options,
            solve_options=_solve_options(args),
            checked=True,
            start=start,
        )
    except RuntimeError as error:  # stopped without a plan, nothing contradictory
        sys.stderr.write(f"balans: error: {error}\n")
        return 1
    out = Path(args.out or "out")
    write_files(
        out,
        iter(
            [
                ("plan.csv", plan.frame().to_csv(index=False)),
                ("plan.json", json.dumps(plan.to_dict(), ensure_ascii=False, indent=1)),
            ]
        ),
    )
    header = (
        f"Tactical plan of {unit.id} ({unit.name or unit.id}): {plan.weeks[0]} .. "
        f"{plan.weeks[-1]}, {len(plan.weeks)} weeks, {len(unit.product_groups)} product groups, "
        f"{len(unit.activity_types)} activity types, {len(pins)} pinned volumes "
        f"({time.perf_counter() - started:.2f} s)"
    )
    sys.stdout.write(
        f"{header}\n\n{plan_summary(plan, args.top)}\n"
        f"Wrote {out / 'plan.csv'} and {out / 'plan.json'}\n"
    )
    return 0 if not plan.violations else 1


def whatif_table(whatif: WhatIf) -> str:
    """KPIs side by side, the base first."""
    kpis = {o.name: o.plan.kpis() if o.plan is not None else {} for o in whatif.outcomes}
    shown = {
        "treated": ("patients treated", "{:,.0f}"),
        "backlog_end": ("waiting at the end", "{:,.0f}"),
        "backlog_mean": ("waiting, mean", "{:,.0f}"),
        "patient_weeks_beyond_guarantee": ("patient-weeks past guarantee", "{:,.0f}"),
        "share_within_guarantee": ("treated within guarantee", "{:.1%}"),
        "utilisation_mean": ("utilisation, mean", "{:.1%}"),
        "extra_cost": ("extra capacity cost", "{:,.0f}"),
        "shortfall_shifts": ("shifts short of own staff", "{:,.1f}"),
        "weekly_change": ("week-to-week change", "{:,.1f}"),
        "objective": ("objective", "{:,.1f}"),
    }
    rows = {
        label: [form.format(k[key]) if key in k else "-" for k in kpis.values()]
        for key, (label, form) in shown.items()
    }
    return pd.DataFrame(rows, index=list(kpis)).T.to_string()


def run_whatif_command(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    unit = load_unit(args.unit)
    pins, options = _inputs(args)
    scenarios = [(load_scenario(path), str(path)) for path in args.scenarios]
    workers = args.workers or min(len(scenarios) + 1, os.cpu_count() or 1)
    whatif = run_whatif(
        unit,
        scenarios,
        weeks=args.weeks,
        pins=pins,
        options=options,
        solve_options=_solve_options(args, workers=1 if workers > 1 else None),
        workers=workers,
    )
    out = Path(args.out or "out")
    write_files(
        out,
        iter([("whatif.json", json.dumps(whatif.to_dict(), ensure_ascii=False, indent=1))]),
    )
    lines = [
        f"What-if for {unit.id}: the base and {len(scenarios)} scenarios in {workers} "
        f"process{'es' if workers != 1 else ''} ({time.perf_counter() - started:.2f} s)",
        "",
        whatif_table(whatif),
    ]
    for outcome in whatif.outcomes:
        for problem in outcome.problems:
            lines.append(f"{outcome.name}: no plan: {problem}")
    for outcome in whatif.scenarios:
        changes = whatif.biggest_changes(outcome, args.top)
        if not changes:
            continue
        weeks, resources = changes["weeks"], changes["resources"]
        lines += [
            "",
            f"{outcome.name}: {outcome.description}".rstrip(": "),
            "  weeks whose waiting list changes most: "
            + (
                ", ".join(
                    f"{w} {d:+,.0f}"
                    for w, d in zip(weeks["week"], weeks["change"], strict=True)
                    if abs(d) >= 0.5
                )
                or "none by half a patient or more"
            ),
            "  resources that change most (used, capacity, extra; base -> scenario):",
        ]
        for row in resources.itertuples():
            lines.append(
                f"    {row.resource}: used {row.used_base:,.0f} -> {row.used:,.0f}, capacity "
                f"{row.capacity_base:,.0f} -> {row.capacity:,.0f}, extra {row.extra_base:,.0f} "
                f"-> {row.extra:,.0f} {row.measure}"
            )
    lines.append(f"Wrote {out / 'whatif.json'}")
    sys.stdout.write("\n".join(lines) + "\n")
    failed = any(o.plan is not None and o.plan.violations for o in whatif.outcomes)
    return 1 if failed else 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("unit", help="a unit folder (unit.yaml + CSV files) or a .json document")
    p.add_argument("--weeks", type=int, help="weeks to plan from the calendar's start (max 52)")
    p.add_argument("--out", help="output folder (default: out)")
    p.add_argument("--backend", choices=BACKENDS, default="highs", help="MILP solver")
    p.add_argument("--time-limit", type=arguments.seconds, help="seconds per solve")
    p.add_argument("--seed", type=arguments.seed, default=0, help="solver seed")
    p.add_argument(
        "--pinned", help=f"CSV week,activity,volume of agreed volumes (default UNIT/{PINNED_FILE})"
    )
    p.add_argument("--options", help="YAML file of plan option overrides (weights, limits)")
    p.add_argument("--top", type=arguments.whole(0), default=6, help="rows shown in the rankings")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``plan`` and ``whatif`` to ``commands``."""
    p = commands.add_parser("plan", help="the tactical production plan (MILP) per week")
    _common(p)
    p.add_argument(
        "--start",
        help="plan from this week of the calendar (2027-W10), a rolling plan of the weeks left",
    )
    p.add_argument(
        "--waiting",
        help="with --start: CSV product_group,waiting_since,patients of the list at the start "
        "(default: the list the plan from the calendar's first week leaves there)",
    )
    p.set_defaults(run=arguments.checked(run_plan))
    p = commands.add_parser("whatif", help="plan the unit and scenarios, compare side by side")
    _common(p)
    p.add_argument("scenarios", nargs="+", help="scenario files (YAML or JSON)")
    p.add_argument(
        "--workers", type=arguments.workers, help="processes (default: one per plan, up to cores)"
    )
    p.set_defaults(run=arguments.checked(run_whatif_command))
