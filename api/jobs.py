"""The job runner: solves in a pool of worker processes, off the event loop.

Job kinds live in one table, :data:`JOB_KINDS`: a kind is a function ``(unit, options,
progress) -> JSON-able result`` and the roles that may submit it. Adding a stage is one entry.

The runner keeps ``workers`` processes (``spawn``ed, so no lock or thread of the server is
copied into them). Each process has a slot thread in the server that hands it one job at a
time through a pipe, stores the progress the job reports, and writes the result or the error
in the same transaction as the final state. A job is stopped by killing its process (the solver
stops with it), when it is cancelled or when it runs past its time limit plus a grace period;
the slot then starts a fresh process. Jobs are claimed with a conditional update
(``queued -> running``), so a job cancelled while queued never starts. On start, jobs that
were queued or running when the service last stopped are queued again.

One service process per database: two services on one database would both re-queue its jobs.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from api.db import Job, JobResult, utcnow
from engine.balance import balance
from engine.errors import NO_VALUE, InputError
from models.unit import Unit
from solvers.common import Progress, ProgressCallback, SolveOptions

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from api.db import Database

log = logging.getLogger(__name__)

JobFunction = Callable[[Unit, SolveOptions, ProgressCallback, Mapping[str, Any]], Mapping[str, Any]]

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
)
FINAL_STATES = frozenset({SUCCEEDED, FAILED, CANCELLED})

DAILY_SHARE = 0.5
"""Share of a ``schedule`` job's time limit for its daily plan; the roster gets the rest. The
example clinic's six weeks were planned in 1.7 s at a limit of 1.5 s (gap 5.8 %, 151
activities unplaced) and in 4.4 s at 5 s (0.8 %, 143)."""


@dataclass(frozen=True)
class JobKind:
    """A kind of solve job.

    Parameters
    ----------
    name
        The ``kind`` clients ask for.
    run
        ``run(unit, options, progress, params)``: solve and return a JSON-able result; report
        progress through ``progress``; ``params`` are the stage's own parameters (weeks, start,
        ...); raise :class:`engine.errors.InputError` for input it cannot use.
    roles
        The roles whose keys may submit it.
    summary
        One line for the API documentation.
    """

    name: str
    run: JobFunction
    roles: frozenset[str]
    summary: str


def _int_param(params: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError.single("params", name, value, f"a whole number from {low} to {high}")
    return value


def _unknown_params(params: Mapping[str, Any], known: tuple[str, ...]) -> None:
    extra = sorted(set(params) - set(known))
    if extra:
        expected = f"one of {', '.join(known)}" if known else "no parameters for this kind"
        raise InputError.single("params", extra[0], extra[0], expected)


def run_balance(
    unit: Unit, options: SolveOptions, progress: ProgressCallback, params: Mapping[str, Any]
) -> dict[str, Any]:
    """The ``balance`` kind: need against available capacity per week and resource.

    No solver is involved; one progress report marks the end of the computation.
    """
    _unknown_params(params, ())
    started = time.perf_counter()
    report = balance(unit)
    document = report.to_dict()
    progress(Progress(elapsed=time.perf_counter() - started, objective=0.0, bound=0.0, solutions=1))
    return document


def run_plan(
    unit: Unit, options: SolveOptions, progress: ProgressCallback, params: Mapping[str, Any]
) -> dict[str, Any]:
    """The ``plan`` kind: the tactical production plan (MILP), weekly volumes per product group.

    Parameters: ``weeks`` to plan from the start of the calendar (default: all of them).
    """
    from engine.plan import plan_unit

    _unknown_params(params, ("weeks",))
    weeks = _int_param(params, "weeks", unit.calendar.weeks, 1, unit.calendar.weeks)
    plan = plan_unit(unit, weeks=weeks, solve_options=options, progress=progress)
    return plan.to_dict()


def _records(frame: Any) -> list[dict[str, Any]]:
    """A frame's rows as JSON objects, a ``date`` column as ``YYYY-MM-DD``."""
    if "date" in frame.columns:
        frame = frame.assign(date=frame["date"].astype(str))
    return json.loads(frame.to_json(orient="records"))  # type: ignore[no-any-return]


