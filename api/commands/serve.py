"""``balans serve`` (the HTTP service under uvicorn) and ``balans keys`` (API keys)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from api.settings import Settings

if TYPE_CHECKING:
    import argparse


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app

    settings = Settings.from_env()
    if args.workers is not None:
        from dataclasses import replace

        settings = replace(settings, workers=args.workers)
    app = create_app(settings)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        timeout_graceful_shutdown=10,
    )
    return 0


def _keys_create(args: argparse.Namespace) -> int:
    import re

    from api.auth import create_key
    from api.db import Database
    from engine.errors import InputError

    if not re.fullmatch(r"[A-Za-z0-9][\w.\-]{0,63}", args.tenant):
        raise InputError.single(
            "--tenant", "", args.tenant, "an id: letters, digits, '_', '.', '-' (at most 64)"
        )

    database = Database(Settings.from_env().url)
    try:
        database.migrate()
        with database.session() as session:
            row, key = create_key(session, tenant=args.tenant, role=args.role, name=args.name)
            session.commit()
    finally:
        database.close()
    sys.stderr.write(
        f"Created {args.role} key {row.id} for tenant {args.tenant}; it is shown once:\n"
    )
    sys.stdout.write(key + "\n")
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``serve`` and ``keys`` to ``commands``."""
    p = commands.add_parser(
        "serve",
        help="run the HTTP service (settings from BALANS_* environment variables)",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (8000)")
    p.add_argument("--workers", type=int, help="solver worker processes (BALANS_WORKERS, 2)")
    p.add_argument(
        "--log-level",
        default="info",
        choices=("critical", "error", "warning", "info", "debug"),
    )
    p.set_defaults(run=_serve)

    p = commands.add_parser("keys", help="manage API keys of the service's database")
    keys = p.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    create = keys.add_parser("create", help="create a key and print it (once)")
    create.add_argument(
        "--role", required=True, choices=("scheduler", "planner", "system", "admin")
    )
    create.add_argument("--tenant", required=True, help="the tenant the key belongs to")
    create.add_argument("--name", default="", help="who or what the key is for")
    create.set_defaults(run=_keys_create)
