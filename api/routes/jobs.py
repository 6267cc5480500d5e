"""``/api/v1/solve-jobs``: submit a solve, follow its progress, fetch its result, cancel it."""

import asyncio
import time
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.auth import Principal
from api.db import Database, Job, JobResult, UnitRecord, utcnow
from api.jobs import FINAL_STATES, QUEUED, RUNNING, JobKind, JobRunner
from api.routes.common import (
    StrictJsonRoute,
    check_references,
    job_kind,
    job_status,
    may_solve,
    unprocessable,
)
from api.routes.deps import (
    DatabaseDep,
    JobReader,
    KindsDep,
    PrincipalDep,
    RunnerDep,
    SessionDep,
    SettingsDep,
)
from api.routes.schemas import (
    JobOptions,
    JobResultBody,
    JobState,
    JobStatus,
    JobSubmitted,
    SolveJobRequest,
)
from api.settings import Settings
from models.unit import Unit

router = APIRouter(prefix="/solve-jobs", tags=["solve jobs"], route_class=StrictJsonRoute)

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "the tenant has no job of this id"}
}


def solve_options(
    options: JobOptions, settings: Settings, loc: Sequence[str | int]
) -> dict[str, Any]:
    """The options a worker gets: defaults filled in, limits of the service enforced."""
    time_limit = options.time_limit or settings.default_time_limit
    if time_limit > settings.max_time_limit:
        unprocessable(
            (*loc, "time_limit"),
            f"got {time_limit:g}, expected at most {settings.max_time_limit:g} seconds",
        )
    workers = options.num_workers or settings.solver_threads
    if workers > settings.solver_threads:
        unprocessable(
            (*loc, "num_workers"),
            f"got {workers}, expected at most {settings.solver_threads} (the service's limit)",
        )
    return {
        "time_limit": time_limit,
        "gap_limit": options.gap_limit,
        "seed": options.seed,
        "num_workers": workers,
        "backend": options.backend,
        "native": dict(options.native),
    }


def unit_document(
    session: Session,
    principal: Principal,
    unit_id: str | None,
    unit: Unit | None,
    loc: Sequence[str | int],
) -> tuple[str, dict[str, Any]]:
    """The id and a copy of the document of the unit a job is about: a stored unit of the
    caller's tenant, or the checked unit of the request."""
    if unit is not None:
        check_references(unit, (*loc, "unit"))
        return unit.id, unit.model_dump(mode="json", exclude_defaults=True)
    record = session.scalars(
        select(UnitRecord).where(
            UnitRecord.tenant == principal.tenant, UnitRecord.unit_id == unit_id
        )
    ).first()
    if record is None:
        unprocessable((*loc, "unit_id"), f"got {unit_id!r}, expected the id of a stored unit")
    assert record is not None
    return record.unit_id, record.document


def find_job(session: Session, principal: Principal, job_id: str) -> Job:
    """The caller's tenant's job ``job_id``; 404 otherwise (another tenant's job included)."""
    job = session.get(Job, job_id) if len(job_id) <= 32 else None
    if job is None or job.tenant != principal.tenant:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job {job_id!r}")
    return job


def _create(
    database: Database,
    settings: Settings,
    kinds: Mapping[str, JobKind],
    principal: Principal,
    request: SolveJobRequest,
) -> str:
    kind = job_kind(kinds, request.kind, ("body", "kind"))
    may_solve(principal, kind)
    options = solve_options(request.options, settings, ("body", "options"))
    options["params"] = dict(request.params)
    with database.session() as session:
        unit_id, document = unit_document(
            session, principal, request.unit_id, request.unit, ("body",)
        )
        job = Job(
            tenant=principal.tenant,
            kind=kind.name,
            unit_id=unit_id,
            document=document,
            options=options,
            state=QUEUED,
        )
        session.add(job)
        session.commit()
        return job.id


