import path from 'node:path';
import { kafkaClient, RETRY, STARTUP_RETRY } from '../kafka/client.js';
import { checkTls } from '../kafka/tls-check.js';
import { feedOptions, KafkaFeed } from '../kafka/consumer-feed.js';
import { OutputProducer } from '../kafka/producer.js';
import { kafkaColumns } from '../kafka/record-batch.js';
import { featureMapping } from '../kafka/record-codec.js';
import { checkTopics } from '../kafka/topics.js';
import { LatentflowError, ModelStateError } from '../errors.js';
import { selectBackend } from '../runtime/backend.js';
import type { Detector } from '../models/detector.js';
import { matrix } from '../models/matrix.js';
import { silentLogger, type Logger } from '../runtime/logger.js';
import { AdaptiveThreshold } from '../models/adaptive-threshold.js';
import { checkReachable, conformalPValues, flagByRule, requireCalibration, ruleLevel } from '../models/conformal.js';
import { startOpsServer, type OpsServer } from '../runtime/ops-server.js';
import { DriftMonitor, DriftTally, driftEvent, driftMessage } from '../models/drift.js';
import { MonitorMetrics, type MetricsSnapshot } from './metrics.js';
import { ModelWatcher, type LoadedModel } from '../artifact/model-watcher.js';
import { monitorOptionsSchema, outputTopics, type MonitorOptionsInput } from './options.js';
import { outputNames, scoreBatch, type Scorer } from './score-batch.js';

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
 * The long-lived monitor: consume -> batch -> score -> produce -> commit, until `signal` aborts.
 *
 * Delivery (at-least-once): every consumed record is either produced to the scored topic (and to the
 * anomalies topic when flagged) or to the dead-letter topic with its reason; a batch's offsets are
 * committed only after all its outputs are acknowledged by all in-sync replicas (idempotent producer), and
 * only as a contiguous prefix per partition. Up to `maxInFlightBatches` batches are sent and unacknowledged
 * at a time, so the next batch is scored while the previous one waits for its acknowledgement; that is
 * also the most a crash can make the next owner produce again. A batch whose outputs cannot be delivered
 * within `deliveryTimeoutMs` stops the monitor with an error and nothing after it is committed.
 *
 * On abort: no new batch is started, batches in flight are acknowledged, offsets committed, the group left
 * (so the others take the partitions over at once), and the promise resolves with the final metrics.
 */
