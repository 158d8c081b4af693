import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitDetector } from '../../src/api/fit-detector.js';
import type { AutoencoderEnsemble } from '../../src/models/autoencoder/autoencoder-ensemble.js';
import type { Detector } from '../../src/models/detector.js';
import { modelHeadline, modelSummary, summaryRows } from '../../src/report/model-summary.js';
import { helix } from '../models/synthetic.js';

/** What `info` and the HTML report say about an ensemble (both read `modelSummary` / `summaryRows`). */

const small = { codeSize: 2, hiddenUnits: [8], epochs: 2, batchSize: 32 };
let ensemble: Detector;
let single: Detector;

beforeAll(async () => {
  const data = helix(120, 5, 2);
  ensemble = (await fitDetector(data, { seed: 1, model: { ...small, ensemble: { size: 3 } } })).detector;
  single = (await fitDetector(data, { seed: 1, model: small })).detector;
});

afterAll(() => {
  ensemble?.dispose();
  single?.dispose();
});

describe('model summary of an ensemble', () => {
  it('names the ensemble size in the headline and an Ensemble row, and counts every member\'s weights', () => {
    const s = modelSummary(ensemble);
    expect(s.ensemble).toEqual({ size: 3, widths: 'same' });
    expect(modelHeadline(s)).toBe('autoencoder: dense, code neighbours (k 5, share 0.5); code size 2; ensemble of 3');
    expect(summaryRows(s)).toContainEqual(['Ensemble', "3 networks of this architecture, each with its own seed; score = mean of each one's score / its training median"]);
    const one = modelSummary(single);
    // Three members of the same architecture: three times the weights of one network.
    expect(s.parameters).toBe(3 * (ensemble.model as AutoencoderEnsemble).member(0).parameterCount);
    expect(s.architecture).toBe(one.architecture);
  });

  it('a single network has no Ensemble row and an unchanged headline', () => {
    const s = modelSummary(single);
    expect(s.ensemble).toBeNull();
    expect(summaryRows(s).map(([label]) => label)).not.toContain('Ensemble');
    expect(modelHeadline(s)).not.toContain('ensemble');
  });
});