def _submitted(database: Database, runner: JobRunner, job_id: str) -> JobSubmitted:
    with database.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        status_body = job_status(job, runner.latest_progress)
        result = None
        if job.state == "succeeded":
            row = session.get(JobResult, job_id)
            result = row.document if row is not None else None
        return JobSubmitted(**status_body.model_dump(), result=result)


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Submit a solve job",
    responses={
        200: {"description": "finished within the synchronous wait; the result is included"},
        403: {"description": "the key's role may not solve this kind"},
    },
)
async def submit_job(
    body: SolveJobRequest,
    principal: PrincipalDep,
    database: DatabaseDep,
    settings: SettingsDep,
    runner: RunnerDep,
    kinds: KindsDep,
    response: Response,
    wait: Annotated[
        float,
        Query(
            ge=0,
            le=3600,
            description="synchronous mode: wait up to this many seconds for the job to "
            "finish; if it does, answer 200 with the result, else 202 as usual",
        ),
    ] = 0,
) -> JobSubmitted:
    """Queue a job: ``kind`` says what to solve (``balance``, ...), ``unit_id`` or ``unit`` on
    what, ``options`` how. Answers 202 with the job's id and status at once, or, with
    ``wait``, when the job has finished or the wait is over. Follow a job with
    ``GET /api/v1/solve-jobs/{id}``."""
    if wait > settings.max_wait_seconds:
        unprocessable(
            ("query", "wait"),
            f"got {wait:g}, expected at most {settings.max_wait_seconds:g} seconds",
        )
    job_id = await run_in_threadpool(_create, database, settings, kinds, principal, body)
    finished = runner.submit(job_id, waiter=wait > 0)
    if finished is not None:
        deadline = time.monotonic() + wait
        try:
            while not finished.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
        finally:
            runner.forget_waiter(job_id)
    submitted = await run_in_threadpool(_submitted, database, runner, job_id)
    response.headers["Location"] = f"/api/v1/solve-jobs/{job_id}"
    if submitted.state in FINAL_STATES:
        response.status_code = status.HTTP_200_OK
    return submitted


@router.get("", summary="List the tenant's jobs")
def list_jobs(
    principal: JobReader,
    session: SessionDep,
    runner: RunnerDep,
    state: JobState | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[JobStatus]:
    """The tenant's newest jobs first, optionally only those in ``state``."""
    query = select(Job).where(Job.tenant == principal.tenant)
    if state is not None:
        query = query.where(Job.state == state)
    jobs = session.scalars(query.order_by(Job.created_at.desc(), Job.id).limit(limit))
    return [job_status(job, runner.latest_progress) for job in jobs]


@router.get("/{job_id}", summary="A job's state and progress", responses=_NOT_FOUND)
def read_job(
    job_id: str, principal: JobReader, session: SessionDep, runner: RunnerDep
) -> JobStatus:
    """State (queued, running, succeeded, failed, cancelled) and progress: the incumbent's
    objective, the best bound and the time elapsed."""
    return job_status(find_job(session, principal, job_id), runner.latest_progress)


@router.get(
    "/{job_id}/result",
    summary="A job's result",
    responses={
        **_NOT_FOUND,
        409: {"description": "the job has not succeeded (yet): its state and error say why"},
    },
)
def read_result(job_id: str, principal: JobReader, session: SessionDep) -> JobResultBody:
    """The result of a job that succeeded (for ``balance``, the balance report)."""
    job = find_job(session, principal, job_id)
    row = session.get(JobResult, job_id) if job.state == "succeeded" else None
    if row is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            {"message": f"job {job_id} has no result: it is {job.state}", "error": job.error},
        )
    return JobResultBody(job_id=job.id, kind=job.kind, unit_id=job.unit_id, result=row.document)


def cancel(session: Session, runner: JobRunner, job: Job) -> None:
    """Cancel ``job``: a queued job never starts; a running job's process is stopped."""
    cancelled = session.execute(
        update(Job)
        .where(Job.id == job.id, Job.state == QUEUED)
        .values(state="cancelled", finished_at=utcnow(), error={"type": "cancelled"})
    )
    session.commit()
    if cancelled.rowcount == 1:  # type: ignore[attr-defined]
        return
    # Running (or about to be): the runner kills its worker process and records the end.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        runner.cancel(job.id)
        session.refresh(job)
        if job.state != RUNNING:
            return
        time.sleep(0.02)


@router.delete(
    "/{job_id}",
    summary="Cancel a job",
    responses={**_NOT_FOUND, 409: {"description": "the job has already finished"}},
)
def cancel_job(
    job_id: str,
    principal: PrincipalDep,
    session: SessionDep,
    runner: RunnerDep,
    kinds: KindsDep,
) -> JobStatus:
    """Cancel a queued or running job. A running job's worker process is stopped (the solver
    with it) before the answer; the job ends ``cancelled``."""
    job = find_job(session, principal, job_id)
    kind = kinds.get(job.kind)
    if kind is not None:
        may_solve(principal, kind)
    if job.state in FINAL_STATES:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"job {job_id} has already finished: it is {job.state}"
        )
    cancel(session, runner, job)
    session.refresh(job)
    return job_status(job, runner.latest_progress)