export async function runMonitor(input: MonitorOptionsInput, runtime: MonitorRuntime = {}): Promise<MetricsSnapshot> {
  const o = monitorOptionsSchema.parse(input);
  const logger = (runtime.logger ?? silentLogger()).child({ monitor: o.groupId });
  const topics = outputTopics(o);
  const backend = await selectBackend(o.backend);
  logger.info({ backend: backend.name }, `tensorflow.js backend: ${backend.name}`);
  // As in runPipeline: probing optional backends fails by design on most installs; the reasons are for debugging.
  logger.debug({ tried: backend.tried }, 'tensorflow.js backends tried');

  const kafka = kafkaClient(o, logger, RETRY, { connector: 'monitor' });
  // Before any kafkajs client: a TLS problem fails now with a KafkaSecurityError instead of being retried.
  await checkTls(o, { connector: 'monitor' });
  await checkTopics(kafkaClient(o, logger, STARTUP_RETRY, { connector: 'monitor' }), 'monitor', [o.topic], [topics.scored, topics.deadLetter, ...(topics.anomalies ? [topics.anomalies] : []), ...(o.drift?.alertsTopic !== undefined ? [o.drift.alertsTopic] : [])], o.createTopics);

  const watcher = new ModelWatcher(path.resolve(o.model), logger, o.reloadCheckMs);
  const producer = new OutputProducer(kafka, { connector: 'monitor', deliveryTimeoutMs: o.deliveryTimeoutMs, logger });
  const feed = new KafkaFeed(kafka, feedOptions('monitor', [o.topic], o), logger);
  const metrics = new MonitorMetrics();
  const names = kafkaColumns();
  let scorer: (Scorer & { adaptive?: AdaptiveThreshold }) | undefined;
  let adaptive: AdaptiveThreshold | undefined;
  let model: LoadedModel | undefined;
  let failure: unknown;
  let timer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<void>>();

  const snapshot = (isPeek = false): MetricsSnapshot =>
    metrics.snapshot({
      consumer: feed.stats(),
      // With a p-value rule no score cut-off applies (fdr's moves with every batch).
      threshold: adaptive ? adaptive.threshold() : o.pValueRule !== undefined ? null : (model?.detector.threshold?.threshold ?? null),
      isThresholdWarm: adaptive ? adaptive.isWarm() : true,
      modelVersion: model?.version ?? 0,
      ...(driftTally !== undefined ? { drift: driftTally.stats() } : {}),
    }, isPeek);
  const report = () => {
    const m = snapshot();
    logger.info({ metrics: m }, 'monitor metrics');
    runtime.onMetrics?.(m);
    return m;
  };
  const stop = () => feed.stop();
  runtime.signal?.addEventListener('abort', stop, { once: true });
  let ops: OpsServer | undefined;
  const driftTally = o.drift !== undefined ? new DriftTally() : undefined;

  try {
    if (o.ops !== null) {
      // The same endpoint a pipeline serves, fed by the monitor's metrics as one stage named "monitor".
      ops = await startOpsServer(o.ops, {
        pipeline: `monitor ${o.groupId}`,
        statistics: () => {
          const m = snapshot(true);
          return { rows: m.scored, batches: m.batches, stages: [{ id: 'monitor', type: 'monitor', stats: { ...m, lagByPartition: feed.lagByPartitionKey() } }] };
        },
        isReady: () => feed.isConsuming,
      }, logger);
      runtime.onOpsListening?.(ops.url);
    }
    model = await watcher.start();
    scorer = makeScorer(model, o);
    adaptive = scorer.adaptive;
    await producer.connect();
    if (runtime.signal?.aborted) stop();
    await feed.start();
    logger.info({ topic: o.topic, groupId: o.groupId, outputs: topics, batchRows: o.batchRows, model: path.resolve(o.model) }, 'monitor consuming');
    runtime.onReady?.();
    if (o.metricsIntervalMs > 0) timer = setInterval(report, o.metricsIntervalMs);

    let drift = o.drift !== undefined ? driftMonitorFor(model, o) : undefined;
    for await (const batch of feed.batches()) {
      const current = watcher.current();
      if (current !== model) {
        // A new model: new feature mapping and, for the adaptive threshold, a new warm-up (the score
        // distribution of another model says nothing about this one).
        model = current;
        scorer = makeScorer(model, o);
        adaptive = scorer.adaptive;
        metrics.modelReloaded();
        if (o.drift !== undefined) drift = driftMonitorFor(model, o);
      }
      const result = scoreBatch(batch, scorer, names, topics);
      if (drift !== undefined && result.features !== null) {
        // A drift event rides with the batch that closed its window: acknowledged with it, never lost.
        for (const w of drift.add(result.features, result.scores)) {
          driftTally!.record(w);
          if (!w.isAlarm) continue;
          const event = driftEvent(w, model.detector.features, path.resolve(o.model), model.version);
          logger.warn({ drift: event }, driftMessage(event));
          if (o.drift!.alertsTopic !== undefined) result.messages.push({ topic: o.drift!.alertsTopic, messages: [{ key: 'drift', value: JSON.stringify(event) }] });
        }
      }
      metrics.scored(result);
      const sentAt = performance.now();
      const sent = producer.send(result.messages).then(
        () => {
          feed.settle(batch.ticket);
          ops?.observeSettle(Date.now() - batch.receivedMs);
          metrics.acked(batch.receivedMs, performance.now() - sentAt, batch.records.map((r) => r.timestamp));
        },
        (error: unknown) => {
          feed.abandon(batch.ticket);
          failure ??= error;
          feed.stop();
        },
      );
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
      while (inFlight.size >= o.maxInFlightBatches) await Promise.race(inFlight);
      if (failure !== undefined) break;
    }
  } catch (error) {
    failure ??= error;
  } finally {
    runtime.signal?.removeEventListener('abort', stop);
    if (timer !== undefined) clearInterval(timer);
    // Every batch sent is acknowledged (or failed) before the final commit; the sends never reject.
    await Promise.all(inFlight);
    await feed.close();
    await producer.disconnect();
    await watcher.close();
    await ops?.close();
  }
  const final = snapshot();
  runtime.onMetrics?.(final);
  if (failure !== undefined) {
    logger.error({ err: failure, metrics: final }, 'monitor stopped on an error; uncommitted records will be read again');
    throw failure;
  }
  logger.info({ metrics: final }, 'monitor stopped cleanly');
  return final;
}

