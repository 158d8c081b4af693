import { describe, expect, it } from 'vitest';
import { checkFittedDetector, firstNonFinite, manifestProblem, validateManifest } from '../../src/artifact/validate-model.js';
import { ArtifactError, ModelStateError } from '../../src/errors.js';
import { Detector } from '../../src/models/detector.js';
import { PcaModel } from '../../src/models/pca.js';
import { Scaler } from '../../src/models/scaler.js';

/**
 * The manifest checks that keep a model that cannot score out of use, on hand-written manifests (no
 * training): each damaged field gives the one sentence naming that field and what it holds.
 */

type Json = Record<string, any>;

/** A two-feature PCA manifest that passes every check. */
function pca(): Json {
  return {
    kind: 'pca',
    features: ['a', 'b'],
    missing: { policy: 'error', imputeValues: [0.5, 1] },
    scaler: { type: 'scaler', version: 1, params: { method: 'standard' }, count: 10, cols: 2, mean: [0, 0], m2: [1, 1], min: [-1, -1], max: [1, 1] },
    threshold: { method: 'mad', k: 3, threshold: 1.5 },
    model: { type: 'pca', version: 1, params: { k: 1 }, inputDim: 2, k: 1, mean: [0, 0], components: [1, 0], varianceRatios: [0.9] },
    training: { rows: 10 },
  };
}

/** A two-feature autoencoder manifest that passes every check. */
function autoencoder(): Json {
  const m = pca();
  m.kind = 'autoencoder';
  m.model = { type: 'autoencoder', version: 1, params: { codeSize: 1 }, inputDim: 2, scoring: { residualScale: [1, 2], codeMean: [0.1], count: 4, unused: undefined } };
  return m;
}

function robust(): Json {
  const m = pca();
  m.scaler = { type: 'scaler', version: 1, params: { method: 'robust' }, count: 10, cols: 2, center: [0, 1], scale: [1, 2] };
  return m;
}

const edited = (base: () => Json, edit: (m: Json) => void): Json => {
  const m = base();
  edit(m);
  return m;
};

describe('manifestProblem accepts complete manifests', () => {
  it.each([
    ['pca', pca()],
    ['pca mahalanobis with every axis', edited(pca, (m) => Object.assign(m.model, { allAxes: [1, 0, 0, 1], axisVariances: [2, 1] }))],
    ['pca mahalanobis with the axes before a tail of equal variances (a partial solve)', edited(pca, (m) => Object.assign(m.model, { allAxes: [1, 0], axisVariances: [2, 1] }))],
    ['autoencoder with scoring statistics', autoencoder()],
    ['autoencoder without scoring statistics', edited(autoencoder, (m) => (m.model.scoring = null))],
    ['autoencoder with scoring undefined', edited(autoencoder, (m) => delete m.model.scoring)],
    ['robust scaler', robust()],
    ['minmax scaler', edited(pca, (m) => (m.scaler.params.method = 'minmax'))],
    ['scaler method none (no statistics checked)', edited(pca, (m) => (m.scaler = { type: 'scaler', version: 1, params: { method: 'none' }, count: 1, cols: 2 }))],
    ['no threshold (null)', edited(pca, (m) => (m.threshold = null))],
    ['no threshold (absent)', edited(pca, (m) => delete m.threshold)],
    ['impute with means', edited(pca, (m) => (m.missing.policy = 'impute'))],
    ['drop without means (saved before means were kept)', edited(pca, (m) => (m.missing = { policy: 'drop', imputeValues: null }))],
    ['error with means absent', edited(pca, (m) => (m.missing = { policy: 'error' }))],
    ['pca with all axes', edited(pca, (m) => Object.assign(m.model, { allAxes: [1, 0, 0, 1], axisVariances: [2, 0.5] }))],
    ['pca with k equal to the feature count', edited(pca, (m) => Object.assign(m.model, { k: 2, components: [1, 0, 0, 1] }))],
    ['min equal to max', edited(pca, (m) => (m.scaler.min = [1, 1]))],
    ['a sum of squares of 0', edited(pca, (m) => (m.scaler.m2 = [0, 0]))],
    ['calibration scores (ascending, ties allowed)', edited(pca, (m) => (m.calibration = { fraction: 0.2, scores: [0.1, 0.1, 0.4] }))],
  ])('%s', (_name, manifest) => {
    expect(manifestProblem(manifest)).toBeUndefined();
  });
});

