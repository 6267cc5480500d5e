"""Read and write units: a folder of YAML and CSV files, or one JSON (or YAML) document.

A unit folder holds ``unit.yaml`` (the catalogue: calendar, competences, shifts, rooms, wards,
activities, product groups, care guarantee) and CSV tables for what is long and tabular:

==================  =============================================================  ========
file                columns                                                        needed
==================  =============================================================  ========
staff.csv           id, name, competences, employment_rate,                        yes
                    contract_minutes_per_week, non_clinical_share
absences.csv        staff_id, start, end, kind, fraction                           no
requests.csv        staff_id, date, kind, shift, weight                            no
care_need.csv       product_group, week, patients                                  yes
waiting_list.csv    product_group, waiting_since, patients                         no
==================  =============================================================  ========

A table may instead be written inside ``unit.yaml`` (as ``staff:``, ``care_need:``, ...), but not
both. CSV files may be separated by ``,``, ``;`` or tabs; with ``;`` or tabs a decimal comma is
accepted. A list in a cell (the competences of a staff member) is separated by ``|``, the
primary competence first.

Any other ``.csv``, ``.yaml``, ``.yml`` or ``.json`` file in the folder (but ``pinned.csv``, which
the plan reads) is an error, not ignored: it is most likely a table misspelled.

Every problem is reported with the file, the line (for CSV), the field, the value and what was
expected, as :class:`engine.errors.InputError`.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from engine.errors import NO_VALUE, InputError, InputProblem
from models.base import number_bounds
from models.references import find_problems
from models.unit import Unit

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

UNIT_FILE = "unit.yaml"
LIST_SEPARATOR = "|"


@dataclass(frozen=True)
class _Table:
    """A CSV table of a unit folder."""

    file: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    numeric: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    needed: bool = False


_STAFF = _Table(
    "staff.csv",
    (
        "id",
        "name",
        "competences",
        "employment_rate",
        "contract_minutes_per_week",
        "non_clinical_share",
    ),
    ("id", "competences"),
    numeric=("employment_rate", "contract_minutes_per_week", "non_clinical_share"),
    lists=("competences",),
    needed=True,
)
_ABSENCES = _Table(
    "absences.csv",
    ("staff_id", "start", "end", "kind", "fraction"),
    ("staff_id", "start", "end"),
    numeric=("fraction",),
)
_REQUESTS = _Table(
    "requests.csv",
    ("staff_id", "date", "kind", "shift", "weight"),
    ("staff_id", "date", "kind"),
    numeric=("weight",),
)
_CARE_NEED = _Table(
    "care_need.csv",
    ("product_group", "week", "patients"),
    ("product_group", "week", "patients"),
    numeric=("patients",),
    needed=True,
)
_WAITING_LIST = _Table(
    "waiting_list.csv",
    ("product_group", "waiting_since", "patients"),
    ("product_group", "waiting_since", "patients"),
    numeric=("patients",),
)

# Unit fields that live in their own CSV table, and the tables that hang off staff rows.
_TOP_TABLES = {"staff": _STAFF, "care_need": _CARE_NEED, "waiting_list": _WAITING_LIST}
_STAFF_TABLES = {"absences": _ABSENCES, "requests": _REQUESTS}

_TABLE_FILES = tuple(t.file for t in (*_TOP_TABLES.values(), *_STAFF_TABLES.values()))
"""The CSV files of a unit's tables."""

PINNED_FILE = "pinned.csv"
"""Agreed volumes that ``balans plan`` and ``balans followup`` read from a unit folder."""
FOLDER_FILES = tuple(sorted([UNIT_FILE, PINNED_FILE, *_TABLE_FILES]))
"""Every file of a unit folder that is read; another .csv, .yaml, .yml or .json is an error."""
_INPUT_SUFFIXES = (".csv", ".yaml", ".yml", ".json")


# --------------------------------------------------------------------------------------------
# YAML without the YAML 1.1 surprises: 07:30 stays a time of day, not the integer 450.


class _Loader(yaml.SafeLoader):
    """Safe YAML loader whose integers and floats are decimal only (no base-60, no octal)."""


_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_INT, _FLOAT)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_INT, re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789"))
_Loader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^[-+]?(?:[0-9][0-9_]*)?\.[0-9]+(?:[eE][-+]?[0-9]+)?$|^[-+]?[0-9]+[eE][-+]?[0-9]+$"
    ),
    list("-+0123456789."),
)


class _BadScalar(yaml.MarkedYAMLError):
    """A scalar that looks like a value of its kind but is none (``2027-02-31``)."""

    def __init__(self, node: yaml.ScalarNode, expected: str) -> None:
        super().__init__(problem=f"got {node.value!r}", problem_mark=node.start_mark)
        self.value = node.value
        self.line = node.start_mark.line + 1
        self.expected = expected


def _timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    """An unquoted date (or date and time), or :class:`_BadScalar` if it does not exist: the
    standard constructor raises a bare ValueError, with no line, for ``2027-03-32``."""
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        raise _BadScalar(node, "a date YYYY-MM-DD") from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError.single(str(path), "", NO_VALUE, "an existing file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.single(str(path), "", NO_VALUE, f"a readable UTF-8 file ({exc})") from None
    try:
        return yaml.load(text, Loader=_Loader)
    except _BadScalar as exc:
        raise InputError.single(f"{path} line {exc.line}", "", exc.value, exc.expected) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path} line {mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError.single(where, "", NO_VALUE, f"valid YAML ({problem})") from None


# --------------------------------------------------------------------------------------------
# CSV


@dataclass(frozen=True)
class _Row:
    line: int
    values: dict[str, Any]


def _read_table(folder: Path, table: _Table) -> list[_Row] | None:
    """The rows of ``table`` in ``folder``, None when the file is absent."""
    path = folder / table.file
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.single(str(path), "", NO_VALUE, f"a readable UTF-8 file ({exc})") from None
    header = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=header.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    columns = [c.strip() for c in reader.fieldnames or []]
    problems = [
        InputProblem(
            str(path), f"column {c!r}", c, f"one of the columns {', '.join(table.columns)}"
        )
        for c in columns
        if c not in table.columns
    ]
    problems += [
        InputProblem(str(path), f"column {c!r}", NO_VALUE, f"a column named {c!r} in the header")
        for c in table.required
        if c not in columns
    ]
    if problems:
        raise InputError(problems)
    rows: list[_Row] = []
    try:
        for raw in reader:
            line = reader.line_num
            if None in raw:
                raise InputError.single(
                    f"{path} line {line}", "", raw[None], f"at most {len(columns)} cells"
                )
            values: dict[str, Any] = {}
            for key, cell in raw.items():
                cell = (cell or "").strip()
                if not cell:
                    continue
                name = key.strip()
                if name in table.numeric and delimiter != ",":
                    cell = cell.replace(",", ".")
                if name in table.lists:
                    values[name] = [part.strip() for part in cell.split(LIST_SEPARATOR)]
                else:
                    values[name] = cell
            if values:
                rows.append(_Row(line, values))
    except csv.Error as exc:
        raise InputError.single(
            f"{path} line {reader.line_num}", "", NO_VALUE, f"valid CSV ({exc})"
        ) from None
    return rows


# --------------------------------------------------------------------------------------------
# Loading


@dataclass
class _Origins:
    """Where each part of the unit document came from, to point errors at file and line."""

    default: str
    places: dict[tuple[str | int, ...], str]
    document: Mapping[str, Any]

    def locate(self, path: tuple[str | int, ...]) -> tuple[str, str]:
        """``(source, field)`` for a path in the unit document."""
        for cut in range(len(path), 0, -1):
            source = self.places.get(path[:cut])
            if source is not None:
                return source, _field(path[cut:], None)
        return self.default, _field(path, self.document)


def _field(path: tuple[str | int, ...], document: Any) -> str:
    """``staff[3].absences[0].end``, with the id of list items where the document has one."""
    text = ""
    node = document
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
            item = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                text += f"{{id={item['id']}}}"
            node = item
        else:
            text += f".{part}" if text else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return text


def _expected(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    message = str(error["msg"])
    if kind == "missing":
        return "a value: the field is required"
    if kind == "extra_forbidden":
        return "no field of this name"
    if kind == "finite_number":  # inf, -inf or nan: say the bounds a finite value must keep
        bounds = number_bounds(Unit, tuple(error["loc"]))
        return f"a finite number {bounds}".rstrip()
    for prefix in ("Value error, ", "Input should be ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
            break
    if message.startswith(("greater", "less")):
        return f"a number {message}"
    return message[:1].lower() + message[1:]


def _validate(document: Mapping[str, Any], origins: _Origins) -> Unit:
    try:
        unit = Unit.model_validate(document)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            source, field = origins.locate(tuple(error["loc"]))
            value = NO_VALUE if error["type"] == "missing" else error.get("input", NO_VALUE)
            if isinstance(value, dict | list):
                value = NO_VALUE
            problems.append(InputProblem(source, field, value, _expected(error)))
        raise InputError(problems) from None
    found = find_problems(unit)
    if found:
        raise InputError(
            [InputProblem(*origins.locate(p.path), p.value, p.expected) for p in found]
        )
    return unit


def _check_file_names(folder: Path) -> None:
    """Refuse a file of the folder that looks like an input (.csv, .yaml, .yml, .json) but is
    none the loader reads: a misspelled ``absence.csv`` would otherwise be ignored, its data
    lost without a word. Other files (a README, notes) and hidden files are left alone."""
    problems = []
    for path in sorted(folder.iterdir()):
        name = path.name
        if name in FOLDER_FILES or name.startswith(".") or not path.is_file():
            continue
        if path.suffix.lower() not in _INPUT_SUFFIXES:
            continue
        close = difflib.get_close_matches(name.lower(), FOLDER_FILES, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        problems.append(
            InputProblem(
                str(path),
                "unknown file in the unit folder",
                NO_VALUE,
                f"one of {', '.join(FOLDER_FILES)}{hint}",
            )
        )
    if problems:
        raise InputError(problems)


def _load_folder(folder: Path) -> Unit:
    _check_file_names(folder)
    unit_path = folder / UNIT_FILE
    document = read_yaml(unit_path)
    if not isinstance(document, dict):
        raise InputError.single(
            str(unit_path), "", type(document).__name__, "a mapping of unit fields"
        )
    places: dict[tuple[str | int, ...], str] = {}

    for name, table in _TOP_TABLES.items():
        rows = _read_table(folder, table)
        path = folder / table.file
        if rows is None:
            if table.needed and name not in document:
                raise InputError.single(
                    str(path), "", NO_VALUE, f"an existing file (or {name}: in {UNIT_FILE})"
                )
            continue
        if name in document:
            raise InputError.single(
                str(unit_path), name, NO_VALUE, f"{name} in {table.file} or here, not both"
            )
        document[name] = [row.values for row in rows]
        places.update({(name, i): f"{path} line {row.line}" for i, row in enumerate(rows)})

    staff = document.get("staff")
    for name, table in _STAFF_TABLES.items():
        rows = _read_table(folder, table)
        if rows is None:
            continue
        path = folder / table.file
        if not isinstance(staff, list):
            raise InputError.single(str(path), "", NO_VALUE, "staff to attach the rows to")
        index = {m.get("id"): i for i, m in enumerate(staff) if isinstance(m, dict)}
        for row in rows:
            staff_id = row.values.pop("staff_id", None)
            if staff_id not in index:
                raise InputError.single(
                    f"{path} line {row.line}", "staff_id", staff_id, "the id of a staff member"
                )
            member = staff[index[staff_id]]
            entries = member.setdefault(name, [])
            places[("staff", index[staff_id], name, len(entries))] = f"{path} line {row.line}"
            entries.append(row.values)

    return _validate(document, _Origins(str(unit_path), places, document))


def load_unit(path: str | os.PathLike[str]) -> Unit:
    """Load a unit from a folder, a ``.json`` document or a ``.yaml`` document.

    Raises
    ------
    InputError
        Naming file, line, field, value and expectation of every problem found.
    """
    location = Path(path)
    if location.is_dir():
        return _load_folder(location)
    if not location.exists():
        raise InputError.single(str(location), "", NO_VALUE, "a unit folder or a .json file")
    beside = [name for name in _TABLE_FILES if (location.parent / name).exists()]
    if location.name == UNIT_FILE and beside:  # the folder's tables would be left out
        raise InputError.single(
            str(location),
            "",
            NO_VALUE,
            f"the unit folder {location.parent} (its {', '.join(beside)} belong to the unit)",
        )
    if location.suffix.lower() in (".yaml", ".yml"):
        document = read_yaml(location)
    else:
        try:
            document = json.loads(location.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError.single(
                f"{location} line {exc.lineno}", "", NO_VALUE, f"valid JSON ({exc.msg})"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError.single(
                str(location), "", NO_VALUE, f"a readable UTF-8 file ({exc})"
            ) from None
    if not isinstance(document, dict):
        raise InputError.single(str(location), "", type(document).__name__, "a JSON object")
    return _validate(document, _Origins(str(location), {}, document))


# --------------------------------------------------------------------------------------------
# Saving


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)


def _csv_text(table: _Table, rows: list[dict[str, Any]]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in table.columns])
    return out.getvalue()


def _folder_files(unit: Unit) -> Iterator[tuple[str, str]]:
    """``(file name, text)`` of every file of the folder form of ``unit``."""
    document = unit.model_dump(mode="json", exclude_defaults=True)
    staff_rows = []
    extra: dict[str, list[dict[str, Any]]] = {name: [] for name in _STAFF_TABLES}
    for member in document.pop("staff", []):
        for name in _STAFF_TABLES:
            extra[name] += [{"staff_id": member["id"], **e} for e in member.pop(name, [])]
        staff_rows.append(member)
    tables = {"staff": staff_rows} | {
        name: document.pop(name, []) for name in ("care_need", "waiting_list")
    }
    if any(set(row) - set(_STAFF.columns) for row in staff_rows):
        # a staff member has fields no staff.csv column holds (their own work rules): the staff
        # list stays whole in unit.yaml rather than lose them; absences and requests keep
        # their tables
        document["staff"] = tables.pop("staff")
    yield UNIT_FILE, yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    for name, rows in tables.items():
        if rows or _TOP_TABLES[name].needed:
            yield _TOP_TABLES[name].file, _csv_text(_TOP_TABLES[name], rows)
    for name, rows in extra.items():
        if rows:
            yield _STAFF_TABLES[name].file, _csv_text(_STAFF_TABLES[name], rows)


def write_files(
    folder: str | os.PathLike[str],
    files: Iterator[tuple[str, str]],
    replaces: tuple[str, ...] = (),
) -> None:
    """Write text files into ``folder`` all or nothing: each is written whole to a temporary
    file first, and only when every one is ready are they moved into place. Files named in
    ``replaces`` that are not written this time are removed, so none is left over from before."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".balans-", dir=target))
    try:
        names = []
        for name, text in files:
            (staging / name).write_text(text, encoding="utf-8", newline="")
            names.append(name)
        for name in names:
            os.replace(staging / name, target / name)
        for name in set(replaces) - set(names):
            (target / name).unlink(missing_ok=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def save_unit(unit: Unit, path: str | os.PathLike[str]) -> None:
    """Save ``unit`` as a folder (YAML + CSV), or as one JSON document if ``path`` ends in .json."""
    location = Path(path)
    if location.suffix.lower() == ".json":
        write_files(location.parent, iter([(location.name, unit.model_dump_json(indent=2))]))
    else:
        write_files(location, _folder_files(unit), replaces=(UNIT_FILE, *_TABLE_FILES))
