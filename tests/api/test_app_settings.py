"""Settings from BALANS_* environment variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.settings import Settings
from engine.errors import InputError


def test_defaults_put_an_sqlite_file_in_the_data_folder() -> None:
    settings = Settings.from_env({})
    assert settings.workers == 2
    assert settings.max_request_bytes == 10 * 1024 * 1024
    assert settings.url == "sqlite:///data/balans.sqlite3"


def test_variables_set_every_field() -> None:
    settings = Settings.from_env(
        {
            "BALANS_DATABASE_URL": " postgresql+psycopg://u@127.0.0.1/db ",
            "BALANS_DATA_DIR": "/srv/balans",
            "BALANS_WORKERS": "4",
            "BALANS_MAX_REQUEST_BYTES": "2048",
            "BALANS_MAX_WAIT_SECONDS": "5",
            "BALANS_DEFAULT_TIME_LIMIT": "12.5",
            "BALANS_MAX_TIME_LIMIT": "100",
            "BALANS_GRACE_SECONDS": "0",
            "BALANS_SOLVER_THREADS": "1",
        }
    )
    assert settings.url == "postgresql+psycopg://u@127.0.0.1/db"
    assert settings.data_dir == Path("/srv/balans")
    assert (settings.workers, settings.max_request_bytes, settings.solver_threads) == (4, 2048, 1)
    assert (settings.default_time_limit, settings.max_time_limit) == (12.5, 100.0)
    assert (settings.max_wait_seconds, settings.grace_seconds) == (5.0, 0.0)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("BALANS_WORKERS", "many", "a number"),
        ("BALANS_WORKERS", "0", "a number >= 1"),
        ("BALANS_MAX_REQUEST_BYTES", "10", "a number >= 1024"),
    ],
)
def test_a_bad_value_names_the_variable(name: str, value: str, expected: str) -> None:
    with pytest.raises(InputError) as caught:
        Settings.from_env({name: value})
    assert str(caught.value) == f"environment: {name}: got {value!r}, expected {expected}"