describe('manifestProblem names the damaged field and what it holds', () => {
  it.each<[string, Json | unknown, string]>([
    ['not an object', null, 'the manifest is null; expected an object'],
    ['an array', [], 'the manifest is []; expected an object'],
    ['a string', 'x', 'the manifest is "x"; expected an object'],
    ['no features', edited(pca, (m) => delete m.features), 'features is missing; expected a non-empty list of column names'],
    ['empty features', edited(pca, (m) => (m.features = [])), 'features is []; expected a non-empty list of column names'],
    ['a feature that is not a string', edited(pca, (m) => (m.features = ['a', 3])), 'features[1] is 3; expected a non-empty column name'],
    ['an empty feature name', edited(pca, (m) => (m.features = ['', 'b'])), 'features[0] is ""; expected a non-empty column name'],
    ['a feature listed twice', edited(pca, (m) => (m.features = ['a', 'a'])), 'features lists "a" twice; every feature column must be distinct'],
    ['missing is absent', edited(pca, (m) => delete m.missing), 'missing is missing; expected an object'],
    ['unknown missing policy', edited(pca, (m) => (m.missing.policy = 'skip')), 'missing.policy is "skip"; expected error, drop or impute'],
    ['impute without means', edited(pca, (m) => (m.missing = { policy: 'impute', imputeValues: null })), 'missing.policy is impute but missing.imputeValues is absent'],
    ['impute with means undefined', edited(pca, (m) => (m.missing = { policy: 'impute' })), 'missing.policy is impute but missing.imputeValues is absent'],
    ['means of the wrong length', edited(pca, (m) => (m.missing.imputeValues = [1])), 'missing.imputeValues has 1 values; expected 2'],
    ['a non-finite mean', edited(pca, (m) => (m.missing.imputeValues = [1, null])), 'missing.imputeValues[1] is null; expected a finite number'],
    ['means not a list', edited(pca, (m) => (m.missing.imputeValues = 4)), 'missing.imputeValues is 4; expected 2 numbers'],
    ['scaler of another type', edited(pca, (m) => (m.scaler.type = 'pca')), 'scaler has type "pca" version 1; expected "scaler" version 1'],
    ['scaler of another version', edited(pca, (m) => (m.scaler.version = 2)), 'scaler has type "scaler" version 2; expected "scaler" version 1'],
    ['scaler without params', edited(pca, (m) => delete m.scaler.params), 'scaler.params is missing; expected an object'],
    ['unknown scaler method', edited(pca, (m) => (m.scaler.params.method = 'zscore')), 'scaler.params.method is "zscore"; expected one of standard, minmax, robust, none'],
    ['scaler columns differ from the features', edited(pca, (m) => (m.scaler.cols = 3)), 'scaler.cols is 3 but the model has 2 features'],
    ['scaler count 0', edited(pca, (m) => (m.scaler.count = 0)), 'scaler.count is 0; expected the number of training rows (>= 1)'],
    ['scaler count fractional', edited(pca, (m) => (m.scaler.count = 1.5)), 'scaler.count is 1.5; expected the number of training rows (>= 1)'],
    ['scaler count a string', edited(pca, (m) => (m.scaler.count = '10')), 'scaler.count is "10"; expected the number of training rows (>= 1)'],
    ['robust centre missing', edited(robust, (m) => delete m.scaler.center), 'scaler.center is missing; expected 2 numbers'],
    ['robust scale of 0', edited(robust, (m) => (m.scaler.scale = [1, 0])), 'scaler.scale[1] is 0; expected a number > 0 (scoring divides by it)'],
    ['robust scale negative', edited(robust, (m) => (m.scaler.scale = [-1, 1])), 'scaler.scale[0] is -1; expected a number > 0 (scoring divides by it)'],
    ['standard mean missing', edited(pca, (m) => delete m.scaler.mean), 'scaler.mean is missing; expected 2 numbers'],
    ['standard m2 missing', edited(pca, (m) => delete m.scaler.m2), 'scaler.m2 is missing; expected 2 numbers'],
    ['minmax min missing', edited(pca, (m) => ((m.scaler.params.method = 'minmax'), delete m.scaler.min)), 'scaler.min is missing; expected 2 numbers'],
    ['max missing', edited(pca, (m) => delete m.scaler.max), 'scaler.max is missing; expected 2 numbers'],
    ['a negative sum of squares', edited(pca, (m) => (m.scaler.m2 = [1, -0.5])), 'scaler.m2[1] is -0.5; a sum of squares cannot be negative'],
    ['min above max', edited(pca, (m) => (m.scaler.min = [2, -1])), 'scaler.min[0] is 2, above scaler.max[0] 1'],
    ['threshold not an object', edited(pca, (m) => (m.threshold = 3)), 'threshold is 3; expected an object'],
    ['threshold value missing', edited(pca, (m) => delete m.threshold.threshold), 'threshold.threshold is missing; expected a finite number (a NaN or infinite threshold flags every row or none)'],
    ['threshold value null (NaN in JSON)', edited(pca, (m) => (m.threshold.threshold = null)), 'threshold.threshold is null; expected a finite number (a NaN or infinite threshold flags every row or none)'],
    ['threshold rule out of range', edited(pca, (m) => (m.threshold.k = -1)), 'threshold rule: k: threshold: k must be a number > 0, received -1'],
    ['unknown kind', edited(pca, (m) => (m.kind = 'umap')), 'kind is "umap"; expected "autoencoder" or "pca"'],
    ['pca model absent', edited(pca, (m) => delete m.model), 'model is missing; expected an object'],
    ['pca model of another type', edited(pca, (m) => (m.model.type = 'autoencoder')), 'model has type "autoencoder" version 1; expected "pca" version 1'],
    ['pca model of another version', edited(pca, (m) => (m.model.version = 0)), 'model has type "pca" version 0; expected "pca" version 1'],
    ['pca input size differs', edited(pca, (m) => (m.model.inputDim = 3)), 'model.inputDim is 3 but the model has 2 features'],
    ['pca k 0', edited(pca, (m) => (m.model.k = 0)), 'model.k is 0; expected an integer from 1 to 2'],
    ['pca k above the features', edited(pca, (m) => (m.model.k = 3)), 'model.k is 3; expected an integer from 1 to 2'],
    ['pca k fractional', edited(pca, (m) => (m.model.k = 1.5)), 'model.k is 1.5; expected an integer from 1 to 2'],
    ['pca k a string', edited(pca, (m) => (m.model.k = '1')), 'model.k is "1"; expected an integer from 1 to 2'],
    ['pca mean short', edited(pca, (m) => (m.model.mean = [0])), 'model.mean has 1 values; expected 2'],
    ['pca components short', edited(pca, (m) => (m.model.components = [1])), 'model.components has 1 values; expected 2'],
    ['pca variance ratio NaN', edited(pca, (m) => (m.model.varianceRatios = ['NaN'])), 'model.varianceRatios[0] is "NaN"; expected a finite number'],
    ['pca variance ratios not a list', edited(pca, (m) => (m.model.varianceRatios = 1)), 'model.varianceRatios is 1; expected a list of numbers'],
    ['pca axes without variances', edited(pca, (m) => (m.model.allAxes = [1, 0, 0, 1])), 'model.axisVariances is missing; expected a list of numbers'],
    ['pca variances without axes', edited(pca, (m) => (m.model.axisVariances = [1, 1])), 'model.allAxes is missing; expected a list of numbers'],
    ['pca zero axis variance', edited(pca, (m) => Object.assign(m.model, { allAxes: [1, 0, 0, 1], axisVariances: [1, 0] })), 'model.axisVariances[1] is 0; expected a number > 0 (scoring divides by it)'],
    ['pca axes short', edited(pca, (m) => Object.assign(m.model, { allAxes: [1, 0, 0], axisVariances: [1, 1] })), 'model.allAxes has 3 values for 2 axis variances of 2 features; expected 2 values per axis, for every axis or for those before a tail of equal variances'],
    ['pca axes stop before unequal variances', edited(pca, (m) => Object.assign(m.model, { allAxes: [], axisVariances: [2, 1] })), 'model.allAxes has 0 values for 2 axis variances of 2 features; expected 2 values per axis, for every axis or for those before a tail of equal variances'],
    ['autoencoder of another type', edited(autoencoder, (m) => (m.model.type = 'pca')), 'model has type "pca" version 1; expected "autoencoder" version 1'],
    ['autoencoder of another version', edited(autoencoder, (m) => (m.model.version = 2)), 'model has type "autoencoder" version 2; expected "autoencoder" version 1'],
    ['autoencoder input size differs', edited(autoencoder, (m) => (m.model.inputDim = 1)), 'model.inputDim is 1 but the model has 2 features'],
    ['autoencoder without params', edited(autoencoder, (m) => delete m.model.params), 'model.params is missing; expected an object'],
    ['autoencoder code size 0', edited(autoencoder, (m) => (m.model.params.codeSize = 0)), 'model.params.codeSize is 0; expected a positive integer'],
    ['autoencoder code size fractional', edited(autoencoder, (m) => (m.model.params.codeSize = 2.5)), 'model.params.codeSize is 2.5; expected a positive integer'],
    ['autoencoder code size a string', edited(autoencoder, (m) => (m.model.params.codeSize = '2')), 'model.params.codeSize is "2"; expected a positive integer'],
    ['scoring not an object', edited(autoencoder, (m) => (m.model.scoring = 5)), 'model.scoring is 5; expected an object'],
    ['residual scale of 0', edited(autoencoder, (m) => (m.model.scoring.residualScale = [0, 1])), 'model.scoring.residualScale[0] is 0; expected a number > 0 (scoring divides by it)'],
    ['residual scale short', edited(autoencoder, (m) => (m.model.scoring.residualScale = [1])), 'model.scoring.residualScale has 1 values; expected 2'],
    ['another scoring list with null', edited(autoencoder, (m) => (m.model.scoring.codeMean = [null])), 'model.scoring.codeMean[0] is null; expected a finite number'],
    ['a scoring number that is null', edited(autoencoder, (m) => (m.model.scoring.count = null)), 'model.scoring.count is null; expected a finite number'],
    ['a scoring number that is a string', edited(autoencoder, (m) => (m.model.scoring.count = 'Infinity')), 'model.scoring.count is "Infinity"; expected a finite number'],
    ['training absent', edited(pca, (m) => delete m.training), 'training is missing; expected an object'],
    ['calibration not an object', edited(pca, (m) => (m.calibration = [1, 2])), 'calibration is [1,2]; expected an object'],
    ['calibration fraction 0', edited(pca, (m) => (m.calibration = { fraction: 0, scores: [1] })), 'calibration.fraction is 0; expected a number in (0, 0.5]'],
    ['calibration scores empty', edited(pca, (m) => (m.calibration = { fraction: 0.1, scores: [] })), 'calibration.scores is empty; expected the scores of at least one held-out row'],
    ['calibration score null (NaN in JSON)', edited(pca, (m) => (m.calibration = { fraction: 0.1, scores: [1, null] })), 'calibration.scores[1] is null; expected a finite number'],
    ['calibration scores out of order', edited(pca, (m) => (m.calibration = { fraction: 0.1, scores: [1, 3, 2] })), 'calibration.scores[2] is 2, below calibration.scores[1] 3; expected ascending scores'],
  ])('%s', (_name, manifest, problem) => {
    expect(manifestProblem(manifest)).toBe(problem);
  });

  it('a long value is shortened to 60 characters in the message', () => {
    const long = 'x'.repeat(80);
    expect(manifestProblem(edited(pca, (m) => (m.kind = long)))).toBe(`kind is "${'x'.repeat(56)}...; expected "autoencoder" or "pca"`);
    // 60 characters exactly are shown whole.
    const sixty = 'y'.repeat(58);
    expect(manifestProblem(edited(pca, (m) => (m.kind = sixty)))).toBe(`kind is "${sixty}"; expected "autoencoder" or "pca"`);
  });

  it('a value JSON cannot show is printed with String()', () => {
    expect(manifestProblem(edited(pca, (m) => (m.features = ['a', () => 1])))).toMatch(/^features\[1\] is \(\) => 1; expected a non-empty column name$/);
  });
});

