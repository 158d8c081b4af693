import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { tsne } from '../../src/stages/tsne.js';
import { collect, testContext } from '../helpers/context.js';
import { clusterSet } from '../helpers/map-stage.js';

describe('tsne stage', () => {
  it('fails while buffering, above maxRows, with a DataError that suggests the umap stage', async () => {
    let pulled = 0;
    const counting = (async function* () {
      for (const b of [...clusterSet, ...clusterSet]) {
        pulled++;
        yield b;
      }
    })();
    const stage = tsne.create(tsne.params.parse({ maxRows: 300 }), testContext());
    const error = await collect(stage.transform(counting)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toMatch(/tsne: 400 rows exceed maxRows=300; t-SNE is for small sets.*Use the umap stage/);
    expect(pulled).toBe(2);
  });
});
