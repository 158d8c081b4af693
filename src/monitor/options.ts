import { z } from 'zod';
import { kafkaConnectionParams } from '../kafka/client.js';
import { nameRecord } from '../contract/name-record.js';
import { adaptiveThresholdParams } from '../stages/adaptive-threshold.js';
import { outputPrefixParam } from '../stages/shared/params.js';

/**
 * Everything `latentflow monitor` (and {@link runMonitor}) accepts. One schema validates the CLI options
 * and library calls and fills the defaults.
 */
export const monitorOptionsSchema = z.strictObject({
  ...kafkaConnectionParams,
  topic: z.string().min(1).describe('Input topic: JSON object values, one record per row to score'),
  groupId: z.string().min(1).describe('Consumer group; processes in the same group share the partitions'),
  model: z.string().min(1).describe('Model directory (latentflow fit -m); replaced atomically, it is reloaded between batches'),
  scoredTopic: z.string().min(1).optional().describe('Every scored record: its fields + score + is_anomaly (default <topic>.scored)'),
  anomaliesTopic: z.string().min(1).nullable().optional().describe('Only the flagged records (default <topic>.anomalies; null for none)'),
  deadLetterTopic: z.string().min(1).optional().describe('Records that cannot be parsed or scored, original bytes + reason headers (default <topic>.dead-letter)'),
  fields: nameRecord(z.string().min(1)).prefault({}).describe('JSON path (dotted) per feature when it is not the top-level field of the same name'),
  vectorField: z.string().min(1).optional().describe('JSON field holding all features as one array, in the model order'),
  hasCode: z.boolean().default(false).describe('Also append the latent code z0..z{k-1} to scored records'),
  outputPrefix: outputPrefixParam,
  adaptiveThreshold: z
    .strictObject(adaptiveThresholdParams)
    .optional()
    .describe('Flag by a streaming quantile of recent scores instead of the model threshold (which applies during warm-up)'),
  batchRows: z.number().int().positive().default(2000).describe('Records per batch (rows): scored, produced and committed together'),
  lingerMs: z.number().int().min(0).default(20).describe('Longest wait for a batch to fill (ms); bounds the latency added at low rates'),
  maxBufferedRows: z.number().int().positive().optional().describe('Records buffered before fetching pauses (rows; default 4 x batchRows)'),
  maxInFlightBatches: z.number().int().positive().default(4).describe('Batches sent and not yet acknowledged (the at-least-once window, with batchRows)'),
  fromBeginning: z.boolean().default(false).describe('A group with no committed offset starts at the oldest record (else only new records)'),
  sessionTimeoutMs: z.number().int().positive().default(30_000).describe('Group session timeout (ms): a silent member is removed after this long'),
  rebalanceTimeoutMs: z.number().int().positive().default(60_000).describe('Time members get to re-join during a rebalance (ms)'),
  heartbeatIntervalMs: z.number().int().positive().default(3000).describe('Heartbeat interval (ms), at most a third of the session timeout'),
  maxBytesPerPartition: z.number().int().positive().default(1_048_576).describe('Fetch size per partition (bytes)'),
  maxWaitTimeMs: z.number().int().positive().default(500).describe('Longest time a fetch waits at the broker for data (ms)'),
  deliveryTimeoutMs: z.number().int().positive().default(120_000).describe('Longest time to get a batch acknowledged, retries included (ms); then the monitor stops with exit 1'),
  drainTimeoutMs: z.number().int().positive().default(20_000).describe('Longest wait for batches in flight on shutdown or rebalance (ms)'),
  metricsIntervalMs: z.number().int().min(0).default(10_000).describe('Metrics log interval (ms); 0 logs only at exit'),
  reloadCheckMs: z.number().int().positive().default(1000).describe('How often the model directory is checked for a replacement (ms), besides fs.watch'),
  createTopics: z.boolean().default(false).describe('Create missing output topics (partitions as the input topic) instead of failing'),
  backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto').describe('TensorFlow.js backend'),
});

/** Options as given (defaults optional). */
export type MonitorOptionsInput = z.input<typeof monitorOptionsSchema>;
/** Options with defaults filled. */
export type MonitorOptions = z.output<typeof monitorOptionsSchema>;

/** The output topic names, defaults applied. */
export function outputTopics(o: MonitorOptions): { scored: string; anomalies?: string; deadLetter: string } {
  const anomalies = o.anomaliesTopic === undefined ? `${o.topic}.anomalies` : (o.anomaliesTopic ?? undefined);
  return {
    scored: o.scoredTopic ?? `${o.topic}.scored`,
    ...(anomalies !== undefined ? { anomalies } : {}),
    deadLetter: o.deadLetterTopic ?? `${o.topic}.dead-letter`,
  };
}
