"""Runs the Python peers on the splits written by export_data.py and writes their test scores and timings.

Peers, each with its library defaults except the seed (= the split seed):
  pyod-ae   pyod.models.auto_encoder.AutoEncoder()  (torch; standardizes its input itself)
  pyod-vae  pyod.models.vae.VAE()                   (torch; standardizes its input itself)
  pyod-pca  pyod.models.pca.PCA()                   (standardizes its input itself)
  pyod-knn  pyod.models.knn.KNN()                   (raw input, as its defaults take it; deterministic, no seed)
  pyod-ecod pyod.models.ecod.ECOD()                 (raw input; deterministic, no seed)
  iforest   sklearn.ensemble.IsolationForest()      (raw input; score = -score_samples)
  floor     sum of squared z-scores of each row, with the train part's mean and sd (ddof 0; sd 0 -> 1): no model

--encode onehot (the mixed-type sets of bench/peers/mixed/, whose text columns no peer takes as they are):
the peers' usual practice first, fitted on the train part: scikit-learn OneHotEncoder(handle_unknown="ignore")
on the text columns and StandardScaler on the numeric ones, then the peer on that matrix; each result is
named oh-<method>. The encoding is part of fit_s and of the scoring rate, as latentflow's is.

Threads: torch runs with --torch-threads (default 1, as TensorFlow.js wasm runs single-threaded here; with
torch's default of one thread per core, fits were ~10x slower on this shared 2-core machine). Before any
timing, each method is fitted and scored once on a tiny set so one-off costs (numba JIT of PyOD's distance
kernel, torch start-up: ~9 s) are not charged to the first data set.

fit_s: wall time of the library's fit call on the train part (PyOD's fit also scores the training rows to
set its threshold; scikit-learn's does not). score_rows_s: test rows scored per second by the library's
scoring call on the raw test rows (repeated until at least --min-score-s seconds have passed).
ROC-AUC and AP: scikit-learn roc_auc_score / average_precision_score on the test part.

Run: .cache/bench-venv/bin/python bench/peers/run_peers.py [--data DIR] [--out FILE] [--methods a,b] [--encode none|onehot]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[2]


def load(path: Path) -> tuple[np.ndarray, np.ndarray]:
    t = pq.read_table(path)
    names = [n for n in t.column_names if n != "label"]
    x = np.column_stack([t.column(n).to_numpy() for n in names]).astype(np.float64)
    return x, t.column("label").to_numpy().astype(np.int8)


def load_columns(path: Path):
    """A split's feature table (label dropped) and labels, columns of any type."""
    t = pq.read_table(path)
    return t.drop_columns(["label"]), t.column("label").to_numpy().astype(np.int8)


class OneHot:
    """The peers' usual practice on mixed columns: one-hot text (unseen values: all zeros), standardized numbers."""

    def fit(self, t):
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        self.text = [f.name for f in t.schema if pa.types.is_string(f.type)]
        self.numeric = [f.name for f in t.schema if f.name not in self.text]
        self.onehot = OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(self._text(t)) if self.text else None
        self.scaler = StandardScaler().fit(self._numeric(t)) if self.numeric else None
        return self

    def _text(self, t):
        return np.column_stack([np.asarray(t.column(n).to_pylist(), dtype=object) for n in self.text])

    def _numeric(self, t):
        return np.column_stack([t.column(n).to_numpy() for n in self.numeric]).astype(np.float64)

    def transform(self, t) -> np.ndarray:
        parts = ([self.onehot.transform(self._text(t))] if self.onehot else []) + ([self.scaler.transform(self._numeric(t))] if self.scaler else [])
        return np.hstack(parts).astype(np.float64)


def encoded(fit, score):
    """fit/score of a peer behind the one-hot encoding, which is fitted inside fit (so timed with it)."""
    enc = OneHot()

    def fit_t(t):
        enc.fit(t)
        return fit(enc.transform(t))

    return fit_t, lambda t: score(enc.transform(t))


class Floor:
    """Sum of squared z-scores: the model-free baseline every model must clear."""

    def fit(self, x):
        self.mean = x.mean(axis=0)
        sd = x.std(axis=0)
        self.sd = np.where(sd > 0, sd, 1.0)
        return self

    def score(self, x):
        z = (x - self.mean) / self.sd
        return np.einsum("ij,ij->i", z, z)


