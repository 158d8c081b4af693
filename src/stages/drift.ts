import { z } from 'zod';
import { ModelStateError } from '../errors.js';
import { extractFeatures } from '../io/features.js';
import { kafkaClient, kafkaConnectionParams } from '../kafka/client.js';
import { OutputProducer } from '../kafka/producer.js';
import { DriftMonitor, DriftTally, driftEvent, driftMessage } from '../models/drift.js';
import { driftRuleParams } from '../models/drift-options.js';
import { defineStage } from '../contract/stage.js';
import { modelRef } from './shared/model-ref.js';
import { modelRefParam, watchModelParams } from './shared/params.js';
import { scoresOf } from './shared/score-column.js';

const params = z.strictObject({
  model: modelRefParam.describe('Model whose saved training distribution is the reference (fit stage id or model directory)'),
  ...watchModelParams,
  scoreColumn: z.string().default('score').describe('Column holding the scores (a `score` stage first)'),
  ...driftRuleParams,
  alerts: z
    .strictObject({
      ...kafkaConnectionParams,
      topic: z.string().min(1).describe('Topic for drift events (JSON, one per drifted window)'),
      deliveryTimeoutMs: z.number().int().positive().default(30_000).describe('Longest wait for an event to be acknowledged (ms); then the run fails'),
    })
    .optional()
    .describe('Also produce each drift event to a Kafka topic (the connection options of kafka-sink, SASL/TLS included); the batch moves on once the broker acknowledged it'),
});

/**
 * Drift detection (issue 15 item 4): every `windowRows` rows, the decile shares of each feature and of
 * the score are compared with the training distribution saved in the model (PSI per feature and for the
 * score, and a KS test of the scores). Rows pass through unchanged; a drifted window is a `drift detected`
 * warning naming the features, and every window's figures are in the stage's stats (so in the run
 * statistics and the ops endpoint). A reloaded model (watchModel) starts over with its own reference.
 */
export const drift = defineStage({
  type: 'drift',
  kind: 'transform',
  description: 'Compares windows of rows with the training distribution saved in the model (PSI per feature and score, KS of scores); logs drift events',
  params,
  create(p, ctx) {
    const ref = modelRef(p.model, ctx, p);
    let monitor: DriftMonitor | undefined;
    let version = 0;
    const tally = new DriftTally();
    let lastFeatures: readonly string[] = [];
    let alerts: OutputProducer | undefined;
    const a = p.alerts;
    return {
      kind: 'transform',
      async *transform(input) {
        let batchIndex = 0;
        if (a !== undefined) {
          alerts = new OutputProducer(kafkaClient(a, ctx.logger, undefined, { connector: 'drift', baseDir: ctx.baseDir }), { connector: 'drift', deliveryTimeoutMs: a.deliveryTimeoutMs, logger: ctx.logger });
          await alerts.connect();
        }
        for await (const given of input) {
          const { detector, version: v, batch } = await ref.forBatch(given);
          if (monitor === undefined || v !== version) {
            if (detector.drift === null) {
              if (detector.encoding !== null) {
                throw new ModelStateError(`drift: model ${ref.origin} has non-numeric feature columns, and drift checks cover numeric features only in this version; use a model fitted with features: numeric`);
              }
              throw new ModelStateError(`drift: model ${ref.origin} has no training reference (saved before drift checks existed); refit it with this latentflow version`);
            }
            monitor = new DriftMonitor(detector.drift, p);
            version = v;
            lastFeatures = detector.features;
          }
          // Drift statistics skip rows with a missing feature value; the batch itself passes unchanged.
          const ex = extractFeatures(batch, batchIndex, detector.features, 'drop');
          const all = scoresOf(batch, batchIndex++, p.scoreColumn, 'drift');
          const scores = ex.keptRows ? Float64Array.from(ex.keptRows, (r) => all[r]) : all;
          for (const w of monitor.add(ex.matrix, scores)) {
            tally.record(w);
            if (!w.isAlarm) continue;
            const event = driftEvent(w, lastFeatures, ref.origin, version);
            ctx.logger.warn({ drift: event }, driftMessage(event));
            // Acknowledged before the batch moves on: an event is never lost behind rows already written.
            await alerts?.send([{ topic: a!.topic, messages: [{ key: 'drift', value: JSON.stringify(event) }] }]);
          }
          yield batch;
        }
      },
      async close() {
        await alerts?.disconnect();
        alerts = undefined;
      },
      stats: () => ({ ...tally.stats(), featurePsi: tally.featurePsi(lastFeatures) }),
    };
  },
});
