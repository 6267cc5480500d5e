"""A real uvicorn server on 127.0.0.1: 50 concurrent clients solving the example clinic, and
a server killed in the middle of a job that finishes the job when it is started again."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from app_support import Server, make_key, start_server
from conftest import tiny_document

from api.db import Database, Job
from engine.balance import balance
from engine.io import load_unit

EXAMPLE = Path(__file__).parents[2] / "examples" / "ortopedi"
CLIENTS = 50

pytestmark = pytest.mark.slow


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{(tmp_path / 'balans.sqlite3').as_posix()}"


@pytest.fixture
def keys(sqlite_url: str) -> Iterator[dict[str, str]]:
    database = Database(sqlite_url)
    database.migrate()
    try:
        yield {role: make_key(database, role, "region") for role in ("admin", "system")}
    finally:
        database.close()


def wait_for(client: httpx.Client, job_id: str, timeout: float = 120) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body: dict[str, object] = client.get(f"/api/v1/solve-jobs/{job_id}").json()
        if body["state"] not in ("queued", "running"):
            return body
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def test_fifty_concurrent_clients_solving_the_example_clinic_all_complete(
    sqlite_url: str, keys: dict[str, str], tmp_path: Path
) -> None:
    unit = load_unit(EXAMPLE)
    expected = balance(unit).to_dict()
    server = start_server(sqlite_url, tmp_path / "server.log", workers=2)
    try:
        admin = httpx.Client(base_url=server.base_url, headers={"X-API-Key": keys["admin"]})
        stored = admin.post(
            "/api/v1/units", json=unit.model_dump(mode="json", exclude_defaults=True)
        )
        assert stored.status_code == 201, stored.text

        def client_run(index: int) -> tuple[str, str, str | None]:
            with httpx.Client(
                base_url=server.base_url, headers={"X-API-Key": keys["system"]}, timeout=60
            ) as client:
                submitted = client.post(
                    "/api/v1/solve-jobs", json={"kind": "balance", "unit_id": unit.id}
                )
                assert submitted.status_code == 202, submitted.text
                job_id = submitted.json()["id"]
                state = str(wait_for(client, job_id)["state"])
                result = client.get(f"/api/v1/solve-jobs/{job_id}/result").json()
                return job_id, state, result.get("result", {}).get("bottleneck")

        with ThreadPoolExecutor(CLIENTS) as pool:
            futures = [pool.submit(client_run, i) for i in range(CLIENTS)]
            # While the workers solve, the server still answers.
            health = httpx.get(server.base_url + "/healthz", timeout=10)
            outcomes = [f.result(timeout=300) for f in futures]
        assert health.status_code == 200
        assert len({job_id for job_id, _, _ in outcomes}) == CLIENTS
        assert [state for _, state, _ in outcomes] == ["succeeded"] * CLIENTS
        assert {bottleneck for _, _, bottleneck in outcomes} == {expected["bottleneck"]}
        listed = admin.get("/api/v1/solve-jobs", params={"limit": 500}).json()
        assert len(listed) == CLIENTS
        admin.close()
    finally:
        server.stop()


def test_a_server_killed_mid_job_finishes_the_job_when_started_again(
    sqlite_url: str, keys: dict[str, str], tmp_path: Path
) -> None:
    log = tmp_path / "server.log"
    server: Server = start_server(sqlite_url, log, workers=1)
    headers = {"X-API-Key": keys["system"]}
    body = {"kind": "countdown", "unit": tiny_document(), "options": {"native": {"seconds": 2}}}
    try:
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
            running_id = client.post("/api/v1/solve-jobs", json=body).json()["id"]
            queued_id = client.post(
                "/api/v1/solve-jobs", json={"kind": "balance", "unit": tiny_document()}
            ).json()["id"]
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                status = client.get(f"/api/v1/solve-jobs/{running_id}").json()
                if status["state"] == "running" and (status["progress"]["solutions"] or 0) > 1:
                    break
                time.sleep(0.05)
            assert status["state"] == "running"
        server.kill()
    finally:
        server.stop()

    database = Database(sqlite_url)
    try:
        with database.session() as session:
            jobs = {i: session.get(Job, i) for i in (running_id, queued_id)}
            states = {i: job.state if job else None for i, job in jobs.items()}
    finally:
        database.close()
    assert states == {running_id: "running", queued_id: "queued"}

    again = start_server(sqlite_url, log, workers=1)
    try:
        with httpx.Client(base_url=again.base_url, headers=headers, timeout=30) as client:
            finished = wait_for(client, running_id)
            assert finished["state"] == "succeeded"
            assert finished["attempts"] == 2
            result = client.get(f"/api/v1/solve-jobs/{running_id}/result").json()["result"]
            assert result["stopped_by_limit"] is False
            assert finished["progress"]["elapsed"] >= 2  # the whole job, run from the start
            queued = wait_for(client, queued_id)
            assert (queued["state"], queued["attempts"]) == ("succeeded", 1)
    finally:
        again.stop()
