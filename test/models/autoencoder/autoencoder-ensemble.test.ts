import * as tf from '../../../src/runtime/tf.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ModelConfigError, ModelStateError } from '../../../src/errors.js';
import { Autoencoder, type AutoencoderConfig } from '../../../src/models/autoencoder/autoencoder.js';
import { AutoencoderEnsemble, type AutoencoderEnsembleState, createAutoencoder, memberSeed, memberWidths } from '../../../src/models/autoencoder/autoencoder-ensemble.js';
import { selectBackend } from '../../../src/runtime/backend.js';
import { helix, sameBits } from '../synthetic.js';

/** Small and fast: 6 inputs, 2-D code, a few epochs; the default score (balanced + code neighbours). */
const small: AutoencoderConfig = { codeSize: 2, hiddenUnits: [8], epochs: 4, batchSize: 32 };
const data = helix(300, 6, 1);
const probe = helix(50, 6, 2, 0.3);

let ensemble: AutoencoderEnsemble;

beforeAll(async () => {
  await selectBackend();
  ensemble = new AutoencoderEnsemble(6, { ...small, seed: 5, ensemble: { size: 3 } });
  await ensemble.fit(data);
});

afterAll(() => ensemble?.dispose());

/** Saves every member to memory and loads the ensemble back from the JSON form. */
async function roundTrip(model: AutoencoderEnsemble): Promise<AutoencoderEnsemble> {
  const saved: tf.io.ModelArtifacts[] = [];
  await model.save((i) => tf.io.withSaveHandler(async (a) => ((saved[i] = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  const state = JSON.parse(JSON.stringify(model.toJSON())) as AutoencoderEnsembleState;
  return AutoencoderEnsemble.load((i) => tf.io.fromMemory(saved[i]), state);
}

describe('AutoencoderEnsemble', () => {
  test('the same seed and data give bitwise-identical ensemble scores; another seed does not', async () => {
    const again = new AutoencoderEnsemble(6, { ...small, seed: 5, ensemble: { size: 3 } });
    const other = new AutoencoderEnsemble(6, { ...small, seed: 6, ensemble: { size: 3 } });
    try {
      await again.fit(data);
      await other.fit(data);
      expect(sameBits(again.score(probe), ensemble.score(probe))).toBe(true);
      expect(again.scoreScales).toEqual(ensemble.scoreScales);
      expect(sameBits(other.score(probe), ensemble.score(probe))).toBe(false);
    } finally {
      again.dispose();
      other.dispose();
    }
  });

  test('the score is the mean of the members scores, each divided by its training median', async () => {
    // Member i is the single autoencoder of the same options with seed memberSeed(seed, i).
    const singles = [0, 1, 2].map((i) => new Autoencoder(6, { ...small, seed: memberSeed(5, i) }));
    try {
      for (const s of singles) await s.fit(data);
      const expected = new Float64Array(probe.rows);
      singles.forEach((s, i) => {
        const train = Float64Array.from(s.score(data)).sort();
        const median = (train[149] + train[150]) / 2;
        expect(ensemble.scoreScales[i]).toBeCloseTo(median, 6);
        s.score(probe).forEach((v, r) => (expected[r] += v / median / 3));
      });
      const got = ensemble.score(probe);
      for (let r = 0; r < probe.rows; r++) expect(got[r]).toBeCloseTo(expected[r], 5);
      // Members really differ: their seeds give different weights.
      expect(sameBits(singles[0].getWeights()[0], singles[1].getWeights()[0])).toBe(false);
      expect(memberSeed(5, 0)).toBe(5);
    } finally {
      singles.forEach((s) => s.dispose());
    }
  });

  test('per-feature errors and reconstructions are the members means; the code is member 0s', async () => {
    const single = new Autoencoder(6, { ...small, seed: 5 });
    try {
      await single.fit(data);
      expect(sameBits(ensemble.encode(probe).data, single.encode(probe).data)).toBe(true);
      const errors = ensemble.featureErrors(probe);
      expect([errors.rows, errors.cols]).toEqual([probe.rows, 6]);
      // Member 0 alone is not the mean of three different members.
      expect(sameBits(errors.data, single.featureErrors(probe).data)).toBe(false);
      const recon = ensemble.reconstruct(probe);
      expect([recon.rows, recon.cols]).toEqual([probe.rows, 6]);
      // The mean of the members' reconstructions rebuilds the training rows about as well as one member.
      const mse = (m: Float32Array) => m.reduce((a, v, i) => a + (v - data.data[i]) ** 2, 0) / m.length;
      expect(mse(ensemble.reconstruct(data).data)).toBeLessThan(2 * mse(single.reconstruct(data).data));
    } finally {
      single.dispose();
    }
  });

  test('save then load gives bitwise-identical scores, codes, errors and reconstructions', async () => {
    const loaded = await roundTrip(ensemble);
    try {
      expect(sameBits(loaded.score(probe), ensemble.score(probe))).toBe(true);
      expect(sameBits(loaded.encode(probe).data, ensemble.encode(probe).data)).toBe(true);
      expect(sameBits(loaded.featureErrors(probe).data, ensemble.featureErrors(probe).data)).toBe(true);
      expect(sameBits(loaded.reconstruct(probe).data, ensemble.reconstruct(probe).data)).toBe(true);
      expect(loaded.config).toEqual(ensemble.config);
      expect(loaded.ensemble).toEqual({ size: 3, widths: 'same' });
      expect(loaded.history).toEqual(ensemble.history);
    } finally {
      loaded.dispose();
    }
  });

  test('scoring leaves no tensor behind: tf.memory().numTensors is flat across score calls', () => {
    ensemble.score(probe);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      ensemble.score(probe);
      ensemble.featureErrors(probe);
      ensemble.reconstruct(probe);
      ensemble.encode(probe);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  test('fit, then dispose, frees every tensor the members held', async () => {
    const before = tf.memory().numTensors;
    const model = new AutoencoderEnsemble(6, { ...small, epochs: 1, ensemble: { size: 2 } });
    await model.fit(data);
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    model.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => model.score(probe)).toThrow(ModelStateError);
  });

  test('the combined history sums the members steps and keeps member 0s loss curve', () => {
    const members = ensemble.memberHistories;
    expect(members).toHaveLength(3);
    const h = ensemble.history!;
    expect(h.loss).toEqual(members[0].loss);
    expect(h.steps).toBe(members.reduce((n, m) => n + m.steps, 0));
  });

  test('an aborted fit rejects and leaves the fitted members in place', async () => {
    const before = ensemble.score(probe);
    const controller = new AbortController();
    controller.abort();
    await expect(ensemble.fit(data, { signal: controller.signal })).rejects.toMatchObject({ code: 'E_ABORTED' });
    expect(sameBits(ensemble.score(probe), before)).toBe(true);
  });

  test('widths: varied scales member i\'s hidden and decoder widths by its factor, keeps the code width, and round-trips', async () => {
    const varied = new AutoencoderEnsemble(6, { ...small, hiddenUnits: [8, 4], seed: 5, ensemble: { size: 4, widths: 'varied' } });
    try {
      await varied.fit(data);
      const shapes = [0, 1, 2, 3].map((i) => varied.member(i).config);
      // Factors 1, 0.5, 2, 0.75 of [8, 4]; the decoder mirrors each member's encoder.
      expect(shapes.map((c) => c.hiddenUnits)).toEqual([[8, 4], [4, 2], [16, 8], [6, 3]]);
      expect(shapes.map((c) => c.decoderUnits)).toEqual([[4, 8], [2, 4], [8, 16], [3, 6]]);
      expect(shapes.every((c) => c.codeSize === 2)).toBe(true);
      expect(memberWidths([1, 3], 1)).toEqual([1, 2]);
      expect(varied.ensemble).toEqual({ size: 4, widths: 'varied' });
      const loaded = await roundTrip(varied);
      try {
        expect(sameBits(loaded.score(probe), varied.score(probe))).toBe(true);
        expect(loaded.member(2).config.hiddenUnits).toEqual([16, 8]);
      } finally {
        loaded.dispose();
      }
      // Same widths by default: every member has member 0's shape.
      expect(ensemble.ensemble.widths).toBe('same');
      expect(ensemble.member(2).config.hiddenUnits).toEqual(ensemble.config.hiddenUnits);
    } finally {
      varied.dispose();
    }
  });

  test('createAutoencoder builds one network without ensemble and an ensemble with it', () => {
    const single = createAutoencoder(6, small);
    const many = createAutoencoder(6, { ...small, ensemble: { size: 2 } });
    expect(single).toBeInstanceOf(Autoencoder);
    expect(many).toBeInstanceOf(AutoencoderEnsemble);
    single.dispose();
    many.dispose();
  });

  test('ensemble.size outside [2, 16] and ensemble given to Autoencoder are ModelConfigErrors naming the option', () => {
    expect(() => new AutoencoderEnsemble(6, { ...small, ensemble: { size: 1 } })).toThrow(/ensemble\.size: autoencoder: size must be an integer in \[2, 16\], received 1/);
    expect(() => new AutoencoderEnsemble(6, { ...small, ensemble: { size: 17 } })).toThrow(ModelConfigError);
    expect(() => new AutoencoderEnsemble(6, { ...small, ensemble: { size: 2, members: 3 } as never })).toThrow(/unknown option; expected one of size, widths/);
    expect(() => new AutoencoderEnsemble(6, { ...small, ensemble: { size: 2, widths: 'random' } as never })).toThrow(/widths must be one of same, varied, received "random"/);
    expect(() => new Autoencoder(6, { ...small, ensemble: { size: 2 } })).toThrow(ModelConfigError);
    // The per-network rules still apply, checked once for every member.
    expect(() => new AutoencoderEnsemble(6, { ...small, codeSize: 6, ensemble: { size: 2 } })).toThrow(/codeSize=6 must be below/);
  });

  test('a damaged saved state is refused with ModelStateError naming the field', async () => {
    const state = JSON.parse(JSON.stringify(ensemble.toJSON())) as AutoencoderEnsembleState;
    const handler = () => tf.io.fromMemory({});
    await expect(AutoencoderEnsemble.load(handler, { ...state, scoreScales: [1, 0, 1] })).rejects.toThrow(/scoreScales\[1\] is 0/);
    await expect(AutoencoderEnsemble.load(handler, { ...state, members: state.members.slice(1) })).rejects.toThrow(/holds 2 members; expected 3/);
  });
});
