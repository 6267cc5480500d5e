"""Solve jobs through the HTTP API: submit, progress, result, cancel, time limits, roles,
synchronous mode and scenarios (TestClient, SQLite, real worker processes)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from app_support import Service, running_service, settings_for
from conftest import tiny_document, tiny_unit

from engine.balance import balance


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    tmp = tmp_path_factory.mktemp("jobs")
    with running_service(settings_for("", tmp, workers=2, max_wait_seconds=20)) as running:
        running.client.post("/api/v1/units", json=tiny_document(), headers=running.headers("admin"))
        yield running


def submit(service: Service, body: dict[str, object], role: str = "system", **params: object):
    return service.client.post(
        "/api/v1/solve-jobs", json=body, headers=service.headers(role), params=params
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_balance_job_of_a_stored_unit_runs_to_its_result(service: Service) -> None:
    response = submit(service, {"kind": "balance", "unit_id": "tiny"}, role="planner")
    assert response.status_code == 202
    job = response.json()
    assert job["state"] in ("queued", "running")
    assert response.headers["location"] == f"/api/v1/solve-jobs/{job['id']}"
    done = service.wait(job["id"], role="planner")
    assert done["state"] == "succeeded"
    assert done["attempts"] == 1
    assert done["progress"]["elapsed"] >= 0
    result = service.client.get(
        f"/api/v1/solve-jobs/{job['id']}/result", headers=service.headers("planner")
    )
    assert result.status_code == 200
    report = result.json()["result"]
    # The tiny unit by hand: nurses are short in W11 (120 h of need against 60 h available).
    assert report["bottleneck"] == "competence:nurse"
    assert report == balance(tiny_unit()).to_dict()


def test_inline_unit_in_synchronous_mode_answers_200_with_the_result(service: Service) -> None:
    response = submit(service, {"kind": "balance", "unit": tiny_document()}, wait=20)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["state"] == "succeeded"
    assert body["result"]["unit"] == "tiny"
    assert body["result"]["weeks"] == ["2027-W10", "2027-W11"]


def test_synchronous_wait_that_runs_out_answers_202(service: Service) -> None:
    body = {"kind": "countdown", "unit_id": "tiny", "options": {"native": {"seconds": 2}}}
    response = submit(service, body, wait=0.3)
    assert response.status_code == 202
    assert response.json()["state"] in ("queued", "running")
    assert response.json()["result"] is None
    assert service.wait(response.json()["id"])["state"] == "succeeded"


def test_a_wait_beyond_the_service_limit_is_422(service: Service) -> None:
    response = submit(service, {"kind": "balance", "unit_id": "tiny"}, wait=21)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "wait"]


def test_progress_reports_incumbent_bound_and_elapsed_while_running(service: Service) -> None:
    body = {"kind": "countdown", "unit_id": "tiny", "options": {"native": {"seconds": 30}}}
    job_id = submit(service, body).json()["id"]
    deadline = time.monotonic() + 30
    status = {}
    while time.monotonic() < deadline:
        status = service.client.get(
            f"/api/v1/solve-jobs/{job_id}", headers=service.headers("system")
        ).json()
        if status["state"] == "running" and (status["progress"]["solutions"] or 0) >= 3:
            break
        time.sleep(0.05)
    progress = status["progress"]
    assert status["state"] == "running"
    assert progress["bound"] == 0.0
    assert progress["objective"] == 1000.0 - progress["solutions"]
    assert progress["elapsed"] > 0
    service.client.delete(f"/api/v1/solve-jobs/{job_id}", headers=service.headers("system"))


def test_cancel_stops_the_solver_process(service: Service) -> None:
    body = {"kind": "countdown", "unit_id": "tiny", "options": {"native": {"seconds": 60}}}
    job_id = submit(service, body).json()["id"]
    runner = service.client.app.state.runner  # type: ignore[attr-defined]
    deadline = time.monotonic() + 30
    pid = None
    while pid is None and time.monotonic() < deadline:
        pid = runner.running_pid(job_id)
        time.sleep(0.02)
    assert pid is not None
    assert alive(pid)
    cancelled = service.client.delete(
        f"/api/v1/solve-jobs/{job_id}", headers=service.headers("system")
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["state"] == "cancelled"
    gone = time.monotonic() + 10
    while alive(pid) and time.monotonic() < gone:
        time.sleep(0.02)
    assert not alive(pid), "the worker process of a cancelled job must be stopped"
    result = service.client.get(
        f"/api/v1/solve-jobs/{job_id}/result", headers=service.headers("system")
    )
    assert result.status_code == 409
    again = service.client.delete(f"/api/v1/solve-jobs/{job_id}", headers=service.headers("system"))
    assert again.status_code == 409
    # The slot has a fresh worker before any job comes: it had none until the next job, and
    # with every slot's job cancelled /readyz answered 503, so a load balancer sent no job.
    ready = time.monotonic() + 20
    while None in runner.worker_pids and time.monotonic() < ready:
        time.sleep(0.05)
    assert None not in runner.worker_pids
    assert service.client.get("/readyz").status_code == 200
    # ... and the next job runs.
    follow = submit(service, {"kind": "balance", "unit_id": "tiny"})
    assert service.wait(follow.json()["id"])["state"] == "succeeded"


def test_a_schedule_job_shares_its_time_limit_between_daily_plan_and_roster(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The daily plan of a ``schedule`` job gets half the job's limit, not its own 60 s: on
    the example clinic a job of 3 s was stopped 10 s after its limit with nothing saved."""
    import engine.daily
    from api.jobs import DAILY_SHARE, run_schedule
    from solvers.common import SolveOptions

    limits: list[float | None] = []
    plan_days = engine.daily.plan_days

    def recorded(*args: Any, **kwargs: Any) -> Any:
        limits.append(kwargs["options"].time_limit)
        return plan_days(*args, **kwargs)

    monkeypatch.setattr(engine.daily, "plan_days", recorded)
    result = run_schedule(
        tiny_unit(), SolveOptions(time_limit=4.0, num_workers=1), lambda _: None, {"weeks": 1}
    )
    assert limits == [DAILY_SHARE * 4.0]
    assert result["roster_summary"]["hard_violations"] == 0