describe('validateManifest and checkFittedDetector wrap the problem in the error of their situation', () => {
  it('validateManifest throws an ArtifactError naming the directory, the file and the field', () => {
    expect(() => validateManifest('/models/m', pca())).not.toThrow();
    let error: unknown;
    try {
      validateManifest('/models/m', edited(pca, (m) => (m.scaler.cols = 1)));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ArtifactError);
    expect((error as ArtifactError).dir).toBe('/models/m');
    expect((error as Error).message).toBe(
      '/models/m: latentflow.json: scaler.cols is 1 but the model has 2 features; the model directory is damaged or was edited: fit the model again',
    );
  });

  const detectorFrom = (m: Json, edit: (scaler: Json) => void = () => undefined): Detector => {
    const scalerState = structuredClone(m.scaler);
    const scaler = Scaler.fromJSON(scalerState);
    edit(scalerState);
    return new Detector('pca', m.features, scaler, PcaModel.fromJSON(m.model), m.missing, m.training, m.threshold);
  };

  it('checkFittedDetector passes a detector whose saved form is complete', () => {
    expect(() => checkFittedDetector(detectorFrom(pca()))).not.toThrow();
  });

  it('checkFittedDetector refuses a NaN threshold with a ModelStateError naming the kind and the field', () => {
    const detector = detectorFrom(edited(pca, (m) => (m.threshold.threshold = Number.NaN)));
    expect(() => checkFittedDetector(detector)).toThrow(ModelStateError);
    expect(() => checkFittedDetector(detector)).toThrow(
      'pca: the fitted model cannot score: threshold.threshold is null; expected a finite number (a NaN or infinite threshold flags every row or none)',
    );
  });

  it('checkFittedDetector refuses non-finite weights, naming the tensor and the value', () => {
    const detector = detectorFrom(pca());
    const weights = [Float32Array.from([1, 2]), Float32Array.from([0, Number.POSITIVE_INFINITY, Number.NaN])];
    Object.assign(detector.model, { getWeights: () => weights });
    expect(() => checkFittedDetector(detector)).toThrow(ModelStateError);
    expect(() => checkFittedDetector(detector)).toThrow(
      'pca: weight tensor 1 holds Infinity after fitting; lower the learning rate or check the feature values',
    );
    weights[1] = Float32Array.from([3]);
    expect(() => checkFittedDetector(detector)).not.toThrow();
    weights[0] = Float32Array.from([Number.NaN]);
    expect(() => checkFittedDetector(detector)).toThrow('pca: weight tensor 0 holds NaN after fitting');
  });

  it('firstNonFinite is the index of the first NaN or infinity, -1 when all are finite', () => {
    expect(firstNonFinite([1, 2, 3])).toBe(-1);
    expect(firstNonFinite([])).toBe(-1);
    expect(firstNonFinite([Number.NaN])).toBe(0);
    expect(firstNonFinite([0, -Infinity, Number.NaN])).toBe(1);
    expect(firstNonFinite(Float32Array.from([1, 1, Infinity]))).toBe(2);
  });
});

