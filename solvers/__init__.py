"""MILP and CP-SAT formulations: pure functions from a problem to a result."""
