"""A first roster built one person at a time, each against the cover the others leave open.

Every rule of the roster model except the cover and the fairness spread concerns one person,
so a person can be rostered alone: the exact sub-problem of the neighbourhood search
(:func:`solvers.roster.lns.subproblem`) with that one person free and everybody after them
still off. CP-SAT solves it in a few hundredths of a second (a model of one person's days),
against the cover target and minimum that the people before leave open. A hard cover minimum
is made a heavy penalty for these solves, since one person alone can rarely meet what is left
of it, and the fairness spreads are left out (the people still off would count in them); the
joined roster is kept only when it meets every hard rule of the whole problem.

On the 600-staff hospital's 211-person part this gave a roster of 9,530 in about 7 s, where
CP-SAT's own first roster came after 26 s with presolve and not in 60 s without it.

Alone, a person takes whatever open cover fits their rules, and with at most six days in a row
that is often Monday to Saturday: a weekend is spent on its Saturday. When the staff's weekends
are scarce, that leaves Sundays no one may work. On the hospital's 160-person part (the weekend
days want 854 shifts of the 960 that three weekends each allow) every shift short after the
search was on a Sunday. So when weekends are scarce, a weekend worked on one day costs a third
of a shift short in each person's solve (the soft rule ``split_weekend``): from such a roster
20 s of the search reached 3,140, 3,410 and 4,700 (seeds 0, 1, 2) against 5,295, 4,930 and
5,350. Where weekends are not scarce it cost (the 211-person part, 710 of 1,266: 4,295, 4,200
and 3,885 against 3,965, 3,970 and 4,010), so there it is left out. On the year-long Curtois & Qu
instances the weight made some people's solves run out their time (Instance20's construction
took 197 s instead of 59 s), so after the first solve that does, the rest go without it.

The spread of nights in a fairness group is left out of the persons' solves, and alone the
first people of a group took up to the most nights they may work (18): the last ones found the
nights covered and took none. On the hospital's 160-person part the groups' nights ran from 0
to 15 or 18 after the search, a night spread costing 670 of 3,620. So each member of a fairness
group may work at most :data:`NIGHT_SLACK` times the group's fair share of the night cover in
the construction (:func:`_night_caps`); a person with no roster under that cap is solved
without it. From rosters so built, 20 s of the search reached 2,180, 2,190 and 2,175 (seeds 0,
1, 2) against 3,620, 4,710 and 5,290, the night spreads costing 100-130, and on the
211-person part 3,005, 3,150 and 2,915 against 4,150, 4,100 and 4,065.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from models.roster import RosterSolution
from models.solve import SolveStatus
from solvers.roster.lns import subproblem

if TYPE_CHECKING:
    from models.roster import IntArray, RosterProblem, RosterResult
    from solvers.common import SolveOptions

PERSON_SECONDS = 2.0
"""Seconds, at most, for one person's solve."""

RETRY_SECONDS = 10.0
"""Seconds, at most, for a person's second solve, with CP-SAT's presolve and two workers, when
the first found no roster. On the year-long Curtois & Qu instances a person's worked minutes
must fall in a window of 960 minutes: the first solve found no roster in 2 s, the second in
0.9 s (Instance23, its first person)."""

RETRIES_IN_A_ROW = 2
"""After this many people in a row needed the second solve, the people after them get it at
once. On Instance24 (150 people, 364 days, 32 shift types) every person's first solve ran out
its 2 s and the second took 1.3-2.2 s: the first 17 people took 60 s, and the whole
construction did not fit in the benchmark's 600 s."""

PERSON_GAP = 0.01
"""Relative gap at which one person's solve stops: the search afterwards improves it."""

MINIMUM_WEIGHT = 10
"""A hard cover minimum costs this many times the heaviest under-cover weight per person short
in a person's solve (at least 1,000)."""

SCARCE_WEEKENDS = 0.75
"""Weekends are scarce when the cover target of the weekend days reaches this share of the
weekend days the staff may work (two for each weekend of ``max_weekends``)."""

NIGHT_SLACK = 1.1
"""A fairness group's members may each work this many times the group's fair share of the
night cover in the construction, rounded up (:func:`_night_caps`). 1.0 and 1.25 did as well
as 1.1 on the hospital's parts, within the noise of three seeds."""

SPLIT_WEEKEND_SHARE = 0.3
"""When weekends are scarce, a weekend worked on one day only costs this share of the heaviest
under-cover weight in a person's solve (``split_weekend``, unless the problem weighs it
itself)."""