describe('manifestProblem: the code neighbours of an autoencoder (model.neighbors)', () => {
  const withNeighbors = (edit: (n: Json) => void = () => undefined) =>
    edited(autoencoder, (m) => {
      m.model.neighbors = { k: 2, weight: 0.5, rows: 3, codes: [0.1, 0.2, 0.3], scoreNorm: 1.5, distanceNorm: 0.4 };
      edit(m.model.neighbors);
    });
  it('accepts complete neighbours', () => {
    expect(manifestProblem(withNeighbors())).toBeUndefined();
  });
  it.each([
    ['a code that is not a number', (n: Json) => (n.codes[1] = null), /model\.neighbors\.codes\[1\] is null/],
    ['codes of the wrong count', (n: Json) => n.codes.pop(), /model\.neighbors\.codes has 2 values; expected 3/],
    ['k above the reference rows', (n: Json) => (n.k = 4), /model\.neighbors\.k is 4; expected an integer from 1 to 3/],
    ['a share of 1', (n: Json) => (n.weight = 1), /model\.neighbors\.weight is 1/],
    ['a zero distance norm', (n: Json) => (n.distanceNorm = 0), /model\.neighbors\.distanceNorm is 0/],
    ['a missing score norm', (n: Json) => delete n.scoreNorm, /model\.neighbors\.scoreNorm/],
    ['no reference rows', (n: Json) => (n.rows = 0), /model\.neighbors\.rows is 0/],
  ])('refuses %s', (_name, edit, message) => {
    expect(manifestProblem(withNeighbors(edit))).toMatch(message);
  });
});
