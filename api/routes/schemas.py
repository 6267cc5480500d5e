"""Request and response bodies of the HTTP API, with the examples the OpenAPI page shows."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

from models.base import Id
from models.scenario import Change
from models.unit import Unit
from solvers.milp import BACKENDS

JobState = Literal["queued", "running", "succeeded", "failed", "cancelled"]
Text = Annotated[str, Field(max_length=200, pattern=r"^[^\x00]*$")]

EXAMPLE_UNIT: dict[str, Any] = {
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
    "room_types": [{"id": "theatre", "utilisation": 0.75}],
    "rooms": [
        {
            "id": "or1",
            "room_type": "theatre",
            "opening": [
                {
                    "weekdays": ["mon", "tue", "wed", "thu", "fri"],
                    "start": "08:00",
                    "end": "16:00",
                }
            ],
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
}
"""A two-week unit small enough to read: the example of the unit and solve-job bodies."""


Params = Annotated[
    dict[Annotated[str, Field(max_length=64)], JsonValue],
    Field(max_length=20),
]
"""A kind's own parameters: scalars, or JSON objects and lists (a day's roster, a change set,
actual production) that the kind validates itself, naming the parameter."""


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- units -------------------------------------------------------------------------------------


class UnitInfo(BaseModel):
    """A stored unit, without its data."""

    id: str
    name: str
    version: int = Field(description="1 when created, one more with each update")
    created_at: datetime
    updated_at: datetime


# -- solve jobs --------------------------------------------------------------------------------


class JobOptions(_Body):
    """Solver options of a job; every kind accepts them (a kind without a solver ignores
    those it has no use for)."""

    time_limit: float | None = Field(
        None,
        gt=0,
        description="seconds; the solver stops then with its best solution, and the job's "
        "process is stopped if it still runs a grace period later (default: the service's)",
    )
    gap_limit: float | None = Field(None, ge=0, le=1, description="relative gap to stop at")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="random seed, for repeatable runs")
    num_workers: int | None = Field(
        None, ge=1, le=64, description="solver threads (at most the service's limit)"
    )
    backend: Literal[BACKENDS] | None = Field(  # type: ignore[valid-type]
        None, description="the MILP solver of the kinds that use one (CP-SAT kinds ignore it)"
    )
    native: dict[Annotated[str, Field(max_length=100)], str | int | float | bool] = Field(
        default_factory=dict,
        max_length=50,
        description="passed to the solver backend unchanged",
    )


class SolveJobRequest(_Body):
    """A solve job: a kind, the unit (a stored unit's id, or the unit itself) and options."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"kind": "balance", "unit_id": "ortopedi"},
                {"kind": "balance", "unit": EXAMPLE_UNIT, "options": {"time_limit": 30}},
                {
                    "kind": "schedule",
                    "unit_id": "ortopedi",
                    "options": {"time_limit": 60, "num_workers": 2},
                    "params": {"start": "2027-03-01", "weeks": 2},
                },
            ]
        },
    )

    kind: str = Field(max_length=32, description="the job kind, e.g. balance")
    unit_id: Id | None = Field(None, description="a unit stored with POST /api/v1/units")
    unit: Unit | None = Field(None, description="the unit's data, instead of unit_id")
    options: JobOptions = Field(default_factory=JobOptions)
    params: Params = Field(
        default_factory=dict,
        description="the kind's own parameters: plan takes weeks; schedule takes start (a "
        "Monday) and weeks; rooms takes date and optionally activities (type -> count) and "
        "roster (staff id -> shift code)",
    )

    @model_validator(mode="after")
    def _one_unit(self) -> SolveJobRequest:
        if (self.unit_id is None) == (self.unit is None):
            raise ValueError("give exactly one of unit_id and unit")
        return self


class JobProgress(BaseModel):
    """The latest progress report of a job."""

    elapsed: float | None = Field(None, description="seconds since the job started")
    objective: float | None = Field(None, description="objective of the incumbent solution")
    bound: float | None = Field(None, description="best bound on the objective")
    gap: float | None = Field(None, description="relative gap between objective and bound")
    solutions: int | None = Field(None, description="solutions found so far")


