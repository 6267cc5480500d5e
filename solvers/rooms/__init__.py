"""The room schedule of one day as a CP-SAT model: each activity gets a room, a start and a
team drawn from the staff rostered that day (:mod:`models.rooms`).

- :mod:`solvers.rooms.variables`: presence, start, room choice and team literals, with their
  optional intervals;
- :mod:`solvers.rooms.constraints`: one function per hard rule, called in a fixed order;
- :mod:`solvers.rooms.objective`: the weighted sum of named penalty terms;
- :mod:`solvers.rooms.solve`: build, solve (options, hints, progress) and decode.
"""

from solvers.rooms.solve import RoomModel, build, solve

__all__ = ["RoomModel", "build", "solve"]
