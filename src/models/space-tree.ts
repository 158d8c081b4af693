/**
 * A 2^d-ary space-partitioning tree over the output points (a quadtree in 2-D, an octree in 3-D) in flat
 * typed arrays, rebuilt every iteration. Each leaf holds one point or several at the same position.
 */
export class SpaceTree {
  private readonly d: number;
  private readonly fanout: number;
  private capacity: number;
  private nodes = 0;
  private center: Float64Array;
  private halfWidth: Float64Array;
  /** Sum of member positions while building; their mean (centre of mass) after `build`. */
  private mass: Float64Array;
  private count: Int32Array;
  /** First of `fanout` consecutive children, or -1 for a leaf. */
  private firstChild: Int32Array;
  /** A point of a leaf (all its points share that position), or -1. */
  private point: Int32Array;
  /** The leaf each point ended in (set at the end of `build`), to leave the point out of its own repulsion. */
  private readonly leafOf: Int32Array;
  private stack = new Int32Array(1024);

  constructor(d: number, n: number) {
    this.d = d;
    this.fanout = 1 << d;
    this.capacity = Math.max(64, 4 * n);
    this.center = new Float64Array(this.capacity * d);
    this.halfWidth = new Float64Array(this.capacity);
    this.mass = new Float64Array(this.capacity * d);
    this.count = new Int32Array(this.capacity);
    this.firstChild = new Int32Array(this.capacity);
    this.point = new Int32Array(this.capacity);
    this.leafOf = new Int32Array(n);
  }

  build(y: Float64Array): void {
    const d = this.d;
    const n = this.leafOf.length;
    this.nodes = 0;
    const root = this.allocate(1);
    let half = 0;
    for (let t = 0; t < d; t++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < n; i++) {
        const v = y[i * d + t];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      this.center[root * d + t] = (lo + hi) / 2;
      half = Math.max(half, (hi - lo) / 2);
    }
    // Widen a little so points on the boundary fall inside; a tiny floor keeps one-point sets valid.
    this.halfWidth[root] = half * (1 + 1e-6) + 1e-12;
    const minHalf = this.halfWidth[root] * 1e-12;
    for (let i = 0; i < n; i++) this.insert(y, i, minHalf);
    for (let node = 0; node < this.nodes; node++) {
      const cnt = this.count[node];
      if (cnt > 0) for (let t = 0; t < d; t++) this.mass[node * d + t] /= cnt;
    }
    for (let i = 0; i < n; i++) {
      let node = 0;
      while (this.firstChild[node] >= 0) node = this.firstChild[node] + this.childIndex(node, y, i);
      this.leafOf[i] = node;
    }
  }