def run_schedule(
    unit: Unit, options: SolveOptions, progress: ProgressCallback, params: Mapping[str, Any]
) -> dict[str, Any]:
    """The ``schedule`` kind: the daily plan of some weeks and the staff roster (CP-SAT) that
    carries it out, with the independent checker's verdict.

    Parameters: ``start`` (a Monday, ``YYYY-MM-DD``; default the calendar's first day) and
    ``weeks`` (1 to 18, default 2). The daily plan gets :data:`DAILY_SHARE` of the job's time
    limit (at most its own 60 s) and the roster solve what it leaves: with the daily plan's own
    60 s, a job of 3 s was stopped 10 s after its limit with nothing saved. The result
    (``start``, ``weeks``, ``roster``, ``cover``, ``daily_plan``) is what the ``repair`` kind
    takes as the published schedule.
    """
    from engine.daily import DEFAULT_OPTIONS as DAILY_OPTIONS
    from engine.daily import plan_days
    from engine.roster import compile_roster, roster_grid, roster_summary, solve_roster

    _unknown_params(params, ("start", "weeks"))
    weeks = _int_param(params, "weeks", min(2, unit.calendar.weeks), 1, 18)
    start = unit.calendar.start
    if "start" in params:
        try:
            start = date.fromisoformat(str(params["start"]))
        except ValueError:
            raise InputError.single("params", "start", params["start"], "a date") from None
        if start.weekday() != 0:
            raise InputError.single("params", "start", params["start"], "a Monday")
    started = time.perf_counter()
    daily_options = DAILY_OPTIONS
    if options.time_limit is not None:  # the job's limit holds for both solves
        share = min(DAILY_OPTIONS.time_limit or math.inf, DAILY_SHARE * options.time_limit)
        daily_options = replace(DAILY_OPTIONS, time_limit=share)
    daily = plan_days(unit, start, weeks, options=daily_options)
    # The roster gets what is left of the job's time limit.
    left = None
    if options.time_limit is not None:
        left = max(1.0, options.time_limit - (time.perf_counter() - started))
    problem = compile_roster(unit, start, weeks, daily.cover)
    result = solve_roster(problem, replace(options, time_limit=left), progress)
    document: dict[str, Any] = {
        "unit": unit.id,
        "start": start.isoformat(),
        "weeks": weeks,
        "daily_plan": _records(daily.days),
        "cover": _records(daily.cover),
        "unplaced": _records(daily.unplaced),
        "roster_summary": json.loads(json.dumps(roster_summary(problem, result), default=str)),
    }
    if result.solution is not None:
        grid = roster_grid(problem, result.solution, start)
        document["roster"] = {
            str(staff): {str(day): shift for day, shift in row.items() if shift}
            for staff, row in grid.iterrows()
        }
    return document


def _date_param(params: Mapping[str, Any], name: str, default: date | None = None) -> date:
    if name not in params:
        if default is None:
            raise InputError.single("params", name, None, "a date like 2027-03-02")
        return default
    try:
        return date.fromisoformat(str(params[name]))
    except ValueError:
        raise InputError.single("params", name, params[name], "a date like 2027-03-02") from None


def _mapping_param(params: Mapping[str, Any], name: str, expected: str) -> dict[str, Any] | None:
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise InputError.single("params", name, value, expected)
    return value


