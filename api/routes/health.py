"""Liveness and readiness probes."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.routes.deps import DatabaseDep, RunnerDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is alive")
async def healthz() -> dict[str, str]:
    """Answers as long as the server's event loop does; touches nothing else."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="The service can take jobs",
    responses={503: {"description": "the database or the worker processes are not ready"}},
)
def readyz(database: DatabaseDep, runner: RunnerDep) -> JSONResponse:
    """Ready when the database answers and the job runner has started its worker processes."""
    checks: dict[str, Any] = {}
    try:
        database.ping()
        checks["database"] = "ok"
    except Exception as error:
        checks["database"] = f"unreachable: {type(error).__name__}"
    pids = runner.worker_pids
    checks["workers"] = f"{sum(p is not None for p in pids)} of {len(pids)} alive"
    ready = checks["database"] == "ok" and runner.started and any(p is not None for p in pids)
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
    )
