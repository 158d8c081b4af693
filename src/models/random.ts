import seedrandom from 'seedrandom';

/** A seeded uniform generator on [0, 1). Everything random in latentflow draws from one of these. */
export type Random = () => number;

/** Builds the generator for `seed`; the same seed always yields the same sequence. */
export function seededRandom(seed: number): Random {
  const rng = seedrandom(String(seed));
  return () => rng.quick();
}

/** Derives an independent 31-bit seed for a named sub-task, so adding a consumer never shifts the others. */
export function deriveSeed(seed: number, label: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h & 0x7fffffff;
}

/** In-place Fisher–Yates shuffle driven by `random`. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(a: T, random: Random): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/** A permutation of `0..n-1`. */
export function permutation(n: number, random: Random): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return shuffleInPlace(p, random);
}

/** Standard normal draw by Box–Muller. */
export function gaussian(random: Random): number {
  let u = 0;
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
