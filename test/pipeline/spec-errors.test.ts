import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpecError } from '../../src/errors.js';
import { YAML_LIMITS, definePipeline, loadPipelineFile, loadYamlValue, parsePipelines } from '../../src/pipeline/spec.js';

/**
 * Pipeline spec errors point at `file:line:column` and the key path, and the spec's defaults (names, ids)
 * are derived as documented. Complements spec.test.ts.
 */

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-spec-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const minimal = 'source:\n  type: csv-source\n  path: in.csv\nsink:\n  type: null-sink\n';

function specError(fn: () => unknown): SpecError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return error as SpecError;
  }
  throw new Error('expected a SpecError');
}

async function asyncSpecError(p: Promise<unknown>): Promise<SpecError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SpecError);
  return error as SpecError;
}

describe('pipeline defaults', () => {
  it('the name defaults to the file name without .yaml or .yml; seed 42, backend auto, no stages', () => {
    const [a] = parsePipelines(minimal, '/pipes/fit-model.yaml');
    expect(a.name).toBe('fit-model');
    expect(a.seed).toBe(42);
    expect(a.backend).toBe('auto');
    expect(a.stages).toEqual([]);
    expect(a.file).toBe('/pipes/fit-model.yaml');
    expect(a.baseDir).toBe('/pipes');
    expect(parsePipelines(minimal, '/pipes/other.yml')[0].name).toBe('other');
    expect(parsePipelines(minimal, '/pipes/notes.yaml.txt')[0].name).toBe('notes.yaml.txt');
    expect(parsePipelines(`description: scores\nbackend: cpu\n${minimal}`, 'x.yaml')[0]).toMatchObject({ description: 'scores', backend: 'cpu' });
  });

  it('unnamed documents of a multi-document file are numbered; named ones keep their name', () => {
    const specs = parsePipelines(`${minimal}---\nname: second\n${minimal}---\n${minimal}`, '/p/steps.yaml');
    expect(specs.map((s) => s.name)).toEqual(['steps#1', 'second', 'steps#3']);
    // A single document is not numbered.
    expect(parsePipelines(`---\n${minimal}`, '/p/solo.yaml').map((s) => s.name)).toEqual(['solo']);
  });

  it('stage ids default to the type, numbered from 2 when the type repeats; a given id is kept', () => {
    const [spec] = parsePipelines(
      `${minimal}stages:\n  - type: slice\n  - type: slice\n    id: mine\n  - type: slice\n  - type: slice\n`,
      'p.yaml',
    );
    expect(spec.stages.map((s) => s.id)).toEqual(['slice', 'mine', 'slice-2', 'slice-3']);
    expect(spec.source.id).toBe('csv-source');
    expect(spec.sink.id).toBe('null-sink');
  });

  it('each stage records where it starts and where each of its params sits', () => {
    const [spec] = parsePipelines(`name: t\nsource:\n  type: csv-source\n  path: in.csv\n  batchRows: 10\nsink:\n  type: null-sink\n`, 'loc.yaml');
    expect(spec.source.location).toEqual({ file: 'loc.yaml', line: 3, column: 3, path: 'source' });
    expect(spec.source.paramLocations).toEqual({
      path: { file: 'loc.yaml', line: 4, column: 3, path: 'source.path' },
      batchRows: { file: 'loc.yaml', line: 5, column: 3, path: 'source.batchRows' },
    });
    expect(spec.source.params).toMatchObject({ path: 'in.csv', batchRows: 10 });
    expect(spec.source.params).not.toHaveProperty('type');
  });

  it('definePipeline resolves against the given folder and locates by key path only', () => {
    const spec = definePipeline({ source: { type: 'csv-source', path: 'a.csv' }, sink: { type: 'null-sink' } }, '/data/runs');
    expect(spec.file).toBe('/data/runs/<inline>');
    expect(spec.baseDir).toBe('/data/runs');
    expect(spec.name).toBe('<inline>');
    expect(spec.source.location).toEqual({ file: '<inline>', line: 0, column: 0, path: 'source' });
    expect(spec.source.paramLocations.path).toEqual({ file: '<inline>', line: 0, column: 0, path: 'source.path' });
    // The typo is a compile error too (issue 17 item 2); the SpecError is for plain JavaScript callers.
    // @ts-expect-error batchRow is not a csv-source param
    const e = specError(() => definePipeline({ source: { type: 'csv-source', path: 'a.csv', batchRow: 3 }, sink: { type: 'null-sink' } }, '/d'));
    expect(e).toMatchObject({ file: '<inline>', line: 0, column: 0, path: 'source.batchRow' });
    // @ts-expect-error rows is a number
    const nested = specError(() => definePipeline({ source: { type: 'csv-source', path: 'a.csv' }, stages: [{ type: 'slice' }, { type: 'slice', rows: 'x' }], sink: { type: 'null-sink' } }));
    expect(nested.path).toBe('stages[1].rows');
  });

  it('typed pipelines: a misspelt stage type, a wrong param type, a missing param or a stage of the wrong kind does not compile', () => {
    // Each @ts-expect-error fails `npm run typecheck` if the line compiles; the calls also fail at run time.
    // @ts-expect-error "csv-sorce" is no stage type (and path is a string)
    expect(() => definePipeline({ source: { type: 'csv-sorce', path: 1 }, sink: { type: 'null-sink' } })).toThrow(/unknown stage type "csv-sorce"; did you mean "csv-source"/);
    // @ts-expect-error csv-source needs a path
    expect(() => definePipeline({ source: { type: 'csv-source' }, sink: { type: 'null-sink' } })).toThrow(/path/);
    // @ts-expect-error a sink is no source
    expect(() => definePipeline({ source: { type: 'csv-sink', path: 'a.csv' }, sink: { type: 'null-sink' } })).toThrow(/"csv-sink" is a sink, not a source/);
    // @ts-expect-error codeSize is a number, in the model block
    expect(() => definePipeline({ source: { type: 'csv-source', path: 'a.csv' }, stages: [{ type: 'autoencoder-fit', model: { codeSize: 'two' } }], sink: { type: 'null-sink' } })).toThrow(/codeSize/);
    const ok = definePipeline({ source: { type: 'csv-source', path: 'a.csv' }, stages: [{ type: 'autoencoder-fit', id: 'ae', model: { codeSize: 2 } }, { type: 'score', model: 'ae' }], sink: { type: 'parquet-sink', path: 'b.parquet' } });
    expect(ok.stages.map((s) => s.type)).toEqual(['autoencoder-fit', 'score']);
  });
});