function makeScorer(model: LoadedModel, o: ReturnType<typeof monitorOptionsSchema.parse>): Scorer & { adaptive?: AdaptiveThreshold } {
  const { detector } = model;
  const saved = detector.threshold?.threshold ?? null;
  const mapping = featureMapping(detector.features, o.fields, o.vectorField);
  const unknown = [...o.fields.keys()].filter((f) => !detector.features.includes(f));
  if (unknown.length > 0) {
    throw new LatentflowError('E_SPEC', `--fields names ${unknown.map((f) => `"${f}"`).join(', ')}, which the model does not use; its features are ${detector.features.join(', ')}`);
  }
  const outputs = outputNames(o.outputPrefix, o.hasCode ? codeWidth(detector) : 0, o.pValueRule !== undefined);
  if (o.pValueRule !== undefined) {
    // Checked per model version: a replacement model without calibration stops the monitor here, before
    // any of its batches is scored (nothing of them is committed).
    const rule = o.pValueRule;
    const calibration = requireCalibration(detector.calibration, `monitor pValueRule ${rule.method} (model ${o.model})`);
    const { option, level } = ruleLevel(rule);
    checkReachable(option, level, calibration.scores.length);
    return { detector, mapping, outputs, pValues: (scores) => conformalPValues(calibration.scores, scores), flag: (_scores, pValues) => flagByRule(pValues!, rule) };
  }
  if (o.adaptiveThreshold !== undefined) {
    const adaptive = new AdaptiveThreshold({ ...o.adaptiveThreshold, warmupThreshold: saved });
    return { detector, mapping, outputs, adaptive, flag: (scores) => adaptive.flagAndLearn(scores) };
  }
  if (saved === null) {
    throw new LatentflowError('E_SPEC', `model ${o.model} has no saved threshold; fit it with --threshold, or use an adaptive threshold`);
  }
  return {
    detector,
    mapping,
    outputs,
    flag: (scores) => {
      const flags = new Array<boolean>(scores.length);
      for (let i = 0; i < scores.length; i++) flags[i] = scores[i] > saved;
      return flags;
    },
  };
}

/** Columns of the model's latent code, learnt from one encoded row (the width is a model detail not in its interface). */
function codeWidth(detector: Detector): number {
  const d = detector.features.length;
  return detector.encode(matrix(new Float32Array(d), 1, d)).cols;
}

/** The drift check of `model` under the monitor's `drift` option; a model saved without a reference cannot have one. */
function driftMonitorFor(model: LoadedModel, o: ReturnType<typeof monitorOptionsSchema.parse>): DriftMonitor {
  if (model.detector.drift === null) {
    throw new ModelStateError(`monitor drift: model ${o.model} (version ${model.version}) has no training reference (saved before drift checks existed); refit it with this latentflow version`);
  }
  return new DriftMonitor(model.detector.drift, o.drift!);
}
