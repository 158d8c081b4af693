import { UMAP } from 'umap-js';
import { findABParams } from 'umap-js/dist/umap.js';
import { describe, expect, it } from 'vitest';
import { trustworthiness } from '../../src/evaluation/embedding-quality.js';
import type { Matrix } from '../../src/models/matrix.js';
import { seededRandom } from '../../src/models/random.js';
import { fuzzyUnionEdges } from '../../src/models/umap-graph.js';
import { type UmapEdges, UmapLayout } from '../../src/models/umap-layout.js';
import { gaussianClusters } from '../helpers/clusters.js';

// 600 rows of 5 Gaussian clusters in 20-D, and umap-js's own graph and random start for them.
const { x } = gaussianClusters(600, 20, 11);
const N_EPOCHS = 200;
const rows = Array.from({ length: x.rows }, (_, r) => Array.from(x.data.subarray(r * x.cols, (r + 1) * x.cols)));

/** umap-js fields read here: private in its typings, plain at run time. */
interface UmapJsState {
  knnIndices: number[][];
  knnDistances: number[][];
  embedding: number[][];
  optimizationState: { head: number[]; tail: number[]; epochsPerSample: number[] };
  smoothKNNDistance(d: number[][], k: number, localConnectivity: number): { sigmas: number[]; rhos: number[] };
  computeMembershipStrengths(i: number[][], d: number[][], sigmas: number[], rhos: number[]): { cols: number[]; vals: number[] };
}

function umapJs(): { umap: UMAP; state: UmapJsState } {
  const umap = new UMAP({ nNeighbors: 15, minDist: 0.1, nEpochs: N_EPOCHS, random: seededRandom(4) });
  umap.initializeFit(rows);
  return { umap, state: umap as unknown as UmapJsState };
}

const toMatrix = (y: ArrayLike<number>): Matrix => ({ data: Float32Array.from(y), rows: x.rows, cols: 2 });

describe('fuzzyUnionEdges', () => {
  it("gives umap-js's graph: the same edges with the same epochs per sample", () => {
    const { state } = umapJs();
    const { sigmas, rhos } = state.smoothKNNDistance(state.knnDistances, 15, 1);
    const { cols, vals } = state.computeMembershipStrengths(state.knnIndices, state.knnDistances, sigmas, rhos);
    const ours = fuzzyUnionEdges(cols, vals, x.rows, 15, N_EPOCHS);
    const theirs = state.optimizationState;
    expect(ours.head.length).toBe(theirs.head.length);
    const rate = new Map<number, number>();
    theirs.head.forEach((h, e) => rate.set(theirs.tail[e] * x.rows + h, theirs.epochsPerSample[e]));
    ours.head.forEach((h, e) => expect(rate.get(h * x.rows + ours.tail[e])).toBeCloseTo(ours.epochsPerSample[e], 10));
  });
});

describe('UmapLayout', () => {
  const { a, b } = findABParams(1, 0.1);
  const start = (): Float64Array => Float64Array.from(umapJs().state.embedding.flat());
  const edgesOf = (s: UmapJsState): UmapEdges => ({
    // umap-js moves its `tail` point's neighbour `head` (tail = row, head = column); the graph is symmetric.
    head: Int32Array.from(s.optimizationState.tail),
    tail: Int32Array.from(s.optimizationState.head),
    epochsPerSample: Float64Array.from(s.optimizationState.epochsPerSample),
  });

  it("lays out umap-js's graph from umap-js's start as trustworthily as umap-js's own epochs (within 0.01)", () => {
    const { umap, state } = umapJs();
    const layout = new UmapLayout(edgesOf(state), start(), 2, { a, b, nEpochs: N_EPOCHS, seed: 1 });
    while (layout.step() < N_EPOCHS);
    for (let epoch = 0; epoch < N_EPOCHS; epoch++) umap.step();
    const ours = trustworthiness(x, toMatrix(layout.embedding), 10);
    const theirs = trustworthiness(x, toMatrix(umap.getEmbedding().flat()), 10);
    expect(theirs).toBeGreaterThan(0.9);
    expect(ours).toBeGreaterThan(theirs - 0.01);
  });

  it('gives bit-identical layouts for the same seed, different ones for another, and stops at nEpochs', () => {
    const { state } = umapJs();
    const run = (seed: number) => {
      const layout = new UmapLayout(edgesOf(state), start(), 2, { a, b, nEpochs: 30, seed });
      while (layout.step() < 30);
      expect(layout.step()).toBe(30);
      return Buffer.from(layout.embedding.buffer);
    };
    const [p, q, r] = [run(2), run(2), run(3)];
    expect(p.equals(q)).toBe(true);
    expect(p.equals(r)).toBe(false);
  });
});
