"""Merges the peer and latentflow results into markdown tables; prints them and writes the report (--out).

Tune / confirm: the manifest says which half each set is in (bench/peers/halves.json). Each half gets its
own tables (per-set ROC-AUC and AP, means, the worst set delta vs PyOD AutoEncoder, fit time ratios vs PyOD
AutoEncoder) and the issue-12 targets for the latentflow defaults; the tables over every set follow.

ROC-AUC and AP are recomputed here for every method from the saved test scores with scikit-learn, so all
methods are measured by one implementation; the values latentflow's runner computed itself (rocAuc and
the proposed averagePrecision) are checked against them.

Aggregation: per data set, the mean over split seeds; "mean" rows average those over data sets. Ratios
latentflow / peer: ROC-AUC and AP as the ratio of the means; fit seconds and scoring rows/s as the
geometric mean over data sets of the per-set ratios (times differ by orders of magnitude between sets); in the
per-half tables the per-set fit time is the median over seeds (one slow fit on a loaded machine moves a median
less than a mean).

Run: .cache/bench-venv/bin/python bench/peers/merge.py [--peers FILE] [--latentflow FILE] [--out FILE] [--command STR]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from sklearn.metrics import average_precision_score, roc_auc_score

ROOT = Path(__file__).resolve().parents[2]
ORDER = ["floor", "pyod-ae", "pyod-vae", "pyod-pca", "iforest", "pyod-knn", "pyod-ecod", "oh-pyod-ae", "oh-iforest", "oh-pyod-ecod",
         "lf-default", "lf-previous", "lf-pyodlike", "lf-pyodlike-bn", "lf-pca", "lf-pca-recon", "lf-auto", "lf-numeric", "lf-numeric-recon", "lf-auto-pca"]
LABEL = {
    "floor": "floor (Σz²)",
    "pyod-ae": "PyOD AutoEncoder()",
    "pyod-vae": "PyOD VAE()",
    "pyod-pca": "PyOD PCA()",
    "pyod-knn": "PyOD KNN()",
    "pyod-ecod": "PyOD ECOD()",
    "iforest": "sklearn IsolationForest()",
    "lf-default": "latentflow AE defaults",
    "lf-pyodlike": "latentflow AE PyOD-like",
    "lf-pyodlike-bn": "latentflow AE PyOD-like + BN + WD",
    "lf-previous": "latentflow AE previous defaults",
    "lf-pca": "latentflow PCA",
    "lf-pca-recon": "latentflow PCA (reconstruction score)",
    # The mixed-type sets (bench/peers/mixed/): the peers behind run_peers.py --encode onehot.
    "oh-pyod-ae": "one-hot + PyOD AutoEncoder()",
    "oh-iforest": "one-hot + sklearn IsolationForest()",
    "oh-pyod-ecod": "one-hot + PyOD ECOD()",
    "lf-auto": "latentflow AE defaults, features: auto",
    "lf-numeric": "latentflow AE defaults, numeric columns only",
    "lf-auto-pca": "latentflow PCA, features: auto",
    "lf-numeric-recon": "latentflow AE, numeric columns only, scored like a mixed model (diagnostic)",
}
REFERENCE = "pyod-ae"  # the peer every per-half delta and time ratio is taken against (issue 12)
PAIRS = [
    ("lf-default", "pyod-ae"), ("lf-default", "pyod-vae"), ("lf-default", "iforest"), ("lf-default", "pyod-knn"),
    ("lf-default", "pyod-ecod"), ("lf-default", "pyod-pca"), ("lf-default", "floor"),
    ("lf-pyodlike", "pyod-ae"), ("lf-pyodlike", "floor"),
    ("lf-pyodlike-bn", "pyod-ae"), ("lf-pyodlike-bn", "floor"),
    ("lf-previous", "pyod-ae"),
    ("lf-pca", "pyod-pca"), ("lf-pca", "floor"),
    ("lf-pca-recon", "pyod-pca"),
    ("lf-auto", "oh-pyod-ae"), ("lf-auto", "oh-iforest"), ("lf-auto", "oh-pyod-ecod"), ("lf-auto", "lf-numeric"),
    ("lf-auto", "lf-numeric-recon"), ("lf-numeric", "oh-pyod-ae"), ("lf-auto-pca", "oh-pyod-ae"), ("lf-auto-pca", "oh-iforest"),
]


def gmean(v):
    v = [x for x in v if x > 0 and math.isfinite(x)]
    return math.exp(sum(math.log(x) for x in v) / len(v)) if v else float("nan")


def fmt_rate(r: float) -> str:
    if r >= 1e6:
        return f"{r / 1e6:.1f} M"
    if r >= 1e3:
        return f"{r / 1e3:.0f} k"
    return f"{r:.0f}"


def fmt_s(s: float) -> str:
    return f"{s:.3f}" if s < 0.1 else f"{s:.2f}" if s < 10 else f"{s:.1f}"


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


# Issue 12's targets for the latentflow defaults, checked per half (the confirm half is the claim).
TARGET_MARGIN = 0.03  # mean ROC-AUC at least PyOD AE's + this; no set more than this below PyOD AE
TARGET_FIT_RATIO = 0.5  # fit time at most this times PyOD AE's


def half_section(out: list[str], half: str, names: list[str], manifest: dict, methods: list[str], per_set) -> None:
    """One half's tables: per-set ROC-AUC / AP, means, worst delta and fit ratio vs REFERENCE, targets."""
    ref = REFERENCE if REFERENCE in methods else None
    info = {d["name"]: d for d in manifest["datasets"]}
    out.append(f"\n## {half.capitalize()} half: {len(names)} sets\n")
    out.append(", ".join(f"{n} ({info[n]['rows']}×{info[n]['features']}, {info[n]['anomalyPct']:.1f} %)" for n in names) + ".\n")

    def fit_ratio(m: str) -> float:
        return gmean([per_set(ds, m, "fit_s", np.median) / per_set(ds, ref, "fit_s", np.median) for ds in names])

    out.append(f"\n### {half.capitalize()}: per method (means over the {len(names)} sets)\n")
    out.append(f"| method | ROC-AUC | AP | ROC-AUC − {LABEL[ref] if ref else '—'} | worst set: ROC-AUC − {LABEL[ref] if ref else '—'} | "
               f"sets above {LABEL[ref] if ref else '—'} | fit s ratio vs {LABEL[ref] if ref else '—'} (gmean over sets of median over seeds) |")
    out.append("|---|---:|---:|---:|---|---:|---:|")
    for m in methods:
        aucs = {ds: per_set(ds, m, "roc_auc") for ds in names}
        aps = [per_set(ds, m, "ap") for ds in names]
        if ref and m != ref:
            deltas = {ds: aucs[ds] - per_set(ds, ref, "roc_auc") for ds in names}
            worst = min(deltas, key=deltas.get)
            cells = [f"{np.mean(list(deltas.values())):+.3f}", f"{deltas[worst]:+.3f} ({worst})",
                     f"{sum(v > 0 for v in deltas.values())} / {len(names)}", f"{fit_ratio(m):.2f}" if m != "floor" else "—"]
        else:
            cells = ["—", "—", "—", "1.00" if ref else "—"]
        out.append(f"| {LABEL[m]} | {np.mean(list(aucs.values())):.3f} | {np.mean(aps):.3f} | " + " | ".join(cells) + " |")

    for key, title in (("roc_auc", "ROC-AUC"), ("ap", "Average precision")):
        out.append(f"\n### {half.capitalize()}: {title} per set (mean over seeds)\n")
        out.append("| data set | " + " | ".join(LABEL[m] for m in methods) + " |")
        out.append("|---|" + "---:|" * len(methods))
        for ds in names:
            vals = [per_set(ds, m, key) for m in methods]
            best = max(vals)
            out.append(f"| {ds} | " + " | ".join(f"**{v:.3f}**" if v == best else f"{v:.3f}" for v in vals) + " |")
        out.append("| **mean** | " + " | ".join(f"**{np.mean([per_set(ds, m, key) for ds in names]):.3f}**" for m in methods) + " |")

    lf = "lf-default"
    if ref and lf in methods:
        mean = lambda m, k: float(np.mean([per_set(ds, m, k) for ds in names]))  # noqa: E731
        deltas = {ds: per_set(ds, lf, "roc_auc") - per_set(ds, ref, "roc_auc") for ds in names}
        below = sorted((ds for ds, v in deltas.items() if v < -TARGET_MARGIN), key=deltas.get)
        rows = [
            (f"mean ROC-AUC ≥ {LABEL['iforest']}'s", mean(lf, "roc_auc"), mean("iforest", "roc_auc"),
             mean(lf, "roc_auc") >= mean("iforest", "roc_auc")) if "iforest" in methods else None,
            (f"mean ROC-AUC ≥ {LABEL[ref]}'s + {TARGET_MARGIN}", mean(lf, "roc_auc"), mean(ref, "roc_auc") + TARGET_MARGIN,
             mean(lf, "roc_auc") >= mean(ref, "roc_auc") + TARGET_MARGIN),
            (f"no set more than {TARGET_MARGIN} below {LABEL[ref]} (worst delta)", min(deltas.values()), -TARGET_MARGIN,
             not below),
            (f"mean AP ≥ {LABEL[ref]}'s", mean(lf, "ap"), mean(ref, "ap"), mean(lf, "ap") >= mean(ref, "ap")),
            (f"fit time ≤ {TARGET_FIT_RATIO}× {LABEL[ref]}'s (ratio)", fit_ratio(lf), TARGET_FIT_RATIO, fit_ratio(lf) <= TARGET_FIT_RATIO),
        ]
        out.append(f"\n### {half.capitalize()}: issue-12 targets for {LABEL[lf]}\n")
        out.append("| target | latentflow | needed | met |")
        out.append("|---|---:|---:|---|")
        for r in rows:
            if r:
                out.append(f"| {r[0]} | {r[1]:.3f} | {r[2]:.3f} | {'yes' if r[3] else 'no'} |")
        if below:
            out.append(f"\nSets more than {TARGET_MARGIN} below {LABEL[ref]}: "
                       + ", ".join(f"{ds} ({deltas[ds]:+.3f})" for ds in below) + ".")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(ROOT / ".cache/bench-data/full"))
    ap.add_argument("--peers", default=str(ROOT / ".cache/bench-results/full/peers.json"))
    ap.add_argument("--latentflow", default=str(ROOT / ".cache/bench-results/full/latentflow.json"))
    ap.add_argument("--out", default=str(ROOT / "bench/results/peers.md"))
    ap.add_argument("--command", default="bash bench/peers/run.sh")
    ap.add_argument("--started", type=int, default=None, help="run start (epoch seconds), for the total time")
    ap.add_argument("--uptime", default=None, help="`uptime` at the run's start")
    ap.add_argument("--title", default="Peers: latentflow vs PyOD and scikit-learn on real anomaly sets")
    args = ap.parse_args()

    data = Path(args.data)
    manifest = json.loads((data / "manifest.json").read_text())
    peers = json.loads(Path(args.peers).read_text())
    lf = json.loads(Path(args.latentflow).read_text())
    # A latentflow run stopped early (at a deadline) saved every set it finished: report those, and say so.
    stopped_early = not lf["env"].get("complete", True)
    if stopped_early:
        done = {r["dataset"] for r in lf["results"]}
        skipped_sets = [d["name"] for d in manifest["datasets"] if d["name"] not in done]
        manifest["datasets"] = [d for d in manifest["datasets"] if d["name"] in done]
    labels = {}
    for ds in manifest["datasets"]:
        for s in ds["splits"]:
            labels[(ds["name"], s["seed"])] = pq.read_table(data / s["test"]).column("label").to_numpy()

    rows = {}  # (dataset, seed, method) -> record with recomputed metrics
    max_dev = {"roc_auc": 0.0, "ap": 0.0}
    for run in (peers, lf):
        for r in run["results"]:
            y = labels[(r["dataset"], r["seed"])]
            s = np.asarray(r["scores"], dtype=np.float64)
            auc, apv = float(roc_auc_score(y, s)), float(average_precision_score(y, s))
            if run is lf:
                max_dev["roc_auc"] = max(max_dev["roc_auc"], abs(auc - r["roc_auc"]))
                max_dev["ap"] = max(max_dev["ap"], abs(apv - r["ap"]))
            rows[(r["dataset"], r["seed"], r["method"])] = {**r, "roc_auc": auc, "ap": apv}

    sets = [d["name"] for d in manifest["datasets"]]
    methods = [m for m in ORDER if any(k[2] == m for k in rows)]
    seeds = manifest["seeds"]

    def per_set(ds: str, m: str, key: str, agg=np.mean) -> float:
        v = [rows[(ds, s, m)][key] for s in seeds if (ds, s, m) in rows]
        return float(agg(v)) if v else float("nan")

    def sd_set(ds: str, m: str, key: str) -> float:
        v = [rows[(ds, s, m)][key] for s in seeds if (ds, s, m) in rows]
        return float(np.std(v)) if len(v) > 1 else 0.0

    out: list[str] = []
    le, pe = lf["env"], peers["env"]
    commit, dirty = le["commit"], le["srcModified"]  # of the tree latentflow ran from
    out.append(f"## {args.title}\n")
    out.append(f"`{args.command}` — {len(sets)} data sets × {len(seeds)} split seeds ({', '.join(map(str, seeds))}), "
               f"stratified 60/40 train/test, trained on the unlabeled, contaminated train part, measured on the test part. "
               f"Measured {datetime.now(timezone.utc).strftime('%Y-%m-%d')} at commit {commit}{' (src/ modified)' if dirty else ''}; "
               f"latentflow on the `{le['backend']}` backend (tfjs {le['tfjs']}, Node {le['node']}); "
               f"pyod {pe['pyod']}, scikit-learn {pe['sklearn']}, torch {pe['torch']} with {pe['torchThreads']} thread(s). "
               f"{le['cpus']} cores shared with other jobs: 1-min load average {pe['loadavg'][0]:.1f} → {pe['loadavgEnd'][0]:.1f} "
               f"during the peers' run and {le['loadavg'][0]:.1f} → {le['loadavgEnd'][0]:.1f} during latentflow's, so seconds "
               f"and rows/s are noisy (quality figures are not).\n")
    if stopped_early:
        out.append(f"**Incomplete run**: latentflow was stopped before {', '.join(skipped_sets)}; those sets are left "
                   "out of every table.\n")
    if args.started is not None:
        total = int(datetime.now(timezone.utc).timestamp()) - args.started
        out.append(f"Total time of the run (data, peers, latentflow, merge): {total // 60} min {total % 60} s. "
                   f"Machine load at the start: `{(args.uptime or '').strip()}`; at the end: `{uptime()}`.\n")
    by_half = {h: [d["name"] for d in manifest["datasets"] if d.get("half") == h] for h in ("tune", "confirm")}
    hinfo = manifest.get("halves")
    if hinfo:
        out.append(f"Halves: `{hinfo['file']}`, seed {hinfo['seed']}; rule: {hinfo['rule']}. Defaults are chosen on "
                   "the tune half only; the confirm half is the claim.\n")
    for half, names in by_half.items():
        if names:
            half_section(out, half, names, manifest, methods, per_set)
    out.append("\n## All sets together\n")

    def metric_table(key: str, title: str) -> None:
        out.append(f"\n### {title} per data set (mean over seeds)\n")
        out.append("| data set | " + " | ".join(LABEL[m] for m in methods) + " |")
        out.append("|---|" + "---:|" * len(methods))
        for ds in sets:
            vals = [per_set(ds, m, key) for m in methods]
            best = max(vals)
            out.append(f"| {ds} | " + " | ".join(f"**{v:.3f}**" if v == best else f"{v:.3f}" for v in vals) + " |")
        means = [np.mean([per_set(ds, m, key) for ds in sets]) for m in methods]
        out.append("| **mean** | " + " | ".join(f"**{v:.3f}**" for v in means) + " |")
        sds = [np.mean([sd_set(ds, m, key) for ds in sets]) for m in methods]
        out.append("| seed sd (mean) | " + " | ".join(f"{v:.3f}" for v in sds) + " |")

    # The one table with ratios.
    out.append("\n### Summary: latentflow / peer\n")
    out.append("| latentflow | peer | ROC-AUC lf / peer (ratio) | AP lf / peer (ratio) | sets with higher ROC-AUC | "
               "fit s ratio (lf / peer) | scoring rows/s ratio (lf / peer) |")
    out.append("|---|---|---|---|---:|---:|---:|")
    for a, b in PAIRS:
        if a not in methods or b not in methods:
            continue
        auc_a, auc_b = (np.mean([per_set(ds, m, "roc_auc") for ds in sets]) for m in (a, b))
        ap_a, ap_b = (np.mean([per_set(ds, m, "ap") for ds in sets]) for m in (a, b))
        wins = sum(per_set(ds, a, "roc_auc") > per_set(ds, b, "roc_auc") for ds in sets)
        fit_r = gmean([per_set(ds, a, "fit_s") / per_set(ds, b, "fit_s") for ds in sets])
        rate_r = gmean([per_set(ds, a, "score_rows_s", np.median) / per_set(ds, b, "score_rows_s", np.median) for ds in sets])
        out.append(f"| {LABEL[a]} | {LABEL[b]} | {auc_a:.3f} / {auc_b:.3f} ({auc_a / auc_b:.3f}) | "
                   f"{ap_a:.3f} / {ap_b:.3f} ({ap_a / ap_b:.3f}) | {wins} / {len(sets)} | "
                   + (f"{fit_r:.2f} | " if b != "floor" else "— | ")
                   + f"{rate_r:.3g} |")

    out.append("\n### Per method (means over data sets)\n")
    out.append("| method | ROC-AUC | AP | ROC-AUC − floor | sets above floor + 0.01 | fit s, median set | fit s, all sets | scoring rows/s, median set |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    floor_auc = {ds: per_set(ds, "floor", "roc_auc") for ds in sets} if "floor" in methods else None
    for m in methods:
        aucs = [per_set(ds, m, "roc_auc") for ds in sets]
        aps = [per_set(ds, m, "ap") for ds in sets]
        fits = [per_set(ds, m, "fit_s") for ds in sets]
        rates = [per_set(ds, m, "score_rows_s", np.median) for ds in sets]
        delta = f"{np.mean(aucs) - np.mean(list(floor_auc.values())):+.3f}" if floor_auc and m != "floor" else "—"
        above = f"{sum(per_set(ds, m, 'roc_auc') > floor_auc[ds] + 0.01 for ds in sets)} / {len(sets)}" if floor_auc and m != "floor" else "—"
        out.append(f"| {LABEL[m]} | {np.mean(aucs):.3f} | {np.mean(aps):.3f} | {delta} | {above} | "
                   f"{fmt_s(float(np.median(fits)))} | {fmt_s(float(np.sum(fits)))} | {fmt_rate(float(np.median(rates)))} |")

    metric_table("roc_auc", "ROC-AUC")
    metric_table("ap", "Average precision")

    out.append("\n### Fit seconds per data set (mean over seeds)\n")
    out.append("| data set | train rows × d | " + " | ".join(LABEL[m] for m in methods) + " |")
    out.append("|---|---:|" + "---:|" * len(methods))
    for d in manifest["datasets"]:
        out.append(f"| {d['name']} | {d['splits'][0]['trainRows']} × {d['features']} | "
                   + " | ".join(fmt_s(per_set(d['name'], m, 'fit_s')) for m in methods) + " |")
    out.append("\n### Scoring rows/s per data set (median over seeds; test rows, raw input incl. scaling)\n")
    out.append("| data set | test rows | " + " | ".join(LABEL[m] for m in methods) + " |")
    out.append("|---|---:|" + "---:|" * len(methods))
    for d in manifest["datasets"]:
        out.append(f"| {d['name']} | {d['splits'][0]['testRows']} | "
                   + " | ".join(fmt_rate(per_set(d['name'], m, 'score_rows_s', np.median)) for m in methods) + " |")

    shapes = sorted({(r["dataset"], r.get("layers")) for r in lf["results"] if r.get("layers") and r["method"] == "lf-default"})
    pyodlike = sorted({(r["dataset"], r.get("layers")) for r in lf["results"] if r.get("layers") and r["method"] == "lf-pyodlike"})
    epochs = [r["epochs"] for r in lf["results"] if r["method"] == "lf-default"] or [0]
    out.append("\n### Notes\n")
    if "lf-default" in methods:
        out.append(f"- latentflow AE defaults: robust scaling (median/IQR), `scoreBy: balanced`, layer widths "
                   f"{', '.join(f'{d} {l}' for d, l in shapes)}; epochs run: {min(epochs)}–{max(epochs)}, median {int(np.median(epochs))}. "
                   "The choices are measured in bench/results/peers-defaults.md.")
    if "lf-pyodlike" in methods:
        out.append(f"- latentflow AE PyOD-like, layer widths: {', '.join(f'{d} {l}' for d, l in pyodlike)} "
                   "(PyOD: d-64-32-64-d on every set), scored by reconstruction error like PyOD. Without batch norm and weight "
                   "decay (options `batchNorm`, `weightDecay` exist; the + BN + WD row when run). Not expressible: dropout "
                   "after the code layer, a code wider than d - 1.")
    if "lf-auto" in methods:
        slots = sorted({(r["dataset"], r.get("features"), r.get("slots")) for r in lf["results"] if r["method"] == "lf-auto"})
        out.append("- latentflow `features: auto` (`fitDetector(table, { features: 'auto' })`, the road of `latentflow fit "
                   "--features auto`): every default (robust scaling of the numeric slots, one-hot up to 32 kept categories "
                   "with other / unknown / null slots, hashing above, per-kind losses with each original column weighted "
                   "equally), seed = split seed. Columns → encoded slots: "
                   + ", ".join(f"{d} {c} → {w}" for d, c, w in slots) + ". No default was tuned on these sets.")
    if any(m.startswith("oh-") for m in methods):
        out.append("- one-hot + peer: scikit-learn `OneHotEncoder(handle_unknown='ignore')` on the text columns and "
                   "`StandardScaler` on the numeric ones, fitted on the train part (inside the timed fit), then the peer "
                   "with its defaults on that matrix (`run_peers.py --encode onehot`).")
    for m, why in le.get("skipped", {}).items():
        out.append(f"- {LABEL[m]}: not run, the model refused the config ({why}).")
    nonfinite = sorted({(r["dataset"], r["method"]) for r in peers["results"] if r.get("nonfinite")})
    if nonfinite:
        out.append(f"- Non-finite scores (ranked as the most anomalous): {', '.join(f'{m} on {d}' for d, m in nonfinite)}.")
    out.append(f"- latentflow's own rocAuc and the proposed averagePrecision agree with scikit-learn to "
               f"{max(max_dev.values()):.1e} on every run.")
    out.append("- Timing: each library's fit call (PyOD's includes scoring the training rows for its threshold, "
               "and latentflow's is timed the same way: scaler, model, training scores, threshold); one-off "
               "start-up costs are paid before timing.")
    out.append(f"- Splits: scikit-learn `train_test_split(test_size={manifest['testFraction']}, stratify=label, random_state=seed)`; "
               f"anomaly subsampling uses the fixed recipe seed {manifest['recipeSeed']}, so every seed sees the same rows "
               "(`bench/peers/export_data.py`).")

    out.append("\n### Data sets\n")
    # The mixed-type sets have no halves (they are all a confirm-style check): no half / stratum columns then.
    has_halves = any("half" in d for d in manifest["datasets"])
    out.append("| data set | " + ("half | stratum | " if has_halves else "") + "rows | d | anomalies | origin (all from registry packages, nothing downloaded at run time) | recipe | ODDS / ADBench counterpart |")
    out.append("|---|" + ("---|---|" if has_halves else "") + "---:|---:|---:|---|---|---|")
    for d in manifest["datasets"]:
        out.append(f"| {d['name']} | " + (f"{d.get('half', '—')} | {d.get('stratum', '—')} | " if has_halves else "") + f"{d['rows']} | {d['features']} | {d['anomalies']} ({d['anomalyPct']:.1f} %) | "
                   f"{d['origin']} | {d['recipe']} | {d['odds']} |")

    text = "\n".join(out) + "\n"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(text)
    assert max(max_dev.values()) < 1e-6, f"latentflow's metrics disagree with scikit-learn by {max_dev}"


if __name__ == "__main__":
    main()
