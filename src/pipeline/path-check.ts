import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { inspectModelDir } from '../artifact/model-layout.js';
import { PathError } from '../errors.js';
import { STDIO } from '../io/output-target.js';
import type { PipelineSpec, StageSpec } from './spec.js';

/** A path a pipeline touches, and what for. */
interface UsedPath {
  /** Absolute path as configured (relative ones resolved against the pipeline file folder). */
  path: string;
  /** Where it came from, for messages: `source.path`, `stages[0].saveTo`, the pipeline file. */
  origin: string;
}

/**
 * Refuses, before anything is read or written, a run that would destroy or alter the data it works on:
 * - an output (a sink's `path`) that is the input file or the pipeline file (the same regular file after
 *   following symlinks, or a hard link to it);
 * - a model directory to write (`saveTo`) that is the input or the pipeline file, or a folder holding
 *   either, or anything latentflow did not write (see artifact/model-layout.ts);
 * - an output inside a model directory the run writes or reads (it would make it a folder with user files).
 * Each is a PathError naming both paths. `-` (stdin/stdout) is not a path and is never checked.
 */
export async function checkPipelinePaths(spec: PipelineSpec): Promise<void> {
  const at = (s: StageSpec, key: string): UsedPath | undefined => {
    const value = s.params[key];
    if (typeof value !== 'string' || value === STDIO) return undefined;
    return { path: path.resolve(spec.baseDir, value), origin: `${s.id}.${key}` };
  };
  const inputs = [at(spec.source, 'path')].filter(isDefined);
  const isFile = path.basename(spec.file) !== '<inline>';
  const protectedPaths = isFile ? [...inputs, { path: path.resolve(spec.file), origin: 'the pipeline file' }] : inputs;
  const outputs = [at(spec.sink, 'path')].filter(isDefined);
  const stageIds = new Set([spec.source, ...spec.stages, spec.sink].map((s) => s.id));
  const writtenModels = spec.stages.map((s) => at(s, 'saveTo')).filter(isDefined);
  // `model` names a fit stage of this run or a model directory; only the latter is a path.
  const readModels = [...spec.stages, spec.sink]
    .filter((s) => typeof s.params.model === 'string' && !stageIds.has(s.params.model))
    .map((s) => at(s, 'model'))
    .filter(isDefined);

  for (const out of outputs) {
    for (const used of protectedPaths) {
      if (await isSameFile(out.path, used.path)) {
        throw new PathError(out.path, `the output (${out.origin}) is ${used.origin} (${used.path}); writing it would replace what is being read; write to another path`, {
          conflictsWith: used.path,
        });
      }
    }
  }
  for (const model of writtenModels) {
    const dir = await canonical(model.path);
    for (const used of protectedPaths) {
      const file = await canonical(used.path);
      if (file === dir || isInside(file, dir)) {
        const relation = file === dir ? 'is' : 'holds';
        throw new PathError(model.path, `the model directory (${model.origin}) ${relation} ${used.origin} (${used.path}); saving a model there would replace it; choose a new or empty folder`, {
          conflictsWith: used.path,
        });
      }
    }
    await inspectModelDir(model.path);
  }
  for (const out of outputs) {
    const file = await canonical(out.path);
    for (const model of [...writtenModels, ...readModels]) {
      const dir = await canonical(model.path);
      if (file === dir || isInside(file, dir)) {
        throw new PathError(out.path, `the output (${out.origin}) is inside the model directory ${model.path} (${model.origin}); a model directory holds only the model; write the output elsewhere`, {
          conflictsWith: model.path,
        });
      }
    }
  }
}

function isDefined<T>(x: T | undefined): x is T {
  return x !== undefined;
}

/** `p` with every symlink resolved as far as the path exists; the missing tail is appended as written. */
async function canonical(p: string): Promise<string> {
  try {
    return await realpath(p);
  } catch {
    const parent = path.dirname(p);
    return parent === p ? p : path.join(await canonical(parent), path.basename(p));
  }
}

/**
 * The same existing regular file: same device and inode after following symlinks, so hard links and
 * symlinks compare equal. Devices and pipes are not data at rest (`-i /dev/stdin -o /dev/stdout` on one
 * terminal is fine), and a path that does not exist yet cannot be the input.
 */
async function isSameFile(a: string, b: string): Promise<boolean> {
  try {
    const [sa, sb] = await Promise.all([stat(a), stat(b)]);
    return sa.isFile() && sb.isFile() && sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel);
}
