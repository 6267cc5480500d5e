"""Helpers of the service tests: a service on a database, keys per tenant, test job kinds,
a real uvicorn server in a child process, and throwaway PostgreSQL databases."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import create_key
from api.db import Database
from api.jobs import JOB_KINDS, JobKind
from api.settings import Settings
from models.unit import Unit
from solvers.common import Progress, ProgressCallback, SolveOptions

HERE = Path(__file__).parent
POSTGRES_ENV = "BALANS_TEST_POSTGRES_URL"


# -- job kinds for the runner's tests ---------------------------------------------------------


def run_countdown(
    unit: Unit, options: SolveOptions, progress: ProgressCallback, params: Mapping[str, Any]
) -> dict[str, Any]:
    """A kind that works ``native['seconds']`` seconds (capped by its time limit), reporting an
    objective that falls by one per step towards a bound of 0: stands in for a long solve."""
    seconds = float(options.native.get("seconds", 30.0))
    limit = min(seconds, options.time_limit or seconds)
    started = time.monotonic()
    steps = 0
    while time.monotonic() - started < limit:
        time.sleep(0.05)
        steps += 1
        progress(Progress(time.monotonic() - started, 1000.0 - steps, 0.0, steps))
    return {
        "unit": unit.id,
        "steps": steps,
        "pid": os.getpid(),
        "stopped_by_limit": limit < seconds,
    }


def run_stubborn(
    unit: Unit, options: SolveOptions, progress: ProgressCallback, params: Mapping[str, Any]
) -> dict[str, Any]:
    """A kind that ignores its time limit (a solver that does not stop): the runner must."""
    progress(Progress(0.0, 1.0, 0.0, 1))
    time.sleep(3600)
    return {}


def run_crash(
    unit: Unit, options: SolveOptions, progress: ProgressCallback, params: Mapping[str, Any]
) -> dict[str, Any]:
    """A kind whose process dies in the middle (as a solver that segfaults would)."""
    os._exit(3)


TEST_KINDS: Mapping[str, JobKind] = MappingProxyType(
    {
        **JOB_KINDS,
        "countdown": JobKind("countdown", run_countdown, frozenset({"planner", "system"}), "test"),
        "stubborn": JobKind("stubborn", run_stubborn, frozenset({"system"}), "test"),
        "crash": JobKind("crash", run_crash, frozenset({"system"}), "test"),
    }
)


# -- a service --------------------------------------------------------------------------------


@dataclass
class Service:
    """A running app (TestClient) and the means to make keys for it."""

    client: TestClient
    database: Database
    settings: Settings
    keys: dict[tuple[str, str], str] = field(default_factory=dict)

    def key(self, role: str, tenant: str = "t1") -> str:
        """A key of ``role`` in ``tenant`` (made once, then reused)."""
        if (role, tenant) not in self.keys:
            self.keys[role, tenant] = make_key(self.database, role, tenant)
        return self.keys[role, tenant]

    def headers(self, role: str, tenant: str = "t1") -> dict[str, str]:
        return {"X-API-Key": self.key(role, tenant)}

    def wait(self, job_id: str, role: str = "system", tenant: str = "t1", timeout: float = 60):
        """Poll a job until it has finished; its status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = self.client.get(
                f"/api/v1/solve-jobs/{job_id}", headers=self.headers(role, tenant)
            ).json()
            if body["state"] not in ("queued", "running"):
                return body
            time.sleep(0.05)
        raise AssertionError(f"job {job_id} did not finish in {timeout} s: {body}")


def make_key(database: Database, role: str, tenant: str) -> str:
    with database.session() as session:
        _, key = create_key(session, tenant=tenant, role=role)  # type: ignore[arg-type]
        session.commit()
    return key


def settings_for(url: str, tmp: Path, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": url,
        "data_dir": tmp,
        "workers": 1,
        "grace_seconds": 1.0,
        "max_request_bytes": 2 * 1024 * 1024,
        **changes,
    }
    return Settings(**values)


@contextlib.contextmanager
def running_service(
    settings: Settings, kinds: Mapping[str, JobKind] = TEST_KINDS
) -> Iterator[Service]:
    """The app for ``settings`` with its lifespan running (workers started)."""
    database = Database(settings.url)
    database.migrate()
    app = create_app(settings, kinds)
    try:
        with TestClient(app) as client:
            yield Service(client, database, settings)
    finally:
        database.close()


# -- PostgreSQL -------------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_postgres() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database on the test cluster; dropped afterwards."""
    from sqlalchemy.engine import make_url

    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set (make test starts PostgreSQL and sets it)")
    import psycopg

    url = make_url(base)
    name = f"balans_t_{uuid.uuid4().hex[:12]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def database_url(kind: str, tmp: Path) -> Iterator[str]:
    """A fresh database of ``kind`` (``sqlite`` or ``postgresql``)."""
    if kind == "sqlite":
        yield f"sqlite:///{(tmp / 'balans.sqlite3').as_posix()}"
    else:
        with fresh_postgres() as url:
            yield url


# -- a real server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_main() -> None:
    """Run uvicorn on 127.0.0.1 with the test kinds: ``URL PORT WORKERS`` from argv."""
    import uvicorn

    url, port, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    settings = Settings(database_url=url, workers=workers, grace_seconds=1.0)
    uvicorn.run(create_app(settings, TEST_KINDS), host="127.0.0.1", port=port, log_level="warning")


@dataclass
class Server:
    """A uvicorn process serving the app on a loopback port."""

    process: subprocess.Popen[bytes]
    base_url: str

    def kill(self) -> None:
        """SIGKILL: the server dies without any shutdown (its workers notice and end)."""
        self.process.kill()
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def start_server(url: str, log: Path, workers: int = 2, timeout: float = 90) -> Server:
    """Start a server on a free loopback port (its output appended to ``log``) and wait until
    ``/readyz`` answers 200."""
    port = free_port()
    code = (
        f"import sys; sys.path[:0] = [{str(HERE)!r}]; import app_support; app_support.serve_main()"
    )
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-c", code, url, str(port), str(workers)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server ended: {log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):  # not listening yet
            if httpx.get(server.base_url + "/readyz", timeout=2).status_code == 200:
                return server
        time.sleep(0.2)
    server.stop()
    raise AssertionError(f"the server was not ready in {timeout} s")
