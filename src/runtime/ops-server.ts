import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { LatentflowError } from '../errors.js';
import type { Logger } from './logger.js';
import * as tf from './tf.js';

/** Where the operations endpoint listens: the `ops` key of a pipeline and the monitor's `ops` option. */
export const opsParam = z
  .strictObject({
    port: z.number().int().min(0).max(65_535).describe('TCP port (0 picks a free one, logged)'),
    host: z.string().min(1).default('0.0.0.0').describe("Address to bind (0.0.0.0: every interface, as an orchestrator's probes need)"),
  })
  .nullable()
  .default(null)
  .describe('Serve /metrics (Prometheus), /healthz and /readyz over HTTP while the run lasts, for long-running pipelines; null = none');

/** Where the operations endpoint listens. */
export type OpsAddress = NonNullable<z.output<typeof opsParam>>;

/** What a stage reported, as the endpoint reads it (the runner's `StageReport`). */
interface StageCounters {
  id: string;
  type: string;
  stats?: Record<string, unknown>;
}

/** What the endpoint reads from the run at each scrape. */
export interface OpsSource {
  pipeline: string;
  statistics(): { rows: number; batches: number; stages: StageCounters[] };
  /** `/readyz`: true once every stage is up and the source is reading (kafka-source: joined its group). */
  isReady(): boolean;
}

/** A running endpoint: its URL, a histogram for batch settle times, and `close`. */
export interface OpsServer {
  url: string;
  /** Records one batch's time from leaving its source to being settled by the sink (ms). */
  observeSettle(ms: number): void;
  close(): Promise<void>;
}

/** Upper bounds of the settle-time histogram (s): 5 ms to 10 s, where Kafka batches fall. */
const SETTLE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The HTTP operations endpoint of a long-running pipeline (issue 15): `/metrics` in Prometheus text format
 * (prom-client: the Node process metrics, the run's rows and batches, batch settle latency, live tensors,
 * and every number a stage reports in its stats as `latentflow_stage_value{stage,type,name}`, with Kafka
 * consumer lag per partition as `latentflow_kafka_consumer_lag`), `/healthz` (200 while the run is alive)
 * and `/readyz` (200 once the source reads, else 503). Each scrape reads the stages' counters afresh, so
 * nothing is kept between scrapes but the histogram. Its own registry: two runs in one process never mix.
 */
export async function startOpsServer(address: OpsAddress, run: OpsSource, logger: Logger): Promise<OpsServer> {
  // Loaded here, not at import: every run imports this module, few serve metrics (a quarter second at start).
  const { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } = await import('prom-client');
  const registry = new Registry();
  registry.setDefaultLabels({ pipeline: run.pipeline });
  collectDefaultMetrics({ register: registry });
  new Counter({
    name: 'latentflow_rows_total',
    help: 'Rows that reached the sink',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(run.statistics().rows);
    },
  });
  new Counter({
    name: 'latentflow_batches_total',
    help: 'Batches that reached the sink',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(run.statistics().batches);
    },
  });
  new Gauge({
    name: 'latentflow_stage_value',
    help: 'Every number a stage reports in its stats (rows, anomalies, commits, dead letters by reason, model version...), nested names joined by "."',
    labelNames: ['stage', 'type', 'name'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of run.statistics().stages) {
        for (const [name, value] of numbers(s.stats ?? {}, '')) {
          if (name.startsWith('lagByPartition.')) continue;
          this.set({ stage: s.id, type: s.type, name }, value);
        }
      }
    },
  });
  new Gauge({
    name: 'latentflow_kafka_consumer_lag',
    help: 'Records between the next offset to fetch and the high watermark, per assigned partition',
    labelNames: ['stage', 'topic', 'partition'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of run.statistics().stages) {
        const lag = s.stats?.lagByPartition;
        if (lag === null || typeof lag !== 'object') continue;
        for (const [key, value] of Object.entries(lag as Record<string, number>)) {
          const at = key.lastIndexOf('/');
          this.set({ stage: s.id, topic: key.slice(0, at), partition: key.slice(at + 1) }, value);
        }
      }
    },
  });
  new Gauge({
    name: 'latentflow_tensors',
    help: 'Live TensorFlow.js tensors (flat on a healthy stream)',
    registers: [registry],
    collect() {
      this.set(tf.memory().numTensors);
    },
  });
  const settle = new Histogram({
    name: 'latentflow_batch_settle_seconds',
    help: 'Time from a batch leaving its source until the sink confirmed its writes',
    buckets: SETTLE_BUCKETS,
    registers: [registry],
  });

  const server: Server = createServer((req, res) => {
    const route = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'method not allowed\n');
    if (route === '/healthz') return reply(200, 'ok\n');
    if (route === '/readyz') return run.isReady() ? reply(200, 'ready\n') : reply(503, 'not ready\n');
    if (route !== '/metrics') return reply(404, 'not found: /metrics, /healthz, /readyz\n');
    registry.metrics().then(
      (text) => reply(200, text, registry.contentType),
      (error: unknown) => {
        logger.warn({ err: error }, 'ops endpoint: metrics collection failed');
        reply(500, 'metrics collection failed\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new LatentflowError('E_OPS', `ops endpoint: cannot listen on ${address.host}:${address.port} (${error.code ?? error.message}); choose another ops.port`, { cause: error })),
    );
    server.listen(address.port, address.host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound.port}`;
  logger.info({ url, routes: ['/metrics', '/healthz', '/readyz'] }, `ops endpoint listening on ${address.host}:${bound.port}`);
  return {
    url,
    observeSettle: (ms) => settle.observe(ms / 1000),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Every finite number (booleans as 0 / 1) in a stats object, nested keys joined by ".". */
function* numbers(value: Record<string, unknown>, prefix: string): Generator<[string, number]> {
  for (const [key, v] of Object.entries(value)) {
    const name = `${prefix}${key}`;
    if (typeof v === 'number' && Number.isFinite(v)) yield [name, v];
    else if (typeof v === 'boolean') yield [name, v ? 1 : 0];
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) yield* numbers(v as Record<string, unknown>, `${name}.`);
  }
}
