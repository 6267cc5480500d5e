"""Injected dependencies of the routes, as ``Annotated`` aliases that tests can override.

The service's objects (settings, database, job runner, job kinds) are built by
:func:`api.app.create_app` and kept in ``app.state``; nothing here is built at import time.
Dependencies that only read ``app.state`` are ``async`` so that they run on the event loop
instead of taking a trip through the thread pool; those that touch the database are not.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator, Mapping
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from api.auth import KeyCache, Permission, Principal, authenticate, hash_key
from api.db import Database
from api.jobs import JobKind, JobRunner
from api.settings import Settings

API_KEY_HEADER = "X-API-Key"

_api_key = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    description="An API key (`balans keys create --role admin --tenant T` makes the first one).",
)


async def get_settings(request: Request) -> Settings:
    """The service's settings."""
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    """The service's database."""
    database: Database = request.app.state.database
    return database


async def get_runner(request: Request) -> JobRunner:
    """The job runner."""
    runner: JobRunner = request.app.state.runner
    return runner


async def get_kinds(request: Request) -> Mapping[str, JobKind]:
    """The job kinds the service runs."""
    kinds: Mapping[str, JobKind] = request.app.state.kinds
    return kinds


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
RunnerDep = Annotated[JobRunner, Depends(get_runner)]
KindsDep = Annotated[Mapping[str, JobKind], Depends(get_kinds)]


def get_session(database: DatabaseDep) -> Iterator[Session]:
    """A database session for one request."""
    with database.session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


async def get_principal(
    request: Request, key: Annotated[str | None, Security(_api_key)] = None
) -> Principal:
    """The caller named by the ``X-API-Key`` header; 401 without a live key."""
    if not key:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"an API key in the {API_KEY_HEADER} header is required",
            headers={"WWW-Authenticate": API_KEY_HEADER},
        )
    cache: KeyCache = request.app.state.key_cache
    digest = hash_key(key)
    principal = cache.get(digest)
    if principal is None:
        database: Database = request.app.state.database

        def lookup() -> Principal | None:
            with database.session() as session:
                return authenticate(session, key)

        principal = await run_in_threadpool(lookup)
        if principal is not None:
            cache.put(digest, principal)
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "the API key is not valid (unknown or revoked)",
            headers={"WWW-Authenticate": API_KEY_HEADER},
        )
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def forbidden(principal: Principal, what: str) -> HTTPException:
    """403 saying which role lacks what."""
    return HTTPException(status.HTTP_403_FORBIDDEN, f"the role {principal.role} may not {what}")


def require(
    permission: Permission, what: str
) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """A dependency: the caller, if its role grants ``permission``; 403 otherwise."""

    async def check(principal: PrincipalDep) -> Principal:
        if not principal.may(permission):
            raise forbidden(principal, what)
        return principal

    return check


UnitReader = Annotated[Principal, Depends(require("units:read", "read units"))]
UnitWriter = Annotated[Principal, Depends(require("units:write", "change units"))]
JobReader = Annotated[Principal, Depends(require("jobs:read", "read jobs"))]
KeyAdmin = Annotated[Principal, Depends(require("keys", "manage API keys"))]
ScenarioRunner = Annotated[Principal, Depends(require("scenarios", "run scenarios"))]
