import { tableFromArrays } from 'apache-arrow';
import { z } from 'zod';
import { beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/pipeline/runner.js';
import type { PipelineSpec } from '../../src/pipeline/spec.js';
import type { Sink, Source, StageDefinition } from '../../src/contract/stage.js';
import { selectBackend } from '../../src/runtime/backend.js';
import { inlinePipeline, inlineStage } from '../helpers/inline-spec.js';

/**
 * The ops endpoint (issue 15 item 5) over real HTTP while a run goes on: /metrics in Prometheus text with
 * the run's rows, every stage's numbers and the batch settle histogram; /readyz follows the source's
 * readiness; /healthz answers while the run lasts; the port is closed once the run has ended.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function spec(control: { ready: boolean; stop: boolean }): PipelineSpec {
  const source: StageDefinition = {
    type: 'test-stream',
    kind: 'source',
    description: 'test source',
    params: z.object({}),
    isUnbounded: true,
    create(_p, ctx) {
      let read = 0;
      return {
        kind: 'source',
        async *batches() {
          for (let i = 0; !control.stop && !ctx.drain.aborted; i++) {
            await sleep(10);
            read += 5;
            yield ctx.acks.attach(tableFromArrays({ x: Float64Array.from({ length: 5 }, () => i) }).batches[0], { settle() {}, fail() {} });
          }
        },
        stats: () => ({ read, deadLetters: { 'invalid-json': 2 }, lagByPartition: { 'events.v1/0': 7, 'events.v1/1': 0 } }),
        isReady: () => control.ready,
        async close() {},
      } satisfies Source;
    },
  };
  const sink: StageDefinition = {
    type: 'test-sink',
    kind: 'sink',
    description: 'test sink',
    params: z.object({}),
    create(_p, ctx) {
      return {
        kind: 'sink',
        async write(input) {
          let rows = 0;
          for await (const b of input) {
            rows += b.numRows;
            ctx.acks.settle(b);
          }
          return { rows, batches: 0 };
        },
        async close() {},
      } satisfies Sink;
    },
  };
  return inlinePipeline('ops', { source: inlineStage('src', source), sink: inlineStage('out', sink) }, { ops: { port: 0, host: '127.0.0.1' } });
}

describe('ops endpoint', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('serves /metrics, /readyz and /healthz during the run, then closes', async () => {
    const control = { ready: false, stop: false };
    let url = '';
    const run = runPipeline(spec(control), { onOpsListening: (u) => (url = u) });
    while (url === '') await sleep(5);
    await sleep(100);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    control.ready = true;
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect((await fetch(`${url}/nowhere`)).status).toBe(404);
    const res = await fetch(`${url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const value = (line: RegExp) => Number(text.split('\n').find((l) => line.test(l))?.split(' ').pop());
    expect(value(/^latentflow_rows_total\{pipeline="ops"\} /)).toBeGreaterThan(0);
    expect(value(/^latentflow_stage_value\{stage="src",type="test-stream",name="read",pipeline="ops"\} /)).toBeGreaterThan(0);
    expect(value(/^latentflow_stage_value\{stage="src",type="test-stream",name="deadLetters.invalid-json",pipeline="ops"\} /)).toBe(2);
    expect(value(/^latentflow_kafka_consumer_lag\{stage="src",topic="events.v1",partition="0",pipeline="ops"\} /)).toBe(7);
    expect(value(/^latentflow_batch_settle_seconds_count\{pipeline="ops"\} /)).toBeGreaterThan(0);
    expect(text).toMatch(/^latentflow_tensors\{pipeline="ops"\} \d+$/m);
    expect(text).toMatch(/^process_resident_memory_bytes\{pipeline="ops"\} \d+/m);
    control.stop = true;
    await run;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('a port in use fails the run with E_OPS naming the address, before any stage starts', async () => {
    const control = { ready: true, stop: false };
    let url = '';
    const first = runPipeline(spec(control), { onOpsListening: (u) => (url = u) });
    while (url === '') await sleep(5);
    const taken = spec(control);
    taken.ops = { port: Number(new URL(url).port), host: '127.0.0.1' };
    await expect(runPipeline(taken)).rejects.toMatchObject({ code: 'E_OPS', message: expect.stringMatching(/cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/) });
    control.stop = true;
    await first;
  });
});
