import { describe, expect, it } from 'vitest';
import { SpecError } from '../../src/errors.js';
import { definePipeline, parsePipelines } from '../../src/pipeline/spec.js';

const valid = `name: t
seed: 3
source:
  type: csv-source
  path: in.csv
stages:
  - type: pca-fit
    id: p
    k: 2
  - type: score
    model: p
sink:
  type: csv-sink
  path: out.csv
`;

function specError(fn: () => unknown): SpecError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return error as SpecError;
  }
  throw new Error('expected a SpecError');
}

describe('pipeline spec', () => {
  it('parses a valid pipeline into typed stages with defaults filled in', () => {
    const [spec] = parsePipelines(valid, '/tmp/x/p.yaml');
    expect(spec.name).toBe('t');
    expect(spec.seed).toBe(3);
    expect(spec.baseDir).toBe('/tmp/x');
    expect(spec.stages.map((s) => s.id)).toEqual(['p', 'score']);
    expect(spec.stages[0].params).toMatchObject({ k: 2, scaler: 'standard', features: 'numeric', onMissing: 'error' });
    expect(spec.stages[1].params).toMatchObject({ column: 'score', featureErrors: false });
  });

  it('reports an unknown key at its file:line:column with a suggestion', () => {
    const text = valid.replace('    k: 2\n', '    k: 2\n    varianceFractoin: 0.9\n');
    const e = specError(() => parsePipelines(text, 'p.yaml'));
    expect(e.line).toBe(10);
    expect(e.column).toBe(5);
    expect(e.path).toBe('stages[0].varianceFractoin');
    expect(e.message).toContain('p.yaml:10:5');
    expect(e.message).toContain('did you mean "varianceFraction"');
  });

  it('reports a wrong type at the value with the key path', () => {
    const e = specError(() => parsePipelines(valid.replace('k: 2', 'k: two'), 'p.yaml'));
    expect(e.line).toBe(9);
    expect(e.column).toBe(8);
    expect(e.path).toBe('stages[0].k');
    expect(e.message).toMatch(/expected number/);
  });

  it('names an unknown stage type and suggests the closest registered one', () => {
    const e = specError(() => parsePipelines(valid.replace('type: pca-fit', 'type: pca-fitt'), 'p.yaml'));
    expect(e.line).toBe(7);
    expect(e.column).toBe(11);
    expect(e.message).toContain('unknown stage type "pca-fitt"; did you mean "pca-fit"?');
  });

  it('rejects a sink used as a source', () => {
    const e = specError(() => parsePipelines(valid.replace('type: csv-source', 'type: csv-sink'), 'p.yaml'));
    expect(e.message).toContain('"csv-sink" is a sink, not a source');
  });

  it('reports YAML syntax errors with their position', () => {
    const e = specError(() => parsePipelines('source: [a, b\nsink: 1\n', 'bad.yaml'));
    expect(e.message).toMatch(/^bad\.yaml:\d+:\d+: YAML syntax/);
  });

  it('reports a missing required param at the stage', () => {
    const e = specError(() => parsePipelines(valid.replace('    model: p\n', ''), 'p.yaml'));
    expect(e.path).toBe('stages[1].model');
    expect(e.line).toBe(10);
    expect(e.column).toBe(5);
  });

  it('runs several documents as ordered steps', () => {
    const specs = parsePipelines(`${valid}---\n${valid.replace('name: t', 'name: u')}`, 'p.yaml');
    expect(specs.map((s) => s.name)).toEqual(['t', 'u']);
  });

  it('rejects duplicate stage ids', () => {
    const text = valid.replace('  - type: score\n', '  - type: score\n    id: p\n');
    expect(specError(() => parsePipelines(text, 'p.yaml')).message).toContain('duplicate stage id "p"');
  });

  it('validates plain objects for library use with the key path', () => {
    const e = specError(() =>
      definePipeline({ source: { type: 'csv-source', path: 'a.csv' }, stages: [{ type: 'threshold' }], sink: { type: 'null-sink' } }),
    );
    expect(e.message).toContain('set exactly one of `model`');
  });
});
