"""Injected dependencies of the routes, as ``Annotated`` aliases that tests can override.

The service's objects (settings, database, job runner, job kinds) are built by
:func:`api.app.create_app` and kept in ``app.state``; nothing here is built at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from api.auth import Permission, Principal, authenticate
from api.db import Database
from api.jobs import JobKind, JobRunner
from api.settings import Settings

API_KEY_HEADER = "X-API-Key"

_api_key = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    description="An API key (`balans keys create --role admin --tenant T` makes the first one).",
)


def get_settings(request: Request) -> Settings:
    """The service's settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
    """The service's database."""
    database: Database = request.app.state.database
    return database


def get_runner(request: Request) -> JobRunner:
    """The job runner."""
    runner: JobRunner = request.app.state.runner
    return runner


def get_kinds(request: Request) -> Mapping[str, JobKind]:
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


def get_principal(
    database: DatabaseDep, key: Annotated[str | None, Security(_api_key)] = None
) -> Principal:
    """The caller named by the ``X-API-Key`` header; 401 without a live key."""
    if not key:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"an API key in the {API_KEY_HEADER} header is required",
            headers={"WWW-Authenticate": API_KEY_HEADER},
        )
    with database.session() as session:
        principal = authenticate(session, key)
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


def require(permission: Permission, what: str) -> Callable[[Principal], Principal]:
    """A dependency: the caller, if its role grants ``permission``; 403 otherwise."""

    def check(principal: PrincipalDep) -> Principal:
        if not principal.may(permission):
            raise forbidden(principal, what)
        return principal

    return check


UnitReader = Annotated[Principal, Depends(require("units:read", "read units"))]
UnitWriter = Annotated[Principal, Depends(require("units:write", "change units"))]
JobReader = Annotated[Principal, Depends(require("jobs:read", "read jobs"))]
KeyAdmin = Annotated[Principal, Depends(require("keys", "manage API keys"))]
ScenarioRunner = Annotated[Principal, Depends(require("scenarios", "run scenarios"))]
