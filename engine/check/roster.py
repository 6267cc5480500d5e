"""The independent checker of a roster: every hard rule verified and every penalty recomputed.

It reads only the problem's arrays and the roster (plain numpy and Python) and shares no code
with :mod:`solvers.roster`: weekends, rests and runs are worked out here again from the rule
definitions in :mod:`models.roster`, so a fault in the model cannot hide itself.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from models.roster import FairnessSpread, RosterCheck, Violation

if TYPE_CHECKING:
    from models.roster import IntArray, RosterProblem, RosterSolution

_DAY = 1440


def _runs(worked: list[bool]) -> list[tuple[int, int, bool]]:
    """Maximal runs as ``(first day, length, worked)``."""
    runs: list[tuple[int, int, bool]] = []
    start = 0
    for d in range(1, len(worked) + 1):
        if d == len(worked) or worked[d] != worked[start]:
            runs.append((start, d - start, worked[start]))
            start = d
    return runs


def _weekends(n_days: int, first_weekday: int) -> list[list[int]]:
    """Saturday and Sunday of each weekend, as day indices inside the horizon."""
    groups: dict[int, list[int]] = defaultdict(list)
    for d in range(n_days):
        weekday = (first_weekday + d) % 7
        if weekday >= 5:
            # Days of the same weekend share the index of the Monday that follows them.
            groups[(first_weekday + d) // 7].append(d)
    return [groups[k] for k in sorted(groups)]


class _Checker:
    def __init__(self, problem: RosterProblem, roster: RosterSolution) -> None:
        self.p = problem
        self.shift = np.asarray(roster.shift)
        self.comp = np.asarray(roster.competence)
        self.violations: list[Violation] = []
        self.by_rule: dict[str, int] = defaultdict(int)
        self.by_staff = np.zeros(problem.n_staff, dtype=np.int64)
        self.spreads: list[FairnessSpread] = []

    def bad(self, rule: str, s: int, d: int, detail: str) -> None:
        self.violations.append(Violation(rule, s, d, detail))

    def name(self, s: int) -> str:
        return self.p.staff_ids[s]

    def shift_name(self, t: int) -> str:
        return self.p.shift_ids[t]

    # Hard rules

    def encoding(self) -> bool:
        p = self.p
        if self.shift.shape != (p.n_staff, p.n_days) or self.comp.shape != self.shift.shape:
            self.bad(
                "one_shift_per_day",
                -1,
                -1,
                f"roster has shape {self.shift.shape}, expected {(p.n_staff, p.n_days)}",
            )
            return False
        for s, d in zip(*np.nonzero((self.shift < -1) | (self.shift >= p.n_shifts)), strict=True):
            self.bad("one_shift_per_day", int(s), int(d), f"shift index {self.shift[s, d]}")
        return not self.violations

    def availability_and_competence(self) -> None:
        p = self.p
        for s in range(p.n_staff):
            for d in range(p.n_days):
                t = int(self.shift[s, d])
                c = int(self.comp[s, d])
                if t < 0:
                    if c >= 0:
                        self.bad("competence", s, d, "a competence on a day off")
                    continue
                if not p.available[s, d, t]:
                    self.bad(
                        "availability",
                        s,
                        d,
                        f"{self.name(s)} is not available for {self.shift_name(t)}",
                    )
                if p.can_cover[s].any():
                    if not 0 <= c < p.n_competences or not p.can_cover[s, c]:
                        self.bad(
                            "competence",
                            s,
                            d,
                            f"{self.name(s)} cannot cover competence index {c}",
                        )
                elif c != -1:
                    self.bad("competence", s, d, f"{self.name(s)} has no competence to cover")

    def counts(self) -> IntArray:
        p = self.p
        n = np.zeros((p.n_days, p.n_shifts, p.n_competences), dtype=np.int64)
        for s in range(p.n_staff):
            for d in range(p.n_days):
                t, c = int(self.shift[s, d]), int(self.comp[s, d])
                if t >= 0 and 0 <= c < p.n_competences:
                    n[d, t, c] += 1
        return n

    def cover(self, n: IntArray) -> None:
        p = self.p
        short = np.maximum(p.cover_min - n, 0)
        if p.cover_min_weight > 0:
            self.by_rule["cover_minimum"] += int(p.cover_min_weight * short.sum())
        else:
            for d, t, c in zip(*np.nonzero(short), strict=True):
                self.bad(
                    "cover_minimum",
                    -1,
                    int(d),
                    f"{self.shift_name(int(t))} {p.competence_ids[c]}: {n[d, t, c]} staff, "
                    f"minimum {p.cover_min[d, t, c]}",
                )
        under = np.maximum(p.cover_target - n, 0)
        over = np.maximum(n - p.cover_target, 0)
        self.by_rule["under_cover"] += int((p.cover_under_weight * under).sum())
        self.by_rule["over_cover"] += int((p.cover_over_weight * over).sum())

    def per_staff(self, s: int) -> None:
        p = self.p
        shifts = [int(t) for t in self.shift[s]]
        worked = [t >= 0 for t in shifts]
        name = self.name(s)
        for t in range(p.n_shifts):
            count = shifts.count(t)
            if count > p.max_shifts[s, t]:
                self.bad(
                    "max_shifts",
                    s,
                    -1,
                    f"{name}: {count} {self.shift_name(t)} shifts, at most {p.max_shifts[s, t]}",
                )
        minutes = [int(p.shift_minutes[t]) if t >= 0 else 0 for t in shifts]
        total = sum(minutes)
        if not p.min_minutes[s] <= total <= p.max_minutes[s]:
            self.bad(
                "total_minutes",
                s,
                -1,
                f"{name}: {total} minutes, expected {p.min_minutes[s]}..{p.max_minutes[s]}",
            )
        for w in range(-(-p.n_days // 7)):
            week = sum(minutes[7 * w : 7 * w + 7])
            low, high = p.min_week_minutes[s, w], p.max_week_minutes[s, w]
            if not low <= week <= high:
                self.bad(
                    "week_minutes",
                    s,
                    7 * w,
                    f"{name}: {week} minutes in week {w + 1}, expected {low}..{high}",
                )
        last = p.n_days - 1
        for first, length, is_work in _runs(worked):
            inner = first > 0 and first + length - 1 < last
            if is_work and length > p.max_consecutive[s]:
                self.bad(
                    "max_consecutive",
                    s,
                    first,
                    f"{name}: {length} working days in a row, at most {p.max_consecutive[s]}",
                )
            if is_work and inner and length < p.min_consecutive[s]:
                self.bad(
                    "min_consecutive",
                    s,
                    first,
                    f"{name}: {length} working days in a row, at least {p.min_consecutive[s]}",
                )
            if not is_work and inner and length < p.min_consecutive_off[s]:
                self.bad(
                    "min_consecutive_off",
                    s,
                    first,
                    f"{name}: {length} days off in a row, at least {p.min_consecutive_off[s]}",
                )
        all_weekends = _weekends(p.n_days, p.first_weekday)
        weekends = sum(any(worked[d] for d in days) for days in all_weekends)
        if weekends > p.max_weekends[s]:
            self.bad(
                "max_weekends",
                s,
                -1,
                f"{name}: {weekends} weekends worked, at most {p.max_weekends[s]}",
            )
        nights = sum(1 for t in shifts if t >= 0 and p.shift_night[t])
        if nights > p.max_nights[s]:
            self.bad("max_nights", s, -1, f"{name}: {nights} nights, at most {p.max_nights[s]}")
        self.rests(s, shifts)

    def _bounds(self, d: int, t: int) -> tuple[int, int]:
        start = d * _DAY + int(self.p.shift_start[t])
        return start, start + int(self.p.shift_span[t])

    def rests(self, s: int, shifts: list[int]) -> None:
        p = self.p
        name = self.name(s)
        worked_days = [d for d, t in enumerate(shifts) if t >= 0]
        for d, e in pairwise(worked_days):
            a, b = shifts[d], shifts[e]
            if e == d + 1 and p.forbidden[a, b]:
                self.bad(
                    "forbidden_succession",
                    s,
                    e,
                    f"{name}: {self.shift_name(b)} after {self.shift_name(a)}",
                )
            rest = self._bounds(e, b)[0] - self._bounds(d, a)[1]
            if rest < p.min_rest[s]:
                self.bad(
                    "daily_rest",
                    s,
                    e,
                    f"{name}: {rest} minutes of rest before {self.shift_name(b)}, "
                    f"at least {p.min_rest[s]}",
                )
        needed = int(p.weekly_rest[s])
        if needed <= 0 or p.n_days < 7:
            return
        rest_day = []
        for d in range(p.n_days):
            if shifts[d] >= 0:
                rest_day.append(False)
                continue
            before = shifts[d - 1] if d > 0 else -1
            after = shifts[d + 1] if d + 1 < p.n_days else -1
            if before < 0 or after < 0:
                rest_day.append(True)
                continue
            rest = self._bounds(d + 1, after)[0] - self._bounds(d - 1, before)[1]
            rest_day.append(rest >= needed)
        for first in range(p.n_days - 6):
            if not any(rest_day[first : first + 7]):
                self.bad(
                    "weekly_rest",
                    s,
                    first,
                    f"{name}: no {needed} minutes of rest in days {first}..{first + 6}",
                )

    # Soft rules

    def requests(self) -> None:
        p = self.p
        for s, d, t, on, weight in zip(
            p.request_staff.tolist(),
            p.request_day.tolist(),
            p.request_shift.tolist(),
            p.request_on.tolist(),
            p.request_weight.tolist(),
            strict=True,
        ):
            worked = int(self.shift[s, d])
            hit = worked >= 0 if t < 0 else worked == t
            cost = weight * (not hit) if on else weight * hit
            if cost:
                self.by_rule["request_on" if on else "request_off"] += cost
                self.by_staff[s] += cost

    def substitution(self) -> None:
        p = self.p
        for s in range(p.n_staff):
            for d in range(p.n_days):
                c = int(self.comp[s, d])
                if self.shift[s, d] >= 0 and 0 <= c < p.n_competences:
                    cost = int(p.substitution_cost[s, c])
                    if cost:
                        self.by_rule["substitution"] += cost
                        self.by_staff[s] += cost

    def changes(self) -> None:
        """Departures from the published roster (a repair): another shift, another competence,
        off instead of a shift or a shift instead of off, at ``change_cost`` each."""
        p = self.p
        if p.published is None or p.change_cost is None:
            return
        before_shift = np.asarray(p.published.shift)
        before_comp = np.asarray(p.published.competence)
        for s in range(p.n_staff):
            for d in range(p.n_days):
                t, c = int(self.shift[s, d]), int(self.comp[s, d])
                t0, c0 = int(before_shift[s, d]), int(before_comp[s, d])
                same = t == t0 == -1 or (t == t0 and c == c0)
                cost = int(p.change_cost[s, d])
                if not same and cost:
                    self.by_rule["changes"] += cost
                    self.by_staff[s] += cost

    def split_weekends(self) -> None:
        """A weekend of two days in the horizon with one of them worked costs
        ``split_weekend``."""
        p = self.p
        if not p.split_weekend:
            return
        for days in _weekends(p.n_days, p.first_weekday):
            if len(days) != 2:
                continue
            for s in range(p.n_staff):
                if (self.shift[s, days[0]] >= 0) != (self.shift[s, days[1]] >= 0):
                    self.by_rule["split_weekend"] += p.split_weekend
                    self.by_staff[s] += p.split_weekend

    def fairness(self) -> None:
        p = self.p
        groups: dict[int, list[int]] = defaultdict(list)
        for s, g in enumerate(p.fairness_group.tolist()):
            if g >= 0:
                groups[g].append(s)
        weekends = _weekends(p.n_days, p.first_weekday)
        for g, members in groups.items():
            worked = [sum(any(self.shift[s, d] >= 0 for d in w) for w in weekends) for s in members]
            nights = [sum(1 for t in self.shift[s] if t >= 0 and p.shift_night[t]) for s in members]
            # a part of a larger roster: the most and fewest of the group's fixed members
            if p.fairness_fixed is not None and p.fairness_fixed[g][0] >= 0:
                most_w, fewest_w, most_n, fewest_n = (int(v) for v in p.fairness_fixed[g])
                worked += [most_w, fewest_w]
                nights += [most_n, fewest_n]
            elif len(members) < 2:
                continue
            if p.weekend_fairness and weekends:
                self._spread("weekends", g, members, worked, p.weekend_fairness)
            if p.night_fairness and p.shift_night.any():
                self._spread("nights", g, members, nights, p.night_fairness)

    def _spread(
        self, kind: str, g: int, members: list[int], counts: list[int], weight: int
    ) -> None:
        """Charge ``weight`` per unit of spread of ``counts`` (the members' own, then any fixed
        most and fewest) and record who works the most and the fewest."""
        most, fewest = max(counts), min(counts)
        penalty = weight * (most - fewest)
        self.by_rule[_FAIRNESS_RULE[kind]] += penalty
        if penalty:
            own = counts[: len(members)]
            self.spreads.append(
                FairnessSpread(
                    kind=kind,
                    group=g,
                    members=tuple(members),
                    most=most,
                    most_staff=tuple(s for s, n in zip(members, own, strict=True) if n == most),
                    fewest=fewest,
                    fewest_staff=tuple(s for s, n in zip(members, own, strict=True) if n == fewest),
                    penalty=penalty,
                )
            )


_FAIRNESS_RULE = {"weekends": "weekend_fairness", "nights": "night_fairness"}
"""The penalty rule of each kind of fairness spread."""


def check_roster(problem: RosterProblem, roster: RosterSolution) -> RosterCheck:
    """Verify every hard rule of ``roster`` and recompute every soft penalty.

    Parameters
    ----------
    problem
        The roster problem the roster answers.
    roster
        The shift (and competence) of each staff member on each day.

    Returns
    -------
    RosterCheck
        The violations (rule, staff, day, detail), the penalty per rule and per staff member.
    """
    checker = _Checker(problem, roster)
    if checker.encoding():
        checker.availability_and_competence()
        checker.cover(checker.counts())
        for s in range(problem.n_staff):
            checker.per_staff(s)
        checker.requests()
        checker.substitution()
        checker.changes()
        checker.split_weekends()
        checker.fairness()
    return RosterCheck(
        violations=tuple(checker.violations),
        penalty_by_rule=dict(checker.by_rule),
        penalty_by_staff=checker.by_staff,
        spreads=tuple(sorted(checker.spreads, key=lambda x: (-x.penalty, x.kind, x.group))),
    )
