"""Settings of the solve service, read from ``BALANS_*`` environment variables.

=============================  ======================================================  =========
variable                       what                                                    default
=============================  ======================================================  =========
BALANS_DATABASE_URL            SQLAlchemy URL (``postgresql+psycopg://...``)           SQLite
BALANS_DATA_DIR                folder of the default SQLite file ``balans.sqlite3``    ``data``
BALANS_WORKERS                 solver worker processes                                 2
BALANS_MAX_REQUEST_BYTES       largest request body accepted                           10 MiB
BALANS_MAX_WAIT_SECONDS        longest synchronous wait a client may ask for           30
BALANS_DEFAULT_TIME_LIMIT      solver time limit when a job sets none (seconds)        60
BALANS_MAX_TIME_LIMIT          largest time limit a job may ask for (seconds)          3600
BALANS_GRACE_SECONDS           past its time limit, a job's process is stopped after   10
BALANS_SOLVER_THREADS          most threads one solve may use                          2
=============================  ======================================================  =========
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Mapping

_PREFIX = "BALANS_"


def _number(env: Mapping[str, str], name: str, default: float, *, minimum: float) -> float:
    raw = env.get(_PREFIX + name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InputError.single("environment", _PREFIX + name, raw, "a number") from None
    if value < minimum:
        raise InputError.single("environment", _PREFIX + name, raw, f"a number >= {minimum:g}")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything the service is configured with; build one with :meth:`from_env`.

    Parameters
    ----------
    database_url
        SQLAlchemy URL of the database; empty means an SQLite file in ``data_dir``.
    data_dir
        Folder of the default SQLite database.
    workers
        Solver worker processes: at most this many jobs run at the same time.
    max_request_bytes
        Request bodies larger than this are refused with 413.
    max_wait_seconds
        Upper bound of the synchronous mode's ``wait``.
    default_time_limit, max_time_limit
        A job's solver time limit when it sets none, and the largest it may set.
    grace_seconds
        A job still running this long after its time limit is stopped (its process killed).
    solver_threads
        Upper bound of a job's ``num_workers``.
    run_migrations
        Bring the database schema up to date (Alembic) when the service starts.
    """

    database_url: str = ""
    data_dir: Path = field(default_factory=lambda: Path("data"))
    workers: int = 2
    max_request_bytes: int = 10 * 1024 * 1024
    max_wait_seconds: float = 30.0
    default_time_limit: float = 60.0
    max_time_limit: float = 3600.0
    grace_seconds: float = 10.0
    solver_threads: int = 2
    run_migrations: bool = True

    @property
    def url(self) -> str:
        """The database URL in force: ``database_url``, or the SQLite file in ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'balans.sqlite3').as_posix()}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``BALANS_*`` variables of ``env`` (default: the process environment).

        Raises
        ------
        InputError
            Naming the variable, its value and what was expected.
        """
        source = os.environ if env is None else env
        defaults = cls()
        return cls(
            database_url=source.get(_PREFIX + "DATABASE_URL", "").strip(),
            data_dir=Path(source.get(_PREFIX + "DATA_DIR", "").strip() or defaults.data_dir),
            workers=int(_number(source, "WORKERS", defaults.workers, minimum=1)),
            max_request_bytes=int(
                _number(source, "MAX_REQUEST_BYTES", defaults.max_request_bytes, minimum=1024)
            ),
            max_wait_seconds=_number(
                source, "MAX_WAIT_SECONDS", defaults.max_wait_seconds, minimum=0
            ),
            default_time_limit=_number(
                source, "DEFAULT_TIME_LIMIT", defaults.default_time_limit, minimum=0.1
            ),
            max_time_limit=_number(source, "MAX_TIME_LIMIT", defaults.max_time_limit, minimum=0.1),
            grace_seconds=_number(source, "GRACE_SECONDS", defaults.grace_seconds, minimum=0),
            solver_threads=int(
                _number(source, "SOLVER_THREADS", defaults.solver_threads, minimum=1)
            ),
        )
