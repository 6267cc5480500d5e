"""``balans balance``: care need against available capacity, week by week."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from engine.balance import BalanceReport, balance
from engine.io import load_unit, write_files

if TYPE_CHECKING:
    import argparse


def _percent(value: float) -> str:
    return "inf" if not np.isfinite(value) else f"{value:.0%}"


def balance_table(report: BalanceReport, top: int) -> str:
    """Weeks x the ``top`` tightest resources: utilisation and gap in shifts (room-days for a
    room type, beds for a ward); positive gaps are missing capacity, negative are spare.
    Columns are headed by resource ids, which stay short. A week's bottleneck without a column
    of its own carries its utilisation (``gipstekniker 141%``)."""
    ranking = report.ranking.head(top)
    index = {key: r for r, key in enumerate(report.resources.keys)}
    columns = {}
    for resource in ranking["resource"]:
        r = index[resource]
        cells = zip(report.utilisation[:, r], report.gap_steps[:, r], strict=True)
        columns[report.resources.refs[r]] = [f"{_percent(u)} {g:+.1f}" for u, g in cells]
    refs = dict(zip(report.resources.keys, report.resources.refs, strict=True))
    shown = set(ranking["resource"])
    columns["bottleneck"] = [  # with its utilisation when it has no column of its own
        ""
        if not b
        else refs[b]
        if b in shown
        else f"{refs[b]} {_percent(report.utilisation[w, index[b]])}"
        for w, b in enumerate(report.bottleneck_by_week())
    ]
    frame = pd.DataFrame(columns, index=pd.Index(report.weeks, name="week"))
    return frame.to_string()


def ranking_table(report: BalanceReport) -> str:
    """The resources ranked by utilisation over the horizon, the bottleneck first."""
    r = report.ranking
    frame = pd.DataFrame(
        {
            "rank": r["rank"],
            "resource": [key.split(":", 1)[1] for key in r["resource"]],
            "kind": r["kind"],
            "need": [f"{v:,.0f} {m}" for v, m in zip(r["need"], r["measure"], strict=True)],
            "available": [f"{v:,.0f}" for v in r["available"]],
            "utilisation": [_percent(v) for v in r["utilisation"]],
            "peak": [
                f"{_percent(v)} {w}"
                for v, w in zip(r["peak_utilisation"], r["peak_week"], strict=True)
            ],
            "weeks short": r["weeks_short"],
            "shortfall": [
                f"{v:,.1f} {s}" for v, s in zip(r["shortfall_steps"], r["step"], strict=True)
            ],
            "waiting list needs": [
                f"{v:,.0f} {m}" for v, m in zip(r["backlog_need"], r["measure"], strict=True)
            ],
        }
    )
    return frame.to_string(index=False)


def run_balance(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    unit = load_unit(args.unit)
    report = balance(unit, checked=True)
    elapsed = time.perf_counter() - started
    document = report.to_dict()
    if args.format == "json":
        sys.stdout.write(json.dumps(document, ensure_ascii=False) + "\n")
        if args.out is None:
            return 0
    out = Path(args.out or "out")
    write_files(
        out,
        iter(
            [
                ("balance.csv", report.frame().to_csv(index=False)),
                ("balance.json", json.dumps(document, ensure_ascii=False, indent=1)),
            ]
        ),
    )
    if args.format == "json":
        return 0
    horizon = f"{report.weeks[0]} .. {report.weeks[-1]}" if report.weeks else "no weeks"
    lines = [
        f"Balance of {unit.id} ({unit.name or unit.id}): {horizon}, {len(report.weeks)} weeks, "
        f"{len(unit.staff)} staff, {len(report.resources)} resources ({elapsed:.2f} s)",
        "",
        "Utilisation per week (need / available) and the gap, + missing and - spare, in shifts",
        "for competences, room-days for room types and beds for wards:",
        balance_table(report, args.top),
        "",
        "Resources ranked over the horizon, the bottleneck first:",
        ranking_table(report),
        "",
    ]
    bottleneck = report.ranking.iloc[0] if not report.ranking.empty else None
    if bottleneck is not None:
        lines.append(
            f"Bottleneck: {bottleneck['name']} at {_percent(bottleneck['utilisation'])} of "
            f"available capacity over the horizon; short in {bottleneck['weeks_short']} of "
            f"{len(report.weeks)} weeks, by {bottleneck['shortfall_steps']:,.1f} "
            f"{bottleneck['step']} in all."
        )
    lines.append(f"Wrote {out / 'balance.csv'} and {out / 'balance.json'}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``balance`` to ``commands``."""
    p = commands.add_parser("balance", help="balance care need against capacity, week by week")
    p.add_argument("unit", help="a unit folder (unit.yaml + CSV files) or a .json document")
    p.add_argument("--out", help="folder for balance.csv and balance.json (default: out)")
    p.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="table for people (default); json to stdout for other programs",
    )
    p.add_argument("--top", type=int, default=6, help="resources shown per week (default: 6)")
    p.set_defaults(run=run_balance)