METHODS = ["pyod-ae", "pyod-vae", "pyod-pca", "iforest", "pyod-knn", "pyod-ecod", "floor"]


def make(method: str, seed: int):
    """Returns (fit(x), score(x)) for one peer, with its defaults."""
    if method == "pyod-ae":
        from pyod.models.auto_encoder import AutoEncoder

        m = AutoEncoder(random_state=seed, verbose=0)
        return m.fit, m.decision_function
    if method == "pyod-vae":
        from pyod.models.vae import VAE

        m = VAE(random_state=seed, verbose=0)
        return m.fit, m.decision_function
    if method == "pyod-knn":
        from pyod.models.knn import KNN

        m = KNN()
        return m.fit, m.decision_function
    if method == "pyod-ecod":
        from pyod.models.ecod import ECOD

        m = ECOD()
        return m.fit, m.decision_function
    if method == "pyod-pca":
        from pyod.models.pca import PCA

        m = PCA(random_state=seed)
        return m.fit, m.decision_function
    if method == "iforest":
        from sklearn.ensemble import IsolationForest

        m = IsolationForest(random_state=seed)
        return m.fit, lambda x: -m.score_samples(x)
    if method == "floor":
        m = Floor()
        return m.fit, m.score
    raise SystemExit(f"run_peers: unknown method {method!r}")


def scoring_rate(score, x: np.ndarray, min_s: float) -> float:
    reps, start = 0, time.perf_counter()
    while True:
        score(x)
        reps += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_s or reps >= 10_000:
            return reps * len(x) / elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(ROOT / ".cache/bench-data/full"))
    ap.add_argument("--out", default=str(ROOT / ".cache/bench-results/full/peers.json"))
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--min-score-s", type=float, default=0.25)
    ap.add_argument("--torch-threads", type=int, default=1)
    ap.add_argument("--encode", default="none", choices=["none", "onehot"], help="onehot: mixed-type sets (see above)")
    args = ap.parse_args()

    import pyod
    import sklearn
    import torch
    from sklearn.metrics import average_precision_score, roc_auc_score

    warnings.filterwarnings("ignore", category=UserWarning)
    torch.set_num_threads(args.torch_threads)
    data = Path(args.data)
    manifest = json.loads((data / "manifest.json").read_text())
    methods = args.methods.split(",")
    env = {
        "python": platform.python_version(), "pyod": pyod.__version__, "sklearn": sklearn.__version__,
        "torch": torch.__version__, "torchThreads": torch.get_num_threads(), "numpy": np.__version__,
        "cpus": os.cpu_count(), "loadavg": os.getloadavg(),
    }
    rng = np.random.default_rng(0)
    warm = rng.normal(size=(256, 8))
    for method in methods:
        fit, score = make(method, 0)
        fit(warm)
        score(warm)
    results = []
    for ds in manifest["datasets"]:
        for split in ds["splits"]:
            read = load_columns if args.encode == "onehot" else load
            xtr, _ = read(data / split["train"])
            xte, yte = read(data / split["test"])
            for method in methods:
                fit, score = make(method, split["seed"])
                if args.encode == "onehot":
                    fit, score = encoded(fit, score)
                t0 = time.perf_counter()
                fit(xtr)
                fit_s = time.perf_counter() - t0
                s = np.asarray(score(xte), dtype=np.float64)
                rate = scoring_rate(score, xte, args.min_score_s)
                nonfinite = int((~np.isfinite(s)).sum())
                if nonfinite:  # ranked above every finite score (NaN last), so the metrics stay defined
                    s = np.nan_to_num(s, nan=-1e300, posinf=1e300, neginf=-1e300)
                name = f"oh-{method}" if args.encode == "onehot" else method
                r = {"dataset": ds["name"], "seed": split["seed"], "method": name, "fit_s": fit_s, "nonfinite": nonfinite,
                     "score_rows_s": rate, "roc_auc": float(roc_auc_score(yte, s)),
                     "ap": float(average_precision_score(yte, s)), "scores": s.tolist()}
                results.append(r)
                print(f"{ds['name']:15s} seed {split['seed']} {name:9s} auc {r['roc_auc']:.3f} ap {r['ap']:.3f} "
                      f"fit {fit_s:7.2f}s score {rate:10.0f} rows/s", file=sys.stderr, flush=True)
    env["loadavgEnd"] = os.getloadavg()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"runner": "peers", "env": env, "results": results}))


if __name__ == "__main__":
    main()
