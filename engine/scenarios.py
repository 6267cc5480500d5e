"""What-if: apply a scenario's typed changes to a unit, plan the base and each scenario
(independent scenarios in parallel processes), and compare them.

Every change turns a unit into a new unit (units are immutable): the plan of a scenario is
the plan of its changed unit, computed exactly like the base's, so differences come from the
changes alone.
"""

from __future__ import annotations

import json
import math
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from engine.balance import check_unit
from engine.errors import NO_VALUE, InputError, InputProblem
from engine.io import read_yaml
from engine.plan import PinnedVolume, Plan, plan_unit
from models.base import week_monday
from models.scenario import (
    Change,
    ChangeOpeningHours,
    ChangeProcessTime,
    ChangeStaff,
    ChangeTargetOccupancy,
    MoveNonClinicalTime,
    ScaleActivity,
    ScaleCareNeed,
    Scenario,
    SubstituteActivity,
    WeekRange,
)
from models.unit import Unit
from solvers.common import SolveOptions

if TYPE_CHECKING:
    import os

    from models.plan import PlanOptions

Document = dict[str, Any]


# --------------------------------------------------------------------------------------------
# Reading


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read a scenario from a YAML or JSON file.

    Raises
    ------
    InputError
        Naming the file, the field (``changes[2].factor``), the value and what was expected.
    """
    location = Path(path)
    document = read_yaml(location)  # the unit's reader: dates and times as the unit reads them
    if not isinstance(document, dict):
        raise InputError.single(
            str(location), "", type(document).__name__, "a mapping with name and changes"
        )
    try:
        return Scenario.model_validate(document)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = "".join(
                f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]
            ).lstrip(".")
            value = NO_VALUE if error["type"] == "missing" else error.get("input", NO_VALUE)
            if isinstance(value, dict | list):
                value = NO_VALUE
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(InputProblem(str(location), field, value, message))
        raise InputError(problems) from None


# --------------------------------------------------------------------------------------------
# Applying changes


class _Context:
    """The unit being changed, as a document, and where the change came from."""

    def __init__(self, unit: Unit, source: str) -> None:
        self.unit = unit
        self.document: Document = unit.model_dump()
        self.source = source
        self.problems: list[InputProblem] = []

    def known(self, index: int, field: str, value: str, collection: str, kind: str) -> bool:
        ids = [item["id"] for item in self.document[collection]]
        if value in ids:
            return True
        article = "an" if kind[0] in "aeiou" else "a"
        self.problems.append(
            InputProblem(
                self.source, f"changes[{index}].{field}", value, f"{article} {kind} id of the unit"
            )
        )
        return False

    def groups(self, index: int, ids: list[str]) -> list[Document]:
        for group_id in ids:
            self.known(index, "product_groups", group_id, "product_groups", "product group")
        return [g for g in self.document["product_groups"] if not ids or g["id"] in ids]

    def horizon(self) -> tuple[date, date]:
        start = self.unit.calendar.start
        return start, start + timedelta(weeks=self.unit.calendar.weeks, days=-1)

    def days(self, weeks: WeekRange | None) -> tuple[date, date]:
        if weeks is None:
            return self.horizon()
        return week_monday(weeks.first), week_monday(weeks.last) + timedelta(days=6)


def _scale_care_need(ctx: _Context, i: int, change: ScaleCareNeed) -> None:
    groups = {g["id"] for g in ctx.groups(i, change.product_groups)}
    first, last = ctx.days(change.weeks)
    for need in ctx.document["care_need"]:
        monday = week_monday(need["week"])
        if need["product_group"] in groups and first <= monday <= last:
            need["patients"] = need["patients"] * change.factor


def _scale_activity(ctx: _Context, i: int, change: ScaleActivity) -> None:
    ctx.known(i, "activity", change.activity, "activity_types", "activity type")
    for group in ctx.groups(i, change.product_groups):
        if change.activity in group["mix"]:
            group["mix"][change.activity] *= change.factor


def _substitute_activity(ctx: _Context, i: int, change: SubstituteActivity) -> None:
    ctx.known(i, "activity", change.activity, "activity_types", "activity type")
    ctx.known(i, "by", change.by, "activity_types", "activity type")
    for group in ctx.groups(i, change.product_groups):
        count = group["mix"].get(change.activity, 0.0)
        if count:
            moved = count * change.share
            group["mix"][change.activity] = count - moved
            group["mix"][change.by] = group["mix"].get(change.by, 0.0) + moved


def _process_time(ctx: _Context, i: int, change: ChangeProcessTime) -> None:
    if not ctx.known(i, "activity", change.activity, "activity_types", "activity type"):
        return
    for activity in ctx.document["activity_types"]:
        if activity["id"] == change.activity:
            minutes = change.minutes or activity["mean_process_time"] * (change.factor or 1.0)
            if minutes > 24 * 60:
                ctx.problems.append(
                    InputProblem(
                        ctx.source, f"changes[{i}].factor", change.factor,
                        "a factor that keeps the process time within 24 hours",
                    )
                )  # fmt: skip
            activity["mean_process_time"] = minutes


def _opening_hours(ctx: _Context, i: int, change: ChangeOpeningHours) -> None:
    rooms = ctx.document["rooms"]
    if change.room_type is not None:
        if not ctx.known(i, "room_type", change.room_type, "room_types", "room type"):
            return
        chosen = [r for r in rooms if r["room_type"] == change.room_type]
        if change.rooms_count is not None:
            chosen = chosen[: change.rooms_count]
    else:
        for room_id in change.rooms:
            ctx.known(i, "rooms", room_id, "rooms", "room")
        chosen = [r for r in rooms if r["id"] in change.rooms]
    days = set(change.weekdays)
    for room in chosen:
        kept = []
        for opening in room["opening"]:
            left = [d for d in opening["weekdays"] if d not in days]
            if left:
                kept.append({**opening, "weekdays": left})
        if not change.closed:
            kept.append({"weekdays": list(change.weekdays), "start": change.start,
                         "end": change.end})  # fmt: skip
        room["opening"] = kept


def _fte(ctx: _Context, member: Document) -> float:
    full_time = ctx.unit.settings.full_time_minutes_per_week
    if member["contract_minutes_per_week"] is not None:
        return float(member["contract_minutes_per_week"]) / full_time
    return float(member["employment_rate"])


def _staff(ctx: _Context, i: int, change: ChangeStaff, scenario: str) -> None:
    if not ctx.known(i, "competence", change.competence, "competences", "competence"):
        return
    first, last = ctx.days(change.weeks)
    start, end = ctx.horizon()
    if change.fte > 0:
        away = []
        if first > start:
            away.append({"start": start, "end": first - timedelta(days=1), "kind": "other"})
        if last < end:
            away.append({"start": last + timedelta(days=1), "end": end, "kind": "other"})
        remaining = change.fte
        n = 0
        while remaining > 1e-9:
            n += 1
            rate = min(1.0, remaining)
            remaining -= rate
            ctx.document["staff"].append(
                {
                    "id": f"{scenario}-{i}-{change.competence}-{n}",
                    "name": f"Added by scenario {scenario}",
                    "competences": [change.competence],
                    "employment_rate": rate,
                    "absences": [dict(a) for a in away],
                }
            )
        return
    members = [m for m in ctx.document["staff"] if m["competences"][0] == change.competence]
    total = sum(_fte(ctx, m) for m in members)
    if -change.fte > total + 1e-9:
        ctx.problems.append(
            InputProblem(
                ctx.source, f"changes[{i}].fte", change.fte,
                f"at most {total:.2f} FTE to remove ({change.competence} has {total:.2f})",
            )
        )  # fmt: skip
        return
    share = min(1.0, -change.fte / total)
    for member in members:
        member["absences"].append({"start": first, "end": last, "kind": "other", "fraction": share})


def _move_non_clinical(ctx: _Context, i: int, change: MoveNonClinicalTime) -> None:
    if change.competence is not None:
        ctx.known(i, "competence", change.competence, "competences", "competence")
    first, last = ctx.days(change.from_weeks)
    shift = week_monday(change.to_week) - week_monday(change.from_weeks.first)
    start, end = ctx.horizon()
    for member in ctx.document["staff"]:
        if change.competence is not None and member["competences"][0] != change.competence:
            continue
        for absence in member["absences"]:
            if absence["kind"] in change.kinds and first <= absence["start"] <= last:
                absence["start"] += shift
                absence["end"] += shift
                if absence["start"] < start or absence["end"] > end:
                    ctx.problems.append(
                        InputProblem(
                            ctx.source, f"changes[{i}].to_week", change.to_week,
                            f"a week that keeps moved absences inside the horizon {start} .. "
                            f"{end} ({member['id']}'s would end {absence['end']})",
                        )
                    )  # fmt: skip
                    return


def _target_occupancy(ctx: _Context, i: int, change: ChangeTargetOccupancy) -> None:
    if change.ward is not None and not ctx.known(i, "ward", change.ward, "wards", "ward"):
        return
    for ward in ctx.document["wards"]:
        if change.ward is None or ward["id"] == change.ward:
            ward["target_occupancy"] = change.occupancy


def _apply(ctx: _Context, i: int, change: Change, scenario: str) -> None:
    match change:
        case ScaleCareNeed():
            _scale_care_need(ctx, i, change)
        case ScaleActivity():
            _scale_activity(ctx, i, change)
        case SubstituteActivity():
            _substitute_activity(ctx, i, change)
        case ChangeProcessTime():
            _process_time(ctx, i, change)
        case ChangeOpeningHours():
            _opening_hours(ctx, i, change)
        case ChangeStaff():
            _staff(ctx, i, change, scenario)
        case MoveNonClinicalTime():
            _move_non_clinical(ctx, i, change)
        case ChangeTargetOccupancy():
            _target_occupancy(ctx, i, change)


def apply_scenario(unit: Unit, scenario: Scenario, source: str | None = None) -> Unit:
    """The unit that ``scenario``'s changes make of ``unit``, changes applied in order.

    Raises
    ------
    InputError
        For a change that names something the unit does not have, or cannot be made (removing
        more staff than there are), naming the scenario file and the change.
    """
    ctx = _Context(unit, source or f"scenario {scenario.name}")
    for i, change in enumerate(scenario.changes):
        _apply(ctx, i, change, scenario.name)
    if ctx.problems:
        raise InputError(ctx.problems)
    changed = Unit.model_validate(ctx.document)
    check_unit(changed)
    return changed


# --------------------------------------------------------------------------------------------
# Running and comparing


@dataclass(frozen=True)
class Outcome:
    """The plan of the base or of one scenario, or why there is none."""

    name: str
    description: str
    plan: Plan | None
    problems: tuple[str, ...] = ()


def _plan(
    name: str,
    description: str,
    unit: Unit,
    weeks: int | None,
    pins: tuple[PinnedVolume, ...],
    options: PlanOptions | None,
    solve_settings: dict[str, Any] | None,
) -> Outcome:
    """Plan one unit; errors become the outcome's problems (they cross process borders).

    ``solve_settings`` are the fields of :class:`SolveOptions`: its ``native`` mapping is a
    read-only proxy, which cannot be sent to another process as it is.
    """
    solve_options = None if solve_settings is None else SolveOptions(**solve_settings)
    try:
        plan = plan_unit(
            unit, weeks=weeks, pins=pins, options=options, solve_options=solve_options,
            checked=True,
        )  # fmt: skip
    except InputError as error:
        return Outcome(name, description, None, tuple(str(p) for p in error.problems))
    except RuntimeError as error:
        return Outcome(name, description, None, (str(error),))
    return Outcome(name, description, plan)


@dataclass(frozen=True)
class WhatIf:
    """The base plan and each scenario's, side by side."""

    base: Outcome
    scenarios: tuple[Outcome, ...]

    @property
    def outcomes(self) -> tuple[Outcome, ...]:
        """The base first, then the scenarios."""
        return (self.base, *self.scenarios)

    def kpi_table(self) -> pd.DataFrame:
        """KPIs (rows) of the base and each scenario (columns)."""
        columns = {o.name: o.plan.kpis() if o.plan is not None else {} for o in self.outcomes}
        return pd.DataFrame(columns)

    def biggest_changes(self, scenario: Outcome, top: int = 5) -> dict[str, pd.DataFrame]:
        """The weeks whose waiting list and the resources whose use change most against the
        base (largest absolute change first)."""
        base, plan = self.base.plan, scenario.plan
        if base is None or plan is None:
            return {}
        weeks = pd.DataFrame(
            {
                "week": base.weeks,
                "backlog_base": base.backlog.sum(axis=1),
                "backlog": plan.backlog.sum(axis=1),
                "treated_base": base.production.sum(axis=1),
                "treated": plan.production.sum(axis=1),
            }
        )
        weeks["change"] = weeks["backlog"] - weeks["backlog_base"]
        weeks = weeks.reindex(weeks["change"].abs().sort_values(ascending=False).index)
        resources = base.compiled.resources
        used_base, used = base.usage.sum(axis=0), plan.usage.sum(axis=0)
        capacity_base, capacity = base.capacity.sum(axis=0), plan.capacity.sum(axis=0)
        table = pd.DataFrame(
            {
                "resource": resources.keys,
                "measure": resources.measures,
                "used_base": used_base,
                "used": used,
                "capacity_base": capacity_base,
                "capacity": capacity,
                "extra_base": base.extra_capacity.sum(axis=0),
                "extra": plan.extra_capacity.sum(axis=0),
            }
        )
        table["change"] = (
            (table["used"] - table["used_base"]).abs()
            + (table["capacity"] - table["capacity_base"]).abs()
            + (table["extra"] - table["extra_base"]).abs()
        )
        table = table.reindex(table["change"].sort_values(ascending=False).index)
        return {"weeks": weeks.head(top), "resources": table.head(top).drop(columns="change")}

    def to_dict(self, top: int = 5) -> dict[str, Any]:
        """A JSON-ready document: KPIs, problems, the biggest changes and each plan's weekly
        figures."""

        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            finite = frame.replace([np.inf, -np.inf], np.nan)
            return list(json.loads(finite.to_json(orient="records", double_precision=6)))

        result: list[dict[str, Any]] = []
        for outcome in self.outcomes:
            entry: dict[str, Any] = {
                "name": outcome.name,
                "description": outcome.description,
                "problems": list(outcome.problems),
            }
            if outcome.plan is not None:
                stats = outcome.plan.stats
                entry["kpis"] = outcome.plan.kpis()
                entry["solver"] = {
                    "status": str(stats.status),
                    "objective": stats.objective,
                    "bound": stats.bound if math.isfinite(stats.bound) else None,
                    "gap": stats.gap if math.isfinite(stats.gap) else None,
                    "wall_time": stats.wall_time,
                }
                entry["check"] = list(outcome.plan.violations)
                entry["by_week"] = records(outcome.plan.week_frame())
            if outcome is not self.base:
                entry["biggest_changes"] = {
                    k: records(v) for k, v in self.biggest_changes(outcome, top).items()
                }
            result.append(entry)
        return {"base": self.base.name, "outcomes": result}