def construct(
    problem: RosterProblem,
    time_limit: float,
    options: SolveOptions,
) -> RosterSolution | None:
    """Roster the staff of ``problem`` one at a time, in their order.

    Parameters
    ----------
    problem
        The roster problem.
    time_limit
        Seconds for all of it.
    options
        Seed and native parameters for each solve; time, gap and workers are set here.

    Returns
    -------
    RosterSolution | None
        The roster, or None when a person has none in time, or when time runs out.
        It may still break a hard cover minimum: the caller checks it.
    """
    from solvers.roster.solve import solve  # the roster solver builds first rosters with this

    deadline = time.perf_counter() + time_limit
    heaviest = int(problem.cover_under_weight.max(initial=0))
    # the fairness spreads are left out: the people not yet rostered would count as fixed at 0
    soft = replace(problem, weekend_fairness=0, night_fairness=0)
    if problem.cover_min_weight == 0 and problem.cover_min.any():
        soft = replace(soft, cover_min_weight=max(1_000, MINIMUM_WEIGHT * heaviest))
    guide = weekend_guide(problem)
    whole = soft if guide == 0 else replace(soft, split_weekend=guide)
    caps = _night_caps(problem)
    shift = np.full((problem.n_staff, problem.n_days), -1, dtype=np.int64)
    current = RosterSolution(shift=shift, competence=shift.copy())
    everything = range(problem.n_days)
    quick = replace(
        options,
        gap_limit=PERSON_GAP,
        num_workers=1,
        native={**options.native, "cp_model_presolve": False},
    )
    second = replace(quick, num_workers=2, native=options.native)

    def solved(person: RosterProblem, own: SolveOptions, most: float) -> RosterResult:
        """``person`` solved with ``own`` for the time left, at most ``most`` seconds."""
        limit = min(deadline - time.perf_counter(), most)
        return solve(person, replace(own, time_limit=limit), decompose=False, lns=0.0, mip=False)

    retries = 0  # people in a row who needed the second solve
    for s in range(problem.n_staff):
        if deadline - time.perf_counter() <= 0:
            return None
        sub = subproblem(whole, current, np.array([s]), everything)
        person = sub
        if caps is not None and caps[s] < sub.max_nights[0]:
            person = replace(sub, max_nights=caps[s : s + 1])
        if retries < RETRIES_IN_A_ROW:
            result = solved(person, quick, PERSON_SECONDS)
            if result.stats.status is not SolveStatus.NO_SOLUTION:
                retries = 0
            elif deadline - time.perf_counter() > 0:
                retries += 1
                result = solved(person, second, RETRY_SECONDS)
        else:
            result = solved(person, second, RETRY_SECONDS)
        if result.solution is None and person is not sub and deadline - time.perf_counter() > 0:
            result = solved(sub, second, RETRY_SECONDS)  # no roster under the night cap
        if result.solution is None:
            return None
        if result.stats.status is not SolveStatus.OPTIMAL and whole is not soft:
            whole = soft  # the weekends' weight made this solve run out its time: no more of it
        current.shift[s] = result.solution.shift[0]
        current.competence[s] = result.solution.competence[0]
    return current


def weekend_guide(problem: RosterProblem) -> int:
    """The weight of a split weekend that guides the construction (and the neighbourhood
    search after it) when weekends are scarce (:data:`SCARCE_WEEKENDS`):
    :data:`SPLIT_WEEKEND_SHARE` of the heaviest under-cover weight; 0 when they are not, or
    when the problem weighs split weekends itself."""
    weekends = problem.weekend_days()
    if problem.split_weekend > 0 or not weekends:
        return 0
    wanted = sum(int(problem.cover_target[list(days)].sum()) for days in weekends)
    may = 2 * int(np.minimum(problem.max_weekends, len(weekends)).sum())
    if wanted < SCARCE_WEEKENDS * may:
        return 0
    heaviest = int(problem.cover_under_weight.max(initial=0))
    return max(1, round(SPLIT_WEEKEND_SHARE * heaviest))


def _night_caps(problem: RosterProblem) -> IntArray | None:
    """The most nights each person may work in the construction: for a member of a fairness
    group of two or more, :data:`NIGHT_SLACK` times the group's fair share of the night cover,
    rounded up (and no more than ``max_nights``); for everybody else ``max_nights``. None when
    nights are not weighed for fairness or no night is wanted.

    A person's share of the night cover of each competence they may cover is in proportion to
    their most minutes (``max_minutes``) among the people who may work a night in it; a
    group's fair share is its members' mean, so that equal contracts get equal caps.
    """
    night = problem.shift_night
    if problem.night_fairness <= 0 or not night.any():
        return None
    wanted = problem.cover_target[:, night, :].sum(axis=(0, 1)).astype(float)  # (C,)
    if not wanted.any():
        return None
    nightly = problem.available[:, :, night].any(axis=(1, 2)) & (problem.max_nights > 0)
    weight = np.where(nightly, problem.max_minutes, 0).astype(float)
    covers = problem.can_cover & nightly[:, None]  # (S, C)
    capacity = weight @ covers  # (C,) minutes of the people who may work a night in each
    share = weight * (covers @ (wanted / np.maximum(capacity, 1.0)))
    caps = problem.max_nights.copy()
    for members in problem.fairness_groups().values():
        able = [s for s in members if nightly[s]]
        if len(members) < 2 or not able:
            continue
        fair = math.ceil(NIGHT_SLACK * float(share[able].mean()))
        caps[members] = np.minimum(caps[members], fair)
    return caps
