import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tableFromArrays, type RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveDetector } from '../../src/artifact/model-dir.js';
import { toMessages, type KafkaSinkParams } from '../../src/connectors/kafka-sink.js';
import { ModelSlots } from '../../src/contract/model-slots.js';
import type { Transform } from '../../src/contract/stage.js';
import { DLQ_HEADERS } from '../../src/kafka/output-codec.js';
import { kafkaColumns, toRecordBatch } from '../../src/kafka/record-batch.js';
import { decodeRecords, featureMapping, type InputRecord } from '../../src/kafka/record-codec.js';
import { conformalPValue } from '../../src/models/conformal.js';
import type { Detector } from '../../src/models/detector.js';
import { monitorSpec, MONITOR_STAGES } from '../../src/monitor/monitor-spec.js';
import type { MonitorOptionsInput } from '../../src/monitor/options.js';
import { selectBackend } from '../../src/runtime/backend.js';
import { pcaFit } from '../../src/stages/pca-fit.js';
import { planeWithOutliers } from '../helpers/data.js';
import { collect, fromArray, testContext } from '../helpers/context.js';

/**
 * The monitor's road without a broker: the pipeline `monitorSpec` builds, fed a batch as kafka-source
 * builds it, and its sink's records. Outputs never overwrite a record's own fields.
 */

