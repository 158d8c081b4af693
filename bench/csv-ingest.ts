/**
 * CSV ingest speed (issue 14 item 3): a seeded CSV like the issue's (`--rows` rows x 9 numeric columns,
 * written into a temporary folder that is deleted at the end) is (a) read alone by csv-source (batches
 * iterated, nothing else), (b) scored to Parquet end to end by `latentflow score` (a PCA model fitted
 * beforehand on the first 20,000 rows, not timed), and (c) read by pyarrow's read_csv and written by
 * pq.write_table, all in the same run, as medians of `--repeats`, with rows/s, MB/s, peak RSS and the
 * ratios latentflow / pyarrow. (a) and (b) each run in their own process so peak RSS is theirs alone;
 * (b) includes the process start (loading the CLI), timed apart as `latentflow --version`. `--cli built` (the
 * default) runs the built package as users do (`node dist/cli/bin.js`; run `npm run build` first), `--cli tsx`
 * runs the sources under tsx, which adds about a second of transpiling to every start.
 *
 * Wall clock and process CPU (user + system, all threads): on a shared machine CPU moves less than wall.
 * Needs a Python with pyarrow: `--python` (default .cache/bench-venv/bin/python).
 *
 * Run: `npx tsx bench/csv-ingest.ts [--rows 2000000] [--repeats 3] [--python PATH] [--cli built|tsx] [--out FILE] [--keep]`
 * (`--keep` leaves the generated files in their folder, printed at the end, for profiling).
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { seededRandom } from '../src/models/random.js';
import { BENCH_PYTHON, ROOT as root, runPythonPeer } from './python-peer.js';
import { reportSourceRead } from './source-read.js';
import { cliCommand, cliText } from './cli-command.js';
import { median, type ProcessRun as Run, timedProcess } from './timing.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '2000000' },
    repeats: { type: 'string', default: '3' },
    python: { type: 'string', default: BENCH_PYTHON },
    out: { type: 'string' },
    cli: { type: 'string', default: 'built' },
    keep: { type: 'boolean', default: false },
    // Internal: run one csv-source read of FILE in this process and print its JSON measurement.
    'child-read': { type: 'string' },
  },
});
const COLUMNS = 9;
const FIT_ROWS = 20_000;

/**
 * Writes `rows` rows of 9 columns: values rounded to 3 decimals and written with String(), i.e. as float64
 * writes them back, so csv-source infers float64 (not numeric text) as it would for such exports.
 */
