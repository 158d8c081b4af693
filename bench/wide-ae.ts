/**
 * The wide autoencoder of issue 14, declared once for the benchmarks that time it (bench/ae-epoch-profile.ts,
 * bench/wide.ts) and for the PyTorch peer (bench/wide_ae_torch.py takes the same widths, learning rate and
 * batch on its command line): 784-256-30-256-784, relu hidden layers, linear code and output (the
 * autoencoder's defaults), mean squared error, Adam at lr 1e-3, batch 64.
 */
import type { AutoencoderConfig } from '../src/models/autoencoder/autoencoder-options.js';

export const WIDE_AE = {
  widths: [784, 256, 30, 256, 784],
  config: { hiddenUnits: [256], codeSize: 30, activation: 'relu', codeActivation: 'linear', outputActivation: 'linear', loss: 'mse', learningRate: 1e-3, batchSize: 64 } satisfies AutoencoderConfig,
};

/** Multiply-adds of fwd + bwd per row, as FLOPs: 2 per weight forward, 4 backward (input and weight gradients). */
export function wideAeFlopsPerRow(widths: readonly number[] = WIDE_AE.widths): number {
  let weights = 0;
  for (let i = 1; i < widths.length; i++) weights += widths[i - 1] * widths[i];
  return 6 * weights;
}
