import { describe, expect, it } from 'vitest';
import { vegaLiteToSvg } from '../../src/plots/render.js';
import { scatterSpec } from '../../src/plots/scatter.js';

describe('chart titles', () => {
  it('a scatter whose axes and legend are named like Object.prototype members renders with those names', async () => {
    const points = Array.from({ length: 12 }, (_, i) => ({ x: i, y: (i * 7) % 5, color: i % 3 === 0 ? 'a' : 'b' }));
    const spec = scatterSpec(points, { colorField: 'hasOwnProperty', colorType: 'nominal', xTitle: 'constructor', yTitle: 'toString', title: 'valueOf' });
    const svg = await vegaLiteToSvg(spec);
    for (const name of ['hasOwnProperty', 'constructor', 'toString', 'valueOf']) expect(svg).toContain(name);
  });
});
