import { definePipeline } from '../src/pipeline/spec.js';
import { runPipeline } from '../src/pipeline/runner.js';
import type { ProcessRun } from './timing.js';

/**
 * The child side of the ingest benches (csv-ingest.ts, wide-ingest.ts): one read of `path` by the file
 * source `type`, into null-sink through the runner, in its own process so its peak RSS is the read's alone;
 * prints time, CPU, rows and peak RSS as one JSON line for the parent.
 */
export async function reportSourceRead(type: 'csv-source' | 'parquet-source' | 'ipc-source', path: string): Promise<void> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const summary = await runPipeline(definePipeline({ name: `${type}-read`, source: { type, path }, sink: { type: 'null-sink' } }));
  const used = process.cpuUsage(cpu);
  const run: ProcessRun & { rows: number } = {
    rows: summary.rows,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(run));
}
