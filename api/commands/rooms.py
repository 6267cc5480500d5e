"""``balans rooms``: the room schedule of one day (room, start and team per activity).

With ``--schedule DIR`` the day's activities and staff come from ``DIR/daily_plan.csv`` and
``DIR/roster.csv`` (what ``balans schedule`` writes); without, that week's daily plan and a
one-week roster are computed first, with short time limits. ``--published`` with ``--close``,
``--extra`` and ``--absent`` re-schedules a published day (``rooms.csv`` of an earlier run)
after a change, moving as few of its activities as possible.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from api.commands import arguments
from engine.check.rooms import check_schedule_frame
from engine.daily import plan_days
from engine.errors import NO_VALUE, InputError
from engine.io import load_unit, write_files
from engine.rooms import (
    RoomChanges,
    check_day,
    compile_rooms,
    day_counts,
    day_roster,
    explain_unplaced,
    room_summary,
    schedule_frame,
    solve_rooms,
    timeline,
)
from engine.roster import compile_roster, roster_grid, solve_roster, with_bought_file
from solvers.common import SolveOptions

if TYPE_CHECKING:
    import argparse

    from models.unit import Unit

NO_SCHEDULE = 3
"""Exit code when no roster for the week, or no room schedule, was found (the reason is
printed)."""

PREPARE_SECONDS = 10.0
"""Time limit of each of the week's daily plan and roster when no ``--schedule`` is given."""


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError.single("--date", "", text, "a date like 2027-03-02") from None


def _csv(path: Path, **kwargs: object) -> pd.DataFrame:
    if not path.is_file():
        raise InputError.single(str(path), "", NO_VALUE, "a file written by balans schedule")
    try:
        return pd.read_csv(path, **kwargs)  # type: ignore[call-overload, no-any-return]
    except (OSError, ValueError) as exc:
        raise InputError.single(str(path), "", None, f"a readable CSV file ({exc})") from None


def _clock(text: str, option: str) -> int:
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit()) or int(minutes) >= 60:
        raise InputError.single(option, "", text, "a time HH:MM")
    return int(hours) * 60 + int(minutes)


def _changes(args: argparse.Namespace) -> RoomChanges:
    """``--close ROOM[@HH:MM-HH:MM]``, ``--extra TYPE=N``, ``--absent STAFF``."""
    closed: dict[str, list[tuple[int, int]]] = {}
    for text in args.close or []:
        room, _, period = text.partition("@")
        if not period:
            closed[room] = []
            continue
        low, dash, high = period.partition("-")
        if not dash:
            raise InputError.single("--close", room, text, "ROOM or ROOM@HH:MM-HH:MM")
        closed.setdefault(room, []).append((_clock(low, "--close"), _clock(high, "--close")))
    extra: dict[str, int] = {}
    for text in args.extra or []:
        activity, equals, count = text.partition("=")
        if not equals or not count.lstrip("-").isdigit():
            raise InputError.single("--extra", "", text, "ACTIVITY_TYPE=N")
        extra[activity] = extra.get(activity, 0) + int(count)
    return RoomChanges(closed=closed, extra=extra, absent=tuple(args.absent or ()))