async function writeCsv(file: string, rows: number): Promise<void> {
  const next = seededRandom(14);
  const out = createWriteStream(file);
  const header = Array.from({ length: COLUMNS }, (_, c) => `x${c}`).join(',');
  let chunk = `${header}\n`;
  for (let r = 0; r < rows; r++) {
    const cells: string[] = new Array(COLUMNS);
    // Columns on different scales, as real feature files are.
    for (let c = 0; c < COLUMNS; c++) cells[c] = String(Math.round((next() - 0.3) * 10 ** (c % 4) * 1000) / 1000);
    chunk += `${cells.join(',')}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      chunk = '';
    }
  }
  out.write(chunk);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}


interface PyarrowResult {
  pyarrow: string;
  rows: number;
  read: number[];
  readCpu: number[];
  write: number[];
  writeCpu: number[];
  writeZstd: number[];
  writeZstdCpu: number[];
  maxRssMb: number;
}

async function main(): Promise<void> {
  const rows = Number(values.rows);
  const repeats = Number(values.repeats);
  const cli = cliCommand(values.cli);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'latentflow-csv-ingest-'));
  try {
    const csv = path.join(dir, 'data.csv');
    const sample = path.join(dir, 'sample.csv');
    await writeCsv(csv, rows);
    await writeCsv(sample, Math.min(rows, FIT_ROWS));
    const megabytes = statSync(csv).size / 1e6;
    const model = path.join(dir, 'model');
    timedProcess(process.execPath, [...cli, 'fit', '-t', 'pca', '--k', '3', '-i', sample, '-m', model, '--no-progress']);

    const reads: Run[] = [];
    const scores: Run[] = [];
    const starts: Run[] = [];
    for (let i = 0; i < repeats; i++) {
      const read = timedProcess(process.execPath, ['--import', 'tsx', path.join(root, 'bench/csv-ingest.ts'), '--child-read', csv]);
      const inner = JSON.parse(read.stdout) as Run & { rows: number };
      if (inner.rows !== rows) throw new Error(`csv-source read ${inner.rows} rows, expected ${rows}`);
      reads.push(inner);
      const out = path.join(dir, `scored-${i}.parquet`);
      scores.push(timedProcess(process.execPath, [...cli, 'score', '-i', csv, '-m', model, '-o', out, '--no-progress']));
      rmSync(out);
      starts.push(timedProcess(process.execPath, [...cli, '--version']));
    }
    const py = runPythonPeer<PyarrowResult>(values.python, 'csv_ingest_pyarrow.py', [csv, path.join(dir, 'pyarrow.parquet'), String(repeats)]);
    if (py.rows !== rows) throw new Error(`pyarrow read ${py.rows} rows, expected ${rows}`);
    const pySeconds = py.read.map((r, i) => r + py.write[i]);
    const pyCpu = py.readCpu.map((r, i) => r + py.writeCpu[i]);
    const pyZstd: [number, number] = [median(py.read.map((r, i) => r + py.writeZstd[i])), median(py.readCpu.map((r, i) => r + py.writeZstdCpu[i]))];

    const wall = (runs: Run[]) => median(runs.map((r) => r.seconds));
    const cpu = (runs: Run[]) => median(runs.map((r) => r.cpuSeconds));
    const rss = (runs: Run[]) => Math.max(...runs.map((r) => r.maxRssMb));
    const row = (name: string, w: number, c: number, peak: number | undefined, ratioTo: [number, number] | undefined, isRate = true) =>
      `| ${name} | ${w.toFixed(2)} s | ${c.toFixed(2)} s | ${isRate ? `${Math.round(rows / w / 1000)}k` : ''} | ${isRate ? (megabytes / w).toFixed(1) : ''} | ${peak === undefined ? '' : `${Math.round(peak)} MB`} | ${ratioTo === undefined ? '' : `${(w / ratioTo[0]).toFixed(1)}x / ${(c / ratioTo[1]).toFixed(1)}x`} |`;
    const pyRead: [number, number] = [median(py.read), median(py.readCpu)];
    const pyAll: [number, number] = [median(pySeconds), median(pyCpu)];
    const lines = [
      `${rows.toLocaleString('en')} rows x ${COLUMNS} float columns, ${megabytes.toFixed(0)} MB CSV; median of ${repeats}; CPU = user + system, all threads.`,
      `CLI: ${cliText(values.cli)}; pyarrow ${py.pyarrow}; node ${process.version}; ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at the end.`,
      '',
      '| step | wall | CPU | rows/s | MB/s | peak RSS | ratio to pyarrow (wall / CPU) |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      row('latentflow csv-source read (-> null-sink)', wall(reads), cpu(reads), rss(reads), pyRead),
      row('latentflow `score` CSV -> Parquet (PCA k=3), whole process', wall(scores), cpu(scores), rss(scores), pyAll),
      row('  of which process start (`latentflow --version`)', wall(starts), cpu(starts), rss(starts), undefined, false),
      row('pyarrow read_csv', pyRead[0], pyRead[1], undefined, undefined),
      row('pyarrow read_csv + pq.write_table', pyAll[0], pyAll[1], py.maxRssMb, undefined),
      row("pyarrow read_csv + pq.write_table(compression='zstd')", pyZstd[0], pyZstd[1], undefined, undefined),
      '',
      `Ratios: read alone against read_csv; score against read_csv + write_table (target <= 3x). pyarrow's peak RSS holds the whole table.`,
      `pyarrow's default codec is snappy, latentflow's parquet-sink default zstd: against read_csv + a zstd write, the score is ${(wall(scores) / pyZstd[0]).toFixed(1)}x wall / ${(cpu(scores) / pyZstd[1]).toFixed(1)}x CPU.`,
    ];
    const text = lines.join('\n');
    console.log(text);
    if (values.out) await writeFile(values.out, `${text}\n`);
  } finally {
    if (values.keep) console.log(`files kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await (values['child-read'] !== undefined ? reportSourceRead('csv-source', values['child-read']) : main());
