"""Need, capacity and balance against figures computed by hand."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import tiny_document, tiny_unit

from engine.balance import balance
from engine.calendar import Horizon
from engine.capacity import capacity_in_activities
from engine.errors import InputError
from engine.need import Resources, capacity_need, production_need
from models.unit import Unit

KEYS = ("competence:nurse", "competence:surgeon", "room_type:theatre", "ward:ward")


def column(report, key):  # type: ignore[no-untyped-def]
    return report.resources.keys.index(key)


def test_resources_in_fixed_order(tiny: Unit) -> None:
    resources = Resources.of(tiny)
    assert resources.keys == KEYS
    assert resources.measures == ("hours", "hours", "hours", "bed-days")
    assert resources.step.tolist() == [8.0, 10.0, 8.0, 7.0]
    assert resources.fte[:2].tolist() == [40.0, 32.0]
    assert np.isnan(resources.fte[2:]).all()


def test_production_need_is_forecast_times_mix(tiny: Unit) -> None:
    horizon = Horizon.of(tiny.calendar)
    # 10 and 20 hip patients; each is 1 operation and 2 bed-days
    assert production_need(tiny, horizon).tolist() == [[10.0, 20.0], [20.0, 40.0]]


def test_capacity_need_by_hand(tiny: Unit) -> None:
    horizon = Horizon.of(tiny.calendar)
    need = capacity_need(tiny, horizon, Resources.of(tiny))
    # nurse: 10 ops x 2 h x 2 nurses + 20 bed-days x 1 h; surgeon: 10 x 2 h; theatre: 10 x 2 h;
    # ward: 20 bed-days / 0.8 occupancy
    np.testing.assert_allclose(need[0], [60.0, 20.0, 20.0, 25.0])
    np.testing.assert_allclose(need[1], [120.0, 40.0, 40.0, 50.0])


def test_seed_worked_example_bed_days_over_occupancy() -> None:
    """2 bed-days x 1000 patients = 2000 bed-days; at 85 % occupancy 2353 staffed bed-days."""
    unit = tiny_unit(
        wards=[{"id": "ward", "beds": 400, "target_occupancy": 0.85}],
        product_groups=[{"id": "hip", "mix": {"bed": 2}}],
        care_need=[{"product_group": "hip", "week": "2027-W10", "patients": 1000}],
    )
    horizon = Horizon.of(unit.calendar)
    resources = Resources.of(unit)
    assert production_need(unit, horizon)[0, 1] == 2000
    staffed = capacity_need(unit, horizon, resources)[0, resources.keys.index("ward:ward")]
    assert staffed == pytest.approx(2000 / 0.85)
    assert round(staffed) == 2353


def test_available_capacity_by_hand(tiny: Unit) -> None:
    report = balance(tiny)
    # nurse: anna 40 h + bert 20 h (cilla counts as surgeon, her primary competence);
    # surgeon: 40 h less 20 % non-clinical; theatre: 5 days x 8 h x 0.75; ward: 10 beds x 7
    np.testing.assert_allclose(report.available, [[60, 32, 30, 70], [60, 32, 30, 70]])


def test_gap_in_shifts_and_fte(tiny: Unit) -> None:
    report = balance(tiny)
    week = 1
    np.testing.assert_allclose(report.gap[week], [60.0, 8.0, 10.0, -20.0])
    # nurse shifts of 8 h, surgeon shifts of 10 h, theatre room-days of 8 h, ward beds (7 days)
    np.testing.assert_allclose(report.gap_steps[week], [7.5, 0.8, 1.25, -20 / 7])
    # a full-time nurse gives 40 clinical hours, a surgeon 32
    np.testing.assert_allclose(report.gap_fte[week][:2], [1.5, 0.25])
    np.testing.assert_allclose(report.utilisation[week], [2.0, 1.25, 40 / 30, 50 / 70])


def test_bottleneck_ranking(tiny: Unit) -> None:
    report = balance(tiny)
    ranking = report.ranking
    # over both weeks: nurse 180/120, theatre 60/60, surgeon 60/64, ward 75/140
    assert ranking["resource"].tolist() == [
        "competence:nurse",
        "room_type:theatre",
        "competence:surgeon",
        "ward:ward",
    ]
    assert ranking["utilisation"].tolist() == pytest.approx([1.5, 1.0, 60 / 64, 75 / 140])
    assert ranking["weeks_short"].tolist() == [1, 1, 1, 0]
    assert report.bottleneck == "competence:nurse"
    assert report.bottleneck_by_week() == ["competence:nurse", "competence:nurse"]
    # the shortfall over the weeks: shifts and room-days add up, a ward's beds are bed-weeks
    assert ranking["step"].tolist() == ["shifts", "room-days", "shifts", "bed-weeks"]


def test_backlog_need_is_the_waiting_list_through_the_same_chain(tiny: Unit) -> None:
    report = balance(tiny)
    # 5 waiting hip patients: nurse 5 x (4 h + 2 x 1 h), surgeon 5 x 2 h, theatre 5 x 2 h,
    # ward 10 bed-days / 0.8
    np.testing.assert_allclose(report.backlog_need, [30.0, 10.0, 10.0, 12.5])


def test_public_holiday_removes_a_working_day_and_closes_rooms() -> None:
    # 2027-W12 holds Good Friday (26 March); Easter Monday falls in W13
    unit = tiny_unit(calendar={"start_week": "2027-W12", "weeks": 2}, care_need=[])
    report = balance(unit)
    np.testing.assert_allclose(report.available[:, 0], [48.0, 48.0])  # 4/5 of 60 h
    np.testing.assert_allclose(report.available[:, 2], [24.0, 24.0])  # 4 days x 8 h x 0.75
    np.testing.assert_allclose(report.available[:, 3], [70.0, 70.0])  # beds ignore holidays


def test_explicit_public_holidays_replace_the_swedish_ones() -> None:
    unit = tiny_unit(
        calendar={"start_week": "2027-W10", "weeks": 2, "public_holidays": ["2027-03-17"]}
    )
    np.testing.assert_allclose(balance(unit).available[:, 0], [60.0, 48.0])


def test_absence_reduces_the_week_it_falls_in() -> None:
    document = tiny_document()
    document["staff"][0]["absences"] = [
        {"start": "2027-03-08", "end": "2027-03-10", "kind": "vacation"},  # Mon-Wed of W10
        {"start": "2027-03-15", "end": "2027-03-21", "kind": "parental_leave", "fraction": 0.5},
    ]
    report = balance(Unit.model_validate(document))
    # anna: 2 of 5 days in W10 (16 h), half of W11 (20 h); bert gives 20 h each week
    np.testing.assert_allclose(report.available[:, 0], [36.0, 40.0])


def test_absence_overlapping_the_horizon_start_is_clipped() -> None:
    document = tiny_document()
    document["staff"][0]["absences"] = [{"start": "2027-02-01", "end": "2027-03-09"}]
    report = balance(Unit.model_validate(document))
    np.testing.assert_allclose(report.available[:, 0], [20.0 + 24.0, 60.0])


def test_contract_minutes_and_own_non_clinical_share_override_defaults() -> None:
    document = tiny_document()
    document["staff"][0] |= {"contract_minutes_per_week": 1800, "non_clinical_share": 0.5}
    report = balance(Unit.model_validate(document))
    np.testing.assert_allclose(report.available[:, 0], [15.0 + 20.0] * 2)


def test_reduced_week_scales_staff_and_rooms_not_beds() -> None:
    unit = tiny_unit(
        calendar={
            "start_week": "2027-W10",
            "weeks": 2,
            "reduced_weeks": [{"week": "2027-W11", "factor": 0.5}],
        }
    )
    report = balance(unit)
    np.testing.assert_allclose(report.available[1], [30, 16, 15, 70])


def test_room_closure_and_weekend_opening() -> None:
    document = tiny_document()
    document["rooms"][0]["closures"] = [{"start": "2027-03-08", "end": "2027-03-09"}]
    document["rooms"][0]["opening"].append({"weekdays": ["sat"], "start": "09:00", "end": "13:00"})
    report = balance(Unit.model_validate(document))
    # W10: 3 weekdays x 8 h + Saturday 4 h; W11: 5 x 8 + 4; times 0.75
    np.testing.assert_allclose(report.available[:, 2], [28 * 0.75, 44 * 0.75])


def test_bed_change_for_summer_closure() -> None:
    document = tiny_document()
    document["wards"][0]["bed_changes"] = [{"start": "2027-03-18", "end": "2027-03-31", "beds": 4}]
    report = balance(Unit.model_validate(document))
    # W11: Mon-Wed 10 beds, Thu-Sun 4 beds
    np.testing.assert_allclose(report.available[:, 3], [70.0, 3 * 10 + 4 * 4])


def test_no_capacity_gives_infinite_utilisation_not_a_crash() -> None:
    unit = tiny_unit(rooms=[])
    report = balance(unit)
    assert np.isinf(report.utilisation[:, 2]).all()
    assert report.bottleneck == "room_type:theatre"
    document = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert document["ranking"][0]["utilisation"] is None


def test_json_document_has_every_row(tiny: Unit) -> None:
    document = balance(tiny).to_dict()
    assert len(document["rows"]) == 2 * 4
    first = document["rows"][0]
    assert first["week"] == "2027-W10"
    assert first["resource"] == "competence:nurse"
    assert first["need"] == pytest.approx(60.0)
    assert document["bottleneck"] == "competence:nurse"


def test_balance_refuses_a_unit_with_broken_references() -> None:
    unit = tiny_unit(product_groups=[{"id": "hip", "mix": {"knee_op": 1}}])
    with pytest.raises(InputError, match="knee_op"):
        balance(unit)


@pytest.mark.parametrize(
    ("sets", "time", "utilisation", "mean", "expected"),
    [
        (4, 8.5 * 60, 0.85, 120, 4 * 510 * 0.85 / 120),  # 4 theatres, a day of 07:30-16:00
        (1, 480, 1.0, 30, 16.0),
        (0, 480, 0.9, 20, 0.0),
    ],
)
def test_capacity_formula(
    sets: float, time: float, utilisation: float, mean: float, expected: float
) -> None:
    assert capacity_in_activities(sets, time, utilisation, mean) == pytest.approx(expected)


@pytest.mark.parametrize(
    "args", [(1, 480, 0.0, 30), (1, 480, 1.2, 30), (1, 480, 0.8, 0), (-1, 480, 0.8, 30)]
)
def test_capacity_formula_rejects_nonsense(args: tuple[float, float, float, float]) -> None:
    with pytest.raises(ValueError, match="must"):
        capacity_in_activities(*args)


def test_round_the_clock_staff_keep_their_hours_on_public_holidays() -> None:
    document = tiny_document(calendar={"start_week": "2027-W12", "weeks": 1}, care_need=[])
    document["competences"][0]["round_the_clock"] = True
    report = balance(Unit.model_validate(document))
    # Good Friday: nurses (a ward competence) keep 60 h, surgeons lose a fifth of 32 h
    np.testing.assert_allclose(report.available[0, :2], [60.0, 32.0 * 4 / 5])


def test_vacation_from_monday_to_friday_takes_the_whole_week() -> None:
    document = tiny_document()
    document["competences"][0]["round_the_clock"] = True
    document["staff"][0]["absences"] = [{"start": "2027-03-15", "end": "2027-03-19"}]
    report = balance(Unit.model_validate(document))
    np.testing.assert_allclose(report.available[:, 0], [60.0, 20.0])
