/**
 * Average precision, as proposed for src/models/metrics.ts (kept here until it lands there).
 *
 * Area under the precision-recall curve of `scores` (higher means more anomalous) against `labels`
 * (truthy = anomaly), as the step sum AP = sum over distinct thresholds of (R_k - R_{k-1}) * P_k: no
 * interpolation, tied scores enter together (scikit-learn's `average_precision_score`). 1 means every
 * anomaly outscores every normal row; a random ranking gives about the anomaly rate. Throws a `RangeError`
 * when the lengths differ, when there is no positive label, or when a score is NaN.
 */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): number {
  const n = scores.length;
  if (labels.length !== n) throw new RangeError(`averagePrecision: ${n} scores but ${labels.length} labels; pass one label per score`);
  const order = new Uint32Array(n);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new RangeError(`averagePrecision: score ${i} is NaN; expected a number`);
    order[i] = i;
    if (labels[i]) positives++;
  }
  if (positives === 0) throw new RangeError('averagePrecision: needs at least one positive label, received none');
  // Descending; comparisons rather than subtraction so that infinite scores order correctly.
  order.sort((a, b) => (scores[a] > scores[b] ? -1 : scores[a] < scores[b] ? 1 : 0));
  let truePositives = 0;
  let flagged = 0;
  let previousRecall = 0;
  let sum = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]] === scores[order[start]]) end++;
    for (let i = start; i < end; i++) if (labels[order[i]]) truePositives++;
    flagged += end - start;
    const recall = truePositives / positives;
    sum += (recall - previousRecall) * (truePositives / flagged);
    previousRecall = recall;
    start = end;
  }
  return sum;
}
