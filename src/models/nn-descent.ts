import type { Matrix } from './matrix.js';
import { xorshift32 } from './random.js';

/** Each row's `k` nearest rows by Euclidean distance, ascending, the row itself first (distance 0), as umap-learn's graph. */
export interface NearestRows {
  k: number;
  /** `rows x k` row indices. */
  indices: Int32Array;
  /** `rows x k` Euclidean distances. */
  distances: Float64Array;
}

/** Settings of `nnDescent`; every one has a default. */
export interface NnDescentOptions {
  /** Seeds the trees and the candidate sampling. Default 0. */
  seed?: number;
  /** Random projection trees whose leaves start the search. Default pynndescent's: 5 + round(sqrt(rows) / 20), at most 64. */
  trees?: number;
  /** Most refinement rounds. Default pynndescent's: max(5, round(log2(rows))). */
  maxIterations?: number;
  /** Candidates per row in a round (neighbours and reverse neighbours). Default 60, what umap-learn passes to pynndescent. */
  maxCandidates?: number;
  /** Stop when a round improves fewer than delta * rows * k neighbour slots. Default 0.001 (pynndescent). */
  delta?: number;
}

/**
 * Approximate nearest neighbours by NN-descent (Dong et al. 2011) started from random projection tree
 * leaves: pynndescent's algorithm, which umap-learn uses, over flat typed arrays. umap-js runs the same
 * algorithm over arrays of arrays with a distance call per pair; at 50,000 x 32 that was 19 of its 94 CPU s
 * (BENCHMARKS.md, "UMAP on real sizes"). Seeded: the same rows, `k` and seed give the same neighbours.
 * Recall against the exact neighbours is checked in test/models/nn-descent.test.ts.
 */
export function nnDescent(m: Matrix, k: number, options: NnDescentOptions = {}): NearestRows {
  const n = m.rows;
  const d = m.cols;
  const x = m.data;
  if (k < 2 || k > n) throw new RangeError(`nnDescent: k=${k} must be in [2, ${n}] (the row itself is one of the k)`);
  // The row itself is the first neighbour; the heaps hold the other k - 1.
  const h = k - 1;
  let state = Math.imul((options.seed ?? 0) ^ 0x2545f491, 0x9e3779b1) || 0x6b43a9b5;
  /** Uniform int32 >= 0 (xorshift32). */
  const nextInt = (): number => {
    state = xorshift32(state);
    return state & 0x7fffffff;
  };
  const dist2 = (p: number, q: number): number => {
    const op = p * d;
    const oq = q * d;
    let s = 0;
    for (let t = 0; t < d; t++) {
      const diff = x[op + t] - x[oq + t];
      s += diff * diff;
    }
    return s;
  };

  const idx = new Int32Array(n * h).fill(-1);
  const dst = new Float64Array(n * h).fill(Infinity);
  const isNew = new Uint8Array(n * h);

  const trees = options.trees ?? Math.min(64, 5 + Math.round(Math.sqrt(n) / 20));
  const leafSize = Math.max(10, k);
  for (let t = 0; t < trees; t++) {
    forEachLeaf(x, n, d, leafSize, nextInt, (leaf, start, end) => {
      for (let a = start; a < end; a++) {
        for (let b = a + 1; b < end; b++) {
          const p = leaf[a];
          const q = leaf[b];
          const s = dist2(p, q);
          heapPush(idx, dst, isNew, p * h, h, q, s, 1);
          heapPush(idx, dst, isNew, q * h, h, p, s, 1);
        }
      }
    });
  }
  // Rows a tree left short of h neighbours (tiny leaves) get random ones.
  for (let i = 0; i < n; i++) {
    for (let tries = 0; idx[i * h] < 0 && tries < 4 * h; tries++) {
      const q = nextInt() % n;
      if (q !== i) heapPush(idx, dst, isNew, i * h, h, q, dist2(i, q), 1);
    }
  }

  const c = options.maxCandidates ?? 60;
  const newIdx = new Int32Array(n * c);
  const newPri = new Float64Array(n * c);
  const oldIdx = new Int32Array(n * c);
  const oldPri = new Float64Array(n * c);
  const noFlags = new Uint8Array(n * c);
  const maxIterations = options.maxIterations ?? Math.max(5, Math.round(Math.log2(n)));
  const delta = options.delta ?? 0.001;
  for (let iter = 0; iter < maxIterations; iter++) {
    newIdx.fill(-1);
    newPri.fill(Infinity);
    oldIdx.fill(-1);
    oldPri.fill(Infinity);
    // Candidates: up to c neighbours and reverse neighbours of each row, chosen by random priority, split into
    // those new since the last round and the old ones (old-old pairs were already compared).
    for (let i = 0; i < n; i++) {
      for (let t = i * h; t < (i + 1) * h; t++) {
        const j = idx[t];
        if (j < 0) continue;
        const pri = nextInt();
        if (isNew[t]) {
          heapPush(newIdx, newPri, noFlags, i * c, c, j, pri, 0);
          heapPush(newIdx, newPri, noFlags, j * c, c, i, pri, 0);
        } else {
          heapPush(oldIdx, oldPri, noFlags, i * c, c, j, pri, 0);
          heapPush(oldIdx, oldPri, noFlags, j * c, c, i, pri, 0);
        }
      }
    }
    for (let i = 0; i < n; i++) {
      for (let t = i * h; t < (i + 1) * h; t++) {
        if (!isNew[t]) continue;
        const j = idx[t];
        for (let u = i * c; u < (i + 1) * c; u++) {
          if (newIdx[u] === j) {
            isNew[t] = 0;
            break;
          }
        }
      }
    }
    let updates = 0;
    for (let i = 0; i < n; i++) {
      for (let a = i * c; a < (i + 1) * c; a++) {
        const p = newIdx[a];
        if (p < 0) continue;
        for (let b = a + 1; b < (i + 1) * c; b++) {
          const q = newIdx[b];
          if (q < 0 || q === p) continue;
          const s = dist2(p, q);
          updates += heapPush(idx, dst, isNew, p * h, h, q, s, 1) + heapPush(idx, dst, isNew, q * h, h, p, s, 1);
        }
        for (let b = i * c; b < (i + 1) * c; b++) {
          const q = oldIdx[b];
          if (q < 0 || q === p) continue;
          const s = dist2(p, q);
          updates += heapPush(idx, dst, isNew, p * h, h, q, s, 1) + heapPush(idx, dst, isNew, q * h, h, p, s, 1);
        }
      }
    }
    if (updates <= delta * n * h) break;
  }

  const indices = new Int32Array(n * k);
  const distances = new Float64Array(n * k);
  const order = new Int32Array(h);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < h; t++) order[t] = i * h + t;
    // Ascending by distance, ties by index, so the order does not depend on the heap's layout.
    order.sort((s, t) => dst[s] - dst[t] || idx[s] - idx[t]);
    indices[i * k] = i;
    distances[i * k] = 0;
    for (let t = 0; t < h; t++) {
      indices[i * k + 1 + t] = idx[order[t]];
      distances[i * k + 1 + t] = Math.sqrt(dst[order[t]]);
    }
  }
  return { k, indices, distances };
}

