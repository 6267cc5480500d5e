"""``balans repair``: repair a published roster after changes, or rank who could take a shift."""

from __future__ import annotations

import csv
import io
import json
import sys
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from api.commands import arguments
from engine.errors import InputError
from engine.io import load_unit, write_files
from engine.repair import (
    Published,
    check_changes,
    load_changes,
    rank_candidates,
    read_published,
    repair_roster,
    repair_summary,
    resolve_today,
    situation,
)
from engine.roster import roster_grid, with_bought_file
from models.repair import ChangeSet, StaffAbsence, day_text
from solvers.common import SolveOptions

if TYPE_CHECKING:
    import argparse

    from engine.repair import Repair
    from models.repair import CandidateRanking
    from models.unit import Unit

NO_REPAIR = 3
"""Exit code when no roster meets the hard rules after the changes (the reasons are printed)."""


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError.single(option, "", text, "a date like 2027-03-03") from None


def _shift_spec(text: str) -> tuple[date, str, str | None]:
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise InputError.single("--candidates", "", text, "DATE:SHIFT or DATE:SHIFT:COMPETENCE")
    return _date(parts[0], "--candidates"), parts[1], parts[2] if len(parts) == 3 else None


def _absence(text: str) -> StaffAbsence:
    """``STAFF:START[:END]`` of ``--absent`` (one day when there is no end)."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise InputError.single("--absent", "", text, "STAFF:START or STAFF:START:END")
    start = _date(parts[1], "--absent")
    end = _date(parts[2], "--absent") if len(parts) == 3 else start
    if end < start:
        raise InputError.single("--absent", "", text, f"an end on or after the start {start}")
    try:
        return StaffAbsence(staff=parts[0], start=start, end=end)
    except ValidationError:
        raise InputError.single("--absent", "", parts[0], "a staff id") from None


def _changes(
    args: argparse.Namespace, unit: Unit, published: Published, today: date | None
) -> ChangeSet:
    """The change file (if any) with the absences of ``--absent`` added, checked on their own
    first so that an error names ``--absent``; with no day given as today (``--today``, the
    file's), the first absent day is today."""
    changes = load_changes(args.changes) if args.changes else ChangeSet()
    absent = [_absence(text) for text in args.absent or []]
    if not absent:
        return changes
    alone = ChangeSet(absences=absent, today=changes.today or min(a.start for a in absent))
    check_changes(unit, published, alone, 0, "--absent")  # the dates, before they make today
    check_changes(unit, published, alone, resolve_today(published, alone, today), "--absent")
    return changes.model_copy(
        update={"absences": [*changes.absences, *absent], "today": alone.today}
    )


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _verdict(repair: Repair) -> str:
    under = repair.under_cover
    check = repair.check
    verdict = (
        "no hard violation"
        if check is not None and check.feasible
        else f"{len(check.violations)} HARD VIOLATIONS"
        if check is not None
        else "no roster"
    )
    return (
        f"repair {repair.stats.wall_time:.2f} s: {len(repair.changes)} changed assignments, "
        f"{repair.stats.status.value}; {repair.freed_staff} staff x {repair.freed_cells} cells "
        f"free{' (widened)' if repair.widened else ''}; people below cover target "
        f"{under.get('published')} published, {under.get('vacated')} after the changes, "
        f"{under.get('repaired', '-')} repaired; checker: {verdict}"
    )


def _ranking_lines(ranking: CandidateRanking) -> list[str]:
    lines = [
        f"Candidates for {ranking.shift} on {day_text(ranking.day)} {ranking.day.year} "
        f"({', '.join(ranking.competences)}), cheapest first:"
    ]
    width = max((len(c.name) for c in ranking.candidates), default=4)
    for rank, c in enumerate(ranking.candidates, start=1):
        lines.append(f"{rank:>3}. {c.name:<{width}}  cost {c.cost:>5}  {'; '.join(c.rules)}")
    if not ranking.candidates:
        lines.append("  nobody may legally take it")
    excluded = ", ".join(f"{rule} {n}" for rule, n in ranking.excluded.items())
    lines.append(f"Excluded: {ranking.excluded_staff} staff ({excluded or 'none'})")
    return lines


def _ranking_csv(ranking: CandidateRanking) -> str:
    return _csv(
        [
            "rank",
            "staff",
            "name",
            "competence",
            "before",
            "cost",
            "change_cost",
            "overtime_minutes",
            "penalties",
            "rules",
        ],
        [
            [
                rank,
                c.staff_id,
                c.name,
                c.competence,
                c.before,
                c.cost,
                c.change_cost,
                c.overtime_minutes,
                json.dumps(c.penalties, sort_keys=True),
                "; ".join(c.rules),
            ]
            for rank, c in enumerate(ranking.candidates, start=1)
        ],
    )


def run_repair(args: argparse.Namespace) -> int:
    """Repair (``--changes``) or rank candidates (``--candidates``); see :func:`register`."""
    started = time.perf_counter()
    if args.changes is None and not args.absent and args.candidates is None:
        raise InputError.single("--changes", "", None, "a change file (or --absent, --candidates)")
    today = _date(args.today, "--today") if args.today else None
    spec = _shift_spec(args.candidates) if args.candidates else None
    unit = with_bought_file(load_unit(args.unit), args.schedule)
    published = read_published(unit, args.schedule)
    changes = _changes(args, unit, published, today)
    state = situation(unit, published, changes, today, args.changes or "--absent")
    out = Path(args.out)
    lines: list[str] = []
    files: list[tuple[str, str]] = []
    code = 0
    if spec is not None:
        ranking = rank_candidates(state, *spec)
        lines += _ranking_lines(ranking)
        files.append(("candidates.csv", _ranking_csv(ranking)))
    else:
        options = SolveOptions(time_limit=args.time_limit, num_workers=args.workers, seed=args.seed)
        repair = repair_roster(state, options, window=args.window)
        lines += [c.text() for c in repair.changes] or ["no assignment changes"]
        lines += [f"note: {note}" for note in repair.notes]
        lines.append(_verdict(repair))
        summary = repair_summary(repair)
        summary["load_seconds"] = round(time.perf_counter() - started - repair.stats.wall_time, 3)
        if repair.solution is None:
            code = NO_REPAIR
            sys.stderr.write("balans: no roster meets the hard rules after the changes:\n")
            sys.stderr.writelines(f"  {reason}\n" for reason in repair.reasons)
        else:
            files.append(
                ("roster.csv", roster_grid(repair.problem, repair.solution, repair.start).to_csv())
            )
            files.append(
                (
                    "changes.csv",
                    _csv(
                        ["date", "staff", "name", "before", "after"],
                        [[c.day, c.staff_id, c.name, c.before, c.after] for c in repair.changes],
                    ),
                )
            )
        files.append(("summary.json", json.dumps(summary, indent=1, default=str)))
    write_files(out, iter(files))
    lines.append(f"Wrote {', '.join(name for name, _ in files)} to {out}")
    sys.stdout.write("\n".join(lines) + "\n")
    return code


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``repair`` to ``commands``."""
    p = commands.add_parser(
        "repair",
        help="repair a published roster after changes, or rank who could take a shift",
    )
    p.add_argument("unit", help="a unit folder or a .json document")
    p.add_argument(
        "--schedule", required=True, help="folder of the published schedule (balans schedule)"
    )
    p.add_argument("--changes", help="change file (YAML or JSON): absences, activities, rooms")
    p.add_argument(
        "--absent",
        action="append",
        metavar="STAFF:START[:END]",
        help="a staff member away from START to END (one day without END), with or without a"
        " change file; may be repeated",
    )
    p.add_argument(
        "--today",
        help="first day that may change (default: the change file's, else the first absent day)",
    )
    p.add_argument(
        "--candidates",
        metavar="DATE:SHIFT[:COMPETENCE]",
        help="rank the staff who could take this shift instead of repairing",
    )
    p.add_argument("--out", default="out/repair", help="folder for the files (default out/repair)")
    p.add_argument(
        "--time-limit", type=arguments.seconds, default=10.0, help="seconds for the repair"
    )
    p.add_argument(
        "--workers", type=arguments.workers, default=2, help="CP-SAT workers (default 2)"
    )
    p.add_argument("--seed", type=arguments.seed, default=0)
    p.add_argument(
        "--window",
        type=arguments.whole(0, expected="a number of days >= 0"),
        default=3,
        help="days around each changed day free to move",
    )
    p.set_defaults(run=arguments.checked(run_repair, published=("schedule",)))