def test_a_solver_that_overruns_its_time_limit_is_stopped(service: Service) -> None:
    body = {"kind": "stubborn", "unit_id": "tiny", "options": {"time_limit": 0.5}}
    started = time.monotonic()
    job = service.wait(submit(service, body).json()["id"], timeout=30)
    assert job["state"] == "failed"
    assert job["error"]["type"] == "time_limit"
    assert "time limit of 0.5 s" in job["error"]["message"]
    # 0.5 s of limit + 1 s of grace (the test settings), plus starting the process.
    assert time.monotonic() - started < 20


def test_a_kind_stops_itself_at_its_time_limit(service: Service) -> None:
    body = {
        "kind": "countdown",
        "unit_id": "tiny",
        "options": {"time_limit": 0.4, "native": {"seconds": 60}},
    }
    job = service.wait(submit(service, body).json()["id"])
    assert job["state"] == "succeeded"
    result = service.client.get(
        f"/api/v1/solve-jobs/{job['id']}/result", headers=service.headers("system")
    ).json()["result"]
    assert result["stopped_by_limit"] is True


def test_a_worker_that_dies_fails_its_job_and_is_replaced(service: Service) -> None:
    job = service.wait(submit(service, {"kind": "crash", "unit_id": "tiny"}).json()["id"])
    assert job["state"] == "failed"
    assert job["error"]["type"] == "worker_died"
    assert "exit code 3" in job["error"]["message"]
    follow = submit(service, {"kind": "balance", "unit_id": "tiny"})
    assert service.wait(follow.json()["id"])["state"] == "succeeded"


def test_a_queued_job_cancelled_never_runs(service: Service) -> None:
    long = {"kind": "countdown", "unit_id": "tiny", "options": {"native": {"seconds": 60}}}
    blockers = [submit(service, long).json()["id"] for _ in range(2)]
    queued = submit(service, {"kind": "balance", "unit_id": "tiny"}).json()["id"]
    cancelled = service.client.delete(
        f"/api/v1/solve-jobs/{queued}", headers=service.headers("system")
    )
    assert cancelled.json()["state"] == "cancelled"
    assert cancelled.json()["started_at"] is None
    for job_id in blockers:
        service.client.delete(f"/api/v1/solve-jobs/{job_id}", headers=service.headers("system"))
    time.sleep(0.3)
    status = service.client.get(f"/api/v1/solve-jobs/{queued}", headers=service.headers("system"))
    assert status.json()["state"] == "cancelled"
    assert status.json()["attempts"] == 0