def run_rooms(
    unit: Unit, options: SolveOptions, progress: ProgressCallback, params: Mapping[str, Any]
) -> dict[str, Any]:
    """The ``rooms`` kind: one day's activities into rooms, with start times and teams from
    the staff on shift (CP-SAT), with the independent checker's verdict.

    Parameters: ``date`` (required); ``activities`` (activity type -> count that day) and
    ``roster`` (staff id -> shift code that day), by default that week's daily plan and a
    one-week roster computed first, each with a fifth of the job's time limit.
    """
    from engine.daily import plan_days
    from engine.rooms import (
        check_day,
        compile_rooms,
        day_counts,
        day_roster,
        explain_unplaced,
        room_summary,
        schedule_frame,
        solve_rooms,
    )
    from engine.roster import compile_roster, roster_grid, solve_roster

    _unknown_params(params, ("date", "activities", "roster"))
    day = _date_param(params, "date")
    check_day(unit, day)
    counts = _mapping_param(params, "activities", "activity type id -> count")
    on_shift = _mapping_param(params, "roster", "staff id -> shift code")
    for name, value in (counts or {}).items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InputError.single("params", f"activities.{name}", value, "a count >= 0")
    started = time.perf_counter()
    quick = replace(options, time_limit=(options.time_limit or 60.0) / 5)
    if counts is None or on_shift is None:
        monday = day - timedelta(days=day.weekday())
        plan = plan_days(unit, monday, 1, options=replace(quick, abs_gap_limit=10.0))
        if counts is None:
            counts = day_counts(plan.days, day, "daily plan")
        if on_shift is None:
            problem = compile_roster(unit, monday, 1, plan.cover)
            week = solve_roster(problem, quick)
            if week.solution is None:
                raise InputError.single(
                    "params", "roster", None, "a roster of the day (none was found in time)"
                )
            on_shift = day_roster(roster_grid(problem, week.solution, monday), day, "roster")
    compiled = compile_rooms(unit, day, counts, {k: str(v) for k, v in on_shift.items()})
    left = None
    if options.time_limit is not None:
        left = max(1.0, options.time_limit - (time.perf_counter() - started))
    result = solve_rooms(compiled, replace(options, time_limit=left), progress)
    document: dict[str, Any] = {"unit": unit.id, **room_summary(compiled, result)}
    if result.solution is not None:
        reasons = explain_unplaced(compiled, unit, result.solution)
        frame = schedule_frame(compiled, result.solution, reasons)
        document["schedule"] = _records(frame)
    return json.loads(json.dumps(document, default=str))  # type: ignore[no-any-return]


def run_followup(
    unit: Unit, options: SolveOptions, progress: ProgressCallback, params: Mapping[str, Any]
) -> dict[str, Any]:
    """The ``followup`` kind: actual production against the plan, per day and week, and the
    rest of the horizon re-balanced (two tactical solves and the daily plan of the weeks
    followed).

    Parameters: ``actual``, a list of ``{date, activity, count}`` (required); ``threshold``,
    the share of the plan beyond which a cumulative deviation is flagged (default 0.05).
    """
    from engine.daily import DEFAULT_OPTIONS
    from engine.followup import Period, WeeklyPlan, actuals_of, daily_plan_for, follow_up
    from engine.plan import plan_unit
    from models.followup import FollowUpOptions

    _unknown_params(params, ("actual", "threshold"))
    records = params.get("actual")
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise InputError.single(
            "params", "actual", records, "a list of {date, activity, count} objects"
        )
    threshold = params.get("threshold", 0.05)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or threshold < 0:
        raise InputError.single("params", "threshold", threshold, "a share >= 0 (0.05 for 5 %)")
    first = unit.calendar.start
    last = first + timedelta(weeks=unit.calendar.weeks, days=-1)
    actual = actuals_of(
        ((f"params.actual[{i}]", record) for i, record in enumerate(records)),
        unit,
        first,
        last,
        "the plan",
        "params.actual",
    )
    started = time.perf_counter()
    weekly = WeeklyPlan.of(plan_unit(unit, solve_options=options, checked=True))
    daily_options = replace(
        options,
        time_limit=options.time_limit or DEFAULT_OPTIONS.time_limit,
        abs_gap_limit=DEFAULT_OPTIONS.abs_gap_limit,
    )
    daily = daily_plan_for(unit, Period.of(actual), weekly, daily_options)
    result = follow_up(
        unit,
        actual,
        daily,
        weekly,
        options=FollowUpOptions(threshold=float(threshold)),
        solve_options=options,
    )
    progress(Progress(elapsed=time.perf_counter() - started, objective=0.0, bound=0.0, solutions=1))
    document = {
        "unit": unit.id,
        "summary": result.summary(),
        "weeks": json.loads(result.week_totals().to_json(orient="records")),
        "days": _records(result.comparison.days),
    }
    if result.rebalance is not None:
        document["replan"] = json.loads(result.rebalance.frame().to_json(orient="records"))
    return json.loads(json.dumps(document, default=str))  # type: ignore[no-any-return]


