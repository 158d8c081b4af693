"""Writes test/fixtures/pca-sklearn.json: reference PCA results from scikit-learn for test/models/pca-reference.test.ts.

Two seeded data sets, each stored as float32 values (what a latentflow Matrix holds) and fitted by
scikit-learn in float64 on exactly those values (svd_solver="full", an SVD of the centred data):
  - "tall": 200 rows x 12 columns with distinct column spreads, correlated by a fixed random rotation;
  - "wide": 8 rows x 20 columns (more columns than rows).
Stored per set: data (row-major), mean_, components_ (all of them, rows), explained_variance_,
explained_variance_ratio_, and transform(data) for the first 3 components.

Run once with any Python that has scikit-learn (e.g. the bench venv of bench/peers/setup.sh):
  .cache/bench-venv/bin/python scripts/make-pca-fixture.py
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn.decomposition import PCA


def dataset(rows, cols, seed):
    rng = np.random.default_rng(seed)
    spreads = np.geomspace(4.0, 0.1, cols)
    z = rng.standard_normal((rows, cols)) * spreads
    rotation, _ = np.linalg.qr(rng.standard_normal((cols, cols)))
    offset = rng.uniform(-3, 3, cols)
    return (z @ rotation.T + offset).astype(np.float32)


def reference(x):
    pca = PCA(svd_solver="full").fit(x.astype(np.float64))
    return {
        "rows": int(x.shape[0]),
        "cols": int(x.shape[1]),
        "data": [float(v) for v in x.ravel()],
        "mean": pca.mean_.tolist(),
        "components": pca.components_.tolist(),
        "explainedVariance": pca.explained_variance_.tolist(),
        "explainedVarianceRatio": pca.explained_variance_ratio_.tolist(),
        "codes3": pca.transform(x.astype(np.float64))[:, :3].tolist(),
    }


out = {
    "generator": f"scripts/make-pca-fixture.py, scikit-learn {sklearn.__version__}, numpy {np.__version__}",
    "tall": reference(dataset(200, 12, 14)),
    "wide": reference(dataset(8, 20, 15)),
}
path = pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures" / "pca-sklearn.json"
path.write_text(json.dumps(out) + "\n")
print(f"wrote {path}")