  /**
   * Adds the repulsive force on point i, sum over j != i of q_ij^2 Z^2 (y_i - y_j), into `force` (overwritten)
   * and returns its share of Z, sum over j != i of 1 / (1 + |y_i - y_j|^2).
   */
  repulsion(y: Float64Array, i: number, theta: number, force: Float64Array): number {
    if (this.d === 2) return this.repulsion2d(y, i, theta, force);
    // Locals instead of fields: this loop is most of the fit time.
    const d = this.d;
    const { mass, count, firstChild, halfWidth, fanout } = this;
    const self = this.leafOf[i];
    const theta2 = theta * theta;
    const oi = i * d;
    force.fill(0);
    let z = 0;
    let stack = this.stack;
    let top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const node = stack[--top];
      const cnt = count[node];
      if (cnt === 0) continue;
      const om = node * d;
      let dist2 = 0;
      for (let t = 0; t < d; t++) {
        const diff = y[oi + t] - mass[om + t];
        dist2 += diff * diff;
      }
      const first = firstChild[node];
      const width = 2 * halfWidth[node];
      if (first < 0 || width * width < theta2 * dist2) {
        const others = node === self ? cnt - 1 : cnt;
        if (others === 0) continue;
        const q = 1 / (1 + dist2);
        z += others * q;
        const mult = others * q * q;
        for (let t = 0; t < d; t++) force[t] += mult * (y[oi + t] - mass[om + t]);
      } else {
        if (top + fanout > stack.length) {
          const grown = new Int32Array(stack.length * 2);
          grown.set(stack);
          stack = this.stack = grown;
        }
        for (let ch = fanout - 1; ch >= 0; ch--) stack[top++] = first + ch;
      }
    }
    return z;
  }

  /** `repulsion` for a quadtree, unrolled; the same arithmetic in the same order. */
  private repulsion2d(y: Float64Array, i: number, theta: number, force: Float64Array): number {
    const { mass, count, firstChild, halfWidth } = this;
    const self = this.leafOf[i];
    const theta2 = theta * theta;
    const xi = y[2 * i];
    const yi = y[2 * i + 1];
    let fx = 0;
    let fy = 0;
    let z = 0;
    let stack = this.stack;
    let top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const node = stack[--top];
      const cnt = count[node];
      if (cnt === 0) continue;
      const dx = xi - mass[2 * node];
      const dy = yi - mass[2 * node + 1];
      const dist2 = dx * dx + dy * dy;
      const first = firstChild[node];
      const width = 2 * halfWidth[node];
      if (first < 0 || width * width < theta2 * dist2) {
        const others = node === self ? cnt - 1 : cnt;
        if (others === 0) continue;
        const q = 1 / (1 + dist2);
        z += others * q;
        const mult = others * q * q;
        fx += mult * dx;
        fy += mult * dy;
      } else {
        if (top + 4 > stack.length) {
          const grown = new Int32Array(stack.length * 2);
          grown.set(stack);
          stack = this.stack = grown;
        }
        stack[top++] = first + 3;
        stack[top++] = first + 2;
        stack[top++] = first + 1;
        stack[top++] = first;
      }
    }
    force[0] = fx;
    force[1] = fy;
    return z;
  }

  private insert(y: Float64Array, i: number, minHalf: number): void {
    const d = this.d;
    let node = 0;
    for (;;) {
      const first = this.firstChild[node];
      if (first >= 0) {
        this.count[node]++;
        for (let t = 0; t < d; t++) this.mass[node * d + t] += y[i * d + t];
        node = first + this.childIndex(node, y, i);
        continue;
      }
      if (this.count[node] === 0) {
        this.count[node] = 1;
        this.point[node] = i;
        for (let t = 0; t < d; t++) this.mass[node * d + t] = y[i * d + t];
        return;
      }
      const other = this.point[node];
      let isSame = true;
      for (let t = 0; t < d && isSame; t++) isSame = y[i * d + t] === y[other * d + t];
      if (isSame || this.halfWidth[node] < minHalf) {
        // Coincident (or numerically inseparable) points share a leaf.
        this.count[node]++;
        for (let t = 0; t < d; t++) this.mass[node * d + t] += y[i * d + t];
        return;
      }
      this.subdivide(node, y);
      // `node` is internal now; the loop adds point i to it and descends.
    }
  }

  /** Turns leaf `node` into an internal node and moves its points (one position) into the matching child. */
  private subdivide(node: number, y: Float64Array): void {
    const d = this.d;
    const first = this.allocate(this.fanout);
    // allocate() may have replaced the arrays; read them only after it.
    const half = this.halfWidth[node] / 2;
    for (let ch = 0; ch < this.fanout; ch++) {
      const child = first + ch;
      this.halfWidth[child] = half;
      for (let t = 0; t < d; t++) this.center[child * d + t] = this.center[node * d + t] + ((ch >> t) & 1 ? half : -half);
    }
    const moved = this.point[node];
    const child = first + this.childIndex(node, y, moved);
    this.count[child] = this.count[node];
    this.point[child] = moved;
    for (let t = 0; t < d; t++) this.mass[child * d + t] = this.mass[node * d + t];
    this.firstChild[node] = first;
    this.point[node] = -1;
  }

  private childIndex(node: number, y: Float64Array, i: number): number {
    let index = 0;
    for (let t = 0; t < this.d; t++) if (y[i * this.d + t] >= this.center[node * this.d + t]) index |= 1 << t;
    return index;
  }

  /** Reserves `k` consecutive empty leaves and returns the first. */
  private allocate(k: number): number {
    if (this.nodes + k > this.capacity) this.grow(Math.max(this.capacity * 2, this.nodes + k));
    const first = this.nodes;
    for (let node = first; node < first + k; node++) {
      this.count[node] = 0;
      this.firstChild[node] = -1;
      this.point[node] = -1;
      for (let t = 0; t < this.d; t++) this.mass[node * this.d + t] = 0;
    }
    this.nodes += k;
    return first;
  }

  private grow(capacity: number): void {
    const d = this.d;
    const copy = <T extends Float64Array | Int32Array>(a: T, size: number): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.center = copy(this.center, capacity * d);
    this.halfWidth = copy(this.halfWidth, capacity);
    this.mass = copy(this.mass, capacity * d);
    this.count = copy(this.count, capacity);
    this.firstChild = copy(this.firstChild, capacity);
    this.point = copy(this.point, capacity);
    this.capacity = capacity;
  }
}
