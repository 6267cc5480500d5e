"""The Curtois & Qu shift scheduling benchmark (instances 1 to 24).

- :mod:`benchmarks.nrp.instance`: the instance file format, parsed and checked;
- :mod:`benchmarks.nrp.reader`: an instance as the engine's ``RosterProblem``;
- :mod:`benchmarks.nrp.evaluate`: the benchmark's hard rules and objective, independent of the
  solver and of the engine's checker;
- :mod:`benchmarks.nrp.search`: whole model, greedy start and large neighbourhood search, every
  step a call of the engine's CP-SAT roster solver;
- ``python -m benchmarks.nrp``: the runner (:mod:`benchmarks.nrp.__main__`).
"""
