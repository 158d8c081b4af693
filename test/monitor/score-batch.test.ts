import { beforeAll, describe, expect, it } from 'vitest';
import { DLQ_HEADERS } from '../../src/kafka/output-codec.js';
import { kafkaColumns } from '../../src/kafka/record-batch.js';
import { featureMapping, type InputRecord } from '../../src/kafka/record-codec.js';
import { conformalPValue, conformalPValues, flagByFpr } from '../../src/models/conformal.js';
import { Detector } from '../../src/models/detector.js';
import { outputNames, scoreBatch, type Scorer } from '../../src/monitor/score-batch.js';
import { selectBackend } from '../../src/runtime/backend.js';
import { pcaFit } from '../../src/stages/pca-fit.js';
import { planeWithOutliers } from '../helpers/data.js';
import { collect, fromArray, testContext } from '../helpers/context.js';

/** The monitor's per-batch score path, without a broker: outputs never overwrite a record's own fields. */

let detector: Detector;
beforeAll(async () => {
  await selectBackend();
  const ctx = testContext({ stageId: 'm' });
  const def = pcaFit;
  await collect(def.create(def.params.parse({ k: 2, features: ['f0', 'f1', 'f2'] }) as never, ctx).transform(fromArray(planeWithOutliers(200, 3, 5, 200))));
  detector = await ctx.models.get<Detector>('m');
});

const record = (value: string, offset: number): InputRecord => ({ topic: 'in', partition: 0, offset: String(offset), timestamp: '0', key: Buffer.from(`k${offset}`), value: Buffer.from(value) });
const topics = { scored: 'in.scored', deadLetter: 'in.dead-letter' };

function scorer(prefix: string, codeWidth = 0): Scorer {
  return { detector, mapping: featureMapping(detector.features), outputs: outputNames(prefix, codeWidth), flag: (s) => Array.from(s, (x) => x > 1) };
}

function run(s: Scorer, values: string[]) {
  const result = scoreBatch({ records: values.map(record) } as never, s, kafkaColumns(), topics);
  const byTopic = new Map(result.messages.map((t) => [t.topic, t.messages]));
  return { result, scored: byTopic.get(topics.scored)!.map((m) => String(m.value)), dead: byTopic.get(topics.deadLetter)! };
}

describe('scoreBatch', () => {
  it('a record with a field named like an output (score, is_anomaly, z1) is dead-lettered naming the field and --output-prefix; the others are scored', () => {
    const { result, scored, dead } = run(scorer('', 2), [
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
    expect(result.deadLetters).toEqual({ 'output-collision': 3 });
    expect(result.scored + dead.length).toBe(result.messagesIn);
  });

  it('with --output-prefix the outputs get the prefix and the record keeps its own score field', () => {
    const { scored, dead } = run(scorer('lf_'), ['{"f0": 1, "f1": 2, "f2": 3, "score": "mine", "is_anomaly": 0}']);
    expect(dead).toHaveLength(0);
    expect(scored[0]).toMatch(/^\{"f0": 1, "f1": 2, "f2": 3, "score": "mine", "is_anomaly": 0,"lf_score":[\d.e+-]+,"lf_is_anomaly":(true|false)\}$/);
  });

  it('with a p-value rule each record gets p_value after is_anomaly and before the code, the flags follow it, and a record with its own p_value field is dead-lettered', () => {
    const calibration = [0.001, 0.01, 0.1, 1, 10];
    const s: Scorer = {
      detector,
      mapping: featureMapping(detector.features),
      outputs: outputNames('', 1, true),
      pValues: (scores) => conformalPValues(calibration, scores),
      flag: (_scores, p) => flagByFpr(p!, 0.2),
    };
    const { scored, dead } = run(s, ['{"f0": 1, "f1": 2, "f2": 3}', '{"f0": 50, "f1": -50, "f2": 90}', '{"f0": 1, "f1": 2, "f2": 3, "p_value": 1}']);
    expect(scored).toHaveLength(2);
    for (const text of scored) {
      expect(text).toMatch(/,"score":[\d.e+-]+,"is_anomaly":(true|false),"p_value":[\d.e+-]+,"z0":[\d.e+-]+\}$/);
      const value = JSON.parse(text);
      expect(value.p_value).toBeCloseTo(conformalPValue(calibration, Math.fround(value.score)), 12);
      expect(value.is_anomaly).toBe(value.p_value <= 0.2);
    }
    // The far-off record scores above every calibration score: p = 1/6, flagged.
    expect(JSON.parse(scored[1])).toMatchObject({ is_anomaly: true });
    expect(dead.map((m) => m.headers![DLQ_HEADERS.reason])).toEqual(['output-collision']);
    expect(String(dead[0].headers![DLQ_HEADERS.detail])).toContain('field "p_value"');
  });
});
