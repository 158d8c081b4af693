"""The tune / confirm split of the peer benchmark's sets: one rule, applied once, kept in halves.json.

Defaults are chosen on the tune half only and reported on the confirm half; a set never moves. The rule
balances the halves on what changes a method's ranking most: width and contamination.

  stratum   "wide" if a set has >= WIDE_FEATURES columns, else "high" if > HIGH_PCT % of its rows are
            anomalies, "low" if < LOW_PCT %, otherwise "mid"
  order     within a stratum, by sha256("<seed>:<name>") (hex): a seeded shuffle any language can redo
  assign    strata in STRATA order; the first set of a stratum goes to the half with fewer sets so far
            (tune on a tie), the next ones alternate, so each stratum and the totals differ by at most one

test/bench/peers-halves.test.ts re-derives the split from halves.json with the same rule in TypeScript.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

HALVES_FILE = Path(__file__).resolve().parent / "halves.json"
HALVES_SEED = 20261202
WIDE_FEATURES = 256
HIGH_PCT = 20.0
LOW_PCT = 2.0
STRATA = ["wide", "high", "low", "mid"]
HALVES = ["tune", "confirm"]
RULE = ("stratum: wide if features >= 256, else high if anomalyPct > 20, low if anomalyPct < 2, else mid; "
        "strata in the order wide, high, low, mid; within a stratum sets ordered by sha256('<seed>:<name>') hex; "
        "the first set of a stratum goes to the half with fewer sets so far (tune on a tie), the rest alternate")


def stratum(features: int, anomaly_pct: float) -> str:
    if features >= WIDE_FEATURES:
        return "wide"
    if anomaly_pct > HIGH_PCT:
        return "high"
    return "low" if anomaly_pct < LOW_PCT else "mid"


def split(props: dict[str, dict], seed: int = HALVES_SEED) -> dict[str, list[str]]:
    """props: name -> {"features", "anomalyPct"}. Returns {"tune": [...], "confirm": [...]}, names sorted."""
    out: dict[str, list[str]] = {h: [] for h in HALVES}
    for st in STRATA:
        names = sorted((n for n, p in props.items() if stratum(p["features"], p["anomalyPct"]) == st),
                       key=lambda n: hashlib.sha256(f"{seed}:{n}".encode()).hexdigest())
        start = 0 if len(out["tune"]) <= len(out["confirm"]) else 1
        for i, n in enumerate(names):
            out[HALVES[(start + i) % 2]].append(n)
    return {h: sorted(v) for h, v in out.items()}


def document(props: dict[str, dict], seed: int = HALVES_SEED) -> dict:
    halves = split(props, seed)
    return {
        "seed": seed, "rule": RULE,
        "sets": {n: {"features": p["features"], "anomalyPct": p["anomalyPct"],
                     "stratum": stratum(p["features"], p["anomalyPct"])} for n, p in sorted(props.items())},
        **halves,
    }


def load() -> dict:
    return json.loads(HALVES_FILE.read_text())


def check(doc: dict, names: list[str]) -> None:
    """Raises SystemExit unless doc covers exactly `names`, no set is in both halves, and the halves are the
    rule's output for the recorded properties and seed."""
    tune, confirm = set(doc["tune"]), set(doc["confirm"])
    both = sorted(tune & confirm)
    if both:
        raise SystemExit(f"halves.json: {both} in both halves")
    if tune | confirm != set(names) or set(doc["sets"]) != set(names):
        raise SystemExit(f"halves.json covers {sorted(tune | confirm)}, the benchmark has {sorted(names)}; "
                         "a new set needs --write-halves (and says so in the commit)")
    want = split(doc["sets"], doc["seed"])
    if want["tune"] != sorted(doc["tune"]) or want["confirm"] != sorted(doc["confirm"]):
        raise SystemExit(f"halves.json does not follow its rule: the rule gives {want}")
    for n, p in doc["sets"].items():
        if p["stratum"] != stratum(p["features"], p["anomalyPct"]):
            raise SystemExit(f"halves.json: {n} is recorded as {p['stratum']}, its properties say "
                             f"{stratum(p['features'], p['anomalyPct'])}")


def half_of(doc: dict, name: str) -> str:
    return "tune" if name in doc["tune"] else "confirm"