describe('spec errors name the place and the fix', () => {
  it('an unknown top-level key suggests the closest one and lists the allowed keys', () => {
    const e = specError(() => parsePipelines(`${minimal}stage: []\n`, 'p.yaml'));
    expect(e).toMatchObject({ line: 6, column: 1, path: 'stage' });
    expect(e.message).toBe(
      'p.yaml:6:1: unknown key "stage"; did you mean "stages"? (allowed: name, description, seed, backend, statsIntervalMs, ops, source, stages, sink) (at stage)',
    );
  });

  it('an unknown key far from every allowed one gets no suggestion', () => {
    const e = specError(() => parsePipelines(`${minimal}zzzzzzzz: 1\n`, 'p.yaml'));
    expect(e.message).toBe('p.yaml:6:1: unknown key "zzzzzzzz" (allowed: name, description, seed, backend, statsIntervalMs, ops, source, stages, sink) (at zzzzzzzz)');
  });

  it('an unknown stage param lists the stage params, type and id first', () => {
    const e = specError(() => parsePipelines('source:\n  type: csv-source\n  path: a.csv\nsink:\n  type: null-sink\n  path: x\n', 'p.yaml'));
    expect(e).toMatchObject({ line: 6, column: 3, path: 'sink.path' });
    expect(e.message).toBe('p.yaml:6:3: unknown key "path" (allowed: type, id) (at sink.path)');
  });

  it("an unknown key inside a nested block lists and suggests that block's keys, not the stage's", () => {
    const stage = (model: string) => `source: { type: csv-source, path: a.csv }\nstages:\n  - type: autoencoder-fit\n    model: ${model}\nsink: { type: null-sink }\n`;
    const typo = specError(() => parsePipelines(stage('{ budget: { step: 3 } }'), 'p.yaml'));
    expect(typo.message).toBe('p.yaml:4:24: unknown key "step"; did you mean "steps"? (allowed: steps, seconds) (at stages[0].model.budget.step)');
    const inModel = specError(() => parsePipelines(stage('{ hidenUnits: [8] }'), 'p.yaml'));
    expect(inModel.message).toMatch(/^p\.yaml:4:14: unknown key "hidenUnits"; did you mean "hiddenUnits"\? \(allowed: hiddenUnits, codeSize, /);
    expect(inModel.message).not.toContain('saveTo');
    // Inside one alternative of a union the schema's own message names the keys.
    const inUnion = specError(() => parsePipelines(stage('{ earlyStopping: { patiense: 1 } }'), 'p.yaml'));
    expect(inUnion.message).toContain('unknown key "patiense" (autoencoder: unknown option; expected one of patience, minDelta, minRelativeDelta)');
  });

  it('model.ensemble in YAML: a valid size is kept, a size out of [2, 16] is reported at its position', () => {
    const stage = (model: string) => `source: { type: csv-source, path: a.csv }\nstages:\n  - type: autoencoder-fit\n    model: ${model}\nsink: { type: null-sink }\n`;
    expect(parsePipelines(stage('{ ensemble: { size: 4 } }'), 'p.yaml')[0].stages[0].params.model).toMatchObject({ ensemble: { size: 4 } });
    const big = specError(() => parsePipelines(stage('{ ensemble: { size: 40 } }'), 'p.yaml'));
    expect(big).toMatchObject({ line: 4, path: 'stages[0].model.ensemble.size' });
    expect(big.message).toContain('size must be an integer in [2, 16], received 40');
  });

  it('suggestions ignore case and allow about one edit per three letters', () => {
    const upper = specError(() => parsePipelines(minimal.replace('type: null-sink', 'type: NULL-SINK'), 'p.yaml'));
    expect(upper.message).toContain('unknown stage type "NULL-SINK"; did you mean "null-sink"?');
    // "csv-snk" is one edit from csv-sink: suggested; "xyz" is nothing like any sink.
    expect(specError(() => parsePipelines(minimal.replace('null-sink', 'csv-snk'), 'p.yaml')).message).toContain('did you mean "csv-sink"?');
    const far = specError(() => parsePipelines(minimal.replace('null-sink', 'xyz'), 'p.yaml'));
    expect(far.message).toBe(
      'p.yaml:5:9: unknown stage type "xyz" (sinks: csv-sink, ipc-sink, parquet-sink, null-sink, image-grid-sink, histogram-sink, plot-sink, report-sink, kafka-sink, table-sink) (at sink.type)',
    );
    // Two edits in a short word ("nul-snk": 2 edits from null-sink, length 7 allows 2).
    expect(specError(() => parsePipelines(minimal.replace('null-sink', 'nul-snk'), 'p.yaml')).message).toContain('did you mean "null-sink"?');
    // Three edits in a 7-letter word are too many.
    expect(specError(() => parsePipelines(minimal.replace('null-sink', 'nu-sn'), 'p.yaml')).message).not.toContain('did you mean');
  });

  it('a stage of the wrong kind says what it is and lists the right kind, without a suggestion of another kind', () => {
    const e = specError(() => parsePipelines(`${minimal}stages:\n  - type: csv-source\n`, 'p.yaml'));
    expect(e).toMatchObject({ line: 7, column: 11, path: 'stages[0].type' });
    expect(e.message).toMatch(/^p\.yaml:7:11: "csv-source" is a source, not a transform \(transforms: scale, autoencoder-fit, /);
  });

  it('a bad stage id is reported at the id with the rule', () => {
    const e = specError(() => parsePipelines(`${minimal}stages:\n  - type: slice\n    id: 9lives\n`, 'p.yaml'));
    expect(e).toMatchObject({ line: 8, column: 9, path: 'stages[0].id' });
    expect(e.message).toContain('id: letters, digits, - and _, starting with a letter');
  });

  it('a duplicate given id is reported at the second one', () => {
    const e = specError(() => parsePipelines(`${minimal}stages:\n  - type: slice\n    id: a\n  - type: slice\n    id: a\n`, 'p.yaml'));
    expect(e).toMatchObject({ line: 10, column: 9, path: 'stages[1].id' });
    expect(e.message).toBe('p.yaml:10:9: duplicate stage id "a"; ids must be unique (at stages[1].id)');
  });

  it('a given id equal to a defaulted one is a duplicate too', () => {
    const e = specError(() => parsePipelines(`${minimal}stages:\n  - type: slice\n  - type: scale\n    id: slice\n`, 'p.yaml'));
    expect(e.message).toContain('duplicate stage id "slice"');
  });

  it('a document that is not a mapping is a pipeline-level error', () => {
    const e = specError(() => parsePipelines('5\n', 'p.yaml'));
    expect(e).toMatchObject({ line: 1, column: 1, path: '' });
    expect(e.message).toMatch(/^p\.yaml:1:1: pipeline: /);
  });

  it('a missing source is reported at the document with its key path', () => {
    const e = specError(() => parsePipelines('name: x\nsink:\n  type: null-sink\n', 'p.yaml'));
    expect(e).toMatchObject({ line: 1, column: 1, path: 'source' });
    expect(e.message).toMatch(/^p\.yaml:1:1: source: /);
  });

  it('a wrong value deep in a list is located at the value', () => {
    const e = specError(() => parsePipelines(`${minimal}stages:\n  - type: slice\n  - type: slice\n    offset: -3\n`, 'p.yaml'));
    expect(e).toMatchObject({ line: 9, column: 13, path: 'stages[1].offset' });
    expect(e.message).toMatch(/^p\.yaml:9:13: offset: /);
  });

  it('an empty file or one holding only comments is "the pipeline file is empty" at 1:1', () => {
    for (const text of ['', '# just a comment\n']) {
      const e = specError(() => parsePipelines(text, 'empty.yaml'));
      expect(e.message).toBe('empty.yaml:1:1: the pipeline file is empty');
    }
  });

  it('a YAML syntax error names its line and column and only the first line of the parser message', () => {
    const e = specError(() => parsePipelines(`${minimal}stages:\n  - type: slice\n   bad: [\n`, 'syn.yaml'));
    expect(e.file).toBe('syn.yaml');
    expect(e.line).toBeGreaterThanOrEqual(7);
    expect(e.column).toBeGreaterThan(0);
    expect(e.message).toMatch(/^syn\.yaml:\d+:\d+: YAML syntax: [^\n]+$/);
    expect(e.path).toBe('');
  });

  it('a duplicate key is a syntax error at the second one', () => {
    const e = specError(() => parsePipelines(`name: a\nname: b\n${minimal}`, 'dup.yaml'));
    expect(e.line).toBe(2);
    expect(e.column).toBe(1);
    expect(e.message).toMatch(/YAML syntax: .*unique/i);
  });
});

describe('YAML files under resource limits', () => {
  it('loadPipelineFile reads, parses and anchors the spec at the file', async () => {
    const file = path.join(dir, 'run.yaml');
    await writeFile(file, minimal);
    const [spec] = await loadPipelineFile(file);
    expect(spec.name).toBe('run');
    expect(spec.baseDir).toBe(dir);
  });

  it('a missing file is a SpecError naming it, at line 0', async () => {
    const file = path.join(dir, 'absent.yaml');
    const e = await asyncSpecError(loadPipelineFile(file));
    expect(e).toMatchObject({ file, line: 0, column: 0, path: '' });
    expect(e.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:0:0: cannot read pipeline file: ENOENT`));
    const v = await asyncSpecError(loadYamlValue(file));
    expect(v.message).toContain('cannot read YAML file: ENOENT');
  });

  it('a file over the byte limit is refused with its size; one at the limit is read', async () => {
    const big = path.join(dir, 'big.yaml');
    await writeFile(big, `#${'x'.repeat(YAML_LIMITS.maxBytes)}\n`);
    const e = await asyncSpecError(loadYamlValue(big));
    expect(e.message).toContain(`YAML file is ${YAML_LIMITS.maxBytes + 2} bytes, over the ${YAML_LIMITS.maxBytes}-byte limit for YAML; is this the right file?`);
    expect(e.file).toBe(big);
    const atLimit = path.join(dir, 'at-limit.yaml');
    const body = 'a: 1\n';
    await writeFile(atLimit, `${body}#${'x'.repeat(YAML_LIMITS.maxBytes - body.length - 2)}\n`);
    await expect(loadYamlValue(atLimit)).resolves.toEqual({ a: 1 });
  });

  it('loadYamlValue returns the plain value, null for an empty file, and refuses several documents', async () => {
    const one = path.join(dir, 'one.yaml');
    await writeFile(one, 'epochs: 5\nlayers: [4, 2]\n');
    await expect(loadYamlValue(one)).resolves.toEqual({ epochs: 5, layers: [4, 2] });
    const empty = path.join(dir, 'empty.yaml');
    await writeFile(empty, '');
    await expect(loadYamlValue(empty)).resolves.toBeNull();
    const two = path.join(dir, 'two.yaml');
    await writeFile(two, 'a: 1\n---\nb: 2\n');
    const e = await asyncSpecError(loadYamlValue(two));
    expect(e.message).toBe(`${two}:1:1: expected one YAML document, found 2`);
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, 'a: [1\n');
    expect((await asyncSpecError(loadYamlValue(bad))).message).toMatch(/YAML syntax/);
  });

  it('aliases that expand past the limit are a SpecError at the document, not a crash', async () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 6; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    const bomb = path.join(dir, 'bomb.yaml');
    await writeFile(bomb, `${levels.join('\n')}\n`);
    const e = await asyncSpecError(loadYamlValue(bomb));
    expect(e.message).toBe(
      `${bomb}:1:1: aliases expand to more than ${YAML_LIMITS.maxAliasCount} nodes (a YAML "billion laughs" expansion); write the values out or use fewer aliases`,
    );
    expect(specError(() => parsePipelines(`${levels.join('\n')}\n`, 'bomb.yaml')).message).toContain('"billion laughs"');
  });
});

describe('spec positions and limits, edge cases', () => {
  it('parsePipelines without a file name calls the text <inline> and anchors it at the working directory', () => {
    const [spec] = parsePipelines(minimal);
    expect(spec.file).toBe('<inline>');
    expect(spec.name).toBe('<inline>');
    expect(spec.baseDir).toBe(process.cwd());
    expect(specError(() => parsePipelines(`${minimal}zzzz: 1\n`)).message).toMatch(/^<inline>:6:1: unknown key "zzzz"/);
  });

  it('a long type three edits away is still suggested; a short one exactly one edit past the limit is not', () => {
    // "autoencdr-ft" (12 letters, 3 edits from autoencoder-fit): up to floor(12 / 3) = 4 edits are suggested.
    const long = specError(() => parsePipelines(`${minimal}stages:\n  - type: autoencdr-ft\n`, 'p.yaml'));
    expect(long.message).toContain('unknown stage type "autoencdr-ft"; did you mean "autoencoder-fit"?');
    // "csv-s" (5 letters) allows 2 edits; csv-sink is 3 away.
    const short = specError(() => parsePipelines(minimal.replace('null-sink', 'csv-s'), 'p.yaml'));
    expect(short.message).toMatch(/^p\.yaml:5:9: unknown stage type "csv-s" \(sinks: /);
  });

  it('a trailing document separator adds no step, and a file of only separators is empty', () => {
    const specs = parsePipelines(`${minimal}---\n`, '/p/one.yaml');
    expect(specs.map((s) => s.name)).toEqual(['one']);
    expect(parsePipelines(`---\n${minimal}---\n# done\n`, '/p/one.yaml').map((s) => s.name)).toEqual(['one']);
    expect(parsePipelines(`${minimal}---\n---\nname: second\n${minimal}`, '/p/two.yaml').map((s) => s.name)).toEqual(['two#1', 'second']);
    // Steps are numbered in order, empty documents not counted.
    expect(parsePipelines(`---\n${minimal}---\n---\n${minimal}`, '/p/two.yaml').map((s) => s.name)).toEqual(['two#1', 'two#2']);
    expect(specError(() => parsePipelines('---\n---\n', 'sep.yaml')).message).toBe('sep.yaml:1:1: the pipeline file is empty');
  });

  it('a document that is not a mapping is located where it starts, after leading comments', () => {
    const e = specError(() => parsePipelines('# notes\n\n5\n', 'p.yaml'));
    expect(e).toMatchObject({ line: 3, column: 1, path: '' });
  });

  it('a stage given as a YAML alias of another is parsed, its params located at the alias', () => {
    const [spec] = parsePipelines(`${minimal}stages:\n  - &t\n    type: slice\n    offset: 1\n  - *t\n`, 'p.yaml');
    expect(spec.stages.map((s) => [s.id, s.params.offset])).toEqual([
      ['slice', 1],
      ['slice-2', 1],
    ]);
    expect(spec.stages[0].paramLocations.offset).toEqual({ file: 'p.yaml', line: 9, column: 5, path: 'stages[0].offset' });
    expect(spec.stages[1].paramLocations.offset).toEqual({ file: 'p.yaml', line: 10, column: 5, path: 'stages[1].offset' });
  });

  it('an unknown key that is a number or empty in YAML is still a SpecError at its stage', () => {
    const numeric = specError(() => parsePipelines('source:\n  type: csv-source\n  path: a.csv\n  1: x\nsink:\n  type: null-sink\n', 'p.yaml'));
    expect(numeric).toMatchObject({ path: 'source.1' });
    expect(numeric.message).toContain('unknown key "1"');
    const empty = specError(() => parsePipelines('source:\n  type: csv-source\n  path: a.csv\n  ? \n  : x\nsink:\n  type: null-sink\n', 'p.yaml'));
    expect(empty.message).toContain('unknown key ""');
  });

  it('a YAML syntax error message is only the parser text, without its own position and excerpt', async () => {
    const fromText = specError(() => parsePipelines('a: [1\n', 'syn.yaml'));
    expect(fromText.message).toBe('syn.yaml:2:1: YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]');
    const bad = path.join(dir, 'syn.yaml');
    await writeFile(bad, 'a: [1\n');
    expect((await asyncSpecError(loadYamlValue(bad))).message).toBe(`${bad}:2:1: YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]`);
  });

  it('loadYamlValue refuses a duplicate key at the second one', async () => {
    const file = path.join(dir, 'dup-value.yaml');
    await writeFile(file, 'epochs: 1\nepochs: 2\n');
    const e = await asyncSpecError(loadYamlValue(file));
    expect(e).toMatchObject({ file, line: 2, column: 1, path: '' });
    expect(e.message).toMatch(/YAML syntax: .*unique/i);
  });

  it('the size refusal is reported as such at 0:0 with an empty key path, not as a read failure', async () => {
    const big = path.join(dir, 'big-pipeline.yaml');
    await writeFile(big, `#${'x'.repeat(YAML_LIMITS.maxBytes)}\n`);
    const e = await asyncSpecError(loadPipelineFile(big));
    expect(e).toMatchObject({ file: big, line: 0, column: 0, path: '' });
    expect(e.message).toBe(`${big}:0:0: pipeline file is ${YAML_LIMITS.maxBytes + 2} bytes, over the ${YAML_LIMITS.maxBytes}-byte limit for YAML; is this the right file?`);
  });

  it('a file that cannot be read keeps the file system error as cause', async () => {
    const e = await asyncSpecError(loadYamlValue(path.join(dir, 'nope.yaml')));
    expect((e.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('aliases expanding to a few hundred nodes are read; the bomb error sits at the document start and keeps the cause', async () => {
    const level = (i: number, items: string) => `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(items).join(', ')}]`;
    // Three levels of ten: 10 + 100 + 1000 values through 110 aliases, within the limit of 1000 (yaml's own default is 100).
    const three = [level(0, 'x'), level(1, '*a'), level(2, '*b')].join('\n');
    const ok = path.join(dir, 'aliases.yaml');
    await writeFile(ok, `${three}\n`);
    const value = (await loadYamlValue(ok)) as { c: unknown[][][] };
    expect(value.c.flat(2)).toHaveLength(1000);
    const bomb = [level(0, 'x'), ...[1, 2, 3, 4, 5].map((i) => level(i, `*${String.fromCharCode(96 + i)}`))].join('\n');
    const e = specError(() => parsePipelines(`# a comment first\n${bomb}\n`, 'bomb.yaml'));
    expect(e).toMatchObject({ line: 2, column: 1, path: '' });
    expect(e.message).toContain('"billion laughs"');
    expect(e.cause).toBeInstanceOf(Error);
  });
});