def run_repair(
    unit: Unit, options: SolveOptions, progress: ProgressCallback, params: Mapping[str, Any]
) -> dict[str, Any]:
    """The ``repair`` kind: a published roster repaired after changes (absences, extra
    activities, rooms closed) with as few changed assignments as possible, or the staff ranked
    who could take one shift.

    Parameters: ``schedule``, the published schedule: the result of a ``schedule`` job
    (``start``, ``weeks``, ``roster``, ``cover``, ``daily_plan``); ``changes``, a change set as
    in a change file (``today``, ``absences``, ``extra_activities``, ``room_closures``,
    ``weights``); ``today`` (a date, overriding the change set's); ``candidates``, ``{date,
    shift, competence}`` to rank the staff for that shift instead of repairing; ``window``,
    days around each change free to move (0 to 14, default 3).
    """
    from engine.repair import (
        changes_of,
        published_of,
        rank_candidates,
        repair_roster,
        repair_summary,
        situation,
    )
    from engine.roster import roster_grid

    _unknown_params(params, ("schedule", "changes", "today", "candidates", "window"))
    document = _mapping_param(params, "schedule", "the result of a schedule job")
    if document is None:
        raise InputError.single("params", "schedule", None, "the result of a schedule job")
    published = published_of(unit, document, "params.schedule")
    changes = changes_of(params.get("changes"), "params.changes")
    today = _date_param(params, "today") if "today" in params else None
    window = _int_param(params, "window", 3, 0, 14)
    state = situation(unit, published, changes, today, "params.changes")
    wanted = _mapping_param(params, "candidates", "{date, shift, competence}")
    if wanted is not None:
        extra = sorted(set(wanted) - {"date", "shift", "competence"})
        if extra or "shift" not in wanted:
            raise InputError.single(
                "params.candidates", extra[0] if extra else "shift", None, "date, shift"
            )
        started = time.perf_counter()
        competence = wanted.get("competence")
        ranking = rank_candidates(
            state,
            _date_param(wanted, "date"),
            str(wanted["shift"]),
            None if competence is None else str(competence),
            source="params.candidates",
        )
        progress(
            Progress(
                elapsed=time.perf_counter() - started,
                objective=0.0,
                bound=0.0,
                solutions=len(ranking.candidates),
            )
        )
        ranked = {
            "day": ranking.day,
            "shift": ranking.shift,
            "competences": ranking.competences,
            "candidates": [asdict(c) for c in ranking.candidates],
            "excluded": ranking.excluded,
            "excluded_staff": ranking.excluded_staff,
        }
        return json.loads(json.dumps({"unit": unit.id, **ranked}, default=str))  # type: ignore[no-any-return]
    repair = repair_roster(state, options, window=window)
    result: dict[str, Any] = {
        "unit": unit.id,
        "summary": repair_summary(repair),
        "changes": [{**asdict(c), "text": c.text()} for c in repair.changes],
    }
    if repair.solution is not None:
        grid = roster_grid(repair.problem, repair.solution, repair.start)
        result["roster"] = {
            str(staff): {str(day): shift for day, shift in row.items() if shift}
            for staff, row in grid.iterrows()
        }
    return json.loads(json.dumps(result, default=str))  # type: ignore[no-any-return]


JOB_KINDS: Mapping[str, JobKind] = MappingProxyType(
    {
        kind.name: kind
        for kind in (
            JobKind(
                "balance",
                run_balance,
                frozenset({"planner", "system"}),
                "care need against available capacity per week and resource",
            ),
            JobKind(
                "plan",
                run_plan,
                frozenset({"planner", "system"}),
                "the tactical production plan: weekly volumes per product group (MILP)",
            ),
            JobKind(
                "schedule",
                run_schedule,
                frozenset({"scheduler", "system"}),
                "the daily plan of some weeks and the staff roster that carries it out",
            ),
            JobKind(
                "rooms",
                run_rooms,
                frozenset({"scheduler", "system"}),
                "one day's activities into rooms, with start times and teams (CP-SAT)",
            ),
            JobKind(
                "followup",
                run_followup,
                frozenset({"planner", "scheduler", "system"}),
                "actual production against the plan, and the rest of the horizon re-balanced",
            ),
            JobKind(
                "repair",
                run_repair,
                frozenset({"scheduler", "system"}),
                "a published roster repaired after changes, or the staff ranked for a shift",
            ),
        )
    }
)
"""Every kind of job the service runs, by name."""