@pytest.mark.parametrize(
    ("role", "kind", "allowed"),
    [
        ("planner", "balance", True),
        ("system", "balance", True),
        ("scheduler", "balance", False),
        ("admin", "balance", False),
        ("planner", "stubborn", False),
    ],
)
def test_each_kind_says_which_roles_may_solve_it(
    service: Service, role: str, kind: str, allowed: bool
) -> None:
    response = submit(
        service, {"kind": kind, "unit_id": "tiny", "options": {"time_limit": 0.1}}, role=role
    )
    if allowed:
        assert response.status_code == 202
        service.wait(response.json()["id"])
    else:
        assert response.status_code == 403
        assert f"role {role} may not solve {kind}" in response.json()["detail"]


def test_every_role_reads_its_tenants_jobs_and_no_other_tenant_does(service: Service) -> None:
    job_id = submit(service, {"kind": "balance", "unit_id": "tiny"}).json()["id"]
    service.wait(job_id)
    for role in ("scheduler", "planner", "system", "admin"):
        headers = service.headers(role)
        assert service.client.get(f"/api/v1/solve-jobs/{job_id}", headers=headers).is_success
    stranger = service.headers("system", "elsewhere")
    for path in (f"/api/v1/solve-jobs/{job_id}", f"/api/v1/solve-jobs/{job_id}/result"):
        assert service.client.get(path, headers=stranger).status_code == 404
    assert (
        service.client.delete(f"/api/v1/solve-jobs/{job_id}", headers=stranger).status_code == 404
    )
    listed = service.client.get("/api/v1/solve-jobs", headers=stranger).json()
    assert listed == []
    # Nor can another tenant solve this tenant's stored unit.
    response = service.client.post(
        "/api/v1/solve-jobs", json={"kind": "balance", "unit_id": "tiny"}, headers=stranger
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "unit_id"]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"kind": "nope", "unit_id": "tiny"}, ["body", "kind"]),
        ({"kind": "balance"}, ["body"]),
        ({"kind": "balance", "unit_id": "tiny", "unit": tiny_document()}, ["body"]),
        (
            {"kind": "balance", "unit_id": "tiny", "options": {"seed": -1}},
            ["body", "options", "seed"],
        ),
        (
            {"kind": "balance", "unit_id": "tiny", "options": {"time_limit": 1e9}},
            ["body", "options", "time_limit"],
        ),
        (
            {"kind": "balance", "unit_id": "tiny", "options": {"num_workers": 9}},
            ["body", "options", "num_workers"],
        ),
        ({"kind": "balance", "unit_id": "tiny", "colour": "red"}, ["body", "colour"]),
        (  # it was taken, and the job failed with a trace of the server's paths
            {"kind": "plan", "unit_id": "tiny", "options": {"backend": "gurobi"}},
            ["body", "options", "backend"],
        ),
        (
            {"kind": "balance", "unit": tiny_document(calendar={"start_week": "2027-W60"})},
            ["body", "unit", "calendar", "start_week"],
        ),
    ],
)
def test_bad_job_requests_are_422_with_the_field_path(
    service: Service, body: dict[str, object], loc: list[object]
) -> None:
    response = submit(service, body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == loc


def test_a_job_that_fails_says_why_without_the_servers_trace(service: Service) -> None:
    """A CP-SAT parameter that does not exist fails the job with its name; the trace, with the
    server's paths, stays in the service's log."""
    body = {
        "kind": "schedule",
        "unit_id": "tiny",
        "params": {"weeks": 1},
        "options": {"time_limit": 5, "native": {"bogus": True}},
    }
    job = service.wait(submit(service, body).json()["id"], timeout=60)
    assert job["state"] == "failed"
    assert job["error"] == {
        "type": "error",
        "message": "ValueError: native: got 'bogus', expected a CP-SAT parameter name",
    }


def test_unknown_job_ids_are_404(service: Service) -> None:
    for path in ("/api/v1/solve-jobs/0123", "/api/v1/solve-jobs/" + "x" * 300 + "/result"):
        assert service.client.get(path, headers=service.headers("system")).status_code == 404


def test_a_scenario_solves_each_variant_side_by_side(service: Service) -> None:
    # More nurses: a third full-time nurse takes nursing off the top of the ranking.
    staff = [*tiny_document()["staff"], {"id": "doris", "competences": ["nurse"]}]
    body = {
        "name": "staffing",
        "kind": "balance",
        "unit_id": "tiny",
        "variants": [{"name": "one more nurse", "patch": {"staff": staff}}],
    }
    response = service.client.post(
        "/api/v1/scenarios", json=body, headers=service.headers("planner")
    )
    assert response.status_code == 202, response.text
    scenario_id = response.json()["id"]
    assert [v["name"] for v in response.json()["variants"]] == ["base", "one more nurse"]
    deadline = time.monotonic() + 60
    state = response.json()
    while state["state"] not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.1)
        state = service.client.get(
            f"/api/v1/scenarios/{scenario_id}", headers=service.headers("planner")
        ).json()
    assert state["state"] == "succeeded"
    base, more = (v["result"] for v in state["variants"])
    expected = tiny_unit(staff=staff)
    assert base == balance(tiny_unit()).to_dict()
    assert more == balance(expected).to_dict()
    # By hand: nurses anna (full time) and bert (half time) give 60 h a week; doris adds 40.
    nurses = [
        next(r for r in report["ranking"] if r["resource"] == "competence:nurse")
        for report in (base, more)
    ]
    assert [n["available"] for n in nurses] == [pytest.approx(120.0), pytest.approx(200.0)]


