"""API keys, roles and tenants.

A key is ``bal_`` + 8 characters that name it + ``_`` + 43 random characters; only its SHA-256
hash is stored (a key carries 256 random bits, so a fast hash is enough: there is nothing to
guess). Every key belongs to one tenant and has one role:

=========  =================================================================================
role       may
=========  =================================================================================
scheduler  read units and jobs; solve the operative kinds (rosters, rooms, repair)
planner    read units and jobs; solve the tactical kinds (balance, plans) and run scenarios
system     read units and jobs; solve every kind (other systems calling the solve endpoint)
admin      read units and jobs; create, change and delete units; create and revoke keys
=========  =================================================================================

Which roles may solve a kind is said by the kind itself (:class:`api.jobs.JobKind`), so a new
stage brings its own rule.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

from sqlalchemy import select

from api.db import ApiKey, utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

Role = Literal["scheduler", "planner", "system", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)

Permission = Literal["units:read", "units:write", "jobs:read", "keys", "scenarios"]

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    "scheduler": frozenset({"units:read", "jobs:read"}),
    "planner": frozenset({"units:read", "jobs:read", "scenarios"}),
    "system": frozenset({"units:read", "jobs:read"}),
    "admin": frozenset({"units:read", "jobs:read", "units:write", "keys"}),
}
"""What each role may do besides solving (solving is granted per job kind)."""

KEY_PREFIX = "bal_"


@dataclass(frozen=True)
class Principal:
    """The caller, as its key says: which key, which tenant, which role."""

    key_id: str
    tenant: str
    role: Role

    def may(self, permission: Permission) -> bool:
        """True if the role grants ``permission``."""
        return permission in ROLE_PERMISSIONS[self.role]


def hash_key(key: str) -> str:
    """The stored form of ``key``: its SHA-256 in hex."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def generate_key() -> tuple[str, str]:
    """A new key and its 8-character name part: ``(key, prefix)``."""
    prefix = secrets.token_hex(4)
    return f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}", prefix


def create_key(session: Session, *, tenant: str, role: Role, name: str = "") -> tuple[ApiKey, str]:
    """Add a key to ``session`` (the caller commits); returns the row and the key in clear,
    which is shown once and never stored."""
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    key, prefix = generate_key()
    row = ApiKey(tenant=tenant, role=role, name=name, prefix=prefix, key_hash=hash_key(key))
    session.add(row)
    session.flush()
    return row, key


def authenticate(session: Session, key: str) -> Principal | None:
    """The principal of ``key``, or None if no live key matches."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    digest = hash_key(key)
    row = session.scalars(select(ApiKey).where(ApiKey.key_hash == digest)).first()
    if row is None or row.revoked_at is not None:
        return None
    # The lookup is by hash; compare again in constant time so timing says nothing.
    if not secrets.compare_digest(row.key_hash, digest):
        return None
    role: Role = row.role  # type: ignore[assignment]
    return Principal(key_id=row.id, tenant=row.tenant, role=role)


class KeyCache:
    """Principals of recently used keys, by key hash, for ``ttl`` seconds: most requests then
    need no query to know their caller. The service forgets a key it revokes at once; a key
    revoked in the database by other means stops working within ``ttl``."""

    def __init__(self, ttl: float = 5.0) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, digest: str) -> Principal | None:
        """The principal cached for ``digest``, if it has not expired."""
        with self._lock:
            entry = self._entries.get(digest)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, digest: str, principal: Principal) -> None:
        """Remember ``principal`` for ``digest``."""
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[digest] = (time.monotonic() + self.ttl, principal)

    def forget(self, key_id: str) -> None:
        """Drop the key ``key_id`` (it was revoked)."""
        with self._lock:
            for digest, (_, principal) in list(self._entries.items()):
                if principal.key_id == key_id:
                    del self._entries[digest]


def revoke_key(session: Session, key_id: str, tenant: str) -> ApiKey | None:
    """Revoke a key of ``tenant``; None if the tenant has no such key."""
    row = session.get(ApiKey, key_id)
    if row is None or row.tenant != tenant:
        return None
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row
