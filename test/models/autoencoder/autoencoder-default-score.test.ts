import { describe, expect, test } from 'vitest';
import { resolveAutoencoderConfig } from '../../../src/models/autoencoder/autoencoder-config.js';
import { MANIFOLD_SCORE_MAX_FEATURES } from '../../../src/models/autoencoder/autoencoder-options.js';

describe('default autoencoder score by input width', () => {
  test('tabular widths default to balanced; image widths (784 pixels) to standardized, whose stats are O(d)', () => {
    expect(resolveAutoencoderConfig(9).scoreBy).toBe('balanced');
    expect(resolveAutoencoderConfig(MANIFOLD_SCORE_MAX_FEATURES).scoreBy).toBe('balanced');
    expect(resolveAutoencoderConfig(MANIFOLD_SCORE_MAX_FEATURES + 1).scoreBy).toBe('standardized');
    expect(resolveAutoencoderConfig(784).scoreBy).toBe('standardized');
  });

  test('an explicit scoreBy wins at any width', () => {
    expect(resolveAutoencoderConfig(784, { scoreBy: 'balanced' }).scoreBy).toBe('balanced');
    expect(resolveAutoencoderConfig(9, { scoreBy: 'reconstruction' }).scoreBy).toBe('reconstruction');
  });
});
