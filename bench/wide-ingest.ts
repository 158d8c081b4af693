/**
 * Wide-file ingest (issue 14 item 3): a seeded float32 table (`--rows` x `--columns`, default 200,000 x 256,
 * written by pyarrow into a temporary folder deleted at the end, as Parquet with row groups of 65,536 rows
 * and as an uncompressed Arrow IPC file) read by latentflow's parquet-source and ipc-source (each -> null-sink
 * through the runner, in its own process so peak RSS is its own) and by pyarrow (pq.read_table,
 * ipc.open_file().read_all()) in the same run: medians of `--repeats`, with rows/s, MB/s of the file, peak
 * RSS and the ratios latentflow / pyarrow. CPU = user + system of the process, all threads (parquet-source
 * decodes in a worker thread; pyarrow's readers use every core).
 *
 * Run: `npx tsx bench/wide-ingest.ts [--rows 200000] [--columns 256] [--repeats 3] [--python PATH] [--out FILE]`
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_PYTHON, ROOT as root, runPythonPeer } from './python-peer.js';
import { reportSourceRead } from './source-read.js';
import { median, type ProcessRun as Run, timedProcess } from './timing.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    columns: { type: 'string', default: '256' },
    repeats: { type: 'string', default: '3' },
    python: { type: 'string', default: BENCH_PYTHON },
    out: { type: 'string' },
    // Internal: read FILE with SOURCE (parquet-source | ipc-source) in this process and print the measurement.
    'child-read': { type: 'string' },
    source: { type: 'string' },
  },
});


interface PyarrowReads {
  pyarrow: string;
  parquet: number[];
  parquetCpu: number[];
  parquetRows: number;
  arrow: number[];
  arrowCpu: number[];
  arrowRows: number;
}

async function main(): Promise<void> {
  const rows = Number(values.rows);
  const columns = Number(values.columns);
  const repeats = Number(values.repeats);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'latentflow-wide-ingest-'));
  try {
    const parquet = path.join(dir, 'wide.parquet');
    const arrow = path.join(dir, 'wide.arrow');
    runPythonPeer(values.python, 'wide_ingest_pyarrow.py', ['write', String(rows), String(columns), '14', parquet, arrow]);
    const ours: Record<'parquet-source' | 'ipc-source', Run[]> = { 'parquet-source': [], 'ipc-source': [] };
    for (let i = 0; i < repeats; i++) {
      for (const [source, file] of [['parquet-source', parquet], ['ipc-source', arrow]] as const) {
        const run = timedProcess(process.execPath, ['--import', 'tsx', path.join(root, 'bench/wide-ingest.ts'), '--child-read', file, '--source', source]);
        const inner = JSON.parse(run.stdout) as Run & { rows: number };
        if (inner.rows !== rows) throw new Error(`${source} read ${inner.rows} rows, expected ${rows}`);
        ours[source].push(inner);
      }
    }
    const py = runPythonPeer<PyarrowReads>(values.python, 'wide_ingest_pyarrow.py', ['read', parquet, arrow, String(repeats)]);
    if (py.parquetRows !== rows || py.arrowRows !== rows) throw new Error(`pyarrow read ${py.parquetRows} / ${py.arrowRows} rows, expected ${rows}`);

    const mb = (file: string) => statSync(file).size / 1e6;
    const wall = (runs: Run[]) => median(runs.map((r) => r.seconds));
    const cpu = (runs: Run[]) => median(runs.map((r) => r.cpuSeconds));
    const row = (name: string, file: string, w: number, c: number, peak: number | undefined, peer?: [number, number]) =>
      `| ${name} | ${mb(file).toFixed(0)} MB | ${w.toFixed(2)} s | ${c.toFixed(2)} s | ${Math.round(rows / w / 1000)}k | ${(mb(file) / w).toFixed(0)} | ${peak === undefined ? '' : `${Math.round(peak)} MB`} | ${peer === undefined ? '' : `${(w / peer[0]).toFixed(1)}x / ${(c / peer[1]).toFixed(1)}x`} |`;
    const pyParquet: [number, number] = [median(py.parquet), median(py.parquetCpu)];
    const pyArrow: [number, number] = [median(py.arrow), median(py.arrowCpu)];
    const p = ours['parquet-source'];
    const a = ours['ipc-source'];
    const lines = [
      `${rows.toLocaleString('en')} rows x ${columns} float32 columns; median of ${repeats}; CPU = user + system, all threads.`,
      `pyarrow ${py.pyarrow}; node ${process.version}; ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at the end.`,
      '',
      '| read (-> null-sink for latentflow) | file | wall | CPU | rows/s | MB/s | peak RSS | ratio to pyarrow (wall / CPU) |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      row('latentflow parquet-source', parquet, wall(p), cpu(p), Math.max(...p.map((r) => r.maxRssMb)), pyParquet),
      row('pyarrow pq.read_table', parquet, ...pyParquet, undefined),
      row('latentflow ipc-source (IPC file)', arrow, wall(a), cpu(a), Math.max(...a.map((r) => r.maxRssMb)), pyArrow),
      row('pyarrow ipc.open_file().read_all()', arrow, ...pyArrow, undefined),
      '',
      "pyarrow's reads hold the whole table in memory; latentflow's stream one batch (one row group for Parquet) at a time.",
    ];
    const text = lines.join('\n');
    console.log(text);
    if (values.out) await writeFile(values.out, `${text}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await (values['child-read'] !== undefined ? reportSourceRead((values.source ?? 'parquet-source') as 'parquet-source' | 'ipc-source', values['child-read']) : main());
