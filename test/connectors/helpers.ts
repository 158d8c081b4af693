import { readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Table, type RecordBatch, type Vector } from 'apache-arrow';
import type { Sink, SinkSummary, Source, StageContext, StageDefinition } from '../../src/contract/stage.js';
import { collect, fromArray, testContext } from '../helpers/context.js';

/** A fresh folder under the OS temp dir; `cleanup` removes it. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-connectors-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The targets of this process's open file descriptors (Linux /proc; deleted files end in " (deleted)"). */
function openFdTargets(): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      out.push(readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // The fd used by readdir itself is gone by now.
    }
  }
  return out;
}

/** How many of this process's file descriptors point at `file`. */
export function openFdsTo(file: string): number {
  return openFdTargets().filter((t) => t === file).length;
}

/** How many of this process's file descriptors point at something inside `dir` (also deleted files). */
export function openFdsUnder(dir: string): number {
  return openFdTargets().filter((t) => t.startsWith(dir + path.sep)).length;
}

/** Creates a source from raw params (validated by its schema), reads every batch and closes it. */
export async function readAll(def: StageDefinition<'source'>, params: Record<string, unknown>, ctx: StageContext = testContext()): Promise<RecordBatch[]> {
  const source = def.create(def.params.parse(params), ctx) as Source;
  try {
    return await collect(source.batches());
  } finally {
    await source.close();
  }
}

/** Creates a sink from raw params, writes `input` (an array or an async iterable) and closes it. */
export async function writeAll(
  def: StageDefinition<'sink'>,
  params: Record<string, unknown>,
  input: readonly RecordBatch[] | AsyncIterable<RecordBatch>,
  ctx: StageContext = testContext(),
): Promise<SinkSummary> {
  const sink = def.create(def.params.parse(params), ctx) as Sink;
  try {
    return await sink.write(Symbol.asyncIterator in input ? (input as AsyncIterable<RecordBatch>) : fromArray(input as readonly RecordBatch[]));
  } finally {
    await sink.close();
  }
}

/** Every value of column `name` across `batches`, in row order (Arrow `get` values). */
export function values(batches: readonly RecordBatch[], name: string): unknown[] {
  const out: unknown[] = [];
  for (const b of batches) {
    const column = b.getChild(name);
    if (column === null) throw new Error(`no column ${name}`);
    for (let i = 0; i < b.numRows; i++) out.push(column.get(i));
  }
  return out;
}

/** `name: Type` of every field, for comparing schemas across formats. */
export function typesOf(batch: RecordBatch): string[] {
  return batch.schema.fields.map((f) => `${f.name}: ${String(f.type)}`);
}

/** The error `promise` rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** One batch from named Arrow vectors (all the same length). */
export function batchOf(columns: Record<string, Vector>): RecordBatch {
  return new Table(columns).batches[0] as unknown as RecordBatch;
}
