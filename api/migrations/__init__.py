"""Alembic migrations of the service's database, run on start by ``Database.migrate``."""