def test_a_bad_variant_is_422_with_its_path_and_nothing_is_queued(service: Service) -> None:
    before = len(
        service.client.get("/api/v1/solve-jobs", headers=service.headers("planner")).json()
    )
    body = {
        "kind": "balance",
        "unit_id": "tiny",
        "variants": [{"name": "typo", "patch": {"wards": [{"id": "ward", "beds": -3}]}}],
    }
    response = service.client.post(
        "/api/v1/scenarios", json=body, headers=service.headers("planner")
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == [
        "body",
        "variants",
        0,
        "patch",
        "wards",
        0,
        "beds",
    ]
    after = len(service.client.get("/api/v1/solve-jobs", headers=service.headers("planner")).json())
    assert after == before


def test_scenarios_are_for_planners(service: Service) -> None:
    body = {"kind": "balance", "unit_id": "tiny", "variants": [{"name": "v", "patch": {}}]}
    for role in ("scheduler", "system", "admin"):
        response = service.client.post(
            "/api/v1/scenarios", json=body, headers=service.headers(role)
        )
        assert response.status_code == 403, role


def test_plan_kind_gives_the_tactical_plan_of_the_unit(service: Service) -> None:
    from engine.plan import plan_unit
    from solvers.common import SolveOptions

    body = {"kind": "plan", "unit_id": "tiny", "options": {"time_limit": 20, "num_workers": 1}}
    response = submit(service, body, role="planner", wait=20)
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert result["solver"]["status"] == "optimal"
    assert result["check"] == {"ok": True, "violations": []}
    direct = plan_unit(tiny_unit(), solve_options=SolveOptions(time_limit=20, num_workers=1))
    assert result["production"] == direct.to_dict()["production"]


def test_schedule_kind_rosters_the_daily_plan_for_schedulers(service: Service) -> None:
    body = {
        "kind": "schedule",
        "unit_id": "tiny",
        "options": {"time_limit": 20, "num_workers": 1},
        "params": {"start": "2027-03-08", "weeks": 1},
    }
    assert submit(service, body, role="planner").status_code == 403
    response = submit(service, body, role="scheduler", wait=20)
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert result["start"] == "2027-03-08"
    assert result["roster_summary"]["hard_violations"] == 0
    assert result["roster_summary"]["days"] == 7
    # the cover no roster can give, as the engine counts it on the same daily plan
    from datetime import date

    from engine.daily import plan_days
    from engine.roster import compile_roster
    from solvers.roster.bounds import forced_shortfalls

    monday = date(2027, 3, 8)
    problem = compile_roster(tiny_unit(), monday, 1, plan_days(tiny_unit(), monday, 1).cover)
    expected = [
        [problem.competence_ids[f.competence], f.wanted, f.most, f.staff, f.short]
        for f in forced_shortfalls(problem)
    ]
    forced = result["roster_summary"]["forced_short"]
    assert [[f[k] for k in ("competence", "wanted", "most", "staff", "short")] for f in forced] == (
        expected
    )
    # The tiny unit has one shift type, D: every assignment is a D shift of a staff member,
    # with the competence named for cilla, who holds two
    worked = {staff: len(days) for staff, days in result["roster"].items()}
    assert set(worked) <= {"anna", "bert", "cilla"}
    codes = {(staff, code) for staff, days in result["roster"].items() for code in days.values()}
    assert {code for staff, code in codes if staff != "cilla"} <= {"D"}
    assert {code for staff, code in codes if staff == "cilla"} <= {"D/nurse", "D/surgeon"}


def rooms_job(service: Service, params: dict[str, object]) -> dict[str, Any]:
    body = {
        "kind": "rooms",
        "unit_id": "tiny",
        "options": {"time_limit": 10, "num_workers": 1},
        "params": params,
    }
    response = submit(service, body, role="scheduler")
    assert response.status_code == 202, response.text
    job = service.wait(response.json()["id"], role="scheduler")
    assert job["state"] == "succeeded", job
    result = service.client.get(
        f"/api/v1/solve-jobs/{job['id']}/result", headers=service.headers("scheduler")
    )
    assert result.status_code == 200, result.text
    return result.json()  # type: ignore[no-any-return]


def test_rooms_kind_places_a_days_operations_with_their_teams(service: Service) -> None:
    roster = {"anna": "D", "bert": "D", "cilla": "D"}
    job = rooms_job(service, {"date": "2027-03-09", "activities": {"op": 2}, "roster": roster})
    result = job["result"]
    assert (result["placed"], result["unplaced"], result["hard_violations"]) == (2, 0, 0)
    rows = sorted(result["schedule"], key=lambda row: row["start"])
    assert {row["room"] for row in rows} == {"or1"}
    # One surgeon and two nurses each time: the same three people, one operation after the other.
    assert all(sorted(row["team_ids"].split("|")) == sorted(
        ["cilla:surgeon", "anna:nurse", "bert:nurse"]) for row in rows)  # fmt: skip
    assert rows[0]["end"] <= rows[1]["start"]


def test_rooms_kind_names_why_an_operation_has_no_team(service: Service) -> None:
    # cilla can be surgeon or nurse, not both at once: one nurse is missing.
    roster = {"anna": "D", "cilla": "D"}
    job = rooms_job(service, {"date": "2027-03-09", "activities": {"op": 1}, "roster": roster})
    result = job["result"]
    assert (result["placed"], result["unplaced"]) == (0, 1)
    [row] = result["schedule"]
    assert row["room"] == ""
    assert "nurse" in row["reason"]


def test_rooms_kind_plans_the_week_when_given_only_the_date(service: Service) -> None:
    result = rooms_job(service, {"date": "2027-03-09"})["result"]
    assert result["date"] == "2027-03-09"
    assert result["activities"] == result["placed"] + result["unplaced"] > 0
    assert result["hard_violations"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "date"),
        ({"date": "2027-03-09", "activities": {"op": -1}}, "activities.op"),
        ({"date": "2027-03-09", "roster": ["anna"]}, "roster"),
    ],
)
def test_bad_rooms_parameters_fail_the_job_naming_the_parameter(
    service: Service, params: dict[str, object], field: str
) -> None:
    body = {"kind": "rooms", "unit_id": "tiny", "params": params}
    job = service.wait(submit(service, body, role="scheduler").json()["id"], role="scheduler")
    assert job["state"] == "failed"
    assert job["error"]["problems"][0]["field"] == field