/**
 * Pushes `j` at `key` into the max-heap of `size` slots at `base` when it beats the root and is not there
 * yet; returns 1 when it was pushed. The root is the worst of the kept entries.
 */
function heapPush(idx: Int32Array, key: Float64Array, flag: Uint8Array, base: number, size: number, j: number, kj: number, f: number): number {
  if (kj >= key[base]) return 0;
  for (let t = base; t < base + size; t++) if (idx[t] === j) return 0;
  let at = 0;
  for (;;) {
    const l = 2 * at + 1;
    if (l >= size) break;
    const r = l + 1;
    const child = r < size && key[base + r] > key[base + l] ? r : l;
    if (key[base + child] <= kj) break;
    idx[base + at] = idx[base + child];
    key[base + at] = key[base + child];
    flag[base + at] = flag[base + child];
    at = child;
  }
  idx[base + at] = j;
  key[base + at] = kj;
  flag[base + at] = f;
  return 1;
}

/**
 * One random projection tree over the rows (pynndescent's Euclidean split: the hyperplane halfway between two
 * random rows), built in place over a permutation of the row indices; calls `visit` with each leaf's range.
 */
function forEachLeaf(
  x: Float32Array,
  n: number,
  d: number,
  leafSize: number,
  nextInt: () => number,
  visit: (leaf: Int32Array, start: number, end: number) => void,
): void {
  const leaf = new Int32Array(n);
  for (let i = 0; i < n; i++) leaf[i] = i;
  const normal = new Float64Array(d);
  const stack: number[] = [0, n];
  while (stack.length > 0) {
    const end = stack.pop()!;
    const start = stack.pop()!;
    const size = end - start;
    if (size <= leafSize) {
      visit(leaf, start, end);
      continue;
    }
    const ip = nextInt() % size;
    const p = leaf[start + ip];
    const q = leaf[start + ((ip + 1 + (nextInt() % (size - 1))) % size)];
    let offset = 0;
    for (let t = 0; t < d; t++) {
      normal[t] = x[p * d + t] - x[q * d + t];
      offset -= (normal[t] * (x[p * d + t] + x[q * d + t])) / 2;
    }
    // Partition: rows with a positive margin to the front; a zero margin goes to a random side.
    let lo = start;
    let hi = end - 1;
    while (lo <= hi) {
      const r = leaf[lo];
      let margin = offset;
      for (let t = 0; t < d; t++) margin += normal[t] * x[r * d + t];
      if (margin > 0 || (margin === 0 && (nextInt() & 1) === 0)) {
        lo++;
      } else {
        leaf[lo] = leaf[hi];
        leaf[hi] = r;
        hi--;
      }
    }
    // A degenerate split (all rows on one side, e.g. duplicates) would recurse forever: halve instead.
    const mid = lo === start || lo === end ? start + (size >> 1) : lo;
    stack.push(start, mid, mid, end);
  }
}
