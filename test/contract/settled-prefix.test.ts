import { describe, expect, it } from 'vitest';
import { SettledPrefix } from '../../src/contract/settled-prefix.js';

describe('SettledPrefix', () => {
  it('commits only settled prefixes, whatever order the settles come in', () => {
    const commits: number[] = [];
    const prefix = new SettledPrefix<number>((end) => commits.push(end));
    const handles = [10, 20, 30, 40].map((end) => prefix.next(end));
    handles[2].settle();
    handles[1].settle();
    expect(commits).toEqual([]);
    handles[0].settle();
    expect(commits).toEqual([30]);
    handles[3].settle();
    expect(commits).toEqual([30, 40]);
    expect(prefix.uncommitted()).toBe(0);
  });

  it('a failed position is never committed, nor anything after it', () => {
    const commits: string[] = [];
    const prefix = new SettledPrefix<string>((end) => commits.push(end));
    const [a, b, c] = ['a', 'b', 'c'].map((end) => prefix.next(end));
    a.settle();
    b.fail('write rejected');
    b.settle();
    c.settle();
    expect(commits).toEqual(['a']);
    expect(prefix.uncommitted()).toBe(2);
  });

  it('settling a position twice commits it once', () => {
    const commits: number[] = [];
    const prefix = new SettledPrefix<number>((end) => commits.push(end));
    const first = prefix.next(1);
    const second = prefix.next(2);
    first.settle();
    first.settle();
    second.settle();
    expect(commits).toEqual([1, 2]);
  });

  it('each growth names every position it passed, in order, and pending() lists the ones not yet committed', () => {
    const grown: [number, number[]][] = [];
    const prefix = new SettledPrefix<number>((end, passed) => grown.push([end, [...passed]]));
    const handles = [1, 2, 3, 4].map((end) => prefix.next(end));
    handles[2].settle();
    handles[1].settle();
    expect(grown).toEqual([]);
    expect(prefix.pending()).toEqual([1, 2, 3, 4]);
    handles[0].settle();
    expect(grown).toEqual([[3, [1, 2, 3]]]);
    expect(prefix.pending()).toEqual([4]);
  });
});
