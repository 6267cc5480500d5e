"""Follow-up (uppföljning) of plan versus actual: the options, in the words of the domain.

The follow-up compares actual production (activities per day) with the daily plan and the
weekly (tactical) plan, and re-balances the rest of the horizon; :mod:`engine.followup` does
the work, this module holds only what a caller chooses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class FollowUpOptions:
    """What the follow-up flags and shows.

    Parameters
    ----------
    threshold
        A week (or day, or row) is flagged when its cumulative deviation, as a share of its
        cumulative planned volume, is beyond this either way (0.05: more than 5 % behind or
        ahead of the plan so far).
    bottlenecks
        How many resources, the most utilised over the horizon first (the balance's ranking),
        the summary shows in hours and shifts.
    """

    threshold: float = 0.05
    bottlenecks: int = 3

    def __post_init__(self) -> None:
        if not (math.isfinite(self.threshold) and self.threshold >= 0):
            raise ValueError(f"threshold: got {self.threshold!r}, expected a share >= 0")
        if self.bottlenecks < 1:
            raise ValueError(f"bottlenecks: got {self.bottlenecks!r}, expected 1 or more")
