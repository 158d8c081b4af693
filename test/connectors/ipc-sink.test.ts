import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Utf8, makeVector, tableFromIPC, vectorFromArray } from 'apache-arrow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ipcSink } from '../../src/connectors/ipc-sink.js';
import { batchOf, tempDir, writeAll } from './helpers.js';

// What ipc-sink's own options do; atomic-sinks.test.ts and round-trip.test.ts cover what every file sink shares.
describe('ipc-sink', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => cleanup());

  const batches = [0, 1].map((b) => batchOf({ id: vectorFromArray([`r${2 * b}`, `r${2 * b + 1}`], new Utf8()), x: makeVector(Float64Array.from([b, b + 0.5])) }));

  it('format: file writes the random-access IPC file (ARROW1 magic at both ends), every batch in order', async () => {
    const target = path.join(dir, 'out.arrow');
    await writeAll(ipcSink, { path: target }, batches);
    const bytes = await readFile(target);
    expect(bytes.subarray(0, 6).toString('latin1')).toBe('ARROW1');
    expect(bytes.subarray(bytes.length - 6).toString('latin1')).toBe('ARROW1');
    const table = tableFromIPC(bytes);
    expect(table.batches.length).toBe(2);
    expect(table.getChild('id')!.toArray()).toEqual(['r0', 'r1', 'r2', 'r3']);
    expect(Array.from(table.getChild('x')!.toArray() as Float64Array)).toEqual([0, 0.5, 1, 1.5]);
  });

  it('format: stream writes the sequential IPC stream (a continuation marker first, no file magic), readable the same', async () => {
    const target = path.join(dir, 'out.arrows');
    await writeAll(ipcSink, { path: target, format: 'stream' }, batches);
    const bytes = await readFile(target);
    expect(bytes.readUInt32LE(0)).toBe(0xffffffff);
    expect(bytes.subarray(0, 6).toString('latin1')).not.toBe('ARROW1');
    expect(tableFromIPC(bytes).getChild('id')!.toArray()).toEqual(['r0', 'r1', 'r2', 'r3']);
  });
});