def run_whatif(
    unit: Unit,
    scenarios: list[tuple[Scenario, str]],
    *,
    weeks: int | None = None,
    pins: tuple[PinnedVolume, ...] = (),
    options: PlanOptions | None = None,
    solve_options: SolveOptions | None = None,
    workers: int = 1,
) -> WhatIf:
    """Plan ``unit`` and each scenario, independent plans in up to ``workers`` processes.

    Parameters
    ----------
    unit
        The base unit (checked).
    scenarios
        Each scenario with the source it was read from (named in errors).
    workers
        Processes to plan in; 1 plans one after the other in this process.

    Raises
    ------
    InputError
        When a scenario's changes cannot be applied (before anything is planned).
    """
    jobs = [("base", "the unit as it is", unit)]
    problems: list[InputProblem] = []
    names = {"base"}
    for scenario, source in scenarios:
        if scenario.name in names:
            problems.append(
                InputProblem(source, "name", scenario.name, "a name no other scenario has")
            )
            continue
        names.add(scenario.name)
        try:
            jobs.append(
                (scenario.name, scenario.description, apply_scenario(unit, scenario, source))
            )
        except InputError as error:
            problems += error.problems
    if problems:
        raise InputError(problems)
    settings = None
    if solve_options is not None:
        settings = {f.name: getattr(solve_options, f.name) for f in fields(solve_options)}
        settings["native"] = dict(solve_options.native)
    arguments = [(n, d, u, weeks, pins, options, settings) for n, d, u in jobs]
    if workers <= 1 or len(jobs) == 1:
        outcomes = [_plan(*a) for a in arguments]
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
            outcomes = list(pool.map(_plan, *zip(*arguments, strict=True)))
    return WhatIf(outcomes[0], tuple(outcomes[1:]))
