"""Schemathesis against the service's OpenAPI schema: generated requests, valid and invalid,
to every operation; none may be answered with a server error (5xx)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from app_support import make_key, settings_for
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode

from api.app import create_app
from api.db import Database
from api.jobs import JOB_KINDS


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("schema")
    config = settings_for("", tmp, max_wait_seconds=0.0, default_time_limit=5.0)
    database = Database(config.url)
    database.migrate()
    keys = {role: make_key(database, role, "fuzz") for role in ("admin", "planner")}
    database.close()
    return {"app": create_app(config, JOB_KINDS), "keys": keys}


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_no_request_gets_a_server_error(service: dict[str, Any], mode: str) -> None:
    api = schemathesis.openapi.from_asgi("/openapi.json", service["app"])
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 15

    for operation in operations:
        # Unit and key routes with an admin key, the others with a planner's (who may solve
        # and run scenarios), so that requests get past the role check to their bodies.
        path = operation.path
        role = "admin" if path.startswith(("/api/v1/units", "/api/v1/keys")) else "planner"
        headers = {"X-API-Key": service["keys"][role]}

        @given(operation.as_strategy(generation_mode=GenerationMode(mode)))
        @settings(
            max_examples=6,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: Any) -> None:
            case.call_and_validate(headers=call.headers, checks=[not_a_server_error])

        call.headers = headers  # type: ignore[attr-defined]
        try:
            call()
        except Unsatisfiable:
            # No request breaks the schema of an operation without parameters (/healthz).
            assert mode == "negative", operation.path
