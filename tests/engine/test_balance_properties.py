"""Invariants of the balance that hold for any unit (hypothesis)."""

from __future__ import annotations

import numpy as np
from conftest import tiny_document
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.balance import balance
from models.unit import Unit

patients = st.lists(st.floats(0, 500, allow_nan=False), min_size=2, max_size=2)
rates = st.sampled_from([0.25, 0.5, 0.75, 0.8, 1.0])
staff_rows = st.lists(
    st.tuples(st.sampled_from(["nurse", "surgeon"]), rates, st.integers(0, 13)),
    min_size=0,
    max_size=12,
)
SLOW = settings(max_examples=60, deadline=None)


def unit_with(forecast: list[float], staff: list[tuple[str, float, int]]) -> Unit:
    """The tiny unit with the given forecast for W10, W11 and staff (competence, rate, days of
    vacation from the first Monday)."""
    members = []
    for i, (competence, rate, away) in enumerate(staff):
        member = {"id": f"s{i}", "competences": [competence], "employment_rate": rate}
        if away:
            member["absences"] = [
                {"start": "2027-03-08", "end": f"2027-03-{7 + away:02d}", "kind": "vacation"}
            ]
        members.append(member)
    weeks = ("2027-W10", "2027-W11")
    need = [
        {"product_group": "hip", "week": w, "patients": p}
        for w, p in zip(weeks, forecast, strict=True)
    ]
    return Unit.model_validate(tiny_document(staff=members, care_need=need))


@SLOW
@given(forecast=patients, staff=staff_rows, factor=st.floats(0, 10, allow_nan=False))
def test_need_scales_linearly_with_demand(
    forecast: list[float], staff: list[tuple[str, float, int]], factor: float
) -> None:
    base = balance(unit_with(forecast, staff))
    scaled = balance(unit_with([p * factor for p in forecast], staff))
    np.testing.assert_allclose(scaled.need, base.need * factor, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(scaled.available, base.available)


@SLOW
@given(
    forecast=patients,
    staff=staff_rows,
    extra=st.tuples(st.sampled_from(["nurse", "surgeon"]), rates, st.integers(0, 13)),
)
def test_more_staff_never_lowers_available_capacity(
    forecast: list[float], staff: list[tuple[str, float, int]], extra: tuple[str, float, int]
) -> None:
    before = balance(unit_with(forecast, staff))
    after = balance(unit_with(forecast, [*staff, extra]))
    assert (after.available >= before.available - 1e-9).all()
    np.testing.assert_array_equal(after.need, before.need)
    # and so the shortfall never grows
    assert (after.gap <= before.gap + 1e-9).all()


@SLOW
@given(forecast=patients, staff=staff_rows)
def test_gap_steps_and_fte_are_the_gap_in_other_units(
    forecast: list[float], staff: list[tuple[str, float, int]]
) -> None:
    report = balance(unit_with(forecast, staff))
    np.testing.assert_allclose(report.gap_steps * report.resources.step, report.gap, atol=1e-9)
    competences = [k.startswith("competence:") for k in report.resources.keys]
    np.testing.assert_allclose(
        report.gap_fte[:, competences] * report.resources.fte[competences],
        report.gap[:, competences],
        atol=1e-9,
    )
    # the ranking is sorted, the bottleneck first
    ranked = report.ranking["utilisation"].to_numpy()
    assert (np.diff(ranked[np.isfinite(ranked)]) <= 1e-12).all()


@SLOW
@given(staff=staff_rows)
def test_available_capacity_never_exceeds_contracts(staff: list[tuple[str, float, int]]) -> None:
    report = balance(unit_with([0.0, 0.0], staff))
    contracted = {"nurse": 0.0, "surgeon": 0.0}
    for competence, rate, _ in staff:
        share = 0.2 if competence == "surgeon" else 0.0
        contracted[competence] += 40 * rate * (1 - share)
    assert (report.available[:, 0] <= contracted["nurse"] + 1e-9).all()
    assert (report.available[:, 1] <= contracted["surgeon"] + 1e-9).all()
    assert (report.need == 0).all()
