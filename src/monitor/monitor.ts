import path from 'node:path';
import { loadDetector } from '../artifact/model-dir.js';
import { kafkaClient, STARTUP_RETRY } from '../kafka/client.js';
import { checkTls } from '../kafka/tls-check.js';
import { checkTopics } from '../kafka/topics.js';
import { LatentflowError, ModelStateError } from '../errors.js';
import { matrix } from '../models/matrix.js';
import { checkReachable, requireCalibration, ruleLevel } from '../models/conformal.js';
import { runPipeline, type RunStatistics } from '../pipeline/runner.js';
import { silentLogger, type Logger } from '../runtime/logger.js';
import { MonitorMetrics, type MetricsSnapshot } from './metrics.js';
import { monitorSpec, type MonitorModel } from './monitor-spec.js';
import { monitorOptionsSchema, outputTopics, type MonitorOptions, type MonitorOptionsInput } from './options.js';

/** Options of {@link runMonitor} besides the monitor's own. */
export interface MonitorRuntime {
  logger?: Logger;
  /** Aborting it stops the monitor cleanly: batches in flight finish, offsets are committed, then it resolves. */
  signal?: AbortSignal;
  /** Called with each metrics snapshot (also logged). */
  onMetrics?: (m: MetricsSnapshot) => void;
  /** Called once the consumer has joined its group and the monitor is consuming. */
  onReady?: () => void;
  /** Called with the ops endpoint's URL once it listens (option `ops`). */
  onOpsListening?: (url: string) => void;
}

/**
 * The long-lived monitor: the pipeline kafka-source -> score -> threshold -> kafka-sink (see
 * {@link monitorSpec}), run by the pipeline runner until `signal` drains it.
 *
 * Delivery (at-least-once, the Kafka stages' contract): every consumed record is either produced to the
 * scored topic (and to the anomalies topic when flagged) or to the dead-letter topic with its reason; a
 * batch's offsets are committed only after all its outputs are acknowledged by all in-sync replicas
 * (idempotent producer), and only as a contiguous prefix per partition. Up to `maxInFlightBatches` batches
 * are sent and unacknowledged at a time; that is also the most a crash can make the next owner produce
 * again. A batch whose outputs cannot be delivered within `deliveryTimeoutMs` stops the monitor with an
 * error and nothing after it is committed.
 *
 * On abort: no new batch is started, batches in flight are acknowledged, offsets committed, the group left
 * (so the others take the partitions over at once), and the promise resolves with the final metrics.
 */
export async function runMonitor(input: MonitorOptionsInput, runtime: MonitorRuntime = {}): Promise<MetricsSnapshot> {
  const o = monitorOptionsSchema.parse(input);
  const logger = (runtime.logger ?? silentLogger()).child({ monitor: o.groupId });
  const topics = outputTopics(o);
  // Before any kafkajs client: a TLS problem fails now with a KafkaSecurityError instead of being retried.
  await checkTls(o, { connector: 'monitor' });
  await checkTopics(kafkaClient(o, logger, STARTUP_RETRY, { connector: 'monitor' }), 'monitor', [o.topic], [topics.scored, topics.deadLetter, ...(topics.anomalies ? [topics.anomalies] : []), ...(o.drift?.alertsTopic !== undefined ? [o.drift.alertsTopic] : [])], o.createTopics);
  const spec = monitorSpec(input, await modelFacts(o));

  const metrics = new MonitorMetrics();
  const report = (stats: RunStatistics) => {
    const m = metrics.snapshot(stats);
    logger.info({ metrics: m }, 'monitor metrics');
    runtime.onMetrics?.(m);
    return m;
  };
  let final: MetricsSnapshot | undefined;
  try {
    await runPipeline(spec, {
      logger,
      drain: runtime.signal,
      onOpsListening: runtime.onOpsListening,
      onReady: () => {
        logger.info({ topic: o.topic, groupId: o.groupId, outputs: topics, batchRows: o.batchRows, model: path.resolve(o.model) }, 'monitor consuming');
        runtime.onReady?.();
      },
      // The runner's last statistics come after every stage closed (everything settled and committed).
      onStats: (stats) => (final = report(stats)),
    });
  } catch (error) {
    logger.error({ err: error, metrics: final }, 'monitor stopped on an error; uncommitted records will be read again');
    throw error;
  }
  logger.info({ metrics: final }, 'monitor stopped cleanly');
  return final!;
}

/**
 * What the spec needs from the model, and the checks that can fail before anything is consumed: the
 * `--fields` it names, a threshold to flag by, calibration scores for a p-value rule, a drift reference.
 * A replacement model is checked by the stages when they switch to it.
 */
async function modelFacts(o: MonitorOptions): Promise<MonitorModel> {
  const detector = await loadDetector(path.resolve(o.model));
  try {
    const unknown = [...o.fields.keys()].filter((f) => !detector.features.includes(f));
    if (unknown.length > 0) {
      throw new LatentflowError('E_SPEC', `--fields names ${unknown.map((f) => `"${f}"`).join(', ')}, which the model does not use; its features are ${detector.features.join(', ')}`);
    }
    if (o.pValueRule !== undefined) {
      const calibration = requireCalibration(detector.calibration, `monitor pValueRule ${o.pValueRule.method} (model ${o.model})`);
      const { option, level } = ruleLevel(o.pValueRule);
      checkReachable(option, level, calibration.scores.length);
    } else if (o.adaptiveThreshold === undefined && detector.threshold === null) {
      throw new LatentflowError('E_SPEC', `model ${o.model} has no saved threshold; fit it with --threshold, or use an adaptive threshold`);
    }
    if (o.drift !== undefined && detector.drift === null) {
      throw new ModelStateError(`monitor drift: model ${o.model} has no training reference (saved before drift checks existed); refit it with this latentflow version`);
    }
    // The model's matrix has one slot per feature, or the encoding's slots for a mixed-type model.
    const d = detector.encoding?.width ?? detector.features.length;
    // The code width is a model detail outside its interface: learnt from one encoded row.
    const codeWidth = o.hasCode ? detector.encode(matrix(new Float32Array(d), 1, d)).cols : 0;
    const kinds = new Map((detector.encoding?.columns ?? []).flatMap((c) => (c.kind === 'numeric' ? [] : [[c.column, c.kind] as const])));
    return { features: detector.features, kinds, codeWidth };
  } finally {
    detector.dispose();
  }
}
