"""What several routes share: the unit check that names paths, job status, merge patches."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fastapi import HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError

from api.db import Job, as_utc, utcnow
from api.routes.schemas import JobProgress, JobStatus
from models.references import find_problems
from models.unit import Unit

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Mapping, Sequence

    from api.auth import Principal
    from api.jobs import JobKind


def _no_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not a JSON number", name, 0)


class _StrictJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = json.loads(await self.body(), parse_constant=_no_constant)
        return self._json


class StrictJsonRoute(APIRoute):
    """A route whose JSON body refuses ``NaN`` and ``Infinity``: they are not JSON, no field
    takes them, and refused here they are a 422 rather than a failure further on."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(_StrictJsonRequest(request.scope, request.receive))

        return strict


def clean_text(text: str, limit: int = 200) -> str:
    """``text`` cut to ``limit`` characters, without NUL (which PostgreSQL text refuses)."""
    return text.replace("\x00", "")[:limit]


def check_references(unit: Unit, loc: Sequence[str | int]) -> None:
    """422 naming the path of every id in ``unit`` that refers to nothing (and every date or
    week outside the horizon), below ``loc`` in the request."""
    problems = find_problems(unit)
    if problems:
        raise RequestValidationError(
            [
                {
                    "loc": (*loc, *p.path),
                    "msg": f"got {p.value!r}, expected {p.expected}",
                    "type": "reference",
                }
                for p in problems
            ]
        )


def validate_unit(document: Mapping[str, Any], loc: Sequence[str | int]) -> Unit:
    """``document`` as a checked unit; 422 naming each problem's path below ``loc``."""
    try:
        unit = Unit.model_validate(document)
    except ValidationError as error:
        raise RequestValidationError(
            [
                {"loc": (*loc, *e["loc"]), "msg": e["msg"], "type": e["type"], "input": e["input"]}
                for e in error.errors(include_url=False)
            ]
        ) from None
    check_references(unit, loc)
    return unit


def unprocessable(loc: Sequence[str | int], message: str, kind: str = "value_error") -> None:
    """Raise a 422 about the field at ``loc``."""
    raise RequestValidationError([{"loc": tuple(loc), "msg": message, "type": kind}])


def job_kind(kinds: Mapping[str, JobKind], name: str, loc: Sequence[str | int]) -> JobKind:
    """The kind named ``name``; 422 listing the kinds there are otherwise."""
    kind = kinds.get(name)
    if kind is None:
        unprocessable(loc, f"got {name!r}, expected one of {', '.join(sorted(kinds))}")
    assert kind is not None
    return kind


def may_solve(principal: Principal, kind: JobKind) -> None:
    """403 unless the caller's role may submit ``kind``."""
    if principal.role not in kind.roles:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"the role {principal.role} may not solve {kind.name} "
            f"(roles that may: {', '.join(sorted(kind.roles))})",
        )


def job_status(job: Job, latest: Mapping[str, dict[str, Any]] | None = None) -> JobStatus:
    """The status body of ``job``; ``latest`` holds fresher progress than the database."""
    progress = dict((latest or {}).get(job.id) or job.progress or {})
    started, finished = as_utc(job.started_at), as_utc(job.finished_at)
    if started is not None and job.state == "running":
        progress["elapsed"] = round((utcnow() - started).total_seconds(), 3)
    elif started is not None and finished is not None:
        progress["elapsed"] = round((finished - started).total_seconds(), 3)
    created = as_utc(job.created_at)
    assert created is not None
    return JobStatus(
        id=job.id,
        kind=job.kind,
        unit_id=job.unit_id,
        state=job.state,
        attempts=job.attempts,
        created_at=created,
        started_at=started,
        finished_at=finished,
        progress=JobProgress(**progress),
        error=job.error,
        scenario_id=job.scenario_id,
        scenario_name=job.scenario_name,
    )


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: objects merge key by key, null removes, the rest replaces."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged
