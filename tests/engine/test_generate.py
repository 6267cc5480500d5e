"""The generated units: the example clinic on disk, its minimums, its balance, and regions."""

from __future__ import annotations

from collections import Counter
from datetime import date, time, timedelta
from pathlib import Path

import numpy as np
import pytest

from engine.balance import balance
from engine.generate import SUMMER_WEEKS, orthopaedic_clinic, region, write_region
from engine.io import load_unit, save_unit
from models.references import find_problems
from models.unit import Unit

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ortopedi"
REGENERATE = (
    "examples/ortopedi is out of date with engine.generate.orthopaedic_clinic(); regenerate it "
    'from the repository root with\n  .venv/bin/python -c "from engine.generate import '
    "orthopaedic_clinic; from engine.io import save_unit; "
    "save_unit(orthopaedic_clinic(), 'examples/ortopedi')\""
)
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


@pytest.fixture(scope="module")
def clinic() -> Unit:
    return orthopaedic_clinic()


# The example on disk


def test_example_folder_is_the_generated_clinic(clinic: Unit) -> None:
    assert load_unit(EXAMPLE) == clinic, REGENERATE


def test_example_files_are_what_save_unit_writes(clinic: Unit, tmp_path: Path) -> None:
    save_unit(clinic, tmp_path)
    written = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.iterdir()}
    on_disk = {
        p.name: p.read_text(encoding="utf-8") for p in EXAMPLE.iterdir() if p.name != "README.md"
    }
    assert sorted(on_disk) == sorted(written), REGENERATE
    for name, text in written.items():
        assert on_disk[name] == text, f"{name} differs. {REGENERATE}"


def test_clinic_is_deterministic(clinic: Unit) -> None:
    assert orthopaedic_clinic() == clinic
    assert orthopaedic_clinic(seed=7) != clinic


# The minimums of the brief


def test_clinic_identity_and_calendar(clinic: Unit) -> None:
    assert (clinic.id, clinic.name) == ("ortopedi", "Ortopedkliniken")
    assert clinic.calendar.start_week == "2027-W01"
    assert clinic.calendar.weeks == 52
    assert clinic.calendar.public_holidays is None
    assert clinic.care_guarantee.days == 90
    assert find_problems(clinic) == []


def test_clinic_catalogue_sizes(clinic: Unit) -> None:
    assert len(clinic.competences) >= 8
    assert len(clinic.activity_types) >= 25
    assert len(clinic.product_groups) >= 12
    kinds = {a.kind for a in clinic.activity_types}
    assert kinds == {
        "new_visit",
        "return_visit",
        "video_visit",
        "operation",
        "procedure",
        "therapy",
        "bed_day",
    }
    assert {"hoftprotes", "knaprotes", "hoftfraktur", "gipsbehandling", "fysioterapi"} <= {
        g.id for g in clinic.product_groups
    }


def test_four_theatres_open_weekdays_0730_to_1600(clinic: Unit) -> None:
    theatres = [r for r in clinic.rooms if r.room_type == "operationssal"]
    assert len(theatres) == 4
    for room in theatres:
        assert [(o.weekdays, o.start, o.end) for o in room.opening] == [
            (WEEKDAYS, time(7, 30), time(16, 0))
        ]
    summer_closed = [
        r.id for r in theatres if any(c.start <= date(2027, 7, 19) <= c.end for c in r.closures)
    ]
    assert len(summer_closed) == 2


def test_eight_outpatient_rooms(clinic: Unit) -> None:
    rooms = [r for r in clinic.rooms if r.room_type == "mottagningsrum"]
    assert len(rooms) == 8
    assert all(o.weekdays == WEEKDAYS for r in rooms for o in r.opening)


def test_a_28_bed_ward_at_85_percent(clinic: Unit) -> None:
    (ward,) = clinic.wards
    assert (ward.beds, ward.target_occupancy) == (28, 0.85)
    summer = [c for c in ward.bed_changes if c.start <= date(2027, 7, 19) <= c.end]
    assert [c.beds for c in summer] == [20]


def test_staff_and_employment_rates(clinic: Unit) -> None:
    assert len(clinic.staff) >= 140
    assert {m.employment_rate for m in clinic.staff} <= {1.0, 0.9, 0.8, 0.75, 0.5}
    primary = Counter(m.competences[0] for m in clinic.staff)
    assert set(primary) == {c.id for c in clinic.competences}
    assert primary.most_common(2)[0][0] in ("underskoterska", "sjukskoterska")


def test_everyone_has_four_or_five_summer_weeks_mostly_inside_weeks_27_32(clinic: Unit) -> None:
    """One block of 4 or 5 whole weeks, at least 3 of them inside weeks 27-32 (blocks wholly
    inside would all contain weeks 29 and 30 and leave the clinic without staff then)."""
    first = date.fromisocalendar(2027, SUMMER_WEEKS[0], 1)
    last = date.fromisocalendar(2027, SUMMER_WEEKS[-1], 7)
    for member in clinic.staff:
        summer = [
            (a.start, a.end)
            for a in member.absences
            if a.kind == "vacation" and a.start <= last and a.end >= first
        ]
        assert len(summer) == 1, member.id
        start, end = summer[0]
        assert start.weekday() == 0, member.id
        assert (end - start + timedelta(days=1)).days in (28, 35), member.id
        inside = (min(end, last) - max(start, first)).days + 1
        assert inside >= 21, f"{member.id}: only {inside} days inside weeks 27-32"


def test_summer_vacations_are_staggered(clinic: Unit) -> None:
    """In every summer week at least a third of each profession of four or more is at work."""
    by_profession = Counter(m.competences[0] for m in clinic.staff)
    for week in SUMMER_WEEKS:
        wednesday = date.fromisocalendar(2027, week, 3)
        away = Counter(
            m.competences[0]
            for m in clinic.staff
            if any(a.kind == "vacation" and a.start <= wednesday <= a.end for a in m.absences)
        )
        for profession, heads in by_profession.items():
            if heads >= 4:
                assert away[profession] <= heads * 2 / 3, (week, profession)


def test_other_absences(clinic: Unit) -> None:
    kinds = Counter(a.kind for m in clinic.staff for a in m.absences)
    assert kinds["parental_leave"] >= 2
    assert kinds["training"] >= 10
    christmas = [
        m.id
        for m in clinic.staff
        if any(a.kind == "vacation" and a.start >= date(2027, 12, 20) for a in m.absences)
    ]
    assert 10 <= len(christmas) < len(clinic.staff) / 2


def test_care_need_every_group_every_week_with_seasons(clinic: Unit) -> None:
    weeks = {f"2027-W{w:02d}" for w in range(1, 53)}
    need: dict[tuple[str, str], float] = {
        (n.product_group, n.week): n.patients for n in clinic.care_need
    }
    assert len(need) == len(clinic.care_need) == 52 * len(clinic.product_groups)
    assert {w for _, w in need} == weeks
    assert all(p == round(p, 1) for p in need.values())

    def mean(group: str, numbers: range) -> float:
        return float(np.mean([need[group, f"2027-W{w:02d}"] for w in numbers]))

    ordinary = range(36, 48)
    assert mean("hoftprotes", range(28, 32)) < 0.6 * mean("hoftprotes", ordinary)
    assert mean("hoftprotes", range(52, 53)) < 0.6 * mean("hoftprotes", ordinary)
    assert mean("gipsbehandling", range(4, 9)) > 1.2 * mean("gipsbehandling", range(28, 33))


def test_waiting_list_before_the_horizon_some_beyond_the_guarantee(clinic: Unit) -> None:
    start = date(2027, 1, 4)
    assert clinic.waiting_list
    assert all(e.waiting_since < start for e in clinic.waiting_list)
    overdue = [e for e in clinic.waiting_list if (start - e.waiting_since).days > 90]
    assert sum(e.patients for e in overdue) > 0
    assert len({e.product_group for e in clinic.waiting_list}) >= 8


# Its balance


def test_clinic_balance_has_one_clear_bottleneck(clinic: Unit) -> None:
    report = balance(clinic)
    ranking = report.ranking.set_index("resource")
    utilisation = ranking["utilisation"]
    assert report.bottleneck == "competence:anestesisjukskoterska"
    assert 1.0 < utilisation.iloc[0] < 1.25
    assert utilisation.iloc[0] - utilisation.iloc[1] > 0.1
    assert utilisation.between(0.6, 1.25).all()
    assert (utilisation.between(0.75, 1.0)).sum() >= len(utilisation) / 2
    summer = [report.weeks.index(f"2027-W{w:02d}") for w in SUMMER_WEEKS]
    ward_staff = [report.resources.keys.index(f"competence:{c}") for c in ("underskoterska",)]
    assert (report.utilisation[np.ix_(summer, ward_staff)] > 1.0).any()


# Regions


def test_region_is_deterministic_and_varied() -> None:
    units = region(5, seed=1)
    assert units == region(5, seed=1)
    assert units != region(5, seed=2)
    assert [u.id for u in units] == [f"unit-00{i}" for i in range(1, 6)]
    sizes = [len(u.staff) for u in units]
    assert max(sizes) > 1.5 * min(sizes)
    assert len({u.wards[0].beds for u in units}) > 1
    assert all(find_problems(u) == [] for u in units)
    # a bigger region starts with the units of a smaller one
    assert region(2, seed=1) == units[:2]


def test_region_units_balance() -> None:
    for unit in region(3, seed=4):
        report = balance(unit)
        assert report.need.shape == report.available.shape == (52, 16)
        assert np.isfinite(report.need).all()


def test_write_region_round_trips(tmp_path: Path) -> None:
    units = region(2, seed=3)
    write_region(units, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["unit-001", "unit-002"]
    assert [load_unit(tmp_path / u.id) for u in units] == units
