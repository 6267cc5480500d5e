"""Units, keys, roles and tenants through the HTTP API (TestClient, SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from app_support import Service, running_service, settings_for
from conftest import tiny_document

from api.auth import authenticate, hash_key
from api.db import ApiKey, Database


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    tmp = tmp_path_factory.mktemp("units")
    with running_service(settings_for("", tmp)) as running:
        yield running


def test_probes_answer_without_a_key(service: Service) -> None:
    assert service.client.get("/healthz").json() == {"status": "ok"}
    ready = service.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] == "ok"


def test_every_api_route_wants_a_key(service: Service) -> None:
    for method, path in [
        ("GET", "/api/v1/units"),
        ("POST", "/api/v1/units"),
        ("GET", "/api/v1/units/tiny"),
        ("GET", "/api/v1/solve-jobs"),
        ("POST", "/api/v1/solve-jobs"),
        ("GET", "/api/v1/scenarios"),
        ("GET", "/api/v1/keys"),
    ]:
        response = service.client.request(method, path, json={})
        assert response.status_code == 401, (method, path)
    bad = service.client.get("/api/v1/units", headers={"X-API-Key": "bal_nothing_like_a_key"})
    assert bad.status_code == 401
    assert "not valid" in bad.json()["detail"]


def test_admin_stores_reads_replaces_and_deletes_a_unit(service: Service) -> None:
    admin = service.headers("admin", "crud")
    created = service.client.post("/api/v1/units", json=tiny_document(), headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["id"] == "tiny"
    assert created.json()["version"] == 1

    again = service.client.post("/api/v1/units", json=tiny_document(), headers=admin)
    assert again.status_code == 409

    read = service.client.get("/api/v1/units/tiny", headers=admin).json()
    assert read["calendar"] == {"start_week": "2027-W10", "weeks": 2}
    assert [s["id"] for s in read["staff"]] == ["anna", "bert", "cilla"]

    changed = tiny_document(name="Renamed clinic")
    replaced = service.client.put("/api/v1/units/tiny", json=changed, headers=admin)
    assert replaced.status_code == 200
    assert replaced.json()["version"] == 2
    assert replaced.json()["name"] == "Renamed clinic"

    listed = service.client.get("/api/v1/units", headers=admin).json()
    assert [u["id"] for u in listed] == ["tiny"]

    assert service.client.delete("/api/v1/units/tiny", headers=admin).status_code == 204
    assert service.client.get("/api/v1/units/tiny", headers=admin).status_code == 404
    assert service.client.delete("/api/v1/units/tiny", headers=admin).status_code == 404


@pytest.mark.parametrize("role", ["scheduler", "planner", "system"])
def test_other_roles_read_units_but_do_not_change_them(service: Service, role: str) -> None:
    tenant = f"roles-{role}"
    service.client.post(
        "/api/v1/units", json=tiny_document(), headers=service.headers("admin", tenant)
    )
    headers = service.headers(role, tenant)
    assert service.client.get("/api/v1/units/tiny", headers=headers).status_code == 200
    for response in (
        service.client.post("/api/v1/units", json=tiny_document(id="other"), headers=headers),
        service.client.put("/api/v1/units/tiny", json=tiny_document(), headers=headers),
        service.client.delete("/api/v1/units/tiny", headers=headers),
        service.client.get("/api/v1/keys", headers=headers),
        service.client.post("/api/v1/keys", json={"role": "admin"}, headers=headers),
    ):
        assert response.status_code == 403, response.text
        assert f"role {role} may not" in response.json()["detail"]


def test_a_key_never_sees_another_tenants_unit(service: Service) -> None:
    service.client.post(
        "/api/v1/units", json=tiny_document(), headers=service.headers("admin", "north")
    )
    south = service.headers("admin", "south")
    assert service.client.get("/api/v1/units", headers=south).json() == []
    assert service.client.get("/api/v1/units/tiny", headers=south).status_code == 404
    assert service.client.delete("/api/v1/units/tiny", headers=south).status_code == 404
    # The same id is free in the other tenant.
    created = service.client.post("/api/v1/units", json=tiny_document(), headers=south)
    assert created.status_code == 201


def test_bad_unit_fields_are_422_with_the_field_path(service: Service) -> None:
    admin = service.headers("admin", "bad")
    document = tiny_document()
    document["staff"][1]["employment_rate"] = 1.5
    response = service.client.post("/api/v1/units", json=document, headers=admin)
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "staff", 1, "employment_rate"]
    assert "less than or equal to 1" in problem["msg"]
    assert problem["input"] == 1.5  # the value sent, as the command line names it


def test_a_body_that_is_not_json_says_where_and_why(service: Service) -> None:
    admin = service.headers("admin", "bad")
    headers = {**admin, "content-type": "application/json"}
    response = service.client.post(
        "/api/v1/units", content=b'{"id": "x", "name": }', headers=headers
    )
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["type"] == "json_invalid"
    assert problem["msg"].startswith("JSON decode error: ")
    assert len(problem["msg"]) > len("JSON decode error: ")


def test_unknown_references_are_422_with_the_path(service: Service) -> None:
    admin = service.headers("admin", "bad")
    document = tiny_document()
    document["staff"][0]["competences"] = ["nurze"]
    response = service.client.post("/api/v1/units", json=document, headers=admin)
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "staff", 0, "competences", 0]
    assert problem["msg"] == "got 'nurze', expected a known competence id (nurse, surgeon)"


def test_put_with_another_id_in_the_body_is_422(service: Service) -> None:
    admin = service.headers("admin", "put")
    service.client.post("/api/v1/units", json=tiny_document(), headers=admin)
    response = service.client.put("/api/v1/units/tiny", json=tiny_document(id="x"), headers=admin)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "id"]


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"id": "tiny", "calendar": {"start_week": "2027-W10", "weeks": NaN}}',
        b"[]",
        b"",
    ],
)
def test_malformed_bodies_are_4xx_never_500(service: Service, body: bytes) -> None:
    response = service.client.post(
        "/api/v1/units",
        content=body,
        headers={**service.headers("admin", "bad"), "content-type": "application/json"},
    )
    assert response.status_code == 422, response.text


def test_a_body_over_the_size_limit_is_413(service: Service) -> None:
    limit = service.settings.max_request_bytes
    response = service.client.post(
        "/api/v1/units",
        content=b" " * (limit + 1),
        headers={**service.headers("admin", "big"), "content-type": "application/json"},
    )
    assert response.status_code == 413
    assert str(limit) in response.json()["detail"]


def test_admin_creates_and_revokes_keys_of_its_own_tenant(service: Service) -> None:
    admin = service.headers("admin", "keys")
    created = service.client.post(
        "/api/v1/keys", json={"role": "planner", "name": "Anna"}, headers=admin
    )
    assert created.status_code == 201
    body = created.json()
    assert body["tenant"] == "keys"
    assert body["role"] == "planner"
    key = body["key"]
    assert key.startswith("bal_" + body["prefix"] + "_")
    # Only the hash is stored.
    with service.database.session() as session:
        row = session.get(ApiKey, body["id"])
        assert row is not None
        assert row.key_hash == hash_key(key)
        assert key not in (row.key_hash, row.prefix, row.name)
    planner = {"X-API-Key": key}
    assert service.client.get("/api/v1/units", headers=planner).status_code == 200
    listed = service.client.get("/api/v1/keys", headers=admin).json()
    assert body["id"] in [k["id"] for k in listed]
    assert all("key" not in k for k in listed)

    other = service.headers("admin", "other-tenant")
    assert service.client.delete(f"/api/v1/keys/{body['id']}", headers=other).status_code == 404
    assert service.client.delete(f"/api/v1/keys/{body['id']}", headers=admin).status_code == 204
    assert service.client.get("/api/v1/units", headers=planner).status_code == 401


def test_a_key_request_cannot_name_another_tenant(service: Service) -> None:
    response = service.client.post(
        "/api/v1/keys",
        json={"role": "admin", "tenant": "someone-else"},
        headers=service.headers("admin", "keys"),
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "tenant"]


def test_openapi_documents_every_route_with_examples(service: Service) -> None:
    schema = service.client.get("/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/units",
        "/api/v1/units/{unit_id}",
        "/api/v1/solve-jobs",
        "/api/v1/solve-jobs/{job_id}",
        "/api/v1/solve-jobs/{job_id}/result",
        "/api/v1/scenarios",
        "/api/v1/scenarios/{scenario_id}",
        "/api/v1/keys",
        "/healthz",
        "/readyz",
    ):
        assert path in paths, path
    assert "APIKeyHeader" in schema["components"]["securitySchemes"]
    request = schema["components"]["schemas"]["SolveJobRequest"]
    assert request["examples"][0] == {"kind": "balance", "unit_id": "ortopedi"}


def test_keys_create_command_makes_a_working_admin_key(tmp_path: Path) -> None:
    import subprocess
    import sys

    balans = Path(sys.executable).parent / "balans"
    env = {"BALANS_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [str(balans), "keys", "create", "--role", "admin", "--tenant", "clinic"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    assert "tenant clinic" in result.stderr
    database = Database(settings_for("", tmp_path).url)
    try:
        with database.session() as session:
            principal = authenticate(session, key)
    finally:
        database.close()
    assert principal is not None
    assert (principal.tenant, principal.role) == ("clinic", "admin")
