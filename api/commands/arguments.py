"""Arguments the commands share, checked before a command reads or solves anything.

The ``type=`` functions here (:func:`seconds`, :func:`whole`) parse an option's text; a text
that is no valid value becomes a :class:`Bad` instead of an argparse usage error, and
:func:`checked`, wrapped around a command's ``run``, raises every :class:`Bad` as an
:class:`~engine.errors.InputError`: one line per option (``--time-limit: got '-1', expected a
number of seconds > 0``), exit code 2, nothing written, like any other bad input.
:func:`checked` also refuses an ``--out`` that is the folder of a published schedule the
command reads, which writing would overwrite.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import InputError, InputProblem

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

    Command = Callable[[argparse.Namespace], int]

SEED_MAX = 2**31 - 1
"""The largest seed every solver takes (CP-SAT's and HiGHS's are 32-bit; HiGHS's >= 0)."""


@dataclass(frozen=True)
class Bad:
    """An option's text that is no valid value, and what was expected instead."""

    text: str
    expected: str


def seconds(text: str) -> float | Bad:
    """``type=`` of ``--time-limit``: a finite number of seconds > 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if math.isfinite(value) and value > 0:
        return value
    return Bad(text, "a number of seconds > 0")


def whole(low: int, high: int | None = None, expected: str = "") -> Callable[[str], int | Bad]:
    """``type=`` of a whole number from ``low`` (to ``high``); ``expected`` says what it is
    when it is not (default ``a whole number >= low`` or ``from low to high``)."""
    wanted = expected or (
        f"a whole number >= {low}" if high is None else f"a whole number from {low} to {high}"
    )

    def parse(text: str) -> int | Bad:
        try:
            value = int(text)
        except ValueError:
            return Bad(text, wanted)
        return value if low <= value and (high is None or value <= high) else Bad(text, wanted)

    return parse


workers = whole(1)
"""``type=`` of ``--workers``: threads or processes, at least one."""

seed = whole(0, SEED_MAX)
"""``type=`` of ``--seed``."""

weeks = whole(1, 18, "1 to 18 weeks")
"""``type=`` of ``--weeks`` of a daily plan and roster (:func:`engine.daily.plan_days`)."""


def _folder(path: Path) -> Path:
    """The folder ``path`` names, or the folder of the file it names."""
    return path.parent if path.is_file() else path


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or a.samefile(b)
    except OSError:  # one of them does not exist (yet): not the same folder
        return False


def checked(run: Command, *, published: tuple[str, ...] = ()) -> Command:
    """``run`` once the options are checked: every :class:`Bad` value (the option named from
    its ``dest``: ``time_limit`` is ``--time-limit``), and an ``--out`` that is the folder of
    one of the options ``published`` (dests: a folder, or a file in the folder), which the
    command's files would overwrite."""

    @functools.wraps(run)
    def checked_run(args: argparse.Namespace) -> int:
        problems = [
            InputProblem(f"--{dest.replace('_', '-')}", "", value.text, value.expected)
            for dest, value in vars(args).items()
            if isinstance(value, Bad)
        ]
        out = getattr(args, "out", None)
        for dest in published:
            given = getattr(args, dest, None)
            if out is not None and given is not None and _same(Path(out), _folder(Path(given))):
                option = f"--{dest.replace('_', '-')}"
                where = (
                    f"the folder of {option}" if Path(given).is_file() else f"the {option} folder"
                )
                problems.append(
                    InputProblem(
                        "--out",
                        "",
                        str(out),
                        f"a folder other than {where} (it would overwrite the published schedule)",
                    )
                )
        if problems:
            raise InputError(problems)
        return run(args)

    return checked_run
