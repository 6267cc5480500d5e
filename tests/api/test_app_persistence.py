"""Persistence on SQLite and on a real PostgreSQL: migrations, data that survives a restart,
and jobs left unfinished by a dead server that run again on start.

The PostgreSQL cases need ``BALANS_TEST_POSTGRES_URL`` (``make test`` starts a server and sets
it); each test gets a database of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from app_support import database_url, running_service, settings_for
from conftest import tiny_document, tiny_unit
from sqlalchemy import inspect

from api.db import MIGRATIONS, Database, Job, JobResult, utcnow
from engine.balance import balance


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request.param, tmp_path) as value:
        yield value


def test_migrations_build_the_schema_and_running_them_again_changes_nothing(url: str) -> None:
    database = Database(url)
    try:
        database.migrate()
        database.migrate()
        tables = set(inspect(database.engine).get_table_names())
        assert {"api_keys", "units", "scenarios", "jobs", "job_results"} <= tables
        head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
        with database.engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == head
    finally:
        database.close()


def test_units_jobs_inputs_and_results_survive_a_restart(url: str, tmp_path: Path) -> None:
    settings = settings_for(url, tmp_path)
    document = tiny_document(name="Klinik för ortopedi, Växjö")
    with running_service(settings) as first:
        admin, planner = first.key("admin"), first.key("planner")
        created = first.client.post("/api/v1/units", json=document, headers={"X-API-Key": admin})
        assert created.status_code == 201
        job_id = first.client.post(
            "/api/v1/solve-jobs",
            json={"kind": "balance", "unit_id": "tiny"},
            headers={"X-API-Key": planner},
        ).json()["id"]
        assert first.wait(job_id, role="planner")["state"] == "succeeded"

    with running_service(settings) as second:
        headers = {"X-API-Key": planner}
        unit = second.client.get("/api/v1/units/tiny", headers=headers).json()
        assert unit["name"] == "Klinik för ortopedi, Växjö"
        job = second.client.get(f"/api/v1/solve-jobs/{job_id}", headers=headers).json()
        assert job["state"] == "succeeded"
        assert job["attempts"] == 1
        result = second.client.get(f"/api/v1/solve-jobs/{job_id}/result", headers=headers)
        assert result.json()["result"] == balance(tiny_unit(name=document["name"])).to_dict()
        with second.database.session() as session:
            stored = session.get(Job, job_id)
            assert stored is not None
            assert stored.document["staff"][2]["competences"] == ["surgeon", "nurse"]
            assert stored.options["time_limit"] == settings.default_time_limit


def test_jobs_queued_or_running_when_the_server_died_run_again_on_start(
    url: str, tmp_path: Path
) -> None:
    database = Database(url)
    document = tiny_unit().model_dump(mode="json", exclude_defaults=True)
    options = {"time_limit": 30.0, "seed": 0, "num_workers": 1, "native": {}}
    try:
        database.migrate()
        with database.session() as session:
            # As a server that was killed leaves them: one job half-way, one never started.
            session.add_all(
                [
                    Job(
                        id="a" * 32,
                        tenant="t1",
                        kind="balance",
                        unit_id="tiny",
                        document=document,
                        options=options,
                        state="running",
                        attempts=1,
                        started_at=utcnow() - timedelta(seconds=5),
                        progress={"elapsed": 4.0},
                    ),
                    Job(
                        id="b" * 32,
                        tenant="t1",
                        kind="balance",
                        unit_id="tiny",
                        document=document,
                        options=options,
                        state="queued",
                    ),
                ]
            )
            session.commit()
    finally:
        database.close()

    with running_service(settings_for(url, tmp_path)) as service:
        first, second = (service.wait(c * 32) for c in "ab")
        assert (first["state"], first["attempts"]) == ("succeeded", 2)
        assert (second["state"], second["attempts"]) == ("succeeded", 1)
        with service.database.session() as session:
            for job_id in ("a" * 32, "b" * 32):
                row = session.get(JobResult, job_id)
                assert row is not None
                assert row.document["bottleneck"] == "competence:nurse"


def test_a_finished_job_is_not_run_again(url: str, tmp_path: Path) -> None:
    settings = settings_for(url, tmp_path)
    with running_service(settings) as first:
        job_id = first.client.post(
            "/api/v1/solve-jobs",
            json={"kind": "balance", "unit": tiny_document()},
            headers=first.headers("system"),
            params={"wait": 30},
        ).json()["id"]
        key = first.key("system")
    with running_service(settings) as second:
        job = second.client.get(f"/api/v1/solve-jobs/{job_id}", headers={"X-API-Key": key})
        assert job.json()["state"] == "succeeded"
        assert job.json()["attempts"] == 1
