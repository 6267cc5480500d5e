"""The ``balans`` command line.

Exit codes: 0 success, 2 bad input or usage (one line per problem on stderr, nothing written),
1 anything unexpected. Each sub-command lives in a module of :mod:`api.commands` with a
``register`` function; a command's ``run`` returns the exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from api.commands import balance, chain, followup, plan, repair, rooms, schedule, serve, units
from engine.errors import InputError

Command = Callable[[argparse.Namespace], int]
COMMAND_MODULES = (balance, plan, schedule, followup, repair, rooms, chain, units, serve)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``balans``."""
    parser = argparse.ArgumentParser(
        prog="balans",
        description="Production and capacity planning (PKS) for healthcare units.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``balans``; returns the exit code."""
    args = build_parser().parse_args(argv)
    run: Command = args.run
    try:
        return run(args)
    except InputError as error:
        for problem in error.problems:
            sys.stderr.write(f"balans: error: {problem}\n")
        return 2
    except OSError as error:
        sys.stderr.write(f"balans: error: {error.filename or ''}: {error.strerror or error}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
