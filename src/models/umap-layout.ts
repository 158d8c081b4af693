import { xorshift32 } from './random.js';

/**
 * The edges a UMAP layout optimises: the fuzzy graph after umap-js's (and umap-learn's) pruning of edges below
 * max weight / nEpochs. Edge `e` pulls the point of row `head[e]` towards that of `tail[e]`, once every
 * `epochsPerSample[e]` epochs (max weight / its weight, so the strongest edge is sampled every epoch).
 */
export interface UmapEdges {
  head: Int32Array;
  tail: Int32Array;
  epochsPerSample: Float64Array;
}

/** Settings of a layout run; `a`, `b` are umap-js's `findABParams(spread, minDist)`. */
export interface UmapLayoutSettings {
  a: number;
  b: number;
  nEpochs: number;
  /** Seeds the negative sampling. */
  seed: number;
  /** Negative samples per positive one. Default 5 (umap-js, umap-learn). */
  negativeSampleRate?: number;
  /** Weight of the repulsion (gamma). Default 1. */
  repulsionStrength?: number;
  /** Learning rate at the first epoch, falling linearly to 0. Default 1. */
  learningRate?: number;
}

/** Gradient components are clipped to +-4, as in umap-js and umap-learn. */
const CLIP = 4;

/**
 * umap-learn's `optimize_layout_euclidean` (the same SGD as umap-js's `optimizeLayoutStep`: attraction along
 * each edge when due, `negativeSampleRate` repulsions from uniformly drawn points, both moving only the head
 * point's neighbour pair, clipped at 4, linear learning-rate decay) over one flat `Float64Array` instead of
 * umap-js's arrays of arrays. It exists because umap-js's loop was 68 % of a 50,000-row fit (BENCHMARKS.md,
 * "UMAP on real sizes"): nested arrays, two `Math.pow` per edge and a seedrandom draw per negative sample.
 * Here one power per sample and a 32-bit xorshift generator for the negative samples, seeded, so the same
 * edges, start and seed give the same layout.
 */
export class UmapLayout {
  /** Epochs run so far. */
  epoch = 0;
  private readonly epochOfNextSample: Float64Array;
  private readonly epochOfNextNegativeSample: Float64Array;
  private readonly epochsPerNegativeSample: Float64Array;
  private state: number;

  /**
   * `embedding` (`rows x dim`, row-major) is the start and is updated in place by `step`.
   */
  constructor(
    private readonly edges: UmapEdges,
    readonly embedding: Float64Array,
    private readonly dim: number,
    private readonly settings: UmapLayoutSettings,
  ) {
    const rate = settings.negativeSampleRate ?? 5;
    this.epochOfNextSample = Float64Array.from(edges.epochsPerSample);
    this.epochsPerNegativeSample = edges.epochsPerSample.map((e) => e / rate);
    this.epochOfNextNegativeSample = Float64Array.from(this.epochsPerNegativeSample);
    // xorshift32 must not start at 0; the seed is mixed so that neighbouring seeds start far apart.
    this.state = Math.imul(settings.seed ^ 0x5bd1e995, 0x9e3779b1) || 0x12345678;
  }

  /** Runs the next epoch and returns the number of epochs run so far. */
  step(): number {
    const n = this.epoch;
    const { nEpochs, a, b } = this.settings;
    if (n >= nEpochs) return n;
    const gamma = this.settings.repulsionStrength ?? 1;
    const alpha = (this.settings.learningRate ?? 1) * (1 - n / nEpochs);
    const twoAB = 2 * a * b;
    const twoGammaB = 2 * gamma * b;
    this.state = this.dim === 2 ? this.epoch2D(n, alpha, twoAB, twoGammaB) : this.epochAnyDim(n, alpha, twoAB, twoGammaB);
    this.epoch = n + 1;
    return this.epoch;
  }

