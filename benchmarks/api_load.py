"""Load on the solve service: 50 concurrent clients on loopback against ``balans serve``.

Starts ``balans serve`` on 127.0.0.1 (a free port, an SQLite database in a temporary folder,
two worker processes), stores the example clinic, then measures

1. job submissions per second: every client submits ``--jobs`` balance jobs of the clinic;
2. time from submission to result of those jobs, as the clients see it (polling every 50 ms);
3. latency of ``GET /api/v1/solve-jobs/{id}``, p50 and p99, with every client polling;
4. time from submission to result of one ``schedule`` job of the clinic (daily plan + roster of
   two weeks) on an otherwise idle service.

Prints a table and writes ``benchmarks/results/api_load.csv``. Run: ``python -m
benchmarks.api_load`` (about a minute). Only loopback addresses are used; every loop is bounded.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from api.auth import create_key
from api.db import Database
from engine.io import load_unit

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "ortopedi"
RESULTS = ROOT / "benchmarks" / "results" / "api_load.csv"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _keys(url: str) -> dict[str, str]:
    database = Database(url)
    database.migrate()
    keys = {}
    with database.session() as session:
        for role in ("admin", "system"):
            _, keys[role] = create_key(session, tenant="bench", role=role)
        session.commit()
    database.close()
    return keys


def _wait_ready(base: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the server ended before it was ready")
        with contextlib.suppress(httpx.HTTPError):  # not listening yet
            if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"the server was not ready in {timeout} s")


def _poll(client: httpx.Client, job_id: str, timeout: float = 600) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(f"/api/v1/solve-jobs/{job_id}").json()
        if body["state"] not in ("queued", "running"):
            return body
        time.sleep(0.05)
    raise RuntimeError(f"job {job_id} did not finish in {timeout} s")


def run(clients: int, jobs: int, status_requests: int, workers: int) -> list[dict[str, Any]]:
    unit = load_unit(EXAMPLE)
    document = unit.model_dump(mode="json", exclude_defaults=True)
    with tempfile.TemporaryDirectory(prefix="balans-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'balans.sqlite3'}"
        keys = _keys(url)
        port = _free_port()
        env = {**os.environ, "BALANS_DATABASE_URL": url, "BALANS_WORKERS": str(workers)}
        balans = Path(sys.executable).parent / "balans"
        process = subprocess.Popen(
            [str(balans), "serve", "--port", str(port), "--log-level", "warning"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(base, process)
            headers = {"X-API-Key": keys["system"]}
            with httpx.Client(base_url=base, headers={"X-API-Key": keys["admin"]}) as admin:
                admin.post("/api/v1/units", json=document).raise_for_status()
            # Warm the worker processes (their first job imports the solvers).
            with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
                for _ in range(workers):
                    client.post(
                        "/api/v1/solve-jobs",
                        json={"kind": "balance", "unit_id": unit.id},
                        params={"wait": 60},
                    )

            barrier = threading.Barrier(clients)
            submitted: list[tuple[str, float]] = []
            lock = threading.Lock()

            def submit_all(_: int) -> None:
                with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
                    barrier.wait()
                    for _ in range(jobs):
                        started = time.perf_counter()
                        response = client.post(
                            "/api/v1/solve-jobs", json={"kind": "balance", "unit_id": unit.id}
                        )
                        response.raise_for_status()
                        with lock:
                            submitted.append((response.json()["id"], started))

            began = time.perf_counter()
            with ThreadPoolExecutor(clients) as pool:
                list(pool.map(submit_all, range(clients)))
            submit_seconds = time.perf_counter() - began

            turnaround: list[float] = []
            latencies: list[float] = []

            def follow(index: int) -> None:
                mine = submitted[index::clients]
                with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
                    for job_id, started in mine:
                        state = _poll(client, job_id)
                        if state["state"] != "succeeded":
                            raise RuntimeError(f"job {job_id} ended {state['state']}")
                        with lock:
                            turnaround.append(time.perf_counter() - started)
                    for r in range(status_requests):
                        job_id = mine[r % len(mine)][0]
                        started = time.perf_counter()
                        client.get(f"/api/v1/solve-jobs/{job_id}").raise_for_status()
                        with lock:
                            latencies.append(time.perf_counter() - started)

            with ThreadPoolExecutor(clients) as pool:
                list(pool.map(follow, range(clients)))
            all_done = time.perf_counter() - began

            with httpx.Client(base_url=base, headers=headers, timeout=300) as client:
                started = time.perf_counter()
                roster = client.post(
                    "/api/v1/solve-jobs",
                    json={
                        "kind": "schedule",
                        "unit_id": unit.id,
                        "options": {"time_limit": 30, "num_workers": 2, "seed": 1},
                        "params": {"weeks": 2},
                    },
                ).json()
                roster_state = _poll(client, roster["id"])
                roster_seconds = time.perf_counter() - started
                summary = {}
                if roster_state["state"] == "succeeded":
                    result = client.get(f"/api/v1/solve-jobs/{roster['id']}/result").json()
                    summary = result["result"]["roster_summary"]
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    total = clients * jobs
    lat = np.array(latencies) * 1000
    turn = np.array(turnaround)
    return [
        {"measure": "clients", "value": clients, "unit": "concurrent"},
        {"measure": "worker processes", "value": workers, "unit": "processes"},
        {"measure": "jobs submitted", "value": total, "unit": "balance jobs of ortopedi"},
        {"measure": "submissions per second", "value": total / submit_seconds, "unit": "1/s"},
        {"measure": "all jobs done after", "value": all_done, "unit": "s"},
        {"measure": "jobs solved per second", "value": total / all_done, "unit": "1/s"},
        {"measure": "submission to result p50", "value": float(np.median(turn)), "unit": "s"},
        {"measure": "submission to result max", "value": float(turn.max()), "unit": "s"},
        {"measure": "GET job status p50", "value": float(np.percentile(lat, 50)), "unit": "ms"},
        {"measure": "GET job status p99", "value": float(np.percentile(lat, 99)), "unit": "ms"},
        {"measure": "GET job status requests", "value": len(latencies), "unit": "requests"},
        {
            "measure": "roster (schedule, 2 weeks) submission to result",
            "value": roster_seconds,
            "unit": f"s ({roster_state['state']}, roster {summary.get('status', '-')}, "
            f"hard violations {summary.get('hard_violations', '-')})",
        },
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=2, help="balance jobs per client")
    parser.add_argument("--status-requests", type=int, default=40, help="GETs per client")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of the server")
    args = parser.parse_args()
    rows = run(args.clients, args.jobs, args.status_requests, args.workers)
    width = max(len(r["measure"]) for r in rows)
    for row in rows:
        value = row["value"]
        shown = f"{value:10.3f}" if isinstance(value, float) else f"{value:10d}"
        print(f"{row['measure']:<{width}}  {shown}  {row['unit']}")
    print(
        f"CPython {platform.python_version()}, {os.cpu_count()} CPUs, loopback, SQLite, "
        f"server and clients on one machine"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["measure", "value", "unit"])
        writer.writeheader()
        writer.writerows(rows)
    print(f"Wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