class JobStatus(BaseModel):
    """Where a job stands."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "4f0c2d1e9b8a47c6a1d3e5f7a9b1c3d5",
                    "kind": "balance",
                    "unit_id": "ortopedi",
                    "state": "running",
                    "attempts": 1,
                    "created_at": "2027-03-01T08:00:00Z",
                    "started_at": "2027-03-01T08:00:01Z",
                    "finished_at": None,
                    "progress": {"elapsed": 1.5, "objective": 4120, "bound": 3990},
                    "error": None,
                    "scenario_id": None,
                }
            ]
        }
    )

    id: str
    kind: str
    unit_id: str
    state: JobState
    attempts: int = Field(description="times a worker started it (more than 1 after restarts)")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress: JobProgress
    error: dict[str, Any] | None = Field(
        None, description="why it failed: type (input, error, time_limit, ...) and details"
    )
    scenario_id: str | None = None
    scenario_name: str | None = None


class JobSubmitted(JobStatus):
    """A submitted job; ``result`` is there when the synchronous wait saw it finish."""

    result: dict[str, Any] | None = None


class JobResultBody(BaseModel):
    """The result of a job that succeeded."""

    job_id: str
    kind: str
    unit_id: str
    result: dict[str, Any]


# -- scenarios ---------------------------------------------------------------------------------


class Variant(_Body):
    """One what-if variant of the base unit: typed changes (those of a scenario file: more
    staff, opening hours, fewer return visits, ...), after a JSON merge patch (RFC 7386) of
    the unit's document for anything the changes do not cover."""

    name: Text = Field(min_length=1)
    changes: list[Change] = Field(
        default_factory=list, max_length=100, description="typed changes, applied in order"
    )
    patch: dict[str, Any] = Field(
        default_factory=dict,
        description="merged into the base unit's document first: objects merge, anything "
        "else (lists included) replaces, null removes a field",
    )


class ScenarioRequest(_Body):
    """A what-if batch: the base unit and its variants, each solved as its own job."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "more beds",
                    "kind": "balance",
                    "unit_id": "tiny",
                    "variants": [
                        {
                            "name": "occupancy 90 %",
                            "changes": [{"type": "target_occupancy", "occupancy": 0.9}],
                        },
                        {
                            "name": "14 beds",
                            "patch": {"wards": [{"id": "ward", "beds": 14}]},
                        },
                    ],
                }
            ]
        },
    )

    name: Text = ""
    kind: str = Field(max_length=32)
    unit_id: Id | None = None
    unit: Unit | None = None
    options: JobOptions = Field(default_factory=JobOptions)
    params: Params = Field(default_factory=dict, description="the kind's own parameters")
    variants: list[Variant] = Field(min_length=1, max_length=50)
    include_base: bool = Field(True, description="also solve the base unit, as 'base'")

    @model_validator(mode="after")
    def _one_unit(self) -> ScenarioRequest:
        if (self.unit_id is None) == (self.unit is None):
            raise ValueError("give exactly one of unit_id and unit")
        names = [v.name for v in self.variants] + (["base"] if self.include_base else [])
        if len(set(names)) != len(names):
            raise ValueError("variant names must be unique (and not 'base' with include_base)")
        return self


class ScenarioVariantStatus(BaseModel):
    """A variant's job and, once it succeeded, its result."""

    name: str
    job: JobStatus
    result: dict[str, Any] | None = None


class ScenarioStatus(BaseModel):
    """A scenario batch: its variants side by side."""

    id: str
    name: str
    kind: str
    created_at: datetime
    state: JobState = Field(description="running until every variant has finished")
    variants: list[ScenarioVariantStatus]


# -- keys --------------------------------------------------------------------------------------


class KeyRequest(_Body):
    """A new API key of the caller's tenant."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"role": "planner", "name": "Anna"}]}
    )

    role: Literal["scheduler", "planner", "system", "admin"]
    name: Text = ""


class KeyInfo(BaseModel):
    """An API key, without the key."""

    id: str
    tenant: str
    role: str
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class KeyCreated(KeyInfo):
    """A new key: ``key`` is shown this once and never stored."""

    key: str
