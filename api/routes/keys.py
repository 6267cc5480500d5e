"""``/api/v1/keys``: API keys of the caller's tenant (admin keys only)."""

from fastapi import APIRouter, HTTPException, Request, Response, status
from sqlalchemy import select

from api.auth import create_key, revoke_key
from api.db import ApiKey, as_utc
from api.routes.common import StrictJsonRoute, clean_text
from api.routes.deps import KeyAdmin, SessionDep
from api.routes.schemas import KeyCreated, KeyInfo, KeyRequest

router = APIRouter(prefix="/keys", tags=["keys"], route_class=StrictJsonRoute)


def _info(row: ApiKey) -> KeyInfo:
    created = as_utc(row.created_at)
    assert created is not None
    return KeyInfo(
        id=row.id,
        tenant=row.tenant,
        role=row.role,
        name=row.name,
        prefix=row.prefix,
        created_at=created,
        revoked_at=as_utc(row.revoked_at),
    )


@router.get("", summary="List the tenant's keys")
def list_keys(principal: KeyAdmin, session: SessionDep) -> list[KeyInfo]:
    """Every key of the caller's tenant, revoked ones included; never the keys themselves."""
    rows = session.scalars(
        select(ApiKey).where(ApiKey.tenant == principal.tenant).order_by(ApiKey.created_at)
    )
    return [_info(row) for row in rows]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a key")
def new_key(body: KeyRequest, principal: KeyAdmin, session: SessionDep) -> KeyCreated:
    """A new key of the caller's tenant with ``role``. The key is in this answer only: the
    service keeps its hash."""
    row, key = create_key(
        session, tenant=principal.tenant, role=body.role, name=clean_text(body.name)
    )
    session.commit()
    return KeyCreated(**_info(row).model_dump(), key=key)


@router.delete(
    "/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a key",
    responses={404: {"description": "the tenant has no key of this id"}},
)
def delete_key(key_id: str, principal: KeyAdmin, session: SessionDep, request: Request) -> Response:
    """Revoke a key: it stops working at once."""
    if revoke_key(session, key_id, principal.tenant) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no key {key_id!r}")
    session.commit()
    request.app.state.key_cache.forget(key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
