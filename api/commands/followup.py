"""``balans followup``: actual production against the plan, and the rest of the horizon
re-balanced."""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from api.commands import arguments
from engine.daily import DEFAULT_OPTIONS
from engine.errors import InputError
from engine.followup import (
    FollowUp,
    Period,
    WeeklyPlan,
    daily_plan_for,
    follow_up,
    plan_range,
    read_actuals,
    read_daily_plan,
    read_weekly_plan,
)
from engine.io import PINNED_FILE, load_unit, write_files
from engine.plan import plan_unit, read_pins, read_plan_options
from models.followup import FollowUpOptions
from solvers.common import SolveOptions

if TYPE_CHECKING:
    import argparse


SHOWN_CHANGES = 6
"""Changes of extra capacity printed, the largest first (all of them are in summary.json)."""


def _signed(value: float, form: str = "{:+,.0f}") -> str:
    return form.format(value) if value == value else "-"  # NaN is not equal to itself


def week_table(followup: FollowUp) -> str:
    """Per week: all activities planned, done, the deviation and its cumulative sum, the flag,
    and the bottleneck resources' cumulative deviation in shifts (room-days, beds)."""
    totals = followup.week_totals()
    r = followup.resources
    bottleneck = followup.bottleneck_frame()
    columns: dict[str, list[str]] = {
        "days": [str(d) for d in totals["days"]],
        "planned": [f"{v:,.0f}" for v in totals["planned"]],
        "actual": [f"{v:,.0f}" for v in totals["actual"]],
        "deviation": [_signed(v) for v in totals["deviation"]],
        "%": [_signed(v, "{:+.1f}") for v in totals["deviation_pct"]],
        "cumulative": [_signed(v) for v in totals["cumulative_deviation"]],
        "cum %": [_signed(v, "{:+.1f}") for v in totals["cumulative_deviation_pct"]],
        "flag": ["*" if f else "" for f in totals["flagged"]],
    }
    for i in followup.bottlenecks:
        part = bottleneck[bottleneck["resource"] == r.keys[i]].set_index("week")
        label = f"{r.refs[i]} {r.summed_step_names[i]}"  # cumulative over the weeks
        columns[label] = [
            _signed(float(part["cumulative_steps"].get(w, float("nan"))), "{:+.1f}")
            for w in totals["week"]
        ]
    return pd.DataFrame(columns, index=pd.Index(totals["week"], name="week")).to_string()


def rebalance_lines(summary: dict[str, Any]) -> list[str]:
    """The re-balance in a few sentences."""
    if summary is None:
        return ["Nothing left to re-balance: the actuals reach the plan's last week."]
    waiting = summary["waiting_at_start"]
    extra = summary["extra_patients_per_week"]
    treated = summary["treated"]
    guarantee = summary["care_guarantee"]
    cost = summary["extra_cost"]
    share = guarantee["share_within"]
    by_week = extra["by_week"]
    peak = max(by_week, key=lambda w: by_week[w]) if by_week else "-"
    lines = [
        f"Re-balanced from {summary['start']} ({summary['weeks']} weeks): "
        f"{waiting['new']:,.0f} patients waiting at the start instead of "
        f"{waiting['old']:,.0f} ({waiting['new'] - waiting['old']:+,.0f}).",
        f"  patients treated: {treated['new']:,.0f} instead of {treated['old']:,.0f} "
        f"({treated['new'] - treated['old']:+,.0f}), {extra['mean']:+.1f} a week on average, "
        f"{extra['max']:+.1f} at most ({peak}); waiting at the end "
        f"{summary['backlog_end']['new']:,.0f} instead of {summary['backlog_end']['old']:,.0f}.",
    ]
    if guarantee["holds"]:
        lines.append(
            f"  care guarantee: holds ({share['new']:.1%} treated within it; the old plan "
            f"{share['old']:.1%})."
        )
    else:
        peak_breach = guarantee.get("peak", {})
        lines.append(
            f"  care guarantee: does NOT hold: "
            f"{guarantee['patient_weeks_beyond']['new']:,.0f} patient-weeks past it "
            f"(the old plan {guarantee['patient_weeks_beyond']['old']:,.0f}), at most "
            f"{peak_breach.get('patients', 0):,.0f} patients in {peak_breach.get('week', '-')}; "
            f"{share['new']:.1%} treated within it."
        )
    if cost["old"] is None:
        lines.append(f"  extra capacity costs {cost['new']:,.0f} (the plan file holds no cost).")
    else:
        lines.append(
            f"  extra capacity costs {cost['new']:,.0f} instead of {cost['old']:,.0f} "
            f"({cost['difference']:+,.0f}):"
        )
        changed = sorted(
            (b for b in summary["extra_bought"] if abs(b["difference"] or 0) >= 0.05),
            key=lambda b: -abs(b["difference"]),
        )
        for b in changed[:SHOWN_CHANGES]:
            lines.append(
                f"    {b['resource']} {b['kind']}: {b['difference']:+,.1f} {b['unit']} "
                f"({b['old']:,.1f} -> {b['new']:,.1f})"
            )
        if len(changed) > SHOWN_CHANGES:
            lines.append(f"    ... {len(changed) - SHOWN_CHANGES} more in summary.json")
    check = summary["check"]
    lines.append(
        "  check: the new plan stays within capacity plus the extra it buys."
        if check["ok"]
        else "  check: VIOLATIONS: " + "; ".join(check["violations"])
    )
    return lines


