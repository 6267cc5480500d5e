"""The staff roster as a CP-SAT model: staff x days x shift types, with a general rule
vocabulary (:mod:`models.roster`) that serves both the hospital and the public benchmarks.

- :mod:`solvers.roster.variables`: the shift, work and competence variables;
- :mod:`solvers.roster.constraints`: one function per hard rule, called in a fixed order;
- :mod:`solvers.roster.objective`: the weighted sum of named penalty terms;
- :mod:`solvers.roster.symmetry`: lexicographic order of identical staff;
- :mod:`solvers.roster.decompose`: independent parts, solved apart;
- :mod:`solvers.roster.lns`: large neighbourhood search with exact sub-problems;
- :mod:`solvers.roster.bound`: a lower bound from a linear relaxation of the cover;
- :mod:`solvers.roster.solve`: build, solve (options, hints, progress) and decode.
"""

from solvers.roster.solve import RosterModel, build, solve

__all__ = ["RosterModel", "build", "solve"]