# --------------------------------------------------------------------------------------------
# The worker process


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _problems(error: InputError) -> list[dict[str, Any]]:
    """The problems of a failed job. The engine names a command-line option where a job has a
    parameter (``--start``): that is ``params`` and the parameter's name (``start``)."""
    problems = [
        replace(p, source="params", field=_parameter(p.source, p.field))
        if p.source.startswith("--")
        else p
        for p in error.problems
    ]
    return [
        {
            "source": p.source,
            "field": p.field,
            "value": None if p.value is None or p.value is NO_VALUE else repr(p.value),
            "expected": p.expected,
            "message": str(p),
        }
        for p in problems
    ]


def _parameter(option: str, field: str) -> str:
    """``--start`` (and a field below it) as the job parameter's path: ``start``."""
    name = option.removeprefix("--").replace("-", "_")
    return f"{name}.{field}" if field else name


def worker_main(conn: Connection, kinds: Mapping[str, JobKind]) -> None:
    """Body of a worker process: run the jobs that arrive on ``conn`` one at a time.

    Messages sent back: ``("progress", job_id, {...})``, ``("done", job_id, result)``,
    ``("failed", job_id, error)``. The process ends when the pipe closes, and, at its next
    progress report, when the server that started it is gone.
    """
    import signal

    # Ctrl-C reaches the whole process group; the server decides what happens to jobs.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        job_id, kind_name, document, option_values = task
        params = dict(option_values.pop("params", None) or {})

        def report(update: Progress, job_id: str = job_id) -> None:
            if os.getppid() != parent:
                os._exit(0)  # orphaned: the server died and the job will be run again
            conn.send(
                (
                    "progress",
                    job_id,
                    {
                        "elapsed": round(update.elapsed, 3),
                        "objective": _finite(update.objective),
                        "bound": _finite(update.bound),
                        "gap": _finite(update.gap),
                        "solutions": update.solutions,
                    },
                )
            )

        try:
            unit = Unit.model_validate(document)
            options = SolveOptions(**option_values)
            result = dict(kinds[kind_name].run(unit, options, report, params))
            message: tuple[str, str, Any] = ("done", job_id, result)
        except InputError as error:
            message = ("failed", job_id, {"type": "input", "problems": _problems(error)})
        except Exception as error:
            # the trace goes to the service's log, not to the client (it named server paths)
            log.exception("job %s (%s) failed", job_id, kind_name)
            message = (
                "failed",
                job_id,
                {"type": "error", "message": f"{type(error).__name__}: {error}"},
            )
        try:
            conn.send(message)
        except (BrokenPipeError, OSError):
            return


# --------------------------------------------------------------------------------------------
# The runner in the server


@dataclass
class _Running:
    job_id: str
    cancel: threading.Event
    deadline: float


