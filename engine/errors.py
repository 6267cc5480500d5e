"""Errors in what a user gave: each names the file, the field, the value and what was expected."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

NO_VALUE: Final = object()
"""Marks a problem that has no single offending value (a file that cannot be parsed)."""


@dataclass(frozen=True)
class InputProblem:
    """One problem in the input, located as precisely as the source allows."""

    source: str
    """The file (and line, for CSV rows) the problem is in."""
    field: str
    """The field path inside that source, e.g. ``staff[3].employment_rate``."""
    value: object
    expected: str

    def __str__(self) -> str:
        where = f"{self.source}: {self.field}" if self.field else self.source
        if self.value is NO_VALUE:
            return f"{where}: expected {self.expected}"
        return f"{where}: got {self.value!r}, expected {self.expected}"


class InputError(Exception):
    """Input that cannot be used; carries every problem found, one line each."""

    def __init__(self, problems: list[InputProblem]) -> None:
        if not problems:
            raise ValueError("an InputError needs at least one problem")
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @classmethod
    def single(cls, source: str, field: str, value: object, expected: str) -> InputError:
        """An error with one problem."""
        return cls([InputProblem(source, field, value, expected)])
