"""Tiny named units for the tests: small enough to compute every figure by hand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from models.unit import Unit

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def tiny_document(**changes: Any) -> dict[str, Any]:
    """A unit as a plain document: 2 weeks from 2027-W10 (no public holidays), 2 nurses and a
    surgeon at full time, one theatre open 08:00-16:00 on weekdays, a 10-bed ward at 80 %, and
    one product group (hip) of 1 operation (120 min, 1 surgeon + 2 nurses) + 2 bed-days
    (60 min of nursing each)."""
    document: dict[str, Any] = {
        "id": "tiny",
        "name": "Tiny clinic",
        "calendar": {"start_week": "2027-W10", "weeks": 2},
        "competences": [
            {"id": "nurse", "shift_minutes": 480},
            {"id": "surgeon", "shift_minutes": 600, "non_clinical_share": 0.2},
        ],
        "staff": [
            {"id": "anna", "competences": ["nurse"]},
            {"id": "bert", "competences": ["nurse"], "employment_rate": 0.5},
            {"id": "cilla", "competences": ["surgeon", "nurse"]},
        ],
        "shift_types": [{"id": "D", "start": "07:00", "end": "16:00", "paid_minutes": 480}],
        "room_types": [{"id": "theatre", "utilisation": 0.75}],
        "rooms": [
            {
                "id": "or1",
                "room_type": "theatre",
                "opening": [{"weekdays": WEEKDAYS, "start": "08:00", "end": "16:00"}],
            }
        ],
        "wards": [{"id": "ward", "beds": 10, "target_occupancy": 0.8}],
        "activity_types": [
            {
                "id": "op",
                "kind": "operation",
                "mean_process_time": 120,
                "team": {"surgeon": 1, "nurse": 2},
                "room_type": "theatre",
            },
            {
                "id": "bed",
                "kind": "bed_day",
                "mean_process_time": 60,
                "team": {"nurse": 1},
                "ward": "ward",
            },
        ],
        "product_groups": [{"id": "hip", "mix": {"op": 1, "bed": 2}}],
        "care_need": [
            {"product_group": "hip", "week": "2027-W10", "patients": 10},
            {"product_group": "hip", "week": "2027-W11", "patients": 20},
        ],
        "waiting_list": [{"product_group": "hip", "waiting_since": "2026-11-02", "patients": 5}],
    }
    document.update(changes)
    return document


def tiny_unit(**changes: Any) -> Unit:
    """:func:`tiny_document` as a validated unit."""
    return Unit.model_validate(tiny_document(**changes))


@pytest.fixture
def tiny() -> Unit:
    return tiny_unit()


BALANS = Path(sys.executable).parent / "balans"
"""The console script that ``pip install -e .`` put next to this Python."""


def run_balans(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the ``balans`` console script as a user does: a real process, in ``cwd``."""
    return subprocess.run(
        [str(BALANS), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