def test_a_job_names_its_parameter_where_the_command_line_names_an_option(
    service: Service,
) -> None:
    """A start outside the calendar: the engine says ``--start``, the job ``params.start``."""
    body = {"kind": "schedule", "unit_id": "tiny", "params": {"start": "2030-03-04"}}
    job = service.wait(submit(service, body, role="scheduler").json()["id"], role="scheduler")
    assert job["state"] == "failed"
    [problem] = job["error"]["problems"]
    assert (problem["source"], problem["field"]) == ("params", "start")
    assert problem["message"].startswith("params: start: got ")


def test_followup_kind_compares_actuals_and_replans_the_rest(service: Service) -> None:
    actual = [
        {"date": "2027-03-08", "activity": "op", "count": 1},
        {"date": "2027-03-09", "activity": "op", "count": 2},
        {"date": "2027-03-14", "activity": "op", "count": 0},
    ]
    body = {
        "kind": "followup",
        "unit_id": "tiny",
        "options": {"time_limit": 20, "num_workers": 1},
        "params": {"actual": actual},
    }
    response = submit(service, body, role="planner")
    assert response.status_code == 202, response.text
    job = service.wait(response.json()["id"], role="planner")
    assert job["state"] == "succeeded", job
    result = service.client.get(
        f"/api/v1/solve-jobs/{job['id']}/result", headers=service.headers("planner")
    ).json()["result"]
    [week] = result["weeks"]
    # W10 plans ten operations and two bed-days each; three operations were done
    assert week["week"] == "2027-W10"
    assert week["actual"] == pytest.approx(3.0)
    assert week["deviation"] == pytest.approx(week["actual"] - week["planned"])
    assert week["deviation"] < 0
    assert result["replan"]  # W11 is planned again with the patients still waiting


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "actual"),
        ({"actual": [{"date": "2027-03-08", "activity": "walk", "count": 1}]}, "activity"),
        ({"actual": [{"date": "2027-03-08", "activity": "op", "count": -1}]}, "count"),
        (
            {"actual": [{"date": "2027-03-08", "activity": "op", "count": 1}], "threshold": -1},
            "threshold",
        ),
    ],
)
def test_bad_followup_parameters_fail_the_job_naming_the_field(
    service: Service, params: dict[str, object], field: str
) -> None:
    body = {"kind": "followup", "unit_id": "tiny", "params": params}
    job = service.wait(submit(service, body, role="planner").json()["id"], role="planner")
    assert job["state"] == "failed"
    assert job["error"]["problems"][0]["field"] == field


