import { beforeAll, describe, expect, it } from 'vitest';
import { ModelConfigError } from '../../../src/errors.js';
import { roundTrip } from './round-trip.js';
import { Autoencoder } from '../../../src/models/autoencoder/autoencoder.js';
import { columnErrors, layoutBlocks, type ColumnEncoding } from '../../../src/models/feature-encoding.js';
import { gaussian, seededRandom } from '../../../src/models/random.js';
import { selectBackend } from '../../../src/runtime/backend.js';

/** An autoencoder over mixed-type column blocks: loss and score per block, each original column weighted the same. */
const columns: ColumnEncoding[] = [
  { column: 'x', kind: 'numeric' },
  { column: 'y', kind: 'numeric' },
  { column: 'c', kind: 'categorical', method: 'one-hot', categories: ['a', 'b', 'c'], buckets: 0, seen: [] },
  { column: 'f', kind: 'boolean' },
];
const layout = layoutBlocks(columns);

/** Rows where the category is the sign pattern of x, y and the flag is x > 0. */
function rows(n: number, seed: number) {
  const random = seededRandom(seed);
  const data = new Float32Array(n * layout.width);
  for (let r = 0; r < n; r++) {
    const x = gaussian(random);
    const y = gaussian(random);
    const at = r * layout.width;
    data[at] = x;
    data[at + 1] = y;
    data[at + 2 + (x > 0 ? 0 : y > 0 ? 1 : 2)] = 1;
    data[at + 8] = x > 0 ? 1 : 0;
  }
  return { data, rows: n, cols: layout.width };
}

beforeAll(async () => {
  await selectBackend();
});

describe('autoencoder with column blocks', () => {
  it('by default (scoreBy: reconstruction) scores each row by the mean over original columns of the column errors (squared error, cross-entropy)', async () => {
    const ae = new Autoencoder(layout.width, { epochs: 5, seed: 3 }, layout.blocks);
    try {
      await ae.fit(rows(300, 1));
      expect(ae.config).toMatchObject({ scoreBy: 'reconstruction', neighbors: null });
      const x = rows(50, 2);
      const perColumn = columnErrors(ae.featureErrors(x), layout, ['x', 'y', 'c', 'f']);
      const s = ae.score(x);
      for (let r = 0; r < x.rows; r++) {
        const mean = (perColumn.data[r * 4] + perColumn.data[r * 4 + 1] + perColumn.data[r * 4 + 2] + perColumn.data[r * 4 + 3]) / 4;
        expect(s[r]).toBeCloseTo(mean, 4);
      }
      // Cross-entropy is >= 0 and a wrong category costs more than the right one.
      expect(perColumn.data.every((v) => v >= 0)).toBe(true);
    } finally {
      ae.dispose();
    }
  }, 60_000);

  it('with scoreBy: standardized divides each column error by its training mean (training rows average 1); code neighbours are an option', async () => {
    const ae = new Autoencoder(layout.width, { epochs: 5, seed: 3, scoreBy: 'standardized' }, layout.blocks);
    const withNeighbors = new Autoencoder(layout.width, { epochs: 5, seed: 3, neighbors: { k: 5, weight: 0.5 } }, layout.blocks);
    try {
      const train = rows(300, 1);
      await ae.fit(train);
      expect(ae.config.scoreBy).toBe('standardized');
      const scale = ae.scoring!.columnScale!;
      expect(scale).toHaveLength(layout.blocks.length);
      // Blocks come in slot order; column errors come in the order asked for.
      const perColumn = columnErrors(ae.featureErrors(train), layout, layout.blocks.map((b) => b.column));
      const s = ae.score(train);
      let mean = 0;
      for (let r = 0; r < train.rows; r++) {
        let expected = 0;
        for (let c = 0; c < scale.length; c++) expected += perColumn.data[r * scale.length + c] / scale[c];
        expect(s[r]).toBeCloseTo(expected / scale.length, 4);
        mean += s[r] / train.rows;
      }
      expect(mean).toBeCloseTo(1, 4);
      expect(ae.config.neighbors).toBeNull();
      await withNeighbors.fit(train);
      expect(withNeighbors.neighbors).toMatchObject({ k: 5, weight: 0.5 });
      expect(Array.from(withNeighbors.score(train)).every(Number.isFinite)).toBe(true);
      // Saved and loaded, it scores the same; a file whose column scales are damaged is refused.
      const loaded = await roundTrip(ae);
      expect(Array.from(loaded.score(train))).toEqual(Array.from(s));
      loaded.dispose();
      const damaged = roundTrip(ae, (state) => ({ ...state, scoring: { columnScale: scale.slice(1) } }));
      await expect(damaged).rejects.toThrow(/columnScale, 4 numbers > 0\); the file is damaged/);
    } finally {
      ae.dispose();
      withNeighbors.dispose();
    }
  }, 60_000);

  it('a row whose category contradicts its numbers scores higher once trained', async () => {
    const ae = new Autoencoder(layout.width, { seed: 3, codeSize: 2 }, layout.blocks);
    try {
      await ae.fit(rows(1500, 4));
      const x = rows(200, 5);
      const wrong = new Float32Array(x.data);
      for (let r = 0; r < x.rows; r++) {
        const at = r * layout.width + 2;
        const hot = [0, 1, 2].find((j) => wrong[at + j] === 1)!;
        wrong[at + hot] = 0;
        wrong[at + ((hot + 1) % 3)] = 1;
      }
      const right = ae.score(x);
      const contradicted = ae.score({ ...x, data: wrong });
      let higher = 0;
      for (let r = 0; r < x.rows; r++) higher += contradicted[r] > right[r] ? 1 : 0;
      expect(higher / x.rows).toBeGreaterThan(0.9);
    } finally {
      ae.dispose();
    }
  }, 120_000);

  it('refuses options that define the loss or score otherwise (ModelConfigError naming the option)', () => {
    expect(() => new Autoencoder(layout.width, { scoreBy: 'balanced' }, layout.blocks)).toThrow(ModelConfigError);
    expect(() => new Autoencoder(layout.width, { loss: 'bce', outputActivation: 'sigmoid' }, layout.blocks)).toThrow(/loss/);
    expect(() => new Autoencoder(layout.width + 1, {}, layout.blocks)).toThrow(/blocks/);
  });
});