let dir: string;
let detector: Detector;
beforeAll(async () => {
  await selectBackend();
  dir = await mkdtemp(path.join(tmpdir(), 'lf-monitor-spec-'));
  const ctx = testContext({ stageId: 'm' });
  await collect(pcaFit.create(pcaFit.params.parse({ k: 2, features: ['f0', 'f1', 'f2'], calibrationSplit: 0.3 }) as never, ctx).transform(fromArray(planeWithOutliers(400, 3, 5, 400))));
  detector = await ctx.models.get<Detector>('m');
  detector.threshold = { method: 'fixed', value: 1, threshold: 1 };
  await saveDetector(path.join(dir, 'model'), detector);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = (value: string, offset: number): InputRecord => ({ topic: 'in', partition: 0, offset: String(offset), timestamp: '0', key: Buffer.from(`k${offset}`), value: Buffer.from(value) });

/** Runs `values` through the monitor pipeline for `options` and returns what its sink would produce. */
async function run(options: Partial<MonitorOptionsInput>, values: string[]) {
  const spec = monitorSpec({ brokers: ['127.0.0.1:9'], topic: 'in', groupId: 'g', model: path.join(dir, 'model'), ...options }, { features: detector.features, codeWidth: 2 });
  const records = values.map(record);
  const mapping = featureMapping(spec.source.params.features as string[]);
  const batch = toRecordBatch(records, decodeRecords(records, mapping), mapping, kafkaColumns(), new Map());
  const models = new ModelSlots();
  let stream: AsyncIterable<RecordBatch> = fromArray([batch]);
  for (const s of spec.stages) stream = (s.definition.create(s.params, testContext({ stageId: s.id, models })) as Transform).transform(stream);
  const [out] = await collect(stream);
  await models.dispose();
  const messages = toMessages(out, spec.sink.params as KafkaSinkParams, kafkaColumns());
  const byTopic = new Map(messages.topics.map((t) => [t.topic, t.messages]));
  return { spec, messages, scored: (byTopic.get('in.scored') ?? []).map((m) => String(m.value)), dead: byTopic.get('in.dead-letter') ?? [] };
}

describe('the monitor pipeline', () => {
  it('is kafka-source -> score -> threshold -> kafka-sink by default, every model stage watching the model directory', async () => {
    const { spec } = await run({}, []);
    expect([spec.source.type, ...spec.stages.map((s) => s.type), spec.sink.type]).toEqual(['kafka-source', 'score', 'threshold', 'kafka-sink']);
    expect([spec.source.id, ...spec.stages.map((s) => s.id), spec.sink.id]).toEqual([MONITOR_STAGES.source, MONITOR_STAGES.score, MONITOR_STAGES.threshold, MONITOR_STAGES.sink]);
    for (const s of spec.stages) expect(s.params).toMatchObject({ model: path.join(dir, 'model'), watchModel: true });
    expect(spec.source.params).toMatchObject({ topics: ['in'], groupId: 'g', features: detector.features, deadLetterTopic: 'in.dead-letter' });
    expect(spec.sink.params).toMatchObject({ topic: 'in.scored', anomaliesTopic: 'in.anomalies', deadLetterTopic: 'in.dead-letter' });
  });

  it('a record with a field named like an output (score, is_anomaly, z1) is dead-lettered naming the field and --output-prefix; the others are scored', async () => {
    const { messages, scored, dead } = await run({ hasCode: true }, [
      '{"f0": 1, "f1": 2, "f2": 3}',
      '{"f0": 1, "f1": 2, "f2": 3, "score": "mine"}',
      '{"f0": 1, "f1": 2, "f2": 3, "is_anomaly": false}',
      '{"f0": 1, "f1": 2, "f2": 3, "z1": 7, "nested": {"score": 1}}',
      '{"f0": 1, "f1": 2, "f2": 3, "nested": {"score": 1}}',
    ]);
    expect(scored).toHaveLength(2);
    expect(scored[0]).toMatch(/^\{"f0": 1, "f1": 2, "f2": 3,"score":[\d.e+-]+,"is_anomaly":(true|false),"z0":[\d.e+-]+,"z1":[\d.e+-]+\}$/);
    expect(scored[1]).toContain('"nested": {"score": 1},"score":');
    expect(dead.map((m) => String(m.value))).toEqual(['{"f0": 1, "f1": 2, "f2": 3, "score": "mine"}', '{"f0": 1, "f1": 2, "f2": 3, "is_anomaly": false}', '{"f0": 1, "f1": 2, "f2": 3, "z1": 7, "nested": {"score": 1}}']);
    expect(dead.map((m) => m.headers![DLQ_HEADERS.reason])).toEqual(['output-collision', 'output-collision', 'output-collision']);
    const details = dead.map((m) => String(m.headers![DLQ_HEADERS.detail]));
    expect(details[0]).toContain('field "score"');
    expect(details[1]).toContain('field "is_anomaly"');
    expect(details[2]).toContain('field "z1"');
    for (const d of details) expect(d).toContain('--output-prefix');
    expect(messages.deadLetters).toEqual({ 'output-collision': 3 });
    expect(messages.written + dead.length).toBe(5);
  });

  it('with --output-prefix the outputs get the prefix and the record keeps its own score field', async () => {
    const { scored, dead } = await run({ outputPrefix: 'lf_' }, ['{"f0": 1, "f1": 2, "f2": 3, "score": "mine", "is_anomaly": 0}']);
    expect(dead).toHaveLength(0);
    expect(scored[0]).toMatch(/^\{"f0": 1, "f1": 2, "f2": 3, "score": "mine", "is_anomaly": 0,"lf_score":[\d.e+-]+,"lf_is_anomaly":(true|false)\}$/);
  });

  it('with a p-value rule each record gets p_value after is_anomaly and before the code, the flags follow it, and a record with its own p_value field is dead-lettered', async () => {
    const alpha = 0.2;
    const { scored, dead } = await run({ hasCode: true, pValueRule: { method: 'fpr', alpha } }, ['{"f0": 1, "f1": 2, "f2": 3}', '{"f0": 50, "f1": -50, "f2": 90}', '{"f0": 1, "f1": 2, "f2": 3, "p_value": 1}']);
    expect(scored).toHaveLength(2);
    const calibration = detector.calibration!.scores;
    for (const text of scored) {
      expect(text).toMatch(/,"score":[\d.e+-]+,"is_anomaly":(true|false),"p_value":[\d.e+-]+,"z0":[\d.e+-]+,"z1":[\d.e+-]+\}$/);
      const value = JSON.parse(text) as { score: number; p_value: number; is_anomaly: boolean };
      expect(value.p_value).toBeCloseTo(conformalPValue(calibration, Math.fround(value.score)), 12);
      expect(value.is_anomaly).toBe(value.p_value <= alpha);
    }
    // The far-off record scores above every calibration score: p = 1/(n + 1), flagged.
    expect(JSON.parse(scored[1])).toMatchObject({ is_anomaly: true, p_value: 1 / (calibration.length + 1) });
    expect(dead.map((m) => m.headers![DLQ_HEADERS.reason])).toEqual(['output-collision']);
    expect(String(dead[0].headers![DLQ_HEADERS.detail])).toContain('field "p_value"');
  });

  it("passes a mixed-type model's non-numeric kinds to kafka-source, and none for a numeric model", () => {
    const options = { brokers: ['127.0.0.1:9'], topic: 'in', groupId: 'g', model: path.join(dir, 'model') };
    const kinds = new Map([
      ['f0', 'categorical'],
      ['f2', 'timestamp'],
    ] as const);
    const mixed = monitorSpec(options, { features: detector.features, kinds, codeWidth: 0 });
    expect([...(mixed.source.params.kinds as ReadonlyMap<string, string>)]).toEqual([
      ['f0', 'categorical'],
      ['f2', 'timestamp'],
    ]);
    const numeric = monitorSpec(options, { features: detector.features, kinds: new Map(), codeWidth: 0 });
    expect((numeric.source.params.kinds as ReadonlyMap<string, string>).size).toBe(0);
  });

  it('scores a model whose features are named like Kafka columns (timestamp, key): both connectors get a free column prefix', async () => {
    const renamed = planeWithOutliers(300, 0, 6, 300).map((b) => tableFromArrays({ timestamp: b.getChild('f0')!.toArray(), key: b.getChild('f1')!.toArray(), f2: b.getChild('f2')!.toArray() }).batches[0]);
    const ctx = testContext({ stageId: 'm' });
    await collect(pcaFit.create(pcaFit.params.parse({ k: 1 }) as never, ctx).transform(fromArray(renamed as unknown as RecordBatch[])));
    const model = await ctx.models.get<Detector>('m');
    await saveDetector(path.join(dir, 'kafka-named'), model);
    const spec = monitorSpec({ brokers: ['127.0.0.1:9'], topic: 'in', groupId: 'g', model: path.join(dir, 'kafka-named') }, { features: model.features, codeWidth: 1 });
    expect([spec.source.params.columnPrefix, spec.sink.params.columnPrefix]).toEqual(['kafka_', 'kafka_']);
    const names = kafkaColumns('kafka_');
    const records = ['{"timestamp": 0.1, "key": -0.2, "f2": 0.05}'].map(record);
    const mapping = featureMapping(spec.source.params.features as string[]);
    const batch = toRecordBatch(records, decodeRecords(records, mapping), mapping, names, new Map());
    const models = new ModelSlots();
    let stream: AsyncIterable<RecordBatch> = fromArray([batch]);
    for (const s of spec.stages) stream = (s.definition.create(s.params, testContext({ stageId: s.id, models })) as Transform).transform(stream);
    const [out] = await collect(stream);
    await models.dispose();
    const scored = toMessages(out, spec.sink.params as KafkaSinkParams, names).topics.find((t) => t.topic === 'in.scored')!.messages;
    // The record keeps its own timestamp and key fields; the score is the model's for those values.
    const value = JSON.parse(String(scored[0].value));
    expect(value).toMatchObject({ timestamp: 0.1, key: -0.2, f2: 0.05 });
    expect(value.score).toBeCloseTo(model.score({ data: Float32Array.from([0.1, -0.2, 0.05]), rows: 1, cols: 3 })[0], 5);
    model.dispose();
  });

  it('an adaptive threshold and a drift check become their stages, in that order, after score', async () => {
    const { spec } = await run({ adaptiveThreshold: { quantile: 0.95 }, drift: { windowRows: 1000 } }, []);
    expect(spec.stages.map((s) => s.type)).toEqual(['score', 'adaptive-threshold', 'drift']);
    expect(spec.stages[1].params).toMatchObject({ quantile: 0.95, scoreColumn: 'score' });
    expect(spec.stages[2].params).toMatchObject({ windowRows: 1000, scoreColumn: 'score' });
  });
});
