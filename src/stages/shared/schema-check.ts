import type { Schema } from 'apache-arrow';
import { checkColumns, checkPresent, isNumericField } from '../../io/features.js';
import type { Detector } from '../../models/detector.js';
import type { Logger } from '../../runtime/logger.js';

/**
 * Checks an input schema against a model once per stream: missing feature columns are a DataError naming
 * them; numeric columns the model does not use are named in a warning (they pass through unchanged), since
 * a column the user expected to be scored but was not is a silent mistake otherwise.
 */
export function checkInputSchema(schema: Schema, detector: Detector, logger: Logger, produced: readonly string[] = []): void {
  // An encoded model reads each column by its kind; missing ones are named here, bad values where they are read.
  if (detector.encoding === null) checkColumns(schema, detector.features);
  else checkPresent(schema, detector.features);
  const extra = schema.fields
    .filter((f) => isNumericField(f) && !detector.features.includes(f.name) && !produced.includes(f.name))
    .map((f) => f.name);
  if (extra.length > 0) {
    logger.warn({ extraColumns: extra, features: detector.features }, `numeric columns not used by the model pass through unchanged: ${extra.join(', ')}`);
  }
}
