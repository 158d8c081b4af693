import type { Command } from 'commander';
import { loadDetector, readScorableManifest } from '../artifact/model-dir.js';
import { modelSummary, summaryRows } from '../report/model-summary.js';
import { terminalLines } from './terminal-text.js';
import { selectBackend } from '../runtime/backend.js';

/**
 * Human summary of a saved model: the same facts, in the same words, as the HTML report's summary (variant
 * and its options, layer widths, parameter count, training, threshold). Loading the network is what gives
 * the parameter count, so this starts a backend.
 */
export async function describeModel(dir: string): Promise<string> {
  await selectBackend();
  const detector = await loadDetector(dir);
  try {
    const rows = summaryRows(modelSummary(detector));
    const width = Math.max(...rows.map(([label]) => label.length));
    return [`${'Model directory'.padEnd(width)}  ${dir}`, ...rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`)].join('\n');
  } finally {
    detector.model.dispose?.();
  }
}

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('Show what a saved model expects and how it was trained')
    .argument('<model>', 'model directory')
    .option('--json', 'print latentflow.json')
    .action(async (dir: string, options: { json?: boolean }) => {
      process.stdout.write(options.json ? `${JSON.stringify(await readScorableManifest(dir), null, 2)}\n` : `${terminalLines(await describeModel(dir))}\n`);
    });
}
