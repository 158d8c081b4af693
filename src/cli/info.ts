import type { Command } from 'commander';
import { readManifest, type Manifest } from '../artifact/model-dir.js';

/** Human summary of a saved model. */
export function formatInfo(dir: string, m: Manifest): string {
  const params = (m.model.params ?? {}) as Record<string, unknown>;
  const lines = [
    `model: ${dir}`,
    `kind: ${m.kind} (format ${m.formatVersion})`,
    `features (${m.features.length}): ${m.features.join(', ')}`,
    `scaler: ${m.scaler.params.method}; missing values: ${m.missing.policy}`,
  ];
  if (m.kind === 'autoencoder') {
    const hidden = (params.hiddenUnits as number[]) ?? [];
    const decoder = (params.decoderUnits as number[]) ?? [];
    lines.push(`architecture: ${[m.features.length, ...hidden, params.codeSize, ...decoder, m.features.length].join('-')} (${params.activation}, loss ${params.loss})`);
  } else {
    lines.push(`components: ${String(m.model.k)} (explained variance ${(m.training.explainedVariance ?? []).reduce((a, b) => a + b, 0).toFixed(3)})`);
  }
  lines.push(m.threshold ? `threshold: ${m.threshold.threshold} (${JSON.stringify({ ...m.threshold, threshold: undefined })})` : 'threshold: none');
  const t = m.training;
  lines.push(`trained: ${t.rows} rows, ${t.invalidRows} with missing values, ${(t.fitMs / 1000).toFixed(1)} s on ${t.backend}, seed ${t.seed}, ${t.createdAt}`);
  if (t.history) lines.push(`epochs: ${t.history.loss.length}, final loss ${t.history.loss.at(-1)?.toPrecision(4)}${t.history.valLoss.length ? `, val ${t.history.valLoss.at(-1)?.toPrecision(4)}` : ''}`);
  return lines.join('\n');
}

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('Show what a saved model expects and how it was trained')
    .argument('<model>', 'model directory')
    .option('--json', 'print latentflow.json')
    .action(async (dir: string, options: { json?: boolean }) => {
      const manifest = await readManifest(dir);
      process.stdout.write(options.json ? `${JSON.stringify(manifest, null, 2)}\n` : `${formatInfo(dir, manifest)}\n`);
    });
}