def finished(service: Service, body: dict[str, Any], role: str = "scheduler") -> dict[str, Any]:
    """Submit ``body``, wait for the job, return its result."""
    response = submit(service, body, role=role)
    assert response.status_code == 202, response.text
    job = service.wait(response.json()["id"], role=role)
    assert job["state"] == "succeeded", job.get("error")
    answer = service.client.get(
        f"/api/v1/solve-jobs/{job['id']}/result", headers=service.headers(role)
    )
    return answer.json()["result"]  # type: ignore[no-any-return]


def published_week(service: Service) -> dict[str, Any]:
    options = {"time_limit": 20, "num_workers": 1}
    params = {"start": "2027-03-08", "weeks": 1}
    body = {"kind": "schedule", "unit_id": "tiny", "options": options, "params": params}
    return finished(service, body)


def test_repair_kind_takes_a_schedule_result_and_an_absence(service: Service) -> None:
    published = published_week(service)
    assert {"start", "weeks", "roster", "cover", "daily_plan"} <= set(published)
    staff, days = next((s, d) for s, d in sorted(published["roster"].items()) if "2027-03-10" in d)
    changes = {
        "today": "2027-03-10",
        "absences": [{"staff": staff, "start": "2027-03-10", "end": "2027-03-10"}],
    }
    body = {
        "kind": "repair",
        "unit_id": "tiny",
        "options": {"time_limit": 20, "num_workers": 1},
        "params": {"schedule": published, "changes": changes},
    }
    result = finished(service, body)
    assert result["summary"]["hard_violations"] == 0
    assert "2027-03-10" not in result["roster"].get(staff, {})
    assert {"staff_id": staff, "day": "2027-03-10", "before": days["2027-03-10"], "after": ""} in [
        {k: c[k] for k in ("staff_id", "day", "before", "after")} for c in result["changes"]
    ]
    for person, shifts in published["roster"].items():  # the days before today stay
        before = {d: v for d, v in shifts.items() if d < "2027-03-10"}
        after = {d: v for d, v in result["roster"].get(person, {}).items() if d < "2027-03-10"}
        assert before == after


