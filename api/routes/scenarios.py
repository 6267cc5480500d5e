"""``/api/v1/scenarios``: what-if batches, one job per variant, compared side by side."""

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, HTTPException, status
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import Principal
from api.db import Database, Job, JobResult, Scenario, as_utc
from api.jobs import FINAL_STATES, QUEUED, JobKind, JobRunner
from api.routes.common import (
    StrictJsonRoute,
    clean_text,
    job_kind,
    job_status,
    may_solve,
    merge_patch,
    validate_unit,
)
from api.routes.deps import (
    DatabaseDep,
    KindsDep,
    RunnerDep,
    ScenarioRunner,
    SessionDep,
    SettingsDep,
)
from api.routes.jobs import cancel, solve_options, unit_document
from api.routes.schemas import ScenarioRequest, ScenarioStatus, ScenarioVariantStatus
from api.settings import Settings
from engine.errors import NO_VALUE, InputError
from engine.scenarios import apply_scenario
from models.scenario import Change
from models.scenario import Scenario as ScenarioChanges
from models.unit import Unit

router = APIRouter(prefix="/scenarios", tags=["scenarios"], route_class=StrictJsonRoute)

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "the tenant has no scenario of this id"}
}


def _apply_changes(unit: Unit, changes: list[Change], index: int) -> Unit:
    """``unit`` with a variant's typed changes applied; 422 naming each change that cannot be
    made (an id the unit does not have, more staff removed than there are)."""
    try:
        return apply_scenario(
            unit, ScenarioChanges(name=f"variant-{index}", changes=changes), source="changes"
        )
    except InputError as error:
        raise RequestValidationError(
            [
                {
                    "loc": ("body", "variants", index, "changes", *_field_path(p.field)),
                    "msg": f"expected {p.expected}"
                    if p.value is NO_VALUE
                    else f"got {p.value!r}, expected {p.expected}",
                    "type": "change",
                }
                for p in error.problems
            ]
        ) from None


def _field_path(field: str) -> list[str | int]:
    """``changes[0].room_type`` as ``[0, "room_type"]`` (the part below ``changes``)."""
    parts: list[str | int] = []
    for token in field.replace("[", ".").replace("]", "").split("."):
        if token and token != "changes":
            parts.append(int(token) if token.isdigit() else token)
    return parts


def _create(
    database: Database,
    settings: Settings,
    kinds: Mapping[str, JobKind],
    principal: Principal,
    request: ScenarioRequest,
) -> tuple[str, list[str]]:
    kind = job_kind(kinds, request.kind, ("body", "kind"))
    may_solve(principal, kind)
    options = solve_options(request.options, settings, ("body", "options"))
    options["params"] = dict(request.params)
    with database.session() as session:
        unit_id, base = unit_document(session, principal, request.unit_id, request.unit, ("body",))
        documents = [("base", base)] if request.include_base else []
        for i, variant in enumerate(request.variants):
            patched = merge_patch(base, variant.patch)
            unit = validate_unit(patched, ("body", "variants", i, "patch"))
            if variant.changes:
                unit = _apply_changes(unit, variant.changes, i)
            documents.append((variant.name, unit.model_dump(mode="json", exclude_defaults=True)))
        scenario = Scenario(tenant=principal.tenant, name=clean_text(request.name), kind=kind.name)
        session.add(scenario)
        session.flush()
        jobs = [
            Job(
                tenant=principal.tenant,
                kind=kind.name,
                unit_id=unit_id,
                document=document,
                options=options,
                state=QUEUED,
                scenario_id=scenario.id,
                scenario_name=clean_text(name),
            )
            for name, document in documents
        ]
        session.add_all(jobs)
        session.commit()
        return scenario.id, [job.id for job in jobs]


def _status(session: Session, runner: JobRunner, scenario: Scenario) -> ScenarioStatus:
    jobs = list(
        session.scalars(
            select(Job).where(Job.scenario_id == scenario.id).order_by(Job.created_at, Job.id)
        )
    )
    variants = []
    for job in jobs:
        row = session.get(JobResult, job.id) if job.state == "succeeded" else None
        variants.append(
            ScenarioVariantStatus(
                name=job.scenario_name or "",
                job=job_status(job, runner.latest_progress),
                result=row.document if row is not None else None,
            )
        )
    states = {job.state for job in jobs}
    if not states <= FINAL_STATES:
        state = "running" if "running" in states else "queued"
    elif "failed" in states:
        state = "failed"
    elif "cancelled" in states:
        state = "cancelled"
    else:
        state = "succeeded"
    created = as_utc(scenario.created_at)
    assert created is not None
    return ScenarioStatus(
        id=scenario.id,
        name=scenario.name,
        kind=scenario.kind,
        created_at=created,
        state=state,
        variants=variants,
    )


def _find(session: Session, principal: Principal, scenario_id: str) -> Scenario:
    scenario = session.get(Scenario, scenario_id) if len(scenario_id) <= 32 else None
    if scenario is None or scenario.tenant != principal.tenant:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no scenario {scenario_id!r}")
    return scenario


@router.post("", status_code=status.HTTP_202_ACCEPTED, summary="Run a what-if batch")
async def create_scenario(
    body: ScenarioRequest,
    principal: ScenarioRunner,
    database: DatabaseDep,
    settings: SettingsDep,
    runner: RunnerDep,
    kinds: KindsDep,
) -> ScenarioStatus:
    """Solve the base unit and each variant (the base with a JSON merge patch applied: fewer
    return visits, a Saturday clinic, more beds, ...) as jobs of one batch. Every variant is
    checked before anything is queued; a problem is named by its path in the variant's
    patch."""
    scenario_id, job_ids = await run_in_threadpool(
        _create, database, settings, kinds, principal, body
    )
    for job_id in job_ids:
        runner.submit(job_id)

    def read() -> ScenarioStatus:
        with database.session() as session:
            return _status(session, runner, _find(session, principal, scenario_id))

    return await run_in_threadpool(read)


@router.get("", summary="List the tenant's scenarios")
def list_scenarios(
    principal: ScenarioRunner, session: SessionDep, runner: RunnerDep
) -> list[ScenarioStatus]:
    """The tenant's scenarios, newest first (at most 50)."""
    scenarios = session.scalars(
        select(Scenario)
        .where(Scenario.tenant == principal.tenant)
        .order_by(Scenario.created_at.desc(), Scenario.id)
        .limit(50)
    )
    return [_status(session, runner, s) for s in scenarios]


@router.get("/{scenario_id}", summary="A scenario's variants side by side", responses=_NOT_FOUND)
def read_scenario(
    scenario_id: str, principal: ScenarioRunner, session: SessionDep, runner: RunnerDep
) -> ScenarioStatus:
    """Each variant's job status and, once it has succeeded, its result."""
    return _status(session, runner, _find(session, principal, scenario_id))


@router.delete("/{scenario_id}", summary="Cancel a scenario's jobs", responses=_NOT_FOUND)
def cancel_scenario(
    scenario_id: str, principal: ScenarioRunner, session: SessionDep, runner: RunnerDep
) -> ScenarioStatus:
    """Cancel every variant that has not finished."""
    scenario = _find(session, principal, scenario_id)
    for job in session.scalars(select(Job).where(Job.scenario_id == scenario.id)).all():
        if job.state not in FINAL_STATES:
            cancel(session, runner, job)
    return _status(session, runner, scenario)
