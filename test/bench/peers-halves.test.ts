/**
 * The peer benchmark's tune / confirm split (bench/peers/halves.json) follows the rule in bench/peers/halves.py,
 * re-derived here independently, so a hand edit that moves a set between halves fails. export_data.py checks the
 * same file against the data itself on every run (the recorded width and contamination of each set).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const peers = path.resolve(import.meta.dirname, '../../bench/peers');
interface SetProps { features: number; anomalyPct: number; stratum: string }
interface HalvesFile { seed: number; rule: string; sets: Record<string, SetProps>; tune: string[]; confirm: string[] }
const doc = JSON.parse(readFileSync(path.join(peers, 'halves.json'), 'utf8')) as HalvesFile;

// The constants of halves.py, restated: the test is a second implementation, not a copy of the file's output.
const STRATA = ['wide', 'high', 'low', 'mid'] as const;
function stratum(p: SetProps): string {
  if (p.features >= 256) return 'wide';
  if (p.anomalyPct > 20) return 'high';
  return p.anomalyPct < 2 ? 'low' : 'mid';
}
function split(sets: Record<string, SetProps>, seed: number): { tune: string[]; confirm: string[] } {
  const halves: [string[], string[]] = [[], []];
  const key = (n: string) => createHash('sha256').update(`${seed}:${n}`).digest('hex');
  for (const st of STRATA) {
    const names = Object.keys(sets).filter((n) => stratum(sets[n]) === st).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const start = halves[0].length <= halves[1].length ? 0 : 1;
    names.forEach((n, i) => halves[(start + i) % 2].push(n));
  }
  return { tune: halves[0].sort(), confirm: halves[1].sort() };
}

describe('bench/peers/halves.json', () => {
  it('puts no set in both halves and every set in one', () => {
    const tune = new Set(doc.tune);
    expect(doc.confirm.filter((n) => tune.has(n))).toEqual([]);
    expect([...doc.tune, ...doc.confirm].sort()).toEqual(Object.keys(doc.sets).sort());
  });

  it('covers exactly the sets export_data.py defines', () => {
    const source = readFileSync(path.join(peers, 'export_data.py'), 'utf8');
    const defined = [...source.matchAll(/^\s*Dataset\("([^"]+)"/gm)].map((m) => m[1]);
    expect(defined.length).toBeGreaterThanOrEqual(24);
    expect(defined.sort()).toEqual(Object.keys(doc.sets).sort());
  });

  it('is the seeded stratified rule applied to the recorded properties', () => {
    for (const [n, p] of Object.entries(doc.sets)) expect(`${n}: ${p.stratum}`).toBe(`${n}: ${stratum(p)}`);
    const want = split(doc.sets, doc.seed);
    expect([...doc.tune].sort()).toEqual(want.tune);
    expect([...doc.confirm].sort()).toEqual(want.confirm);
  });

  it('balances each stratum and the totals to within one set, with wide, high- and low-contamination sets in both', () => {
    expect(Math.abs(doc.tune.length - doc.confirm.length)).toBeLessThanOrEqual(1);
    for (const st of STRATA) {
      const inHalf = (h: string[]) => h.filter((n) => doc.sets[n].stratum === st).length;
      expect(Math.abs(inHalf(doc.tune) - inHalf(doc.confirm)), st).toBeLessThanOrEqual(1);
      if (st !== 'mid') {
        expect(inHalf(doc.tune), `tune ${st}`).toBeGreaterThanOrEqual(1);
        expect(inHalf(doc.confirm), `confirm ${st}`).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('has at least 3 sets with >= 256 columns, several above 20 % and several below 2 % anomalies', () => {
    const all = Object.values(doc.sets);
    expect(all.filter((p) => p.features >= 256).length).toBeGreaterThanOrEqual(3);
    expect(all.filter((p) => p.anomalyPct > 20).length).toBeGreaterThanOrEqual(3);
    expect(all.filter((p) => p.anomalyPct < 2).length).toBeGreaterThanOrEqual(3);
  });
});
