import type { Matrix } from './matrix.js';

/** Each row's `k` nearest other rows by squared Euclidean distance, ascending (ties: lower index first). */
export interface Neighbors {
  indices: Int32Array;
  distances: Float64Array;
}

/**
 * Exact k nearest neighbours of every row among the other rows (brute force, O(n² · d)), for t-SNE's input
 * similarities. `pause` is awaited after each row so a long search can yield to the event loop and be aborted.
 */
export async function nearestNeighbors(m: Matrix, k: number, pause: () => Promise<void>): Promise<Neighbors> {
  const { rows: n, cols: d, data } = m;
  const indices = new Int32Array(n * k);
  const distances = new Float64Array(n * k);
  const x = Float64Array.from(data);
  // A max-heap of the k best so far per row: most candidates are rejected by one comparison with its root.
  const heapIdx = new Int32Array(k);
  const heapDist = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    let size = 0;
    const oi = i * d;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const oj = j * d;
      let dist = 0;
      for (let t = 0; t < d; t++) {
        const diff = x[oi + t] - x[oj + t];
        dist += diff * diff;
      }
      if (size < k) {
        heapPush(heapIdx, heapDist, size++, j, dist);
      } else if (dist < heapDist[0]) {
        heapReplaceRoot(heapIdx, heapDist, k, j, dist);
      }
    }
    // Pop the heap from the largest down to get ascending order.
    for (let s = size; s > 0; s--) {
      indices[i * k + s - 1] = heapIdx[0];
      distances[i * k + s - 1] = heapDist[0];
      heapReplaceRoot(heapIdx, heapDist, s - 1, heapIdx[s - 1], heapDist[s - 1]);
    }
    await pause();
  }
  return { indices, distances };
}

/** Max-heap ordered by distance, then by index, so equal distances resolve the same way every run. */
function isAbove(da: number, ia: number, db: number, ib: number): boolean {
  return da > db || (da === db && ia > ib);
}

function heapPush(idx: Int32Array, dist: Float64Array, size: number, j: number, dj: number): void {
  let at = size;
  while (at > 0) {
    const parent = (at - 1) >> 1;
    if (!isAbove(dj, j, dist[parent], idx[parent])) break;
    idx[at] = idx[parent];
    dist[at] = dist[parent];
    at = parent;
  }
  idx[at] = j;
  dist[at] = dj;
}

/** Replaces the root of a heap of `size` by (j, dj) and sifts it down. */
function heapReplaceRoot(idx: Int32Array, dist: Float64Array, size: number, j: number, dj: number): void {
  let at = 0;
  for (;;) {
    const left = 2 * at + 1;
    if (left >= size) break;
    const right = left + 1;
    const child = right < size && isAbove(dist[right], idx[right], dist[left], idx[left]) ? right : left;
    if (!isAbove(dist[child], idx[child], dj, j)) break;
    idx[at] = idx[child];
    dist[at] = dist[child];
    at = child;
  }
  if (size > 0) {
    idx[at] = j;
    dist[at] = dj;
  }
}
