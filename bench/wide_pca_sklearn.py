"""scikit-learn's side of bench/wide-pca.ts: PCA(k) fit times (wall and process CPU) for three solvers on the matrix the benchmark
wrote, plus a float64 reference fit for the numeric check. Prints one JSON object on stdout.

Usage: python bench/wide_pca_sklearn.py FILE ROWS COLS K REPEATS   (FILE: raw little-endian float32, row-major)
"""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.decomposition import PCA

path, rows, cols, k, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
x = np.fromfile(path, dtype="<f4").reshape(rows, cols)
seconds = {}
cpu_seconds = {}
for solver in ("covariance_eigh", "randomized", "full"):
    runs = []
    cpu_runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        cpu_started = time.process_time()
        PCA(k, svd_solver=solver, random_state=0).fit(x)
        runs.append(time.perf_counter() - started)
        # All threads of this process (BLAS uses every core): what the fit costs, whatever else runs.
        cpu_runs.append(time.process_time() - cpu_started)
    seconds[solver] = runs
    cpu_seconds[solver] = cpu_runs
# Reference for the numeric check: the same rows in float64 (sklearn keeps float32 input in float32).
reference = PCA(k, svd_solver="full").fit(x.astype(np.float64))
print(json.dumps({
    "sklearn": sklearn.__version__,
    "numpy": np.__version__,
    "seconds": seconds,
    "cpuSeconds": cpu_seconds,
    "components": reference.components_.ravel().tolist(),
    "explainedVarianceRatio": reference.explained_variance_ratio_.tolist(),
}))
