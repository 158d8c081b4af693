import { describe, expect, it } from 'vitest';
import { fitSpec } from '../../src/cli/fit.js';
import { SpecError } from '../../src/errors.js';

/** The fit flags of mixed-type features set the same `features`, `kinds` and `encoding` params as YAML. */
const base = { input: 'train.csv', model: 'model', type: 'autoencoder' } as const;

describe('fit feature flags', () => {
  it('--features auto, --kind col=kind, --on-unknown and --max-one-hot become features, kinds and encoding', async () => {
    const spec = await fitSpec({ ...base, features: ['auto'], kind: { status: 'categorical', seen: 'timestamp' }, onUnknown: 'error', maxOneHot: 8 } as never);
    expect(spec.stages[0].params).toMatchObject({
      features: 'auto',
      kinds: new Map([
        ['status', 'categorical'],
        ['seen', 'timestamp'],
      ]),
      encoding: { onUnknown: 'error', maxOneHot: 8, hashBuckets: 64, minCategoryShare: 0.01, cyclic: ['hourOfDay', 'dayOfWeek'] },
    });
  });

  it('without the flags the defaults are the schema\'s: features numeric, no kinds, the default encoding', async () => {
    const spec = await fitSpec({ ...base } as never);
    expect(spec.stages[0].params).toMatchObject({ features: 'numeric', kinds: new Map(), encoding: { onUnknown: 'slot', maxOneHot: 32 } });
    expect((await fitSpec({ ...base, features: ['a', 'b'] } as never)).stages[0].params).toMatchObject({ features: ['a', 'b'] });
  });

  it('a kind that is not one of the declared kinds is a SpecError naming kinds.<column>', async () => {
    const error = await fitSpec({ ...base, kind: { status: 'colour' } } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecError);
    expect(String((error as SpecError).message)).toMatch(/kinds\.status/);
  });
});
