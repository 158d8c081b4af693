import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Every package a CLI process resolves while it starts and runs `--version` (module resolution hooks
 * print each resolved URL), so the test sees ESM and CommonJS loads alike.
 */
function packagesLoadedAtStart(): Set<string> {
  const hooks = `export async function resolve(s, c, next) { const r = await next(s, c); process.stderr.write('@@resolved ' + r.url + '\\n'); return r; }`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
  const run = spawnSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(register)}`, '--import', 'tsx', path.join(root, 'src/cli/bin.ts'), '--version'],
    { cwd: root, encoding: 'utf8', timeout: 60_000 },
  );
  expect(run.status, run.stderr).toBe(0);
  const packages = new Set<string>();
  for (const m of run.stderr.matchAll(/^@@resolved (.*)$/gm)) {
    const found = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(m[1]);
    if (found !== null) packages.add(found[1]);
  }
  return packages;
}

describe('CLI start', () => {
  it('loads no chart, PNG, Kafka, metrics or Parquet package until a stage uses one', { timeout: 90_000 }, () => {
    const loaded = packagesLoadedAtStart();
    // The probe works: packages every command needs are seen.
    expect(loaded.has('commander')).toBe(true);
    expect(loaded.has('apache-arrow')).toBe(true);
    for (const lazy of ['vega', 'vega-lite', '@resvg/resvg-js', 'pngjs', 'kafkajs', 'prom-client', 'parquet-wasm']) expect(loaded.has(lazy), lazy).toBe(false);
  });
});