class _Slot:
    """One worker process and the thread in the server that feeds it."""

    def __init__(self, runner: JobRunner, index: int) -> None:
        self.runner = runner
        self.index = index
        self.process: BaseProcess | None = None
        self.conn: Connection | None = None
        self.running: _Running | None = None
        self.thread = threading.Thread(target=self._loop, name=f"balans-job-slot-{index}")

    @property
    def pid(self) -> int | None:
        """The worker process's id, if it is alive."""
        return self.process.pid if self.process is not None and self.process.is_alive() else None

    def start_process(self) -> None:
        context = multiprocessing.get_context("spawn")
        parent_end, child_end = context.Pipe()
        process = context.Process(
            target=worker_main,
            args=(child_end, dict(self.runner.kinds)),
            name=f"balans-worker-{self.index}",
            daemon=True,
        )
        process.start()
        child_end.close()
        self.process, self.conn = process, parent_end

    def stop_process(self, *, kill: bool) -> None:
        process, conn = self.process, self.conn
        self.process, self.conn = None, None
        if conn is not None:
            if not kill:
                with contextlib.suppress(BrokenPipeError, OSError):
                    conn.send(None)
            conn.close()
        if process is None:
            return
        if kill:
            process.kill()
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)

    def _loop(self) -> None:
        while True:
            job_id = self.runner.queue.get()
            if job_id is None:
                return
            try:
                self._run(job_id)
            except Exception as error:
                log.exception("job %s: the runner failed", job_id)
                self.stop_process(kill=True)
                self.runner.finish(
                    job_id,
                    FAILED,
                    error={"type": "error", "message": f"the job runner failed: {error!r}"},
                )
            finally:
                self.running = None
                if self.process is None and not self.runner.stopping.is_set():
                    # a cancelled, overrun or failed job's process was stopped: a new one now,
                    # not when the next job comes (/readyz counted the slot as dead until then)
                    self.start_process()
                self.runner.notify(job_id)

    def _run(self, job_id: str) -> None:
        runner = self.runner
        claimed = runner.claim(job_id)
        if claimed is None:
            return
        kind_name, document, options = claimed
        if kind_name not in runner.kinds:
            runner.finish(
                job_id,
                FAILED,
                error={"type": "input", "message": f"unknown job kind {kind_name!r}"},
            )
            return
        if self.process is None or not self.process.is_alive():
            self.stop_process(kill=True)
            self.start_process()
        assert self.conn is not None
        assert self.process is not None
        time_limit = float(options.get("time_limit") or runner.default_time_limit)
        running = _Running(
            job_id, threading.Event(), time.monotonic() + time_limit + runner.grace_seconds
        )
        self.running = running
        if job_id in runner.cancel_requests:
            running.cancel.set()
        self.conn.send((job_id, kind_name, document, options))
        last_store = 0.0
        while True:
            if running.cancel.is_set():
                self.stop_process(kill=True)
                runner.finish(job_id, CANCELLED, error={"type": "cancelled"})
                return
            if runner.stopping.is_set():
                self.stop_process(kill=True)
                runner.requeue(job_id)
                return
            if time.monotonic() > running.deadline:
                self.stop_process(kill=True)
                runner.finish(
                    job_id,
                    FAILED,
                    error={
                        "type": "time_limit",
                        "message": f"still running {runner.grace_seconds:g} s after its time "
                        f"limit of {time_limit:g} s; its process was stopped",
                    },
                )
                return
            try:
                if not self.conn.poll(0.05):
                    if not self.process.is_alive():
                        raise EOFError
                    continue
                tag, _, payload = self.conn.recv()
            except (EOFError, OSError):
                code = None
                if self.process is not None:
                    self.process.join(timeout=5)
                    code = self.process.exitcode
                self.stop_process(kill=True)
                runner.finish(
                    job_id,
                    FAILED,
                    error={
                        "type": "worker_died",
                        "message": f"the worker process ended (exit code {code}) during the job",
                    },
                )
                return
            if tag == "progress":
                runner.latest_progress[job_id] = payload
                now = time.monotonic()
                if now - last_store >= runner.progress_interval:
                    runner.store_progress(job_id, payload)
                    last_store = now
            elif tag == "done":
                runner.finish(job_id, SUCCEEDED, result=payload)
                return
            else:
                runner.finish(job_id, FAILED, error=payload)
                return