def run_followup(args: argparse.Namespace) -> int:
    """Read the actuals, compare, re-balance; write the four files, print the summary."""
    started = time.perf_counter()
    if args.threshold is not None and not args.threshold >= 0:
        raise InputError.single("--threshold", "", args.threshold, "a share >= 0 (0.05 for 5 %)")
    unit = load_unit(args.unit)
    pinned = args.pinned
    if pinned is None and Path(args.unit).is_dir() and (Path(args.unit) / PINNED_FILE).exists():
        pinned = Path(args.unit) / PINNED_FILE
    pins = read_pins(pinned) if pinned is not None else ()
    plan_options = read_plan_options(args.options) if args.options is not None else None
    solve_options = SolveOptions(
        time_limit=args.time_limit, num_workers=args.workers, seed=args.seed
    )
    daily = read_daily_plan(args.schedule, unit) if args.schedule is not None else None
    weekly_file = read_weekly_plan(args.plan, unit) if args.plan is not None else None
    if daily is not None:
        first, last = plan_range(daily)
        what = f"the daily plan {Path(args.schedule)}"
    else:
        first = unit.calendar.start
        weeks = len(weekly_file.weeks) if weekly_file is not None else unit.calendar.weeks
        last = first + timedelta(weeks=weeks, days=-1)
        what = "the plan"
    actual = read_actuals(args.actual, unit, first, last, what)
    weekly = weekly_file or WeeklyPlan.of(
        plan_unit(unit, pins=pins, options=plan_options, solve_options=solve_options, checked=True)
    )
    if daily is None:
        daily_options = SolveOptions(
            time_limit=args.time_limit or DEFAULT_OPTIONS.time_limit,
            abs_gap_limit=DEFAULT_OPTIONS.abs_gap_limit,
            num_workers=args.workers,
            seed=args.seed,
        )
        daily = daily_plan_for(unit, Period.of(actual), weekly, daily_options)
    followup = follow_up(
        unit,
        actual,
        daily,
        weekly,
        options=FollowUpOptions(threshold=args.threshold),
        plan_options=plan_options,
        solve_options=solve_options,
        pins=pins,
    )
    out = Path(args.out)
    files = followup.files()
    write_files(out, iter(files))
    period = followup.comparison.period
    summary = followup.summary()
    flagged = summary["flagged_weeks"]
    lines = [
        f"Follow-up of {unit.id} ({unit.name or unit.id}): {period.first} .. {period.last}, "
        f"{len(period.weeks)} weeks, against "
        + (f"the daily plan in {args.schedule}" if args.schedule else "a daily plan computed")
        + (f" and the weekly plan {args.plan}" if args.plan else " and the tactical plan")
        + f" ({time.perf_counter() - started:.2f} s)",
        "",
        "Per week, all activities (deviation = actual - planned; * cumulative beyond "
        f"{args.threshold:.0%}); bottlenecks: cumulative deviation:",
        week_table(followup),
        "",
        "Flagged weeks: " + (", ".join(flagged) if flagged else "none"),
    ]
    for b in summary["bottlenecks"]:
        lines.append(
            f"  {b['resource']}: {b['deviation']:+,.1f} {b['measure']} against the weekly plan "
            f"({b['deviation_steps']:+,.1f} {b['step']})"
        )
    lines += ["", *rebalance_lines(summary["rebalance"])]
    lines.append(f"Wrote {', '.join(name for name, _ in files)} to {out}")
    sys.stdout.write("\n".join(lines) + "\n")
    rebalance = summary["rebalance"]
    return 0 if rebalance is None or rebalance["check"]["ok"] else 1


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``followup`` to ``commands``."""
    p = commands.add_parser(
        "followup", help="actual production against the plan; the rest of the horizon re-balanced"
    )
    p.add_argument("unit", help="a unit folder or a .json document")
    p.add_argument("--actual", required=True, help="CSV date,activity,count of actual production")
    source = p.add_mutually_exclusive_group()
    source.add_argument(
        "--schedule", help="folder (or file) with daily_plan.csv of balans schedule"
    )
    source.add_argument(
        "--plan", help="plan.csv of balans plan (week,kind,id,volume) from the calendar's start"
    )
    p.add_argument("--out", default="out", help="folder for the files (default: out)")
    p.add_argument(
        "--threshold",
        type=float,
        default=0.05,
        help="flag cumulative deviations beyond this share of the plan (default 0.05)",
    )
    p.add_argument(
        "--pinned",
        help=f"CSV week,activity,volume of agreed volumes (default UNIT/{PINNED_FILE}), kept "
        "in the plan and the re-balance",
    )
    p.add_argument("--options", help="YAML file of plan option overrides (weights, limits)")
    p.add_argument("--time-limit", type=arguments.seconds, default=None, help="seconds per solve")
    p.add_argument(
        "--workers", type=arguments.workers, default=None, help="solver threads (default: cores)"
    )
    p.add_argument("--seed", type=arguments.seed, default=0)
    p.set_defaults(run=arguments.checked(run_followup, published=("schedule",)))