def _prepare(
    unit: Unit, day: date, options: SolveOptions
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """That week's daily plan and a one-week roster: ``(daily plan, roster grid, lines)``."""
    monday = day - timedelta(days=day.weekday())
    quick = SolveOptions(
        time_limit=PREPARE_SECONDS,
        abs_gap_limit=10.0,
        num_workers=options.num_workers,
        seed=options.seed,
    )
    clock = time.perf_counter()
    plan = plan_days(unit, monday, 1, options=quick)
    lines = [f"daily plan  {time.perf_counter() - clock:6.2f} s  week of {monday}"]
    clock = time.perf_counter()
    problem = compile_roster(unit, monday, 1, plan.cover)
    result = solve_roster(
        problem, SolveOptions(time_limit=PREPARE_SECONDS, num_workers=options.num_workers)
    )
    if result.solution is None:
        raise _NoRoster(f"no roster for the week of {monday}: {result.stats.status.value}")
    lines.append(
        f"roster      {time.perf_counter() - clock:6.2f} s  {problem.n_staff} staff, "
        f"{result.stats.status.value}, gap {result.stats.gap:.1%}"
    )
    return plan.days, roster_grid(problem, result.solution, monday), lines


class _NoRoster(Exception):
    """No roster for the week was found in the time given."""


def run_rooms(args: argparse.Namespace) -> int:
    """Schedule one day into rooms; writes rooms.csv, timeline.txt and summary.json."""
    started = time.perf_counter()
    unit = load_unit(args.unit)
    day = _date(args.date)
    check_day(unit, day)
    changes = _changes(args)
    options = SolveOptions(time_limit=args.time_limit, num_workers=args.workers, seed=args.seed)
    published = _csv(Path(args.published)) if args.published else None
    lines: list[str] = []
    if args.schedule:
        folder = Path(args.schedule)
        unit = with_bought_file(unit, folder)
        plan = _csv(folder / "daily_plan.csv")
        roster = _csv(folder / "roster.csv", index_col=0, dtype=str, keep_default_na=False)
    else:
        try:
            plan, roster, lines = _prepare(unit, day, options)
        except _NoRoster as error:
            sys.stderr.write(f"balans: {error}; give one with --schedule\n")
            return NO_SCHEDULE
    counts = day_counts(plan, day, "daily_plan.csv")
    on_shift = day_roster(roster, day, "roster.csv")
    compiled = compile_rooms(unit, day, counts, on_shift, published=published, changes=changes)
    clock = time.perf_counter()
    result = solve_rooms(compiled, options)
    solve_time = time.perf_counter() - clock
    summary = room_summary(compiled, result)
    files: list[tuple[str, str]] = []
    if result.solution is not None:
        reasons = explain_unplaced(compiled, unit, result.solution)
        frame = schedule_frame(compiled, result.solution, reasons)
        # the written schedule once more, against the unit itself
        written = check_schedule_frame(
            unit,
            day,
            frame,
            dict(zip(compiled.problem.staff_ids, compiled.staff_shift, strict=True)),
        )
        summary["schedule_check"] = written
        if written:
            summary["checker"] = f"{summary['checker']}; schedule: {len(written)} VIOLATIONS"
        summary["unplaced_reasons"] = {
            compiled.problem.activity_ids[a]: why for a, why in sorted(reasons.items())
        }
        files += [
            ("rooms.csv", frame.to_csv(index=False)),
            ("timeline.txt", timeline(compiled, result.solution)),
        ]
    files.append(("summary.json", json.dumps(summary, indent=1, default=str)))
    out = Path(args.out)
    write_files(out, iter(files), replaces=("rooms.csv", "timeline.txt"))

    p = compiled.problem
    stats = result.stats
    lines.append(
        f"rooms {day}: {p.n_activities} activities, {summary['rooms_open']} of {p.n_rooms} rooms "
        f"open, {p.n_staff} staff on shift"
    )
    if result.solution is None:
        lines.append(f"no schedule: {stats.status.value} after {solve_time:.1f} s")
    else:
        text = (
            f"placed {summary['placed']}, unplaced {summary['unplaced']}; rooms used "
            f"{summary['rooms_used']}; overtime {summary['overtime_minutes']} min"
        )
        if "moved" in summary:
            text += (
                f"; published activities changed {summary['changed']} (moved "
                f"{summary['moved']}, re-roomed {summary['reroomed']}), "
                f"{summary['published_unplaced']} left unplaced"
            )
        lines.append(text)
        lines.append(
            f"{stats.status.value}, gap {stats.gap:.1%}, first schedule after "
            f"{stats.first_solution_time or 0:.1f} s; checker: {summary['checker']}; "
            f"{solve_time:.1f} s (total {time.perf_counter() - started:.1f} s)"
        )
        reasons_by_id = summary["unplaced_reasons"]
        assert isinstance(reasons_by_id, dict)
        for activity, why in list(reasons_by_id.items())[:10]:
            lines.append(f"  unplaced {activity}: {why}")
        if len(reasons_by_id) > 10:
            lines.append(f"  ... {len(reasons_by_id) - 10} more in summary.json")
    lines.append(f"Wrote {', '.join(name for name, _ in files)} to {out}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0 if result.solution is not None else NO_SCHEDULE


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``rooms`` to ``commands``."""
    p = commands.add_parser("rooms", help="room schedule of one day: room, start and team")
    p.add_argument("unit", help="a unit folder or a .json document")
    p.add_argument("--date", required=True, help="the day to schedule (2027-03-02)")
    p.add_argument(
        "--schedule", help="folder with daily_plan.csv and roster.csv (from balans schedule)"
    )
    p.add_argument("--out", default="out", help="folder for the files (default: out)")
    p.add_argument(
        "--time-limit", type=arguments.seconds, default=10.0, help="seconds (default 10)"
    )
    p.add_argument(
        "--workers", type=arguments.workers, default=None, help="CP-SAT workers (default 2)"
    )
    p.add_argument("--seed", type=arguments.seed, default=0)
    p.add_argument("--published", help="a published rooms.csv of the day to keep (repair)")
    p.add_argument(
        "--close",
        action="append",
        metavar="ROOM[@HH:MM-HH:MM]",
        help="a room closed the whole day or a period (repeatable)",
    )
    p.add_argument(
        "--extra", action="append", metavar="TYPE=N", help="extra activities (repeatable)"
    )
    p.add_argument("--absent", action="append", metavar="STAFF", help="staff away (repeatable)")
    p.set_defaults(run=arguments.checked(run_rooms, published=("schedule", "published")))
