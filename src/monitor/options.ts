import { z } from 'zod';
import { kafkaConnectionParams } from '../kafka/client.js';
import { kafkaSinkFields } from '../connectors/kafka-sink.js';
import { kafkaSourceFields } from '../connectors/kafka-source.js';
import { opsParam } from '../runtime/ops-server.js';
import { adaptiveThresholdParams } from '../models/adaptive-threshold-options.js';
import { driftRuleParams } from '../models/drift-options.js';
import { conformalRuleParam, outputPrefixParam } from '../stages/shared/params.js';

const source = kafkaSourceFields;
const sink = kafkaSinkFields;

/**
 * Everything `latentflow monitor` (and {@link runMonitor}) accepts. One schema validates the CLI options
 * and library calls and fills the defaults. The consumer options are kafka-source's and the producer
 * options kafka-sink's (same names, same defaults); only what the monitor adds is declared here.
 */
export const monitorOptionsSchema = z.strictObject({
  ...kafkaConnectionParams,
  topic: z.string().min(1).describe('Input topic: JSON object values, one record per row to score'),
  groupId: source.groupId,
  model: z.string().min(1).describe('Model directory (latentflow fit -m); replaced atomically, it is reloaded between batches'),
  scoredTopic: z.string().min(1).optional().describe('Every scored record: its fields + score + is_anomaly (default <topic>.scored)'),
  anomaliesTopic: z.string().min(1).nullable().optional().describe('Only the flagged records (default <topic>.anomalies; null for none)'),
  deadLetterTopic: z.string().min(1).optional().describe('Records that cannot be parsed or scored, original bytes + reason headers (default <topic>.dead-letter)'),
  fields: source.fields,
  vectorField: source.vectorField,
  hasCode: z.boolean().default(false).describe('Also append the latent code z0..z{k-1} to scored records'),
  outputPrefix: outputPrefixParam,
  adaptiveThreshold: z
    .strictObject(adaptiveThresholdParams)
    .optional()
    .describe('Flag by a streaming quantile of recent scores instead of the model threshold (which applies during warm-up)'),
  drift: z
    .strictObject({
      ...driftRuleParams,
      alertsTopic: z.string().min(1).optional().describe('Topic for drift events (JSON), produced with the batch that closed the window'),
    })
    .optional()
    .describe('Compare windows of records with the training distribution saved in the model (PSI per feature and score, KS of scores); drifted windows are warnings, metrics and optional alerts'),
  pValueRule: conformalRuleParam
    .optional()
    .describe("Flag by conformal p-value against the model's calibration scores (fit with calibrationSplit) instead of its threshold, appending p_value: {method: fpr, alpha} or {method: fdr, q} (Benjamini-Hochberg over each batch)"),
  batchRows: source.batchRows,
  lingerMs: source.lingerMs,
  maxBufferedRows: source.maxBufferedRows,
  maxInFlightBatches: sink.maxInFlightBatches,
  fromBeginning: source.fromBeginning,
  sessionTimeoutMs: source.sessionTimeoutMs,
  rebalanceTimeoutMs: source.rebalanceTimeoutMs,
  heartbeatIntervalMs: source.heartbeatIntervalMs,
  maxBytesPerPartition: source.maxBytesPerPartition,
  maxWaitTimeMs: source.maxWaitTimeMs,
  deliveryTimeoutMs: sink.deliveryTimeoutMs,
  drainTimeoutMs: source.drainTimeoutMs,
  metricsIntervalMs: z.number().int().min(0).default(10_000).describe('Metrics log interval (ms); 0 logs only at exit'),
  ops: opsParam,
  reloadCheckMs: z.number().int().positive().default(1000).describe('How often the model directory is checked for a replacement (ms), besides fs.watch'),
  createTopics: z.boolean().default(false).describe('Create missing output topics (partitions as the input topic) instead of failing'),
  backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto').describe('TensorFlow.js backend'),
}).refine((o) => o.adaptiveThreshold === undefined || o.pValueRule === undefined, {
  message: 'adaptiveThreshold and pValueRule are two ways to flag; set one of them',
  path: ['pValueRule'],
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
