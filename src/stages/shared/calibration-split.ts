import { DataError, ModelStateError } from '../../errors.js';
import type { CalibrationState } from '../../models/conformal.js';
import { concatRows, takeRows, type Matrix } from '../../models/matrix.js';
import { permutation, seededRandom } from '../../models/random.js';

/** The training rows of a fit split in two: what the scaler and model see, and the held-out calibration rows. */
export interface CalibrationSplit {
  /** The training parts, each keeping its rows in their original order. */
  train: Matrix[];
  /** The held-out rows (in their original order), or undefined when `fraction` is 0. */
  calibration: Matrix | undefined;
}

/**
 * Holds out floor(rows · fraction) rows, chosen by `seed`, from `parts` (the extracted valid rows). With
 * fraction 0 the parts come back unchanged, so a fit without calibration trains on exactly what it did
 * before. The held-out rows must be kept from the scaler as well as the model: the conformal guarantee
 * needs their scores to be exchangeable with those of new rows, which a scaler fitted on them would break.
 * Throws DataError when a fraction > 0 holds out no row, or leaves fewer than 2 rows to train on.
 */
export function splitCalibration(parts: readonly Matrix[], cols: number, fraction: number, seed: number): CalibrationSplit {
  if (fraction === 0) return { train: [...parts], calibration: undefined };
  const rows = parts.reduce((n, part) => n + part.rows, 0);
  const held = Math.floor(rows * fraction);
  if (held < 1 || rows - held < 2) {
    throw new DataError(
      `calibrationSplit=${fraction} of ${rows} valid training rows holds out ${held} and trains on ${rows - held}; a calibrated fit needs at least 1 calibration row and 2 training rows: add rows or change calibrationSplit`,
      { expected: 'at least 1 calibration row and 2 training rows', received: `${held} and ${rows - held}` },
      { code: 'E_TOO_FEW_ROWS' },
    );
  }
  const isHeld = new Uint8Array(rows);
  const order = permutation(rows, seededRandom(seed));
  for (let i = 0; i < held; i++) isHeld[order[i]] = 1;
  const train: Matrix[] = [];
  const heldParts: Matrix[] = [];
  let at = 0;
  for (const part of parts) {
    const keep: number[] = [];
    const out: number[] = [];
    for (let r = 0; r < part.rows; r++) (isHeld[at + r] ? out : keep).push(r);
    at += part.rows;
    train.push(keep.length === part.rows ? part : takeRows(part, keep));
    if (out.length > 0) heldParts.push(takeRows(part, out));
  }
  return { train: train.filter((part) => part.rows > 0), calibration: concatRows(heldParts, cols) };
}

/**
 * The calibration state of `scores` (the held-out rows' scores from the fitted model). A non-finite score
 * cannot be compared with new rows' scores, so it is refused like a non-finite training score.
 */
export function calibrationState(scores: ArrayLike<number>, fraction: number, kind: string): CalibrationState {
  const sorted = Array.from(scores);
  const bad = sorted.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new ModelStateError(`${kind}: calibration row ${bad} scores ${sorted[bad]}, so p-values cannot be computed; the fit diverged or the data is degenerate: check the feature values`);
  }
  sorted.sort((a, b) => a - b);
  return { fraction, scores: sorted };
}
