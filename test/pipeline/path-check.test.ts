import { link, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PathError } from '../../src/errors.js';
import { checkPipelinePaths } from '../../src/pipeline/path-check.js';
import { parsePipelines, validatePipelineValue } from '../../src/pipeline/spec.js';

/**
 * The run-level path checks, in process (the CLI tests in test/robustness/paths.test.ts show the same
 * through the built binary): a run that would overwrite its input, its pipeline file, or a folder that is
 * not a model directory is refused with a PathError naming both paths, before anything is touched.
 */

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-pathcheck-'));
  await writeFile(path.join(dir, 'in.csv'), 'a,b\n1,2\n');
  await symlink('in.csv', path.join(dir, 'alias.csv'));
  await link(path.join(dir, 'in.csv'), path.join(dir, 'hard.csv'));
  await mkdir(path.join(dir, 'data'));
  await writeFile(path.join(dir, 'data', 'train.csv'), 'a,b\n1,2\n');
  await symlink('data', path.join(dir, 'data-link'));
  await mkdir(path.join(dir, 'user-folder'));
  await writeFile(path.join(dir, 'user-folder', 'notes.txt'), 'mine');
  await mkdir(path.join(dir, 'model'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Parts = { input?: string; sinkPath?: string; saveTo?: string; model?: string };

function spec({ input = 'in.csv', sinkPath, saveTo, model }: Parts) {
  const stages: Record<string, unknown>[] = [];
  if (saveTo !== undefined) stages.push({ type: 'pca-fit', id: 'fit', k: 1, saveTo });
  if (model !== undefined) stages.push({ type: 'score', model });
  return validatePipelineValue(
    { source: { type: 'csv-source', path: input }, stages, sink: sinkPath === undefined ? { type: 'null-sink' } : { type: 'csv-sink', path: sinkPath } },
    dir,
  );
}

async function refusal(p: Promise<void>): Promise<PathError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PathError);
  return error as PathError;
}

const at = (...parts: string[]) => path.join(dir, ...parts);