def test_repair_kind_ranks_who_could_take_a_vacated_shift(service: Service) -> None:
    published = published_week(service)
    staff = next(s for s, d in sorted(published["roster"].items()) if "2027-03-10" in d)
    changes = {
        "today": "2027-03-10",
        "absences": [{"staff": staff, "start": "2027-03-10", "end": "2027-03-10"}],
    }
    params = {
        "schedule": published,
        "changes": changes,
        "candidates": {"date": "2027-03-10", "shift": "D", "competence": "nurse"},
    }
    result = finished(service, {"kind": "repair", "unit_id": "tiny", "params": params})
    assert result["day"] == "2027-03-10"
    ranked = [c["staff_id"] for c in result["candidates"]]
    assert staff not in ranked  # absent that day: never a candidate
    assert sum(result["excluded"].values()) >= 1
    costs = [c["cost"] for c in result["candidates"]]
    assert costs == sorted(costs)


def test_repair_kind_without_changes_keeps_the_roster(service: Service) -> None:
    published = published_week(service)
    body = {
        "kind": "repair",
        "unit_id": "tiny",
        "options": {"time_limit": 20, "num_workers": 1},
        "params": {"schedule": published, "today": "2027-03-08"},
    }
    result = finished(service, body)
    assert result["changes"] == []
    assert result["roster"] == published["roster"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "schedule"),
        ({"schedule": {"start": "2027-03-08", "weeks": 1, "roster": {"zoe": {}}}}, "staff"),
        ({"schedule": {"start": "2027-03-08", "weeks": 30}}, "weeks"),
    ],
)
def test_bad_repair_parameters_fail_the_job_naming_the_field(
    service: Service, params: dict[str, object], field: str
) -> None:
    body = {"kind": "repair", "unit_id": "tiny", "params": params}
    job = service.wait(submit(service, body, role="scheduler").json()["id"], role="scheduler")
    assert job["state"] == "failed"
    assert job["error"]["problems"][0]["field"] == field


@pytest.mark.parametrize(
    ("params", "field"),
    [({"weeks": 40}, "weeks"), ({"start": "2027-03-09"}, "start"), ({"colour": 1}, "colour")],
)
def test_bad_stage_parameters_fail_the_job_naming_the_parameter(
    service: Service, params: dict[str, object], field: str
) -> None:
    body = {"kind": "schedule", "unit_id": "tiny", "params": params}
    job = service.wait(submit(service, body, role="scheduler").json()["id"], role="scheduler")
    assert job["state"] == "failed"
    assert job["error"]["type"] == "input"
    assert job["error"]["problems"][0]["field"] == field


def test_a_variant_takes_the_typed_changes_of_a_scenario_file(service: Service) -> None:
    body = {
        "kind": "balance",
        "unit_id": "tiny",
        "include_base": False,
        "variants": [
            {"name": "full beds", "changes": [{"type": "target_occupancy", "occupancy": 1.0}]}
        ],
    }
    response = service.client.post(
        "/api/v1/scenarios", json=body, headers=service.headers("planner")
    )
    assert response.status_code == 202, response.text
    [variant] = response.json()["variants"]
    job = service.wait(variant["job"]["id"], role="planner")
    assert job["state"] == "succeeded"
    result = service.client.get(
        f"/api/v1/solve-jobs/{job['id']}/result", headers=service.headers("planner")
    ).json()["result"]
    # By hand: 10 hip patients in W10 x 2 bed-days = 20 bed-days; at 80 % occupancy they need
    # 25 staffed bed-days, at 100 % exactly 20.
    ward_w10 = next(
        r for r in result["rows"] if r["resource"] == "ward:ward" and r["week"] == "2027-W10"
    )
    assert ward_w10["need"] == pytest.approx(20.0)


def test_a_change_the_unit_cannot_take_is_422_naming_the_change(service: Service) -> None:
    body = {
        "kind": "balance",
        "unit_id": "tiny",
        "variants": [
            {
                "name": "fewer return visits",
                "changes": [{"type": "scale_activity", "activity": "return", "factor": 0.8}],
            }
        ],
    }
    response = service.client.post(
        "/api/v1/scenarios", json=body, headers=service.headers("planner")
    )
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "variants", 0, "changes", 0, "activity"]
    assert problem["msg"] == "got 'return', expected an activity type id of the unit"
