import seedrandom from 'seedrandom';

/** A seeded uniform generator on [0, 1). Everything random in latentflow draws from one of these (or, in hot loops, from a seeded {@link xorshift32}). */
export type Random = () => number;

/**
 * Builds the generator for `seed`; the same seed always yields the same sequence, and different seeds
 * different ones. seedrandom's ARC4 repeats its key string to 256 bytes, so the keys "1", "11" and "111"
 * (or "42" and "4242") would give one sequence: a key that repeats a shorter one gets its length appended,
 * which no plain number's key has, and every other seed keeps the sequence it always had.
 */
export function seededRandom(seed: number): Random {
  const rng = seedrandom(generatorKey(seed));
  return () => rng.quick();
}

/** The seedrandom key of `seed`: its decimal form, made aperiodic when it repeats a shorter string. */
export function generatorKey(seed: number): string {
  const key = String(seed);
  // A string is a repetition of a shorter one exactly when it occurs inside itself doubled, off its ends.
  return (key + key).indexOf(key, 1) < key.length ? `${key}/${key.length}` : key;
}

/**
 * The next state of Marsaglia's 32-bit xorshift generator (never 0 from a non-zero state), for hot loops
 * that draw millions of integers (UMAP's negative samples, NN-descent's candidates), where a `Random` call
 * per draw would cost more than the work it picks. Start it from a seeded non-zero state.
 */
export function xorshift32(s: number): number {
  s ^= s << 13;
  s ^= s >>> 17;
  return s ^ (s << 5);
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

/**
 * A seeded split of the rows `0..n-1` into `size` chosen rows and the rest, each ascending (the first `size`
 * of a `permutation`): the sampled fit of the map stages, and the benchmarks that time it, draw the same rows.
 */
export function sampleSplit(n: number, size: number, random: Random): { chosen: Uint32Array; rest: Uint32Array } {
  const order = permutation(n, random);
  return { chosen: order.slice(0, size).sort(), rest: order.slice(size).sort() };
}

/** Standard normal draw by Box–Muller. */
export function gaussian(random: Random): number {
  let u = 0;
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
