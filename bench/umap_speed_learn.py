"""umap-learn's side of bench/umap-speed.ts: fit_transform times (wall and process CPU) on the matrix the benchmark
wrote, after a separately timed warm-up fit on its first WARMUP rows (numba compiles umap-learn's and pynndescent's
kernels on the first call, so the first call in a process pays the JIT). Prints one JSON object on stdout with the
last fit's embedding.

Usage: python bench/umap_speed_learn.py FILE ROWS COLS REPEATS WARMUP SEED   (FILE: raw little-endian float32, row-major)
"""
import json
import sys
import time
import warnings
from importlib.metadata import version

import numpy as np

started_import = time.perf_counter()
import umap  # noqa: E402  (timed: importing umap-learn loads numba)

import_seconds = time.perf_counter() - started_import
# umap-learn warns that random_state forces one thread: that is the intended setting here.
warnings.filterwarnings("ignore", message="n_jobs value")

path, rows, cols, repeats, warmup, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
x = np.fromfile(path, dtype="<f4").reshape(rows, cols)


def fit(data):
    # random_state makes the fit reproducible and, as umap-learn documents, single-threaded: the same
    # one-thread setting latentflow's umap-js runs in. Defaults otherwise (15 neighbours, min_dist 0.1,
    # spectral init, 200 epochs above 10,000 rows).
    started = time.perf_counter()
    cpu_started = time.process_time()
    embedding = umap.UMAP(n_components=2, n_neighbors=15, min_dist=0.1, random_state=seed).fit_transform(data)
    return embedding, time.perf_counter() - started, time.process_time() - cpu_started


_, warmup_seconds, warmup_cpu_seconds = fit(x[:warmup])
seconds = []
cpu_seconds = []
embedding = None
for _ in range(repeats):
    embedding, wall, cpu = fit(x)
    seconds.append(wall)
    cpu_seconds.append(cpu)
print(json.dumps({
    "umap": version("umap-learn"),
    "pynndescent": version("pynndescent"),
    "numba": version("numba"),
    "numpy": np.__version__,
    "importSeconds": import_seconds,
    "warmupRows": min(warmup, rows),
    "warmupSeconds": warmup_seconds,
    "warmupCpuSeconds": warmup_cpu_seconds,
    "seconds": seconds,
    "cpuSeconds": cpu_seconds,
    "embedding": embedding.astype(np.float64).ravel().tolist(),
}))
