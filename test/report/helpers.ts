import type { RecordBatch } from 'apache-arrow';
import type { Detector } from '../../src/models/detector.js';
import { pcaFit } from '../../src/stages/pca-fit.js';
import { collect, fromArray, testContext } from '../helpers/context.js';
import { planeWithOutliers } from '../helpers/data.js';

/** Training rows: a 2-D plane in 6-D (f0..f5) with a few outliers, seeded. */
export const training: RecordBatch[] = planeWithOutliers(400, 8, 21, 100);

/** A PCA(k=2) detector scored by reconstruction error (so feature errors add up to the score) with a contamination threshold, fitted on {@link training}: fast and deterministic. */
export async function planeDetector(): Promise<Detector> {
  const ctx = testContext({ stageId: 'pca' });
  const fit = pcaFit.create(pcaFit.params.parse({ exclude: ['outlier'], k: 2, scoreBy: 'reconstruction', threshold: { method: 'contamination', value: 0.02 } }) as never, ctx);
  await collect(fit.transform(fromArray(training)));
  return ctx.models.get<Detector>('pca');
}
