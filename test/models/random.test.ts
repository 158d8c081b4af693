import seedrandom from 'seedrandom';
import { describe, expect, test } from 'vitest';
import { deriveSeed, generatorKey, sampleSplit, seededRandom } from '../../src/models/random.js';

const draws = (seed: number, n = 8) => {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => random());
};

describe('seededRandom', () => {
  test('seeds whose decimal forms repeat one another give different sequences (1 / 11 / 111, 42 / 4242, 7 / 77)', () => {
    // seedrandom alone repeats its key to 256 bytes, so these pairs collide without the key rule.
    expect(seedrandom('1').quick()).toBe(seedrandom('11').quick());
    for (const [a, b] of [[1, 11], [1, 111], [11, 111], [42, 4242], [7, 77]]) expect(draws(a)).not.toEqual(draws(b));
  });

  test('seeds that repeat nothing keep the sequence seedrandom always gave them, so saved results stay reproducible', () => {
    for (const seed of [0, 1, 2, 7, 42, 123, 2026, 1000]) {
      const old = seedrandom(String(seed));
      expect(draws(seed)).toEqual(Array.from({ length: 8 }, () => old.quick()));
    }
    expect([1, 42, 1000, 12].map(generatorKey)).toEqual(['1', '42', '1000', '12']);
    expect([11, 4242, 777].map(generatorKey)).toEqual(['11/2', '4242/4', '777/3']);
  });

  test('the same seed gives the same sequence; derived seeds differ by label', () => {
    expect(draws(11)).toEqual(draws(11));
    expect(deriveSeed(5, 'a')).not.toBe(deriveSeed(5, 'b'));
  });
});

describe('sampleSplit', () => {
  test('splits 0..n-1 into size chosen rows and the rest, each ascending and disjoint', () => {
    const { chosen, rest } = sampleSplit(1000, 300, seededRandom(7));
    expect(chosen.length).toBe(300);
    expect(rest.length).toBe(700);
    const all = [...chosen, ...rest].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    for (const part of [chosen, rest]) for (let i = 1; i < part.length; i++) expect(part[i]).toBeGreaterThan(part[i - 1]);
  });

  test('the same seed draws the same rows and another seed other rows', () => {
    const a = sampleSplit(1000, 300, seededRandom(7)).chosen;
    expect(sampleSplit(1000, 300, seededRandom(7)).chosen).toEqual(a);
    expect(sampleSplit(1000, 300, seededRandom(8)).chosen).not.toEqual(a);
  });

  test('the chosen rows are spread over the range, not a block (a uniform sample)', () => {
    const { chosen } = sampleSplit(10_000, 1000, seededRandom(3));
    // A uniform sample of 1,000 of 10,000 has about 100 rows per tenth (sd ~9.5): 60..140 is over 4 sd.
    const perTenth = new Array(10).fill(0);
    for (const r of chosen) perTenth[Math.floor(r / 1000)]++;
    for (const count of perTenth) {
      expect(count).toBeGreaterThan(60);
      expect(count).toBeLessThan(140);
    }
  });
});