describe('checkPipelinePaths', () => {
  it('accepts distinct input, output and a new model directory, and touches nothing', async () => {
    const before = (await readdir(dir)).sort();
    await expect(checkPipelinePaths(spec({ sinkPath: 'out/scored.csv', saveTo: 'new-model' }))).resolves.toBeUndefined();
    await expect(checkPipelinePaths(spec({ sinkPath: 'scored.csv', saveTo: 'model' }))).resolves.toBeUndefined();
    expect((await readdir(dir)).sort()).toEqual(before);
  });

  it('stdin and stdout (-) are not paths and are never checked', async () => {
    await expect(checkPipelinePaths(spec({ input: '-', sinkPath: '-' }))).resolves.toBeUndefined();
  });

  it('an output that is the input (same path, a symlink or a hard link to it) is refused, naming both', async () => {
    for (const out of ['in.csv', './in.csv', 'alias.csv', 'hard.csv']) {
      const e = await refusal(checkPipelinePaths(spec({ sinkPath: out })));
      expect(e.path).toBe(at(out));
      expect(e.conflictsWith).toBe(at('in.csv'));
      expect(e.message).toBe(`${at(out)}: the output (csv-sink.path) is csv-source.path (${at('in.csv')}); writing it would replace what is being read; write to another path`);
    }
    // Reading through the link and writing the file is the same file too.
    const e = await refusal(checkPipelinePaths(spec({ input: 'alias.csv', sinkPath: 'in.csv' })));
    expect(e.conflictsWith).toBe(at('alias.csv'));
  });

  it('a device is not data at rest: reading and writing /dev/null is allowed', async () => {
    await expect(checkPipelinePaths(spec({ input: '/dev/null', sinkPath: '/dev/null' }))).resolves.toBeUndefined();
  });

  it('an output that is the pipeline file is refused; an inline pipeline has no file to protect', async () => {
    const file = at('run.yaml');
    const yaml = `source:\n  type: csv-source\n  path: in.csv\nsink:\n  type: csv-sink\n  path: run.yaml\n`;
    await writeFile(file, yaml);
    const [fromFile] = parsePipelines(yaml, file);
    const e = await refusal(checkPipelinePaths(fromFile));
    expect(e.message).toBe(`${file}: the output (csv-sink.path) is the pipeline file (${file}); writing it would replace what is being read; write to another path`);
    expect(e.conflictsWith).toBe(file);
    // definePipeline names its file `<inline>`: a data file that happens to have that name is not the pipeline.
    await writeFile(at('<inline>'), 'a\n1\n');
    await expect(checkPipelinePaths(spec({ sinkPath: '<inline>' }))).resolves.toBeUndefined();
    await rm(at('<inline>'));
  });

  it('a model directory that is the input, or holds it (also through a symlink), is refused before it is inspected', async () => {
    const same = await refusal(checkPipelinePaths(spec({ saveTo: 'in.csv' })));
    expect(same.message).toBe(
      `${at('in.csv')}: the model directory (fit.saveTo) is csv-source.path (${at('in.csv')}); saving a model there would replace it; choose a new or empty folder`,
    );
    expect(same.conflictsWith).toBe(at('in.csv'));
    const parent = await refusal(checkPipelinePaths(spec({ input: 'data/train.csv', saveTo: 'data' })));
    expect(parent.message).toContain('the model directory (fit.saveTo) holds csv-source.path');
    const viaLink = await refusal(checkPipelinePaths(spec({ input: 'data/train.csv', saveTo: 'data-link' })));
    expect(viaLink.message).toContain('holds csv-source.path');
    const grandParent = await refusal(checkPipelinePaths(spec({ input: 'data/train.csv', saveTo: '.' })));
    expect(grandParent.path).toBe(dir);
    expect(grandParent.message).toContain('holds csv-source.path');
  });

  it('a model directory next to the input with a similar name is not its parent', async () => {
    await expect(checkPipelinePaths(spec({ input: 'data/train.csv', saveTo: 'dat' }))).resolves.toBeUndefined();
    await expect(checkPipelinePaths(spec({ input: 'data/train.csv', saveTo: 'data2' }))).resolves.toBeUndefined();
  });

  it('a model directory holding the pipeline file is refused', async () => {
    const file = at('data', 'fit.yaml');
    const yaml = `source:\n  type: csv-source\n  path: ../in.csv\nstages:\n  - type: pca-fit\n    k: 1\n    saveTo: .\nsink:\n  type: null-sink\n`;
    const [s] = parsePipelines(yaml, file);
    const e = await refusal(checkPipelinePaths(s));
    expect(e.message).toContain(`holds the pipeline file (${file})`);
  });

  it('a model path holding a user folder is refused by the model-layout check', async () => {
    const e = await refusal(checkPipelinePaths(spec({ saveTo: 'user-folder' })));
    expect(e.message).toContain('not part of a latentflow model ("notes.txt")');
  });

  it('an output inside a model directory the run writes or reads is refused; a stage id is not a path', async () => {
    const written = await refusal(checkPipelinePaths(spec({ saveTo: 'model', sinkPath: 'model/scored.csv' })));
    expect(written.message).toBe(
      `${at('model', 'scored.csv')}: the output (csv-sink.path) is inside the model directory ${at('model')} (fit.saveTo); a model directory holds only the model; write the output elsewhere`,
    );
    expect(written.conflictsWith).toBe(at('model'));
    const read = await refusal(checkPipelinePaths(spec({ model: 'model', sinkPath: 'model/deep/scored.csv' })));
    expect(read.message).toContain('(score.model)');
    const isModel = await refusal(checkPipelinePaths(spec({ model: 'model', sinkPath: 'model' })));
    expect(isModel.message).toContain('is inside the model directory');
    // `model: fit` names the fit stage of this run; a file called fit/out.csv is just an output.
    await expect(checkPipelinePaths(spec({ saveTo: 'new-model-2', model: 'fit', sinkPath: 'fit/out.csv' }))).resolves.toBeUndefined();
    await expect(checkPipelinePaths(spec({ model: 'model', sinkPath: 'model-scores.csv' }))).resolves.toBeUndefined();
  });

  it('stdin as input with a file output, and - as a model, are not checked, even beside a file named -', async () => {
    await writeFile(at('-'), 'a\n1\n');
    try {
      await expect(checkPipelinePaths(spec({ input: '-', sinkPath: '-' }))).resolves.toBeUndefined();
      await expect(checkPipelinePaths(spec({ input: '-', sinkPath: 'out.csv', saveTo: 'new-model' }))).resolves.toBeUndefined();
      await expect(checkPipelinePaths(spec({ model: '-', sinkPath: 'out.csv' }))).resolves.toBeUndefined();
    } finally {
      await rm(at('-'));
    }
  });

  it('an output replacing an existing file is allowed when the input is a device', async () => {
    await writeFile(at('previous.csv'), 'a\n1\n');
    await expect(checkPipelinePaths(spec({ input: '/dev/null', sinkPath: 'previous.csv' }))).resolves.toBeUndefined();
  });

  it('paths that do not exist yet are compared after resolving the symlinks of the part that exists', async () => {
    // data-link -> data: the output data-link/new/out.csv is inside the model directory data/new to be written.
    const e = await refusal(checkPipelinePaths(spec({ saveTo: 'data/new', sinkPath: 'data-link/new/out.csv' })));
    expect(e.message).toContain(`is inside the model directory ${at('data', 'new')} (fit.saveTo)`);
  });

  it('the folder above a model directory is not inside it', async () => {
    await expect(checkPipelinePaths(spec({ saveTo: 'runs/m', sinkPath: 'runs' }))).resolves.toBeUndefined();
  });
});
