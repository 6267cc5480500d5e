"""The tactical production plan of a unit: compile, solve, decode, explain and check.

The plan chooses how many patients of each product group to treat each week. Patients wait
and are treated per product group; a treated patient takes the whole activity mix of the
group (``M``) in that week, and so the capacity ``M R`` of each resource (the matrices of
:mod:`engine.need`). The waiting list carries over from week to week, starting from the unit's
current list; patients past the care guarantee are penalised heavily, week-to-week changes of
volume lightly, and extra capacity (overtime, extra shifts, hired staff, longer room opening,
extra room-days, extra beds) can be bought within limits at a price (:class:`PlanOptions`).

:func:`check_plan` confirms, with code that shares nothing with the solver, that a plan never
uses more of a resource than its capacity plus the extra it bought, treats no one who is not
waiting, and meets every pinned volume.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from engine.balance import check_unit
from engine.calendar import Horizon
from engine.capacity import available_capacity
from engine.errors import NO_VALUE, InputError, InputProblem
from engine.io import read_yaml
from engine.need import (
    Resources,
    forecast_matrix,
    mix_matrix,
    requirement_matrix,
)
from models.base import parse_iso_week, week_monday
from models.plan import (
    Array,
    BoolArray,
    ExtraCapacity,
    IntArray,
    Pins,
    PlanOptions,
    TacticalProblem,
    TacticalShortfall,
)
from solvers.common import SolveOptions
from solvers.tactical import explain, solve

if TYPE_CHECKING:
    import os
    from collections.abc import Sequence

    from models.unit import Unit
    from solvers.common import ProgressCallback, SolveStats

TOLERANCE = 1e-6
"""Relative slack the checker allows for the solver's round-off."""


@dataclass(frozen=True)
class PinnedVolume:
    """A volume agreed in advance: ``volume`` of a product group (patients) or an activity
    type (activities) in ``week``."""

    week: str
    target: str
    volume: float
    source: str = "pinned volumes"


@dataclass(frozen=True)
class ExtraKind:
    """A kind of extra capacity, by name: what it adds to and in what unit."""

    resource: str
    kind: str
    """``overtime``, ``extra_shift``, ``hire``, ``room_extension``, ``extra_room_day`` or
    ``extra_bed``."""
    unit: str
    """What one unit is: ``hour``, ``shift``, ``FTE``, ``room-day`` or ``bed``."""


@dataclass(frozen=True)
class CompiledPlan:
    """A tactical problem and the names that go with its indices."""

    unit_id: str
    weeks: tuple[str, ...]
    groups: tuple[str, ...]
    activities: tuple[str, ...]
    resources: Resources
    mix: Array
    """``(G, A)`` activities per patient."""
    extra_kinds: tuple[ExtraKind, ...]
    pins: tuple[PinnedVolume, ...]
    problem: TacticalProblem
    start: RollingStart | None = None
    """The rolling start the plan was compiled from (None: the calendar's first week and the
    unit's waiting list)."""


@dataclass(frozen=True)
class RollingStart:
    """A plan that starts at ``week``, a week of the calendar after its first, from a given
    waiting list (a rolling plan: re-planning the rest of the horizon).

    Attributes
    ----------
    week
        The first week to plan (``2027-W10``).
    waiting
        ``(G, A)``: patients of each product group waiting at the start of ``week``, column
        ``a`` for those who arrived ``a + 1`` weeks before it (the age decides who is past the
        care guarantee).
    previous
        ``(G,)``: patients treated in the week before ``week``, the level the first week's
        change is measured from (levelling); None to leave the first week free.
    """

    week: str
    waiting: Array
    previous: Array | None = None


# --------------------------------------------------------------------------------------------
# Compile


