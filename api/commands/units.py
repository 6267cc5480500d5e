"""Commands on unit data: ``check``, ``convert``, ``schema`` and ``generate``."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from engine.errors import InputError
from engine.io import load_unit, save_unit
from models.unit import Unit

if TYPE_CHECKING:
    import argparse


def _schema(args: argparse.Namespace) -> int:
    sys.stdout.write(json.dumps(Unit.model_json_schema(), indent=2, ensure_ascii=False) + "\n")
    return 0


def _check(args: argparse.Namespace) -> int:
    unit = load_unit(args.unit)
    sys.stdout.write(
        f"{args.unit}: unit {unit.id} is valid: {len(unit.staff)} staff, "
        f"{len(unit.competences)} competences, {len(unit.rooms)} rooms, {len(unit.wards)} wards, "
        f"{len(unit.activity_types)} activity types, {len(unit.product_groups)} product groups, "
        f"{unit.calendar.weeks} weeks from {unit.calendar.start_week}\n"
    )
    return 0


def _convert(args: argparse.Namespace) -> int:
    unit = load_unit(args.unit)
    save_unit(unit, args.target)
    sys.stdout.write(f"Wrote unit {unit.id} to {args.target}\n")
    return 0


def _generate(args: argparse.Namespace) -> int:
    from engine.generate import region, write_region

    if args.units < 1:
        raise InputError.single("--units", "", args.units, "a positive number of units")
    units = region(args.units, seed=args.seed)
    write_region(units, args.out)
    staff = sum(len(u.staff) for u in units)
    sys.stdout.write(f"Wrote {len(units)} units ({staff} staff) to {args.out}\n")
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the unit data commands to ``commands``."""
    p = commands.add_parser("check", help="validate a unit and summarise it")
    p.add_argument("unit")
    p.set_defaults(run=_check)

    p = commands.add_parser("convert", help="rewrite a unit as a folder, or as JSON (*.json)")
    p.add_argument("unit")
    p.add_argument("target")
    p.set_defaults(run=_convert)

    p = commands.add_parser("schema", help="print the JSON Schema of a unit")
    p.set_defaults(run=_schema)

    p = commands.add_parser("generate", help="write a synthetic region of units")
    p.add_argument("--units", type=int, default=10)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("out", help="folder to write one sub-folder per unit into")
    p.set_defaults(run=_generate)
