import { describe, expect, it } from 'vitest';
import { LatentflowError } from '../../src/errors.js';
import { ModelSlots } from '../../src/contract/model-slots.js';
import { allStages, stageDefinition, stageTypes } from '../../src/pipeline/registry.js';

/** How a fitted model travels from its fit stage to later stages of the same run, and who frees it. */
describe('ModelSlots', () => {
  it('a consumer that asks before the fit finishes gets the model once it is published', async () => {
    const slots = new ModelSlots();
    const waiting = slots.get<{ name: string }>('fit');
    slots.publish('fit', { name: 'pca' });
    await expect(waiting).resolves.toEqual({ name: 'pca' });
    await expect(slots.get('fit')).resolves.toEqual({ name: 'pca' });
  });

  it('publishing the same id twice is E_PIPELINE naming the id; the first model stays', async () => {
    const slots = new ModelSlots();
    slots.publish('m', 1);
    let error: unknown;
    try {
      slots.publish('m', 2);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LatentflowError);
    expect((error as LatentflowError).code).toBe('E_PIPELINE');
    expect((error as Error).message).toBe('model "m" was published twice; stage ids must be unique');
    await expect(slots.get('m')).resolves.toBe(1);
  });

  it('a failed fit rejects every waiter with its cause; a later failure or a failure after publishing changes nothing', async () => {
    const slots = new ModelSlots();
    const a = slots.get('f');
    const b = slots.get('f');
    const cause = new Error('diverged');
    slots.fail('f', cause);
    slots.fail('f', new Error('second'));
    await expect(a).rejects.toBe(cause);
    await expect(b).rejects.toBe(cause);
    // A failed slot is settled: publishing into it is the same programming error as publishing twice.
    expect(() => slots.publish('f', 1)).toThrow(/published twice/);

    const ok = new ModelSlots();
    ok.publish('g', 'model');
    ok.fail('g', new Error('too late'));
    await expect(ok.get('g')).resolves.toBe('model');
  });

  it('a slot nobody waits on does not turn a failure into an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const slots = new ModelSlots();
      slots.declare('lonely');
      slots.fail('lonely', new Error('nobody listens'));
      void slots.loadOnce('/bad', () => Promise.reject(new Error('cannot load')));
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });

  it('has() tells declared fit ids from paths', () => {
    const slots = new ModelSlots();
    expect(slots.has('fit')).toBe(false);
    slots.declare('fit');
    expect(slots.has('fit')).toBe(true);
    expect(slots.has('models/fit')).toBe(false);
    slots.get('other');
    expect(slots.has('other')).toBe(true);
  });

  it('loadOnce loads a directory once for every caller, and dispose frees each loaded model once', async () => {
    const slots = new ModelSlots();
    let loads = 0;
    const disposed: string[] = [];
    const load = (name: string) => async () => {
      loads++;
      return { name, dispose: () => disposed.push(name) };
    };
    const [a, b] = await Promise.all([slots.loadOnce('/m/a', load('a')), slots.loadOnce('/m/a', load('a-again'))]);
    expect(a).toBe(b);
    expect(a.name).toBe('a');
    await slots.loadOnce('/m/b', load('b'));
    expect(loads).toBe(2);
    await expect(slots.loadOnce('/m/bad', () => Promise.reject(new Error('damaged')))).rejects.toThrow('damaged');
    await slots.dispose();
    expect(disposed).toEqual(['a', 'b']);
    await slots.dispose();
    expect(disposed).toEqual(['a', 'b']);
    // After dispose the registry is empty: the next load loads again.
    await slots.loadOnce('/m/a', load('fresh'));
    expect(loads).toBe(3);
  });

  it('dispose skips models without a dispose method', async () => {
    const slots = new ModelSlots();
    await slots.loadOnce('/plain', async () => ({}));
    await expect(slots.dispose()).resolves.toBeUndefined();
  });
});

describe('stage registry', () => {
  it('finds every stage by its YAML type and nothing else', () => {
    for (const def of allStages()) expect(stageDefinition(def.type)).toBe(def);
    expect(stageDefinition('no-such-stage')).toBeUndefined();
    expect(stageDefinition('constructor')).toBeUndefined();
  });

  it('lists types by kind in registration order, and all of them without a kind', () => {
    expect(stageTypes('source')).toEqual(['csv-source', 'ipc-source', 'parquet-source', 'kafka-source', 'table-source']);
    expect(stageTypes('sink')).toEqual(['csv-sink', 'ipc-sink', 'parquet-sink', 'null-sink', 'image-grid-sink', 'histogram-sink', 'plot-sink', 'report-sink', 'kafka-sink', 'table-sink']);
    expect(stageTypes('transform')).toContain('pca-fit');
    expect(stageTypes('transform')).not.toContain('csv-sink');
    expect(stageTypes()).toEqual(allStages().map((d) => d.type));
    expect(stageTypes().length).toBe(stageTypes('source').length + stageTypes('transform').length + stageTypes('sink').length);
  });
});
