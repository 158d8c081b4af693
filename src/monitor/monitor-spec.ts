import path from 'node:path';
import { kafkaConnectionParams } from '../kafka/client.js';
import { freeColumnPrefix } from '../kafka/record-batch.js';
import type { ColumnKind } from '../models/feature-encoding.js';
import { validatePipelineValue, type PipelineSpec } from '../pipeline/spec.js';
import { monitorOptionsSchema, outputTopics, type MonitorOptionsInput } from './options.js';

/** The stage ids of the monitor's pipeline, which its metrics read (see `MonitorMetrics.snapshot`). */
export const MONITOR_STAGES = { source: 'consume', score: 'score', encode: 'encode', threshold: 'threshold', drift: 'drift', sink: 'produce' } as const;

/** Output column names, as the `score`, `threshold` and `encode` stages name them by default. */
const SCORE = 'score';
const FLAG = 'is_anomaly';
const P_VALUE = 'p_value';
const CODE = 'z';

/** What the monitor learns from its model before it starts (the model itself is loaded by the stages). */
export interface MonitorModel {
  features: readonly string[];
  /**
   * The kind of every feature that is not numeric (a mixed-type model's encoding), so kafka-source reads
   * each JSON field as the column type the model's encoding reads; absent or empty for a numeric model.
   */
  kinds?: ReadonlyMap<string, ColumnKind>;
  /** Columns of the latent code (appended with `hasCode`). */
  codeWidth: number;
}

/**
 * `latentflow monitor` as a pipeline: kafka-source -> score (-> encode) -> threshold | adaptive-threshold
 * (-> drift) -> kafka-sink, every model stage watching the model directory, so a replacement takes effect
 * between batches and at the same batch for all of them. Unparseable records are dead-lettered by the
 * source, unscorable ones and records that already have an output's field by the sink; `latentflow run`
 * of the same stages behaves the same (this is the only road a monitored record takes).
 */
export function monitorSpec(input: MonitorOptionsInput, model: MonitorModel): PipelineSpec {
  const o = monitorOptionsSchema.parse(input);
  const topics = outputTopics(o);
  const dir = path.resolve(o.model);
  // The connection options as given, not parsed: parsing resolves secrets, and every Kafka stage parses them itself.
  const connection = Object.fromEntries(Object.keys(kafkaConnectionParams).flatMap((k) => (k in input ? [[k, input[k as keyof MonitorOptionsInput]]] : [])));
  const watched = { model: dir, watchModel: true, reloadCheckMs: o.reloadCheckMs };
  // A model feature named like a Kafka column (timestamp, key) must still be read as that feature.
  const columnPrefix = freeColumnPrefix(model.features);
  const prefix = o.outputPrefix;
  const scoreColumn = `${prefix}${SCORE}`;
  const code = o.hasCode ? Array.from({ length: model.codeWidth }, (_, c) => `${prefix}${CODE}${c}`) : [];
  const stages: Record<string, unknown>[] = [{ type: 'score', id: MONITOR_STAGES.score, ...watched, column: SCORE, outputPrefix: prefix }];
  if (o.hasCode) stages.push({ type: 'encode', id: MONITOR_STAGES.encode, ...watched, prefix: CODE, outputPrefix: prefix });
  const flag = { id: MONITOR_STAGES.threshold, ...watched, scoreColumn, column: FLAG, outputPrefix: prefix };
  if (o.pValueRule !== undefined) stages.push({ type: 'threshold', ...flag, rule: o.pValueRule, pValueColumn: P_VALUE });
  else if (o.adaptiveThreshold !== undefined) stages.push({ type: 'adaptive-threshold', ...flag, ...o.adaptiveThreshold });
  else stages.push({ type: 'threshold', ...flag });
  if (o.drift !== undefined) {
    const { alertsTopic, ...rule } = o.drift;
    stages.push({ type: 'drift', id: MONITOR_STAGES.drift, ...watched, scoreColumn, ...rule, ...(alertsTopic !== undefined ? { alerts: { ...connection, topic: alertsTopic, deliveryTimeoutMs: o.deliveryTimeoutMs } } : {}) });
  }
  return validatePipelineValue({
    name: `monitor ${o.groupId}`,
    backend: o.backend,
    statsIntervalMs: o.metricsIntervalMs,
    ops: o.ops,
    source: {
      type: 'kafka-source',
      id: MONITOR_STAGES.source,
      ...connection,
      topics: [o.topic],
      groupId: o.groupId,
      features: [...model.features],
      columnPrefix,
      ...(model.kinds !== undefined && model.kinds.size > 0 ? { kinds: model.kinds } : {}),
      fields: o.fields,
      ...(o.vectorField !== undefined ? { vectorField: o.vectorField } : {}),
      deadLetterTopic: topics.deadLetter,
      batchRows: o.batchRows,
      lingerMs: o.lingerMs,
      ...(o.maxBufferedRows !== undefined ? { maxBufferedRows: o.maxBufferedRows } : {}),
      fromBeginning: o.fromBeginning,
      sessionTimeoutMs: o.sessionTimeoutMs,
      rebalanceTimeoutMs: o.rebalanceTimeoutMs,
      heartbeatIntervalMs: o.heartbeatIntervalMs,
      maxBytesPerPartition: o.maxBytesPerPartition,
      maxWaitTimeMs: o.maxWaitTimeMs,
      drainTimeoutMs: o.drainTimeoutMs,
      deliveryTimeoutMs: o.deliveryTimeoutMs,
    },
    stages,
    sink: {
      type: 'kafka-sink',
      id: MONITOR_STAGES.sink,
      ...connection,
      topic: topics.scored,
      ...(topics.anomalies !== undefined ? { anomaliesTopic: topics.anomalies } : {}),
      deadLetterTopic: topics.deadLetter,
      columnPrefix,
      scoreColumn,
      flagColumn: `${prefix}${FLAG}`,
      extraColumns: [...(o.pValueRule !== undefined ? [`${prefix}${P_VALUE}`] : []), ...code],
      maxInFlightBatches: o.maxInFlightBatches,
      deliveryTimeoutMs: o.deliveryTimeoutMs,
    },
  });
}
