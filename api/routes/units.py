"""``/api/v1/units``: a tenant's unit data (read by every role, changed by admin keys)."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Response, status
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api.db import UnitRecord, as_utc, utcnow
from api.routes.common import StrictJsonRoute, check_references, clean_text, unprocessable
from api.routes.deps import SessionDep, UnitReader, UnitWriter
from api.routes.schemas import EXAMPLE_UNIT, UnitInfo
from models.base import Id
from models.unit import Unit

router = APIRouter(prefix="/units", tags=["units"], route_class=StrictJsonRoute)

UnitBody = Annotated[Unit, Body(openapi_examples={"tiny": {"value": EXAMPLE_UNIT}})]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "the tenant has no unit of this id"}
}


def _info(record: UnitRecord) -> UnitInfo:
    created, updated = as_utc(record.created_at), as_utc(record.updated_at)
    assert created is not None
    assert updated is not None
    return UnitInfo(
        id=record.unit_id,
        name=record.name,
        version=record.version,
        created_at=created,
        updated_at=updated,
    )


def _find(session: SessionDep, tenant: str, unit_id: str) -> UnitRecord:
    record = session.scalars(
        select(UnitRecord).where(UnitRecord.tenant == tenant, UnitRecord.unit_id == unit_id)
    ).first()
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no unit {unit_id!r}")
    return record


def _document(unit: Unit) -> dict[str, Any]:
    return unit.model_dump(mode="json", exclude_defaults=True)


@router.get("", summary="List the tenant's units")
def list_units(principal: UnitReader, session: SessionDep) -> list[UnitInfo]:
    """Every unit of the caller's tenant, by id."""
    records = session.scalars(
        select(UnitRecord).where(UnitRecord.tenant == principal.tenant).order_by(UnitRecord.unit_id)
    )
    return [_info(r) for r in records]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Store a unit",
    responses={409: {"description": "the tenant already has a unit of this id"}},
)
def create_unit(principal: UnitWriter, session: SessionDep, unit: UnitBody) -> UnitInfo:
    """Store a unit's data under its ``id``; the unit is checked first (fields, then ids that
    refer to nothing), and every problem is named by its path."""
    check_references(unit, ("body",))
    record = UnitRecord(
        tenant=principal.tenant,
        unit_id=unit.id,
        name=clean_text(unit.name),
        document=_document(unit),
    )
    session.add(record)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"unit {unit.id!r} exists; PUT replaces it"
        ) from None
    return _info(record)


@router.get("/{unit_id}", summary="Read a unit's data", responses=_NOT_FOUND)
def read_unit(unit_id: Id, principal: UnitReader, session: SessionDep) -> dict[str, Any]:
    """The unit's document (the schema of a unit; fields left at their defaults are left
    out)."""
    return _find(session, principal.tenant, unit_id).document


@router.put("/{unit_id}", summary="Replace a unit's data", responses=_NOT_FOUND)
def replace_unit(
    unit_id: Id, principal: UnitWriter, session: SessionDep, unit: UnitBody
) -> UnitInfo:
    """Replace the data of a stored unit; the body's ``id`` must be the path's."""
    if unit.id != unit_id:
        unprocessable(("body", "id"), f"got {unit.id!r}, expected the path's unit id {unit_id!r}")
    check_references(unit, ("body",))
    record = _find(session, principal.tenant, unit_id)
    record.document = _document(unit)
    record.name = clean_text(unit.name)
    record.version += 1
    record.updated_at = utcnow()
    session.commit()
    return _info(record)


@router.delete(
    "/{unit_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a unit",
    responses=_NOT_FOUND,
)
def delete_unit(unit_id: Id, principal: UnitWriter, session: SessionDep) -> Response:
    """Delete a stored unit. Jobs keep the copy of the data they were solved with."""
    session.delete(_find(session, principal.tenant, unit_id))
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
