"""Regression: HiGHS (highspy) and CP-SAT (OR-Tools) must load and solve in one process.

highspy 1.13 and later ship a libhighs.so.1 of their own that clashes with the library of the
same name inside OR-Tools, so whichever of the two was imported second failed to load.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import {first}, {second}
import highspy
from ortools.sat.python import cp_model

h = highspy.Highs()
h.setOptionValue("output_flag", False)
inf = highspy.kHighsInf
h.addVar(0, 4)
h.changeColCost(0, -1.0)
h.run()
assert abs(h.getInfo().objective_function_value + 4.0) < 1e-9

m = cp_model.CpModel()
x = m.new_int_var(0, 3, "x")
m.maximize(x)
solver = cp_model.CpSolver()
assert solver.solve(m) == cp_model.OPTIMAL and solver.value(x) == 3
print("both")
"""


@pytest.mark.parametrize(
    ("first", "second"), [("highspy", "ortools.sat.python.cp_model"), ("ortools", "highspy")]
)
def test_highs_and_cp_sat_in_one_process(first: str, second: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(first=first, second=second)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "both"
