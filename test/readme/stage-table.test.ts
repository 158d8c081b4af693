import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allStages } from '../../src/pipeline/registry.js';

/**
 * The README's stage table is the newcomer's map of the pipeline: every registered stage appears in it,
 * once, with its kind, and it names no stage that does not exist. A new stage fails this until documented.
 */
const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
const header = '| stage | kind | what it does |';

function stageTable(): { type: string; kind: string }[] {
  const start = readme.indexOf(header);
  expect(start).toBeGreaterThanOrEqual(0);
  const rows = readme.slice(start).split('\n').slice(2);
  const end = rows.findIndex((line) => !line.startsWith('|'));
  return rows.slice(0, end).flatMap((line) => {
    const [names, kind] = line.split('|').slice(1, 3);
    return [...names.matchAll(/`([a-z0-9-]+)`/g)].map((m) => ({ type: m[1], kind: kind.trim() }));
  });
}

describe('README stage table', () => {
  it('lists every registered stage once, with its kind, and nothing else', () => {
    const table = stageTable();
    const registered = allStages().map((d) => ({ type: d.type, kind: d.kind }));
    expect([...table].sort((a, b) => a.type.localeCompare(b.type))).toEqual([...registered].sort((a, b) => a.type.localeCompare(b.type)));
  });
});
