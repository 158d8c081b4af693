/**
 * Detection quality against labels (ROC-AUC, average precision), for tests, benches and users who hold
 * labels. Pure functions over plain arrays; no model depends on them.
 */

/**
 * Area under the ROC curve of `scores` (higher means more anomalous) against `labels` (truthy = anomaly).
 *
 * Computed as the Mann–Whitney U statistic with mid-ranks, so tied scores count one half: 1 means every
 * anomaly outscores every normal row, 0.5 is chance. Throws a `RangeError` when the lengths differ, when
 * either class is empty, or when a score is NaN.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): number {
  const n = scores.length;
  if (labels.length !== n) throw new RangeError(`rocAuc: ${n} scores but ${labels.length} labels; pass one label per score`);
  const order = new Uint32Array(n);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new RangeError(`rocAuc: score ${i} is NaN; expected a number`);
    order[i] = i;
    if (labels[i]) positives++;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) {
    throw new RangeError(`rocAuc: needs both classes, received ${positives} positive and ${negatives} negative labels`);
  }
  order.sort((a, b) => scores[a] - scores[b]);
  // Sum of the (1-based, tie-averaged) ranks of the positives.
  let rankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]] === scores[order[start]]) end++;
    const midRank = (start + 1 + end) / 2;
    for (let i = start; i < end; i++) if (labels[order[i]]) rankSum += midRank;
    start = end;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Average precision of `scores` (higher means more anomalous) against `labels` (truthy = anomaly): the area
 * under the precision-recall curve as the step sum over distinct thresholds of (R_k - R_{k-1}) * P_k, with
 * no interpolation and tied scores entering together (scikit-learn's `average_precision_score`). 1 means
 * every anomaly outscores every normal row; a random ranking gives about the anomaly rate. Throws a
 * `RangeError` when the lengths differ, when no label is positive, or when a score is NaN.
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