  /** One epoch in any dimension; returns the generator state after it. */
  private epochAnyDim(n: number, alpha: number, twoAB: number, twoGammaB: number): number {
    const { a, b } = this.settings;
    const { head, tail, epochsPerSample } = this.edges;
    const { epochOfNextSample, epochOfNextNegativeSample, epochsPerNegativeSample, embedding: y, dim } = this;
    const nVertices = (y.length / dim) | 0;
    let s = this.state;
      for (let e = 0; e < epochsPerSample.length; e++) {
        if (epochOfNextSample[e] > n) continue;
        const oj = head[e] * dim;
        const ok = tail[e] * dim;
        let d2 = 0;
        for (let d = 0; d < dim; d++) {
          const diff = y[oj + d] - y[ok + d];
          d2 += diff * diff;
        }
        if (d2 > 0) {
          // d2^(b-1) = d2^b / d2: one power instead of umap-js's two, and as exp(b log d2), which V8 computes
          // in about half the time of Math.pow (measured 32 against 57 ns).
          const pb = Math.exp(b * Math.log(d2));
          const coeff = (-twoAB * (pb / d2)) / (a * pb + 1);
          for (let d = 0; d < dim; d++) {
            const g = clip(coeff * (y[oj + d] - y[ok + d])) * alpha;
            y[oj + d] += g;
            y[ok + d] -= g;
          }
        }
        epochOfNextSample[e] += epochsPerSample[e];
        const nNeg = Math.floor((n - epochOfNextNegativeSample[e]) / epochsPerNegativeSample[e]);
        for (let p = 0; p < nNeg; p++) {
          s = xorshift32(s);
          const k = vertexOf(s, nVertices);
          const ok2 = k * dim;
          let n2 = 0;
          for (let d = 0; d < dim; d++) {
            const diff = y[oj + d] - y[ok2 + d];
            n2 += diff * diff;
          }
          if (n2 > 0) {
            const coeff = twoGammaB / ((0.001 + n2) * (a * Math.exp(b * Math.log(n2)) + 1));
            for (let d = 0; d < dim; d++) y[oj + d] += clip(coeff * (y[oj + d] - y[ok2 + d])) * alpha;
          } else if (oj !== ok2) {
            // Two distinct points at the same place: push by the clip value, as umap-js and umap-learn do.
            for (let d = 0; d < dim; d++) y[oj + d] += CLIP * alpha;
          }
        }
        epochOfNextNegativeSample[e] += nNeg * epochsPerNegativeSample[e];
      }
    return s;
  }

  /**
   * `epochAnyDim` for a 2-D map, with the moving point's coordinates held in locals through its negative
   * samples instead of re-read from the array: the same arithmetic in the same order, so the same result.
   */
  private epoch2D(n: number, alpha: number, twoAB: number, twoGammaB: number): number {
    const { a, b } = this.settings;
    const { head, tail, epochsPerSample } = this.edges;
    const { epochOfNextSample, epochOfNextNegativeSample, epochsPerNegativeSample, embedding: y } = this;
    const nVertices = (y.length / 2) | 0;
    let s = this.state;
    for (let e = 0; e < epochsPerSample.length; e++) {
      if (epochOfNextSample[e] > n) continue;
      const j = head[e];
      const oj = 2 * j;
      const ok = 2 * tail[e];
      let cx = y[oj];
      let cy = y[oj + 1];
      const dx = cx - y[ok];
      const dy = cy - y[ok + 1];
      const d2 = dx * dx + dy * dy;
      if (d2 > 0) {
        const pb = Math.exp(b * Math.log(d2));
        const coeff = (-twoAB * (pb / d2)) / (a * pb + 1);
        const gx = clip(coeff * dx) * alpha;
        cx += gx;
        y[ok] -= gx;
        const gy = clip(coeff * dy) * alpha;
        cy += gy;
        y[ok + 1] -= gy;
      }
      epochOfNextSample[e] += epochsPerSample[e];
      const nNeg = Math.floor((n - epochOfNextNegativeSample[e]) / epochsPerNegativeSample[e]);
      for (let p = 0; p < nNeg; p++) {
        s = xorshift32(s);
        const k = vertexOf(s, nVertices);
        // The point itself is in the locals, not the array.
        if (k === j) continue;
        const ex = cx - y[2 * k];
        const ey = cy - y[2 * k + 1];
        const n2 = ex * ex + ey * ey;
        if (n2 > 0) {
          const coeff = twoGammaB / ((0.001 + n2) * (a * Math.exp(b * Math.log(n2)) + 1));
          cx += clip(coeff * ex) * alpha;
          cy += clip(coeff * ey) * alpha;
        } else {
          cx += CLIP * alpha;
          cy += CLIP * alpha;
        }
      }
      y[oj] = cx;
      y[oj + 1] = cy;
      epochOfNextNegativeSample[e] += nNeg * epochsPerNegativeSample[e];
    }
    return s;
  }
}

/** A vertex index in [0, n) from a generator state, kept in int32 range so that % is an integer operation, not a floating-point fmod. */
function vertexOf(s: number, n: number): number {
  return (s & 0x7fffffff) % n;
}

function clip(x: number): number {
  return x > CLIP ? CLIP : x < -CLIP ? -CLIP : x;
}
