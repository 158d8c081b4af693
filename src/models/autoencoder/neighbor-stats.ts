/**
 * Latent density: a row whose code lies far from the codes of the training rows is unusual even when the
 * network rebuilds it well (an anomaly the training data contained, and the network learned). The distance
 * from a row's code to its k-th nearest training code (PyOD KNN's "largest" rule, in the code space) is
 * blended into the score: (1 − weight) · score / scoreNorm + weight · distance / distanceNorm, each part
 * divided by its mean over the training rows, so training rows average about 1 and neither part's units
 * dominate. Chosen on the tune half of the peer bench (bench/results/peers-tune-neighbors.md).
 */
export interface NeighborConfig {
  /** Which neighbour's distance counts: the k-th nearest training code (integer >= 1). */
  k: number;
  /** The distance's share of the score, in (0, 1); the model's own score (`scoreBy`) gets the rest. */
  weight: number;
}

/** What scoring needs, saved with the model (`model.neighbors`). */
export interface NeighborStats extends NeighborConfig {
  /** Row-major `rows x codeSize` codes of the reference rows (all training rows, or a seeded sample). */
  codes: number[];
  rows: number;
  /** The mean score (`scoreBy`) of the training rows. */
  scoreNorm: number;
  /** The mean k-th-neighbour distance of the reference rows, each leaving itself out. */
  distanceNorm: number;
}