def _waiting_by_age(
    entries: Sequence[tuple[str, date, float]], groups: dict[str, int], start: date
) -> Array:
    """``(G, A)``: patients on the list (``product_group, waiting_since, patients``) by the
    week they arrived, column ``a`` for ``a + 1`` weeks before the week of ``start`` (a
    referral in the week before is column 0)."""
    ages = [max(0, -((since - start).days // 7) - 1) for _, since, _ in entries]
    waiting = np.zeros((len(groups), max(ages, default=0) + 1))
    for (group, _, patients), age in zip(entries, ages, strict=True):
        waiting[groups[group], age] += patients
    return waiting


def _listed(unit: Unit) -> list[tuple[str, date, float]]:
    return [(e.product_group, e.waiting_since, float(e.patients)) for e in unit.waiting_list]


def waiting_after(unit: Unit, week: str, treated: Array) -> Array:
    """The waiting list at the start of ``week`` by age (as :attr:`RollingStart.waiting`)
    when ``treated[g]`` patients of each product group were treated before it, first come,
    first served, from the unit's list and the forecast of the weeks since the calendar's
    first.

    More treated than ever arrived leaves the list of that group empty.

    Raises
    ------
    InputError
        If ``week`` is not a week of the calendar.
    """
    horizon = Horizon.of(unit.calendar)
    first = _week_index(horizon, week, "week")
    groups = {g.id: i for i, g in enumerate(unit.product_groups)}
    listed = _waiting_by_age(_listed(unit), groups, unit.calendar.start)
    return _still_waiting(listed, forecast_matrix(unit, horizon)[:first], treated)


def _still_waiting(listed: Array, need: Array, treated: Array) -> Array:
    """Who waits after ``treated[g]`` were treated first come, first served from the list
    ``listed`` (by age) and the arrivals ``need`` of the weeks since (one row a week): by age
    at the start of the week after the last row of ``need``."""
    # oldest first: the list (its oldest column first), then the arrivals week by week
    arrivals = np.vstack([listed[:, ::-1].T, need])
    before = np.vstack([np.zeros((1, arrivals.shape[1])), np.cumsum(arrivals, axis=0)[:-1]])
    served = np.asarray(treated, dtype=float)[None, :]
    left = np.clip(arrivals - np.clip(served - before, 0.0, None), 0.0, None)
    result: Array = np.ascontiguousarray(left[::-1].T)
    return result


def continue_plan(plan: Plan, week: str, deviation: Array | None = None) -> RollingStart:
    """The rolling start at ``week`` of ``plan`` carried out until then, with
    ``deviation[g]`` patients of each product group treated beyond the plan before ``week``
    (negative: fewer; patients not treated are still waiting, first come, first served).

    The planned production of the week before ``week`` is the level the first week's change
    is measured from (levelling), as it was in ``plan``: with no deviation, the rest of an
    optimal plan is an optimal plan of the rest.

    Raises
    ------
    InputError
        If ``week`` is not a week of the plan after its first.
    """
    weeks = plan.weeks
    if week not in weeks[1:]:
        raise InputError.single(
            "rolling start", "week", week, f"a week of the plan after its first ({weeks[0]})"
        )
    k = weeks.index(week)
    problem = plan.compiled.problem
    extra = np.zeros(problem.n_groups) if deviation is None else np.asarray(deviation, float)
    treated = plan.production[:k].sum(axis=0) + extra
    waiting = _still_waiting(problem.waiting, problem.need[:k], np.clip(treated, 0.0, None))
    return RollingStart(week, waiting, plan.production[k - 1].copy())


def start_index(unit: Unit, week: str, field: str = "--start") -> int:
    """Weeks from the calendar's first week to ``week``.

    Raises
    ------
    InputError
        Naming ``field``, if ``week`` is not a week of the calendar.
    """
    return _week_index(Horizon.of(unit.calendar), week, field)


def _week_index(horizon: Horizon, week: str, field: str) -> int:
    if week not in horizon.weeks:
        raise InputError.single(
            field, "", week, f"a week of the calendar {horizon.weeks[0]} .. {horizon.weeks[-1]}"
        )
    return horizon.weeks.index(week)


def _extra_capacity(
    unit: Unit, resources: Resources, capacity: Array, used: BoolArray, options: PlanOptions
) -> tuple[ExtraCapacity, tuple[ExtraKind, ...]]:
    """The kinds of extra capacity each used resource can buy, with sizes, costs and limits."""
    n_weeks = capacity.shape[0]
    utilisation = {r.id: r.utilisation for r in unit.room_types}
    rows: list[tuple[int, float, float, Array, bool, int, ExtraKind]] = []
    for r, key in enumerate(resources.keys):
        if not used[r]:
            continue
        kind, ref = resources.kinds[r], resources.refs[r]
        step = float(resources.step[r])
        weekly = capacity[:, r]
        if kind == "competence":
            fte = float(resources.fte[r])
            rows += [
                (r, 1.0, options.overtime_cost, options.overtime_share * weekly, False, 1,
                 ExtraKind(key, "overtime", "hour")),
                (r, step, options.extra_shift_cost * step,
                 np.floor(options.extra_shift_share * weekly / step + 1e-9),
                 options.whole_shifts, 1,
                 ExtraKind(key, "extra_shift", "shift")),
                (r, fte, options.hire_cost * fte, np.full(n_weeks, float(options.hires)),
                 options.whole_hires,
                 options.hire_block_weeks, ExtraKind(key, "hire", "FTE")),
            ]  # fmt: skip
        elif kind == "room_type":
            day = step * utilisation[ref]
            rows += [
                (r, 1.0, options.room_extension_cost, options.room_extension_share * weekly,
                 False, 1, ExtraKind(key, "room_extension", "hour")),
                (r, day, options.extra_room_day_cost * day,
                 np.full(n_weeks, float(options.extra_room_days)), False, 1,
                 ExtraKind(key, "extra_room_day", "room-day")),
            ]  # fmt: skip
        else:
            beds = np.full(n_weeks, float(options.extra_beds))
            rows.append(
                (r, step, options.extra_bed_cost * step, beds, options.whole_beds, 1,
                 ExtraKind(key, "extra_bed", "bed"))
            )  # fmt: skip
    rows = [row for row in rows if row[1] > 0 and np.any(row[3] > 0)]
    if not rows:
        return ExtraCapacity.none(n_weeks), ()
    resource, size, cost, limit, integer, block, kinds = zip(*rows, strict=True)
    extra = ExtraCapacity(
        resource=np.array(resource, dtype=np.int64),
        size=np.array(size, dtype=float),
        cost=np.array(cost, dtype=float),
        max_units=np.column_stack(limit).astype(float),
        integer=np.array(integer, dtype=bool),
        block_weeks=np.array(block, dtype=np.int64),
    )
    return extra, tuple(kinds)


def _pins(
    pinned: tuple[PinnedVolume, ...],
    weeks: dict[str, int],
    groups: dict[str, int],
    activities: dict[str, int],
    mix: Array,
) -> Pins:
    if not pinned:
        return Pins.none(len(groups))
    problems: list[InputProblem] = []
    rows: list[tuple[int, Array, float]] = []
    for pin in pinned:
        if pin.week not in weeks:
            last = next(reversed(weeks)) if weeks else "none"
            problems.append(
                InputProblem(
                    pin.source, "week", pin.week,
                    f"a week of the plan ({next(iter(weeks), 'none')} .. {last})",
                )
            )  # fmt: skip
            continue
        if pin.target in groups:
            coef = np.zeros(len(groups))
            coef[groups[pin.target]] = 1.0
        elif pin.target in activities:
            coef = mix[:, activities[pin.target]].copy()
            if not coef.any():
                problems.append(
                    InputProblem(
                        pin.source, "activity", pin.target,
                        "an activity that some product group's mix includes",
                    )
                )  # fmt: skip
                continue
        else:
            problems.append(
                InputProblem(
                    pin.source, "activity", pin.target,
                    "a product group or activity type id of the unit",
                )
            )  # fmt: skip
            continue
        if not (math.isfinite(pin.volume) and pin.volume >= 0):
            problems.append(InputProblem(pin.source, "volume", pin.volume, "a number >= 0"))
            continue
        rows.append((weeks[pin.week], coef, pin.volume))
    if problems:
        raise InputError(problems)
    return Pins(
        week=np.array([w for w, _, _ in rows], dtype=np.int64),
        coef=np.vstack([c for _, c, _ in rows]),
        value=np.array([v for _, _, v in rows], dtype=float),
    )


def compile_plan(
    unit: Unit,
    *,
    weeks: int | None = None,
    pins: tuple[PinnedVolume, ...] = (),
    options: PlanOptions | None = None,
    start: RollingStart | None = None,
) -> CompiledPlan:
    """Compile ``unit`` into a tactical problem over ``weeks`` weeks.

    Parameters
    ----------
    unit
        A checked unit.
    weeks
        Weeks to plan, from the start of the unit's calendar or the rolling start (default:
        every week left in the calendar).
    pins
        Volumes agreed in advance.
    options
        Weights and extra-capacity limits (default :class:`PlanOptions`).
    start
        A rolling start: the first week and the waiting list there (default: the calendar's
        first week and the unit's waiting list).

    Raises
    ------
    InputError
        For a start week or a number of weeks outside the calendar, a waiting list of the
        wrong shape or with negative patients, or a pin on an unknown week or target.
    """
    options = options or PlanOptions()
    horizon = Horizon.of(unit.calendar)
    groups = {g.id: i for i, g in enumerate(unit.product_groups)}
    first = 0 if start is None else _week_index(horizon, start.week, "--start")
    left = horizon.n_weeks - first
    n_weeks = left if weeks is None else weeks
    if not 1 <= n_weeks <= left:
        raise InputError.single(
            "--weeks",
            "",
            weeks,
            f"a number of weeks from 1 to {left} (the calendar"
            + (f" from {horizon.weeks[first]})" if first else ")"),
        )
    if start is None:
        waiting = _waiting_by_age(_listed(unit), groups, unit.calendar.start)
        previous = None
    else:
        waiting, previous = _checked_start(start, len(groups))
    resources = Resources.of(unit)
    mix = mix_matrix(unit)
    usage = mix @ requirement_matrix(unit, resources)
    capacity = available_capacity(unit, horizon, resources)[first : first + n_weeks]
    need = forecast_matrix(unit, horizon)[first : first + n_weeks]
    activities = {a.id: i for i, a in enumerate(unit.activity_types)}
    labels = horizon.weeks[first : first + n_weeks]
    guarantee = unit.care_guarantee
    guarantee_weeks = np.array(
        [guarantee.product_groups.get(g.id, guarantee.days) // 7 for g in unit.product_groups],
        dtype=np.int64,
    )
    used: BoolArray = np.asarray(usage.any(axis=0), dtype=bool)
    extra, kinds = _extra_capacity(unit, resources, capacity, used, options)
    problem = TacticalProblem(
        need=need,
        waiting=waiting,
        guarantee_weeks=guarantee_weeks,
        usage=usage,
        capacity=capacity,
        extra=extra,
        pins=_pins(pins, {w: i for i, w in enumerate(labels)}, groups, activities, mix),
        weights=options.weights,
        first_week=first,
        previous=previous,
    )
    return CompiledPlan(
        unit_id=unit.id,
        weeks=labels,
        groups=tuple(groups),
        activities=tuple(activities),
        resources=resources,
        mix=mix,
        extra_kinds=kinds,
        pins=pins,
        problem=problem,
        start=start,
    )


def _checked_start(start: RollingStart, n_groups: int) -> tuple[Array, Array | None]:
    """The waiting list and previous production of ``start``, as float arrays, checked."""
    waiting = np.asarray(start.waiting, dtype=float)
    if waiting.ndim == 1:
        waiting = waiting[:, None]
    problems = []
    if waiting.ndim != 2 or waiting.shape[0] != n_groups or waiting.shape[1] < 1:
        problems.append(
            InputProblem("rolling start", "waiting", waiting.shape, f"({n_groups}, ages) patients")
        )
    elif not np.isfinite(waiting).all() or (waiting < 0).any():
        problems.append(
            InputProblem("rolling start", "waiting", NO_VALUE, "finite numbers of patients >= 0")
        )
    previous = None
    if start.previous is not None:
        previous = np.asarray(start.previous, dtype=float)
        if previous.shape != (n_groups,) or not np.isfinite(previous).all():
            problems.append(
                InputProblem("rolling start", "previous", previous.shape, f"({n_groups},) patients")
            )
    if problems:
        raise InputError(problems)
    return waiting, previous


# --------------------------------------------------------------------------------------------
# The plan and its figures


def within_guarantee(
    need: Array, waiting: Array, guarantee_weeks: IntArray, production: Array
) -> Array:
    """Patients treated within the care guarantee, per week and product group, when each
    group's patients are treated first come, first served.

    Patients are numbered in order of arrival (the list by age, then the forecast week by
    week). Those treated in week ``w`` are numbers ``T[w - 1] .. T[w]`` of the cumulative
    production ``T``; the ones that arrived more than ``guarantee_weeks`` weeks earlier are
    the numbers up to ``A[w - guarantee_weeks - 1]`` of the cumulative arrivals ``A``.
    """
    n_weeks, n_groups = production.shape
    ages = waiting.shape[1]
    arrivals = np.vstack([waiting[:, ::-1].T, need])  # row i is week i - ages
    arrived = np.vstack([np.zeros((1, n_groups)), np.cumsum(arrivals, axis=0)])
    treated = np.vstack([np.zeros((1, n_groups)), np.cumsum(production, axis=0)])
    groups = np.arange(n_groups)[None, :]
    # arrivals in weeks <= w - G - 1 are rows < w - G + ages, i.e. arrived[w - G + ages]
    old_end = np.clip(np.arange(n_weeks)[:, None] - guarantee_weeks[None, :] + ages, 0, None)
    old = arrived[old_end, groups]
    late = np.clip(np.minimum(treated[1:], old) - treated[:-1], 0.0, None)
    result: Array = production - late
    return result


@dataclass(frozen=True)
class Plan:
    """The tactical production plan of a unit and what it leads to, week by week."""

    compiled: CompiledPlan
    stats: SolveStats
    production: Array
    """``(W, G)`` patients treated."""
    backlog: Array
    """``(W, G)`` patients waiting at the end of the week."""
    breach: Array
    """``(W, G)`` of those, patients who can no longer be treated within the guarantee."""
    within: Array
    """``(W, G)`` patients treated within the guarantee."""
    extra_units: Array
    """``(W, E)`` units of each kind of extra capacity bought."""
    terms: dict[str, float]
    violations: tuple[str, ...]
    """What the independent check found wrong (empty for a sound plan)."""

    @property
    def weeks(self) -> tuple[str, ...]:
        """ISO week labels."""
        return self.compiled.weeks

    @property
    def activities(self) -> Array:
        """``(W, A)`` activities per week: production times the mix."""
        result: Array = self.production @ self.compiled.mix
        return result

    @property
    def usage(self) -> Array:
        """``(W, R)`` capacity used per week and resource."""
        result: Array = self.production @ self.compiled.problem.usage
        return result

    @property
    def capacity(self) -> Array:
        """``(W, R)`` own available capacity."""
        return self.compiled.problem.capacity

    @property
    def extra_capacity(self) -> Array:
        """``(W, R)`` capacity bought on top, per resource."""
        extra = self.compiled.problem.extra
        bought = np.zeros_like(self.capacity)
        np.add.at(bought.T, extra.resource, (self.extra_units * extra.size).T)
        return bought

    @property
    def extra_cost(self) -> Array:
        """``(W,)`` cost of the extra capacity bought each week."""
        result: Array = self.extra_units @ self.compiled.problem.extra.cost
        return result

    @property
    def utilisation(self) -> Array:
        """``(W, R)`` used over own capacity (above 1 where extra was bought)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = self.usage / self.capacity
        return np.where(self.capacity > 0, ratio, np.where(self.usage > 1e-9, np.inf, 0.0))

    @property
    def shortfall_steps(self) -> Array:
        """``(W, R)`` use beyond own capacity, in shifts (competences), room-days (room types)
        or beds (wards): what the plan has to cover with extra capacity."""
        result: Array = (
            np.clip(self.usage - self.capacity, 0.0, None) / self.compiled.resources.step
        )
        return result

    @property
    def within_share(self) -> Array:
        """``(W,)`` share of the week's treated patients treated within the guarantee (1 when
        no one is treated)."""
        treated = self.production.sum(axis=1)
        within = self.within.sum(axis=1)
        return np.where(treated > 1e-9, within / np.maximum(treated, 1e-12), 1.0)

    def kpis(self) -> dict[str, float]:
        """Key figures of the plan over the horizon.

        ``treated`` patients; ``backlog_end``, ``backlog_mean`` and ``backlog_peak`` patients
        waiting at the end of a week; ``beyond_guarantee_end`` of them past the guarantee at
        the end and ``patient_weeks_beyond_guarantee`` over the horizon;
        ``share_within_guarantee`` of the treated patients; ``utilisation_mean`` (over
        resources, of use over own capacity in the horizon) and ``utilisation_peak`` (the
        highest of a week and resource with capacity); ``extra_cost`` of the extra capacity
        bought; ``shortfall_shifts``, use beyond own staff in shifts; ``weekly_change``, the
        mean week-to-week change of the volumes in patients; and the solver's ``objective``.
        """
        treated = float(self.production.sum())
        usage, capacity = self.usage.sum(axis=0), self.capacity.sum(axis=0)
        used = capacity > 0
        change = np.abs(np.diff(self.production, axis=0)).sum() if len(self.weeks) > 1 else 0.0
        return {
            "treated": treated,
            "backlog_end": float(self.backlog[-1].sum()),
            "backlog_mean": float(self.backlog.sum(axis=1).mean()),
            "backlog_peak": float(self.backlog.sum(axis=1).max()),
            "beyond_guarantee_end": float(self.breach[-1].sum()),
            "patient_weeks_beyond_guarantee": float(self.breach.sum()),
            "share_within_guarantee": float(self.within.sum() / treated) if treated else 1.0,
            "utilisation_mean": float((usage[used] / capacity[used]).mean()) if used.any() else 0.0,
            "utilisation_peak": float(np.max(self.utilisation[self.capacity > 0], initial=0.0)),
            "extra_cost": float(self.extra_cost.sum()),
            "shortfall_shifts": float(self.competence_shortfall_shifts().sum()),
            "weekly_change": float(change / max(1, len(self.weeks) - 1)),
            "objective": float(self.stats.objective),
        }

    def competence_shortfall_shifts(self) -> Array:
        """``(W, C)`` shortfall in shifts of each competence (the competences' columns)."""
        columns = [i for i, k in enumerate(self.compiled.resources.kinds) if k == "competence"]
        return self.shortfall_steps[:, columns]

    def frame(self) -> pd.DataFrame:
        """The plan per week and activity: ``week, activity, volume``, and per product group
        ``week, product_group, patients`` in the same long table (``kind`` tells them apart)."""
        c = self.compiled
        n_weeks = len(c.weeks)
        activities = self.activities
        groups = pd.DataFrame(
            {
                "week": np.repeat(c.weeks, len(c.groups)),
                "kind": "product_group",
                "id": np.tile(c.groups, n_weeks),
                "volume": self.production.ravel(),
            }
        )
        acts = pd.DataFrame(
            {
                "week": np.repeat(c.weeks, len(c.activities)),
                "kind": "activity",
                "id": np.tile(c.activities, n_weeks),
                "volume": activities.ravel(),
            }
        )
        frame = pd.concat([acts, groups], ignore_index=True)
        frame["volume"] = frame["volume"].round(3)
        return frame

    def resource_frame(self) -> pd.DataFrame:
        """Capacity use per week and resource."""
        r = self.compiled.resources
        n_weeks, n_resources = self.usage.shape
        return pd.DataFrame(
            {
                "week": np.repeat(self.weeks, n_resources),
                "resource": np.tile(r.keys, n_weeks),
                "measure": np.tile(r.measures, n_weeks),
                "capacity": self.capacity.ravel(),
                "extra": self.extra_capacity.ravel(),
                "used": self.usage.ravel(),
                "utilisation": self.utilisation.ravel(),
                "shortfall_steps": self.shortfall_steps.ravel(),
                "step": np.tile(r.step_names, n_weeks),
            }
        )

    def week_frame(self) -> pd.DataFrame:
        """Per week: patients treated, waiting, beyond the guarantee, the share treated within
        it, and the cost of extra capacity."""
        return pd.DataFrame(
            {
                "week": self.weeks,
                "treated": self.production.sum(axis=1),
                "backlog": self.backlog.sum(axis=1),
                "beyond_guarantee": self.breach.sum(axis=1),
                "share_within_guarantee": self.within_share,
                "extra_cost": self.extra_cost,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready document of the whole plan."""

        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            finite = frame.replace([np.inf, -np.inf], np.nan)
            return list(json.loads(finite.to_json(orient="records", double_precision=6)))

        c = self.compiled
        stats = self.stats
        bought = [
            {
                "week": c.weeks[w],
                "resource": kind.resource,
                "kind": kind.kind,
                "units": round(float(self.extra_units[w, e]), 6),
                "unit": kind.unit,
            }
            for w in range(len(c.weeks))
            for e, kind in enumerate(c.extra_kinds)
            if self.extra_units[w, e] > 1e-9
        ]
        competences = [k for k, kind in zip(c.resources.keys, c.resources.kinds, strict=True)
                       if kind == "competence"]  # fmt: skip
        shifts = self.competence_shortfall_shifts()
        return {
            "unit": c.unit_id,
            "weeks": list(c.weeks),
            "solver": {
                "status": str(stats.status),
                "backend": stats.backend,
                "objective": _finite(stats.objective),
                "bound": _finite(stats.bound),
                "gap": _finite(stats.gap),
                "wall_time": stats.wall_time,
                "variables": stats.variables,
                "constraints": stats.constraints,
            },
            "objective_terms": self.terms,
            "kpis": self.kpis(),
            "check": {"ok": not self.violations, "violations": list(self.violations)},
            "by_week": records(self.week_frame()),
            "production": records(self.frame()),
            "resources": records(self.resource_frame()),
            "shortfall_shifts": {
                competence: [round(float(v), 3) for v in shifts[:, i]]
                for i, competence in enumerate(competences)
            },
            "extra_bought": bought,
            "pinned": [{"week": p.week, "target": p.target, "volume": p.volume} for p in c.pins],
        }


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


# --------------------------------------------------------------------------------------------
# Explain and check


class PlanInfeasible(InputError):
    """Pinned volumes (or other hard requirements) that no plan can meet; each problem names
    the week, the resource or product group and the amount missing."""

    def __init__(self, problems: list[InputProblem], shortfall: TacticalShortfall) -> None:
        super().__init__(problems)
        self.shortfall = shortfall


def explain_shortfall(
    compiled: CompiledPlan, shortfall: TacticalShortfall, threshold: float = 1e-6
) -> list[InputProblem]:
    """One problem per week and resource (or product group) that lacks something, with the
    amount missing."""
    c = compiled
    r = c.resources
    problem = c.problem
    source = c.pins[0].source if c.pins else f"unit {c.unit_id}"
    bought_max = np.zeros_like(problem.capacity)
    extra = problem.extra
    np.add.at(bought_max.T, extra.resource, (extra.max_units * extra.size).T)
    found: list[InputProblem] = []
    for w, i in zip(*np.nonzero(shortfall.capacity > threshold), strict=True):
        missing = float(shortfall.capacity[w, i])
        found.append(
            InputProblem(
                source,
                f"week {c.weeks[w]}, {r.keys[i]}",
                NO_VALUE,
                f"room for the pinned volumes: {missing:,.1f} {r.measures[i]} "
                f"({missing / r.step[i]:,.1f} {r.step_names[i]}) missing beyond the "
                f"{problem.capacity[w, i]:,.1f} available and {bought_max[w, i]:,.1f} of extra "
                "capacity at most",
            )
        )
    for w, g in zip(*np.nonzero(shortfall.patients > threshold), strict=True):
        found.append(
            InputProblem(
                source,
                f"week {c.weeks[w]}, product group {c.groups[g]}",
                NO_VALUE,
                f"patients for the pinned volumes: {shortfall.patients[w, g]:,.1f} patients "
                "missing (more than the waiting list and the forecast hold)",
            )
        )
    return found


def check_plan(unit: Unit, plan: Plan, tolerance: float = TOLERANCE) -> list[str]:
    """What is wrong with ``plan`` for ``unit``, recomputed from the unit: an empty list when
    the plan never uses more than capacity plus the extra it bought, never treats more
    patients than are waiting, and meets every pinned volume.

    Shares nothing with the solver: need, mix and requirement come from :mod:`engine.need`
    and capacity from :mod:`engine.capacity`, recomputed for the unit.
    """
    horizon = Horizon.of(unit.calendar)
    resources = Resources.of(unit)
    n_weeks = len(plan.weeks)
    first = horizon.weeks.index(plan.weeks[0]) if n_weeks else 0
    production = plan.production
    found: list[str] = []
    if (production < -tolerance).any():
        w, g = np.argwhere(production < -tolerance)[0]
        found.append(f"week {plan.weeks[w]}: negative production of {unit.product_groups[g].id}")
    mix = mix_matrix(unit)
    used = production @ mix @ requirement_matrix(unit, resources)
    capacity = available_capacity(unit, horizon, resources)[first : first + n_weeks]
    bought = plan.extra_capacity
    excess = used - capacity - bought
    limit = tolerance * np.maximum(1.0, capacity + bought)
    for w, r in np.argwhere(excess > limit):
        found.append(
            f"week {plan.weeks[w]}: {resources.keys[r]} used {used[w, r]:.3f} "
            f"{resources.measures[r]}, more than {capacity[w, r]:.3f} available + "
            f"{bought[w, r]:.3f} bought"
        )
    extra = plan.compiled.problem.extra
    if (plan.extra_units > extra.max_units + tolerance).any() or (plan.extra_units < -1e-9).any():
        found.append("extra capacity bought outside its limits")
    arrived = forecast_matrix(unit, horizon)[first : first + n_weeks].cumsum(axis=0)
    listed = np.zeros(len(unit.product_groups))
    index = {g.id: i for i, g in enumerate(unit.product_groups)}
    rolling = plan.compiled.start
    if rolling is not None:  # the list given at the rolling start
        listed += np.asarray(rolling.waiting, dtype=float).reshape(len(listed), -1).sum(axis=1)
    else:
        for entry in unit.waiting_list:
            listed[index[entry.product_group]] += entry.patients
    waiting = listed + arrived - production.cumsum(axis=0)
    for w, g in np.argwhere(waiting < -tolerance * np.maximum(1.0, listed + arrived)):
        found.append(
            f"week {plan.weeks[w]}: {unit.product_groups[g].id} treated "
            f"{-waiting[w, g]:.3f} patients more than were waiting"
        )
    activities = {a.id: i for i, a in enumerate(unit.activity_types)}
    week_index = {label: i for i, label in enumerate(plan.weeks)}
    for pin in plan.compiled.pins:
        w = week_index[pin.week]
        if pin.target in index:
            done = production[w, index[pin.target]]
        else:
            done = production[w] @ mix[:, activities[pin.target]]
        if abs(done - pin.volume) > tolerance * max(1.0, pin.volume) + 1e-6:
            found.append(f"week {pin.week}: {pin.target} is {done:.3f}, pinned at {pin.volume}")
    return found


# --------------------------------------------------------------------------------------------
# Plan a unit


def plan_unit(
    unit: Unit,
    *,
    weeks: int | None = None,
    pins: tuple[PinnedVolume, ...] = (),
    options: PlanOptions | None = None,
    solve_options: SolveOptions | None = None,
    progress: ProgressCallback | None = None,
    checked: bool = False,
    start: RollingStart | None = None,
) -> Plan:
    """The tactical production plan of ``unit``.

    Parameters
    ----------
    unit
        The unit; its references are checked first unless ``checked`` says that was done.
    weeks
        Weeks to plan from the start (default: the rest of the calendar).
    pins
        Volumes agreed in advance, locked in the plan.
    options
        Weights and extra-capacity limits.
    solve_options
        Backend (``highs`` or ``cbc``), time limit, gap limit, seed and threads.
    progress
        Called with each improving solution.
    start
        A rolling start: plan from a later week of the calendar with the waiting list given
        there (see :class:`RollingStart`, :func:`waiting_after`).

    Raises
    ------
    PlanInfeasible
        When pinned volumes cannot be met: one problem per week and resource (or product
        group) that lacks capacity (or patients), with the amount missing.
    RuntimeError
        When the solver stops without a plan for another reason (time limit).
    """
    if not checked:
        check_unit(unit)
    compiled = compile_plan(unit, weeks=weeks, pins=pins, options=options, start=start)
    result = solve(compiled.problem, solve_options, progress)
    if result.solution is None:
        # the explanation is an LP: it gets the time a time-limited solve may have run out of
        explain_options = dataclasses.replace(solve_options or SolveOptions(), time_limit=None)
        shortfall = explain(compiled.problem, explain_options)
        problems = explain_shortfall(compiled, shortfall)
        if problems:
            raise PlanInfeasible(problems, shortfall)
        raise RuntimeError(
            f"the solver stopped without a plan ({result.status}) after "
            f"{result.stats.wall_time:.1f} s; nothing in the input contradicts itself, so "
            "allow more time (--time-limit)"
        )
    solution = result.solution
    problem = compiled.problem
    plan = Plan(
        compiled=compiled,
        stats=result.stats,
        production=solution.production,
        backlog=solution.backlog,
        breach=solution.breach,
        within=within_guarantee(
            problem.need, problem.waiting, problem.guarantee_weeks, solution.production
        ),
        extra_units=solution.extra_units,
        terms=solution.terms,
        violations=(),
    )
    violations = tuple(check_plan(unit, plan))
    return Plan(**{**plan.__dict__, "violations": violations})


# --------------------------------------------------------------------------------------------
# Files


PIN_COLUMNS = ("week", "activity", "volume")


def read_pins(path: str | os.PathLike[str]) -> tuple[PinnedVolume, ...]:
    """Pinned volumes from a CSV file ``week, activity, volume``; ``activity`` is an activity
    type id (a volume of activities) or a product group id (a volume of patients).

    Raises
    ------
    InputError
        Naming the file, line and column of each problem.
    """
    location = Path(path)
    try:
        text = location.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError.single(str(location), "", NO_VALUE, "an existing file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.single(str(location), "", NO_VALUE, f"a readable file ({exc})") from None
    header = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=header.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns = [c.strip() for c in reader.fieldnames or []]
    if sorted(columns) != sorted(PIN_COLUMNS):
        raise InputError.single(
            str(location), "header", ",".join(columns), f"the columns {', '.join(PIN_COLUMNS)}"
        )
    pins: list[PinnedVolume] = []
    problems: list[InputProblem] = []
    for raw in reader:
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        where = f"{location} line {reader.line_num}"
        if not any(row.values()):
            continue
        try:
            parse_iso_week(row["week"])
        except ValueError as exc:
            problems.append(InputProblem(where, "week", row["week"], str(exc)))
            continue
        text_volume = row["volume"].replace(",", ".") if delimiter != "," else row["volume"]
        try:
            volume = float(text_volume)
        except ValueError:
            problems.append(InputProblem(where, "volume", row["volume"], "a number >= 0"))
            continue
        pins.append(PinnedVolume(row["week"], row["activity"], volume, where))
    if problems:
        raise InputError(problems)
    return tuple(pins)


WAITING_COLUMNS = ("product_group", "waiting_since", "patients")


def read_waiting(path: str | os.PathLike[str], unit: Unit, week: str) -> RollingStart:
    """A rolling start at ``week`` from the waiting list there, a CSV file
    ``product_group, waiting_since, patients`` (the form of ``waiting_list.csv``).

    Raises
    ------
    InputError
        Naming the file, line and column of each problem: an unknown product group, a date
        that is not one or falls after the Monday of ``week``, patients that are not a number
        >= 0; or a week outside the calendar.
    """
    horizon = Horizon.of(unit.calendar)
    _week_index(horizon, week, "--start")
    monday = week_monday(week)
    location = Path(path)
    delimiter, reader = _csv_reader(location)
    columns = [c.strip() for c in reader.fieldnames or []]
    if sorted(columns) != sorted(WAITING_COLUMNS):
        raise InputError.single(
            str(location), "header", ",".join(columns), f"the columns {', '.join(WAITING_COLUMNS)}"
        )
    groups = {g.id: i for i, g in enumerate(unit.product_groups)}
    entries: list[tuple[str, date, float]] = []
    problems: list[InputProblem] = []
    for raw in reader:
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        where = f"{location} line {reader.line_num}"
        if not any(row.values()):
            continue
        group = row["product_group"]
        if group not in groups:
            known = ", ".join(groups)
            problems.append(
                InputProblem(where, "product_group", group, f"a product group id ({known})")
            )
        try:
            since = date.fromisoformat(row["waiting_since"])
        except ValueError:
            problems.append(
                InputProblem(where, "waiting_since", row["waiting_since"], "a date like 2027-01-04")
            )
            since = None
        if since is not None and since > monday:
            problems.append(
                InputProblem(
                    where, "waiting_since", row["waiting_since"], f"a date on or before {monday}"
                )
            )
        text = row["patients"].replace(",", ".") if delimiter != "," else row["patients"]
        try:
            patients = float(text)
        except ValueError:
            patients = -1.0
        if not (math.isfinite(patients) and patients >= 0):
            problems.append(InputProblem(where, "patients", row["patients"], "a number >= 0"))
        if not problems and since is not None:
            entries.append((group, since, patients))
    if problems:
        raise InputError(problems)
    return RollingStart(week, _waiting_by_age(entries, groups, monday))


def _csv_reader(location: Path) -> tuple[str, csv.DictReader[str]]:
    """The delimiter (``,``, ``;`` or tab, the most common in the header) and a reader."""
    try:
        text = location.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError.single(str(location), "", NO_VALUE, "an existing file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.single(str(location), "", NO_VALUE, f"a readable file ({exc})") from None
    header = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=header.count)
    return delimiter, csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)


def read_plan_options(path: str | os.PathLike[str]) -> PlanOptions:
    """:class:`PlanOptions` with the overrides of a YAML (or JSON) mapping of option names.

    Raises
    ------
    InputError
        For an unknown option or a value that is not a number >= 0.
    """
    location = Path(path)
    document = read_yaml(location)  # the unit's reader: dates and times as the unit reads them
    if document is None:
        return PlanOptions()
    if not isinstance(document, dict):
        raise InputError.single(str(location), "", type(document).__name__, "a mapping")
    known = PlanOptions.field_names()
    problems = [
        InputProblem(str(location), str(key), NO_VALUE, f"one of the options {', '.join(known)}")
        for key in document
        if key not in known
    ]
    defaults = PlanOptions()
    values: dict[str, Any] = {}
    for key, value in document.items():
        if key not in known:
            continue
        default = getattr(defaults, key)
        if isinstance(default, bool):
            if not isinstance(value, bool):
                problems.append(InputProblem(str(location), key, value, "true or false"))
            values[key] = value
        elif isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(InputProblem(str(location), key, value, "a number >= 0"))
        elif isinstance(default, int) and value != int(value):
            problems.append(InputProblem(str(location), key, value, "a whole number >= 0"))
        else:
            values[key] = type(default)(value)
    if problems:
        raise InputError(problems)
    try:
        return defaults.replace(**values)
    except ValueError as exc:
        raise InputError.single(str(location), "", NO_VALUE, str(exc)) from None
