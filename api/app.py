"""The FastAPI application: :func:`create_app` builds it from :class:`api.settings.Settings`.

Nothing is built at import time. The lifespan opens the database (migrating it to the newest
schema), starts the job runner's worker processes and queues again the jobs a previous run left
unfinished; at shutdown it stops them.
"""

from __future__ import annotations

import json
import math
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from fastapi import APIRouter, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api.auth import KeyCache
from api.db import Database
from api.jobs import JOB_KINDS, JobKind, JobRunner
from api.routes import health, jobs, keys, scenarios, units
from api.routes.common import StrictJsonRoute
from engine.errors import InputError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping

    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from api.settings import Settings

API_PREFIX = "/api/v1"

DESCRIPTION = """
Production and capacity planning (PKS) for healthcare units, as a service.

* **Units**: store a unit's data (`/api/v1/units`), or send it inline with a job.
* **Solve jobs**: `POST /api/v1/solve-jobs` with a `kind` (`balance`, ...), a unit and options
  answers 202 with the job's id; `GET /api/v1/solve-jobs/{id}` gives its state and progress
  (incumbent objective, bound, time elapsed), `GET .../result` its result, `DELETE` cancels it
  and stops its solver. `?wait=SECONDS` waits for small jobs and answers 200 with the result.
* **Scenarios**: a what-if batch of variants of one unit, solved side by side.
* **Keys**: every call but the probes needs an `X-API-Key` header. Roles: `scheduler` (read
  units, solve rosters, rooms, repair), `planner` (balance, plans, scenarios), `system` (solve
  every kind), `admin` (keys and units). A key sees only its tenant's data.

Invalid input is answered 422 with the path of each field at fault; bodies larger than the
service's limit 413.
"""


# --------------------------------------------------------------------------------------------
# Request size limit


class _TooLarge(Exception):
    """A request body beyond the size limit (answered 413)."""


class BodySizeLimit:
    """ASGI middleware: answer 413 to a request whose body exceeds ``limit`` bytes, whether
    its ``Content-Length`` says so or the bytes that arrive do."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.limit:
                    await self._refuse(send)
                    return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {"detail": f"the request body is larger than the limit of {self.limit} bytes"}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


# --------------------------------------------------------------------------------------------
# Errors


SHOWN_INPUT = 200
"""Characters of an offending text value echoed in a 422 (a whole body is never echoed)."""


def _problem(e: Mapping[str, Any]) -> dict[str, Any]:
    """One validation error as the client gets it: where, what, and the value sent when it is
    a single value (a text cut to :data:`SHOWN_INPUT`); a JSON syntax error says what is
    wrong (pydantic's message is only "JSON decode error")."""
    problem: dict[str, Any] = {
        "loc": list(e.get("loc", ())),
        "msg": str(e.get("msg", "")),
        "type": e.get("type"),
    }
    reason = (e.get("ctx") or {}).get("error")
    if e.get("type") == "json_invalid" and reason:
        problem["msg"] += f": {reason}"
    value = e.get("input")
    if isinstance(value, str):
        problem["input"] = value if len(value) <= SHOWN_INPUT else value[:SHOWN_INPUT] + "..."
    elif isinstance(value, bool | int | float) and math.isfinite(value):
        problem["input"] = value
    return problem


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    detail = [_problem(e) for e in error.errors()]
    return JSONResponse(jsonable_encoder({"detail": detail}), status_code=422)


async def _input_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, InputError)
    detail = [{"loc": [p.source, p.field], "msg": str(p), "type": "input"} for p in error.problems]
    return JSONResponse({"detail": detail}, status_code=422)


# --------------------------------------------------------------------------------------------
# The application


def create_app(settings: Settings, kinds: Mapping[str, JobKind] = JOB_KINDS) -> FastAPI:
    """The service for ``settings``, running the job ``kinds`` (default: every stage).

    Parameters
    ----------
    settings
        Database, worker processes, limits.
    kinds
        The job kinds; tests pass their own table to add kinds.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Sync routes and the database work of async ones run in threads: room for many.
        anyio.to_thread.current_default_thread_limiter().total_tokens = 100
        database = Database(settings.url)
        if settings.run_migrations:
            await anyio.to_thread.run_sync(database.migrate)
        runner = JobRunner(
            database,
            kinds,
            workers=settings.workers,
            default_time_limit=settings.default_time_limit,
            grace_seconds=settings.grace_seconds,
        )
        await anyio.to_thread.run_sync(runner.start)
        app.state.database = database
        app.state.runner = runner
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(runner.stop)
            database.close()

    app = FastAPI(
        title="balans",
        version="1",
        summary="Healthcare production and capacity planning: balance, plans, schedules",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.kinds = kinds
    app.state.key_cache = KeyCache()
    api = APIRouter(prefix=API_PREFIX, route_class=StrictJsonRoute)
    for module in (units, jobs, scenarios, keys):
        api.include_router(module.router)
    app.include_router(health.router)
    app.include_router(api)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(InputError, _input_error)
    app.add_middleware(BodySizeLimit, limit=settings.max_request_bytes)
    return app
