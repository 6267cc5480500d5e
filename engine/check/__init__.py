"""Independent checkers of schedules: they recompute every rule from the problem and the
answer alone and share no code with the solvers."""