class JobRunner:
    """Runs queued jobs in ``workers`` worker processes and records what happens to them.

    Parameters
    ----------
    database
        Where jobs, progress and results are kept.
    kinds
        The job kinds it can run (default :data:`JOB_KINDS`).
    workers
        Number of worker processes.
    default_time_limit, grace_seconds
        A job's time limit when its options set none; how long past it a job may run before its
        process is killed.
    """

    def __init__(
        self,
        database: Database,
        kinds: Mapping[str, JobKind] = JOB_KINDS,
        *,
        workers: int = 2,
        default_time_limit: float = 60.0,
        grace_seconds: float = 10.0,
        progress_interval: float = 0.5,
    ) -> None:
        self.database = database
        self.kinds = kinds
        self.default_time_limit = default_time_limit
        self.grace_seconds = grace_seconds
        self.progress_interval = progress_interval
        self.queue: queue.Queue[str | None] = queue.Queue()
        self.stopping = threading.Event()
        self.cancel_requests: set[str] = set()
        self.latest_progress: dict[str, dict[str, Any]] = {}
        self._waiters: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._slots = [_Slot(self, i) for i in range(workers)]
        self.started = False

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> list[str]:
        """Start the worker processes and queue again the jobs a previous run left unfinished.

        Returns
        -------
        list of str
            The ids of the jobs queued again, oldest first.
        """
        with self.database.session() as session, session.begin():
            session.execute(
                update(Job).where(Job.state.in_([QUEUED, RUNNING])).values(state=QUEUED)
            )
            pending = list(
                session.scalars(
                    select(Job.id).where(Job.state == QUEUED).order_by(Job.created_at, Job.id)
                )
            )
        for slot in self._slots:
            slot.start_process()
            slot.thread.start()
        for job_id in pending:
            self.queue.put(job_id)
        self.started = True
        return pending

    def stop(self) -> None:
        """Stop the slots and their processes; running jobs go back to the queue for next time."""
        self.stopping.set()
        for _ in self._slots:
            self.queue.put(None)
        for slot in self._slots:
            if slot.thread.is_alive():
                slot.thread.join(timeout=10)
            slot.stop_process(kill=True)  # an idle worker holds nothing; a busy one is re-queued
        self.started = False

    @property
    def worker_pids(self) -> list[int | None]:
        """Process id of each worker (None where a worker is being replaced)."""
        return [slot.pid for slot in self._slots]

    def running_pid(self, job_id: str) -> int | None:
        """Process id of the worker running ``job_id``, if it is running."""
        for slot in self._slots:
            running = slot.running
            if running is not None and running.job_id == job_id:
                return slot.pid
        return None

    # -- what the routes call -----------------------------------------------------------------

    def submit(self, job_id: str, *, waiter: bool = False) -> threading.Event | None:
        """Queue a committed job; with ``waiter``, an event that is set when it has finished."""
        event = None
        if waiter:
            event = threading.Event()
            with self._lock:
                self._waiters[job_id] = event
        self.queue.put(job_id)
        return event

    def forget_waiter(self, job_id: str) -> None:
        """Drop the waiter of ``job_id`` (the synchronous call gave up or got its answer)."""
        with self._lock:
            self._waiters.pop(job_id, None)

    def cancel(self, job_id: str, *, timeout: float = 10.0) -> None:
        """Stop ``job_id`` if a worker is running it, and wait (up to ``timeout``) until it is."""
        with self._lock:
            self.cancel_requests.add(job_id)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                busy = [s for s in self._slots if s.running and s.running.job_id == job_id]
                if not busy:
                    return
                for slot in busy:
                    if slot.running is not None:
                        slot.running.cancel.set()
                time.sleep(0.02)
        finally:
            with self._lock:
                self.cancel_requests.discard(job_id)

    # -- what the slots call ------------------------------------------------------------------

    def notify(self, job_id: str) -> None:
        self.latest_progress.pop(job_id, None)
        with self._lock:
            event = self._waiters.pop(job_id, None)
        if event is not None:
            event.set()

    def claim(self, job_id: str) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
        """Mark a queued job running; its kind, document and options, or None if it is not
        queued any more (cancelled meanwhile, or gone)."""
        with self.database.session() as session, session.begin():
            claimed = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.state == QUEUED)
                .values(
                    state=RUNNING,
                    started_at=utcnow(),
                    attempts=Job.attempts + 1,
                    progress=None,
                )
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return None
            job = session.get(Job, job_id)
            assert job is not None
            return job.kind, job.document, job.options

    def store_progress(self, job_id: str, progress: dict[str, Any]) -> None:
        with self.database.session() as session, session.begin():
            session.execute(
                update(Job).where(Job.id == job_id, Job.state == RUNNING).values(progress=progress)
            )

    def requeue(self, job_id: str) -> None:
        with self.database.session() as session, session.begin():
            session.execute(
                update(Job).where(Job.id == job_id, Job.state == RUNNING).values(state=QUEUED)
            )

    def finish(
        self,
        job_id: str,
        state: str,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
    ) -> None:
        """Record the end of a running job; its result is written in the same transaction."""
        progress = self.latest_progress.get(job_id)
        values: dict[str, Any] = {"state": state, "finished_at": utcnow(), "error": error}
        if progress is not None:
            values["progress"] = progress
        with self.database.session() as session, session.begin():
            ended = session.execute(
                update(Job).where(Job.id == job_id, Job.state == RUNNING).values(**values)
            )
            if ended.rowcount == 1 and result is not None:  # type: ignore[attr-defined]
                session.add(JobResult(job_id=job_id, document=result))
